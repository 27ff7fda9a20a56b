//! `make invoke`, the way to run what `sam local invoke` runs without Docker: every
//! function, as `sam build` built it, answers its `events/` file with its success status
//! through `scripts/invoke.py`, with the environment SAM computes from `template.yaml` and
//! `env.json`, against a table provisioned from the template and seeded by `seed-events`.

use std::process::Command;

use dossier_tests::events::{FUNCTIONS, event_answer_holds};
use dossier_tests::{endpoint, workspace_root};
use serde_json::Value;

#[test]
fn every_function_answers_its_event_through_make_invoke() {
    let root = workspace_root();
    let venv_bin = root.join(".venv/bin");
    let path = format!(
        "{}:{}",
        venv_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (function, expected, _) in FUNCTIONS {
        let output = Command::new(venv_bin.join("python"))
            .arg(root.join("scripts/invoke.py"))
            .arg(function)
            .args(["--no-build", "--endpoint", &endpoint()])
            .arg("--seeder")
            .arg(env!("CARGO_BIN_EXE_seed-events"))
            .env("PATH", &path)
            .current_dir(&root)
            .output()
            .expect("running scripts/invoke.py");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{function}: {stderr}");
        let response: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{function}: not JSON ({e}): {stderr}"));
        match expected {
            Some(status) => assert_eq!(response["statusCode"], status, "{function}: {response}"),
            None => assert!(
                event_answer_holds(function, &response),
                "{function}: {response}"
            ),
        }
    }
}
