//! What the `dossier-admin` test binaries share: running the binary as an operator would.

use std::process::Command;

use dossier_tests::endpoint;

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `dossier-admin args` against moto, with `TABLE_NAME=table` if given.
pub fn admin(args: &[&str], table: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dossier-admin"));
    command
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("TABLE_NAME")
        .env_remove("ANCHOR_BUCKET")
        .env_remove("ANCHOR_KEY_ID")
        .env_remove("BUCKET_NAME")
        .env_remove("INDEX_BUCKET");
    if let Some(table) = table {
        command.env("TABLE_NAME", table);
    }
    let output = command.output().expect("running dossier-admin");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}
