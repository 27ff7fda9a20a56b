//! The `dossier-local` command line: a misspelt or unknown flag is an error that names it,
//! never silently ignored (a server started with `--prot 8080` would otherwise listen on
//! the default port).

use std::process::Command;

fn dossier_local(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_dossier-local"))
        .args(args)
        .env_remove("DOSSIER_DATA")
        .env_remove("PORT")
        .output()
        .expect("running dossier-local");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
    (output.status.code().expect("an exit code"), stderr)
}

#[test]
fn unknown_and_misspelt_flags_are_refused_by_name() {
    for (args, named) in [
        (&["serve", "--prot", "8080"][..], "--prot"),
        (&["serve", "--data"], "--data"),
        (
            &[
                "token", "--sub", "a", "--agency", "parks", "--role", "clerk",
            ],
            "--role",
        ),
        (
            &[
                "token", "--sub", "a", "--agency", "Parks", "--roles", "clerk",
            ],
            "Parks",
        ),
        (&["sreve"], "sreve"),
    ] {
        let (code, stderr) = dossier_local(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
    let (code, stderr) = dossier_local(&["serve", "--help"]);
    assert_eq!(code, 0, "{stderr}");
}
