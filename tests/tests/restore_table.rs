//! `scripts/restore-table.sh`, run with bash against fake `aws` and `sam` commands that
//! record every call: its usage errors, its dry run (the plan, with no AWS call at all),
//! and a whole run whose calls must be the planned ones, in order.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use dossier_tests::workspace_root;

/// A fake `aws`: appends its arguments (one line per call, each argument in brackets) to
/// `$FAKE_LOG`, then behaves as `$FAKE_AWS` says: `fail` (exit 97, whatever was asked),
/// `ok` (canned answers of a stack on its own table), `restored` (a stack that already
/// runs on a restored table).
const FAKE_AWS: &str = r#"#!/usr/bin/env bash
{ printf 'aws'; printf ' [%s]' "$@"; printf '\n'; } >> "$FAKE_LOG"
case ${FAKE_AWS:-fail} in
  fail) exit 97 ;;
esac
case "$1 $2" in
  "cloudformation describe-stacks")
    if [[ $* == *StackTableName* ]]; then
      if [[ $FAKE_AWS == restored ]]; then
        printf 'StackTableName\tdossier-dev-RecordsTable-1A2B\nTableName\tdossier-dev-RecordsTable-1A2B-restored-20261101T000000Z\n'
      else
        printf 'StackTableName\tdossier-dev-RecordsTable-1A2B\nTableName\tdossier-dev-RecordsTable-1A2B\n'
      fi
    else
      printf '%s\n' "$FAKE_TABLE_NOW"
    fi ;;
  "dynamodb restore-table-to-point-in-time")
    printf 'arn:aws:dynamodb:eu-west-1:123456789012:table/%s\n' "$FAKE_TABLE_NOW" ;;
esac
exit 0
"#;

/// A fake `sam`: records its call (and working directory); fails unless `$FAKE_AWS` is `ok`.
const FAKE_SAM: &str = r#"#!/usr/bin/env bash
{ printf 'sam'; printf ' [%s]' "$@"; printf ' (in %s)\n' "$PWD"; } >> "$FAKE_LOG"
[[ ${FAKE_AWS:-fail} == ok ]] || exit 97
"#;

const STACK_TABLE: &str = "dossier-dev-RecordsTable-1A2B";
const TARGET: &str = "dossier-dev-restored-drill";

/// A scratch directory with `bin/aws` and `bin/sam`, removed on drop.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "dossier-restore-table-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).expect("sandbox");
        for (name, text) in [("aws", FAKE_AWS), ("sam", FAKE_SAM)] {
            let path = dir.join("bin").join(name);
            std::fs::write(&path, text).expect("fake command");
            make_executable(&path);
        }
        Self { dir }
    }

    fn log(&self) -> PathBuf {
        self.dir.join("calls.log")
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Runs `script` with bash, the fakes first on PATH, no region in the environment,
    /// stdin closed, in the sandbox.
    fn run_script(&self, script: &Path, mode: &str, args: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new("bash")
            .arg(script)
            .args(args)
            .current_dir(&self.dir)
            .env("PATH", path)
            .env("FAKE_LOG", self.log())
            .env("FAKE_AWS", mode)
            .env("FAKE_TABLE_NOW", TARGET)
            .env_remove("AWS_REGION")
            .env_remove("AWS_DEFAULT_REGION")
            .stdin(Stdio::null())
            .output()
            .expect("bash runs")
    }

    /// The project's script, with fakes that fail.
    fn run(&self, args: &[&str]) -> Output {
        self.run_script(&script(), "fail", args)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn script() -> PathBuf {
    workspace_root().join("scripts/restore-table.sh")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    )
}

fn assert_usage_error(output: &Output, message: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", describe(output));
    let err = stderr(output);
    assert!(
        err.contains(message),
        "expected {message:?}: {}",
        describe(output)
    );
    assert!(
        err.contains("Usage: scripts/restore-table.sh"),
        "no usage: {}",
        describe(output)
    );
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// `unix` seconds as ISO 8601 wall-clock time at `offset` seconds east of UTC, with its
/// zone (`Z` for 0, else `+HH:MM` / `-HH:MM`).
fn iso(unix: i64, offset: i64) -> String {
    // Wall-clock time at the offset is UTC's display of the shifted instant, without its
    // milliseconds and `Z`.
    let wall = shared::clock::Timestamp::from_millis((unix + offset) * 1000).to_string();
    let zone = if offset == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let minutes = offset.abs() / 60;
        format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    };
    format!("{}{zone}", &wall[..19])
}

/// The one line of `text` holding all of `needles`.
fn line_with<'a>(text: &'a str, needles: &[&str]) -> &'a str {
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| needles.iter().all(|needle| line.contains(needle)))
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "expected one line with {needles:?} in:\n{text}"
    );
    lines[0]
}

fn assert_contains_all(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "{part:?} missing from: {line}");
    }
}

#[test]
fn the_date_helper_is_right() {
    assert_eq!(iso(0, 0), "1970-01-01T00:00:00Z");
    assert_eq!(iso(1_700_000_000, 0), "2023-11-14T22:13:20Z");
    assert_eq!(iso(951_825_600, 0), "2000-02-29T12:00:00Z");
    assert_eq!(
        iso(1_700_000_000, 5 * 3600 + 1800),
        "2023-11-15T03:43:20+05:30"
    );
    assert_eq!(iso(1_700_000_000, -8 * 3600), "2023-11-14T14:13:20-08:00");
}

#[test]
fn a_missing_stack_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&["--time", "latest", "--region", "eu-west-1", "--dry-run"]);
    assert_usage_error(&output, "--stack is required");
    let output = sandbox.run(&["--time", "latest", "--region", "eu-west-1"]);
    assert_usage_error(&output, "--stack is required");
    assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
}

#[test]
fn other_usage_errors() {
    let sandbox = Sandbox::new();
    let base = [
        "--stack",
        "dossier-dev",
        "--region",
        "eu-west-1",
        "--dry-run",
    ];
    let cases: [(&[&str], &str); 7] = [
        (
            &["--stack", "dossier-dev", "--region", "eu-west-1"],
            "--time is required",
        ),
        (
            &["--stack", "dossier-dev", "--time", "latest"],
            "--region is required",
        ),
        (
            &[&base[..], &["--time", "latest", "--bogus"]].concat(),
            "unknown argument: --bogus",
        ),
        (&[&base[..], &["--time"]].concat(), "--time needs a value"),
        (
            &[&base[..], &["--time", "latest", "--target-table", "a/b"]].concat(),
            "not a DynamoDB table name",
        ),
        // samconfig.toml's prod environment deploys dossier-prod, not dossier-dev.
        (
            &[&base[..], &["--time", "latest", "--config-env", "prod"]].concat(),
            "deploys stack 'dossier-prod', not 'dossier-dev'",
        ),
        (
            &[&base[..], &["--time", "latest", "--config-env", "staging"]].concat(),
            "--config-env staging",
        ),
    ];
    for (args, message) in cases {
        let output = sandbox.run(args);
        assert_usage_error(&output, message);
    }
    assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
}

#[test]
fn malformed_times_are_usage_errors() {
    let sandbox = Sandbox::new();
    let hour_ago = iso(unix_now() - 3600, 0);
    let malformed = [
        "yesterday".to_owned(),
        "2026-11-26".to_owned(),
        // No zone: ambiguous.
        hour_ago.trim_end_matches('Z').to_owned(),
        hour_ago.replace('T', " "),
        "2026-02-30T00:00:00Z".to_owned(),
        "2026-11-26T24:00:00Z".to_owned(),
        "2026-11-26T10:00:00+25:00".to_owned(),
        "1764150000".to_owned(),
        format!("{hour_ago}x"),
    ];
    for time in &malformed {
        let output = sandbox.run(&[
            "--stack",
            "dossier-dev",
            "--region",
            "eu-west-1",
            "--time",
            time,
            "--dry-run",
        ]);
        assert_usage_error(&output, "not an ISO 8601 date-time");
        assert!(
            stdout(&output).is_empty(),
            "a plan for {time}: {}",
            describe(&output)
        );
    }
    assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
}

#[test]
fn times_in_the_future_or_beyond_35_days_are_usage_errors() {
    let sandbox = Sandbox::new();
    let now = unix_now();
    let run = |time: &str| {
        sandbox.run(&[
            "--stack",
            "dossier-dev",
            "--region",
            "eu-west-1",
            "--time",
            time,
            "--dry-run",
        ])
    };
    for future in [
        iso(now + 3600, 0),
        iso(now + 120, 0),
        iso(now + 3600, -3 * 3600),
    ] {
        assert_usage_error(&run(&future), "in the future");
    }
    assert_usage_error(&run(&iso(now - 36 * 86_400, 0)), "more than 35 days ago");
    // The wall clock of +05:00 is ahead of UTC, but this instant is an hour ago: accepted,
    // and restored at the same instant in UTC.
    let output = run(&iso(now - 3600, 5 * 3600));
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let plan = stdout(&output);
    let restore = line_with(&plan, &["aws dynamodb restore-table-to-point-in-time"]);
    assert!(
        restore.contains(&format!("--restore-date-time {}", iso(now - 3600, 0))),
        "{restore}"
    );
    assert!(sandbox.calls().is_empty(), "{:?}", sandbox.calls());
}

#[test]
fn a_dry_run_prints_the_exact_commands_and_calls_nothing() {
    let sandbox = Sandbox::new();
    let time = iso(unix_now() - 2 * 3600, 0);
    let output = sandbox.run(&[
        "--stack",
        "dossier-dev",
        "--time",
        &time,
        "--region",
        "eu-west-1",
        "--source-table",
        STACK_TABLE,
        "--target-table",
        TARGET,
        "--dry-run",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let plan = stdout(&output);
    let target = format!("--table-name {TARGET}");

    let restore = line_with(&plan, &["aws dynamodb restore-table-to-point-in-time"]);
    assert_contains_all(
        restore,
        &[
            "--region eu-west-1",
            &format!("--source-table-name {STACK_TABLE}"),
            &format!("--target-table-name {TARGET}"),
            &format!("--restore-date-time {time}"),
        ],
    );
    assert!(
        !restore.contains("--use-latest-restorable-time"),
        "{restore}"
    );
    let waits: Vec<&str> = plan
        .lines()
        .filter(|line| line.contains("aws dynamodb wait table-exists"))
        .collect();
    assert!(!waits.is_empty(), "no wait:\n{plan}");
    for wait in waits {
        assert!(wait.contains(&target), "{wait}");
    }
    let pitr = line_with(&plan, &["aws dynamodb update-continuous-backups"]);
    assert_contains_all(pitr, &[&target, "PointInTimeRecoveryEnabled=true"]);
    let ttl = line_with(&plan, &["aws dynamodb update-time-to-live"]);
    assert_contains_all(ttl, &[&target, "Enabled=true,AttributeName=expires_at"]);
    let protection = line_with(&plan, &[&format!("{target} --deletion-protection-enabled")]);
    assert!(
        protection.contains("aws dynamodb update-table"),
        "{protection}"
    );
    let deploy = line_with(
        &plan,
        &[
            "sam deploy --config-env dev",
            &format!("RestoredTableName=\"{TARGET}\""),
        ],
    );
    assert_contains_all(
        deploy,
        &[
            "--region eu-west-1",
            "--parameter-overrides",
            &format!("RestoredTableName=\"{TARGET}\""),
            // samconfig.toml's own overrides for dev are repeated, not dropped.
            "Stage=\"dev\"",
        ],
    );
    assert!(plan.contains("dossier-admin verify-chain"), "{plan}");
    // The way back: the same deploy with RestoredTableName empty.
    line_with(
        &plan,
        &[
            "sam deploy --config-env dev",
            "Stage=\"dev\"",
            "RestoredTableName=\"\"'",
        ],
    );
    // In the order they run.
    let position = |needle: &str| {
        plan.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {plan}"))
    };
    assert!(position("restore-table-to-point-in-time") < position("wait table-exists"));
    assert!(position("wait table-exists") < position("update-continuous-backups"));
    assert!(position("update-continuous-backups") < position("sam deploy"));
    assert!(plan.contains("Dry run: nothing was executed."), "{plan}");

    assert!(
        !sandbox.log().exists(),
        "the dry run called aws or sam: {:?}",
        sandbox.calls()
    );
}

#[test]
fn a_dry_run_without_a_source_table_uses_placeholders_and_defaults() {
    let sandbox = Sandbox::new();
    // No --config-env: samconfig.toml's environment whose stack_name is dossier-prod.
    let output = sandbox.run(&[
        "--stack",
        "dossier-prod",
        "--time",
        "latest",
        "--region",
        "eu-west-1",
        "--dry-run",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let plan = stdout(&output);
    let describe_stack = line_with(
        &plan,
        &[
            "aws cloudformation describe-stacks",
            "OutputKey=='StackTableName'",
        ],
    );
    assert_contains_all(
        describe_stack,
        &["--stack-name dossier-prod", "StackTableName"],
    );
    let restore = line_with(&plan, &["aws dynamodb restore-table-to-point-in-time"]);
    assert_contains_all(
        restore,
        &[
            "--use-latest-restorable-time",
            "--source-table-name '<StackTableName>'",
        ],
    );
    assert!(!restore.contains("--restore-date-time"), "{restore}");
    // The default target: <source>-restored-<UTC timestamp>.
    let target = restore
        .split("--target-table-name '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no target in {restore}"));
    let stamp = target
        .strip_prefix("<StackTableName>-restored-")
        .unwrap_or_else(|| panic!("target {target}"));
    assert_eq!(stamp.len(), 16, "{stamp}");
    assert!(
        stamp.char_indices().all(|(i, c)| match i {
            8 => c == 'T',
            15 => c == 'Z',
            _ => c.is_ascii_digit(),
        }),
        "{stamp}"
    );
    let deploy = line_with(
        &plan,
        &[
            "sam deploy --config-env prod",
            &format!("RestoredTableName=\"{target}\""),
        ],
    );
    assert!(
        deploy.contains(&format!("RestoredTableName=\"{target}\"")),
        "{deploy}"
    );
    assert!(plan.contains("WARNING (prod)"), "{plan}");
    assert!(
        !sandbox.log().exists(),
        "the dry run called aws or sam: {:?}",
        sandbox.calls()
    );
}

#[test]
fn the_fakes_catch_a_real_run() {
    // Without --dry-run, the same arguments reach AWS: proof that the fakes on PATH are
    // what the script calls, so their silence in the dry runs above means something.
    let sandbox = Sandbox::new();
    let output = sandbox.run(&[
        "--stack",
        "dossier-dev",
        "--time",
        "latest",
        "--region",
        "eu-west-1",
        "--no-deploy",
        "--yes",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with("aws [cloudformation] [describe-stacks]"),
        "{calls:?}"
    );
}

#[test]
fn without_yes_or_a_terminal_nothing_changes() {
    let sandbox = Sandbox::new();
    let output = sandbox.run_script(
        &script(),
        "ok",
        &[
            "--stack",
            "dossier-dev",
            "--time",
            "latest",
            "--region",
            "eu-west-1",
            "--no-deploy",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(
        stderr(&output).contains("pass --yes"),
        "{}",
        describe(&output)
    );
    let calls = sandbox.calls();
    assert_eq!(
        calls.len(),
        1,
        "only the read of the stack's outputs: {calls:?}"
    );
}

#[test]
fn a_stack_already_on_a_restored_table_needs_an_explicit_source() {
    let sandbox = Sandbox::new();
    let output = sandbox.run_script(
        &script(),
        "restored",
        &[
            "--stack",
            "dossier-dev",
            "--time",
            "latest",
            "--region",
            "eu-west-1",
            "--no-deploy",
            "--yes",
        ],
    );
    assert_usage_error(&output, "already runs on restored table");
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 1, "nothing but the read: {calls:?}");
}

#[test]
fn a_real_run_makes_the_planned_calls_in_order() {
    // A copy of the script in a scratch project (its samconfig.toml and a stand-in build),
    // so that the deploy step's preconditions hold without touching the workspace.
    let sandbox = Sandbox::new();
    let project = sandbox.dir.join("project");
    std::fs::create_dir_all(project.join("scripts")).unwrap();
    std::fs::create_dir_all(project.join(".aws-sam/build")).unwrap();
    std::fs::copy(script(), project.join("scripts/restore-table.sh")).unwrap();
    std::fs::copy(
        workspace_root().join("samconfig.toml"),
        project.join("samconfig.toml"),
    )
    .unwrap();
    std::fs::write(project.join(".aws-sam/build/template.yaml"), "{}\n").unwrap();
    let time = iso(unix_now() - 600, 0);

    let output = sandbox.run_script(
        &project.join("scripts/restore-table.sh"),
        "ok",
        &[
            "--stack",
            "dossier-dev",
            "--time",
            &time,
            "--region",
            "eu-west-1",
            "--target-table",
            TARGET,
            "--yes",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));

    let calls = sandbox.calls();
    let expected: [&[&str]; 12] = [
        &[
            "aws [cloudformation] [describe-stacks]",
            "[--stack-name] [dossier-dev]",
        ],
        &[
            "aws [dynamodb] [restore-table-to-point-in-time]",
            &format!("[--source-table-name] [{STACK_TABLE}]"),
            &format!("[--target-table-name] [{TARGET}]"),
            &format!("[--restore-date-time] [{time}]"),
        ],
        &[
            "aws [dynamodb] [wait] [table-exists]",
            &format!("[--table-name] [{TARGET}]"),
        ],
        &[
            "aws [dynamodb] [update-continuous-backups]",
            &format!("[{TARGET}]"),
        ],
        &[
            "aws [dynamodb] [update-time-to-live]",
            "[Enabled=true,AttributeName=expires_at]",
        ],
        &[
            "aws [dynamodb] [update-table]",
            "[--deletion-protection-enabled]",
        ],
        &["aws [dynamodb] [wait] [table-exists]"],
        &[
            "aws [dynamodb] [update-table]",
            "[StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES]",
        ],
        &["aws [dynamodb] [wait] [table-exists]"],
        &[
            "aws [dynamodb] [tag-resource]",
            &format!("[--resource-arn] [arn:aws:dynamodb:eu-west-1:123456789012:table/{TARGET}]"),
            "[Key=stage,Value=dev]",
        ],
        &[
            "sam [deploy] [--config-env] [dev] [--region] [eu-west-1] [--parameter-overrides] [Stage=\"dev\"",
            &format!(" RestoredTableName=\"{TARGET}\"]"),
            &format!("(in {})", project.display()),
        ],
        &[
            "aws [cloudformation] [describe-stacks]",
            "OutputKey=='TableName'",
        ],
    ];
    assert_eq!(calls.len(), expected.len(), "{calls:#?}");
    for (call, parts) in calls.iter().zip(expected) {
        assert_contains_all(call, parts);
    }
}
