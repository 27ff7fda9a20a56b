//! The SAM template, the function crates, the `events/` files and `env.json` agree, and the
//! template passes `sam validate --lint`. (`sam build` itself runs in `scripts/test.sh`,
//! before the tests, because the emulator tests run what it builds.)

use std::collections::BTreeSet;
use std::process::Command;

use dossier_tests::{CONFIG_VARIABLES, TABLE_INDEXES, TABLE_KEYS, env_json, workspace_root};
use serde_json::Value;

struct Function {
    logical_id: String,
    binary: String,
    /// `METHOD /path` of an HTTP API route, `SQS` for a queue consumer, `Schedule` for a
    /// scheduled function, `DynamoDB` for the table's stream.
    route: String,
    /// Whether its route is served without the JWT authorizer.
    public: bool,
    actions: Vec<String>,
}

impl Function {
    fn is_http(&self) -> bool {
        !matches!(self.route.as_str(), "SQS" | "Schedule" | "DynamoDB")
    }
}

fn template() -> String {
    std::fs::read_to_string(workspace_root().join("template.yaml")).expect("template.yaml")
}

/// The functions of the template: a deliberately small reader of its fixed layout.
fn functions() -> Vec<Function> {
    let text = template();
    let mut functions = Vec::new();
    let mut current: Option<Function> = None;
    let resources = text
        .lines()
        .skip_while(|line| *line != "Resources:")
        .take_while(|line| *line != "Outputs:");
    for line in resources {
        let is_resource =
            line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':');
        if is_resource {
            functions.extend(current.take());
            let name = line.trim().trim_end_matches(':');
            if name.ends_with("Function") {
                current = Some(Function {
                    logical_id: name.to_owned(),
                    binary: String::new(),
                    route: String::new(),
                    public: false,
                    actions: Vec::new(),
                });
            }
        }
        let Some(function) = current.as_mut() else {
            continue;
        };
        let trimmed = line.trim();
        if let Some(binary) = trimmed.strip_prefix("Binary: ") {
            function.binary = binary.to_owned();
        }
        if let Some(rest) = trimmed.strip_prefix("Properties: { ApiId: !Ref HttpApi, Method: ") {
            let (method, rest) = rest.split_once(", Path: \"").expect("Method and Path");
            let path = rest.split('"').next().unwrap_or_default();
            function.route = format!("{method} {path}");
            function.public = rest.contains("Auth: { Authorizer: NONE }");
        }
        if let Some(source @ ("SQS" | "Schedule" | "DynamoDB")) = trimmed.strip_prefix("Type: ") {
            function.route = source.to_owned();
        }
        if let Some(actions) = trimmed.strip_prefix("Action: [") {
            function.actions.extend(
                actions
                    .trim_end_matches(']')
                    .split(',')
                    .map(|a| a.trim().to_owned()),
            );
        }
    }
    functions.extend(current);
    functions
}

#[test]
fn only_the_public_routes_go_without_the_authorizer() {
    let text = template();
    assert!(text.contains("DefaultAuthorizer: JwtAuthorizer"));
    let functions = functions();
    for function in functions.iter().filter(|f| f.is_http()) {
        let public_path = function.route.split(' ').nth(1).unwrap_or_default();
        assert_eq!(
            function.public,
            public_path.starts_with("/public/"),
            "{} ({})",
            function.logical_id,
            function.route
        );
        if function.public {
            // Its own, lower throttling; read-only access, but for a public submission
            // (a records request), which may put new items and acknowledge it by email,
            // and nothing else.
            assert!(
                text.contains(&format!("        \"{}\":\n", function.route)),
                "{} has no RouteSettings",
                function.route
            );
            let submits = function.route.starts_with("POST ");
            assert!(
                function.actions.iter().all(|action| matches!(
                    action.as_str(),
                    "dynamodb:GetItem"
                        | "dynamodb:Query"
                        | "s3:GetObjectVersion"
                        | "s3:GetObject"
                        | "kms:Decrypt"
                ) || (submits
                    && matches!(action.as_str(), "dynamodb:PutItem" | "ses:SendEmail"))),
                "{}: {:?}",
                function.logical_id,
                function.actions
            );
        }
    }
    assert!(functions.iter().any(|f| f.public));
}

#[test]
fn every_function_crate_has_a_template_entry_and_an_event() {
    let crates: BTreeSet<String> = std::fs::read_dir(workspace_root().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let functions = functions();
    let binaries: BTreeSet<String> = functions.iter().map(|f| f.binary.clone()).collect();
    assert_eq!(binaries, crates, "functions/ and template.yaml disagree");
    for function in &functions {
        assert!(
            !function.route.is_empty(),
            "{} has no route",
            function.logical_id
        );
        let path = workspace_root()
            .join("events")
            .join(format!("{}.json", function.binary));
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("an event per function"))
                .unwrap();
        if function.route == "Schedule" {
            assert_eq!(event["source"], "aws.events", "{}", path.display());
            assert_eq!(event["detail-type"], "Scheduled Event");
            continue;
        }
        if function.route == "DynamoDB" {
            let change = &event["Records"][0];
            assert_eq!(change["eventSource"], "aws:dynamodb", "{}", path.display());
            // The table's own key attribute, as the stream names it.
            assert!(change["dynamodb"]["Keys"]["pk"]["S"].is_string());
            assert!(change["dynamodb"]["SequenceNumber"].is_string());
            continue;
        }
        if !function.is_http() {
            let message = &event["Records"][0];
            assert_eq!(message["eventSource"], "aws:sqs", "{}", path.display());
            let body: Value = serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
            if function.binary == "destroy-records" {
                // A destruction order, exactly as decide-disposition sends it.
                let order: shared::model::DestructionOrder =
                    serde_json::from_value(body).expect("a destruction order");
                assert_eq!(order.list.as_str(), dossier_tests::events::LIST_ID);
            } else {
                assert_eq!(body["Records"][0]["eventName"], "ObjectCreated:Put");
            }
            continue;
        }
        assert_eq!(
            event["routeKey"],
            function.route.as_str(),
            "{}",
            path.display()
        );
        assert_eq!(event["requestContext"]["routeKey"], function.route.as_str());
        assert_eq!(event["version"], "2.0");
    }
}

#[test]
fn the_anchors_cannot_be_rewritten_and_only_their_function_signs() {
    let text = template();
    for needle in [
        "KeySpec: ECC_NIST_P256",
        "KeyUsage: SIGN_VERIFY",
        "ObjectLockEnabled: true",
        "Mode: COMPLIANCE",
        "Days: !Ref AnchorRetentionDays",
        "Schedule: !Ref AnchorSchedule",
        "dossier-signer: anchors",
        "StringNotEquals: { aws:PrincipalTag/dossier-signer: anchors }",
        "Action: [s3:DeleteObject, s3:DeleteObjectVersion]",
        "AnchoringStoppedAlarm:",
    ] {
        assert!(text.contains(needle), "template.yaml lacks {needle}");
    }
    let anchoring = functions()
        .into_iter()
        .find(|f| f.route == "Schedule" && f.binary == "anchor-chains")
        .expect("the anchoring function");
    let signers: Vec<String> = functions()
        .into_iter()
        .filter(|f| f.actions.iter().any(|a| a == "kms:Sign"))
        .map(|f| f.logical_id)
        .collect();
    assert_eq!(signers, ["AnchorChainsFunction"]);
    // It reads the heads and writes anchors: nothing else of the table or the documents.
    for action in &anchoring.actions {
        assert!(
            !action.starts_with("dynamodb:") || action == "dynamodb:Scan",
            "{action}"
        );
    }
}

#[test]
fn read_routes_get_no_write_actions() {
    for function in functions() {
        assert!(
            !function.actions.is_empty(),
            "{} has no policy",
            function.logical_id
        );
        assert!(
            function.actions.iter().all(|a| {
                ["dynamodb:", "s3:", "sqs:", "kms:", "ses:"]
                    .iter()
                    .any(|service| a.starts_with(service))
                    && !a.contains('*')
            }),
            "{:?}",
            function.actions
        );
        if function.route.starts_with("GET ") {
            // The search functions read index files, which are written once under fresh
            // names in a bucket of their own: no versions to name.
            let reads_indexes = function.logical_id.ends_with("SearchFunction");
            let writes: Vec<_> = function
                .actions
                .iter()
                .filter(|a| !(reads_indexes && a.as_str() == "s3:GetObject"))
                .filter(|a| {
                    !matches!(
                        a.as_str(),
                        "dynamodb:GetItem"
                            | "dynamodb:BatchGetItem"
                            | "dynamodb:Query"
                            | "s3:GetObjectVersion"
                            | "kms:Decrypt"
                    )
                })
                .collect();
            assert!(
                writes.is_empty(),
                "{} may write, or read more than a named version: {writes:?}",
                function.logical_id
            );
        }
    }
}

#[test]
fn the_documents_pipeline_is_wired_safely() {
    let text = template();
    for needle in [
        // Only the ingest function consumes the queue, reporting failures per message.
        "FunctionResponseTypes: [ReportBatchItemFailures]",
        "maxReceiveCount: 5",
        "DocumentsDeadLetterAlarm:",
        // The bucket: private, encrypted, versioned, TLS only, unverified uploads expire.
        "BlockPublicAcls: true",
        "RestrictPublicBuckets: true",
        "SSEAlgorithm: aws:kms",
        "KMSMasterKeyID: !GetAtt DataKey.Arn",
        "Status: Enabled",
        "aws:SecureTransport: \"false\"",
        "Value: pending",
        "Value: documents/",
        "KmsMasterKeyId: !GetAtt DataKey.Arn",
    ] {
        assert!(text.contains(needle), "template.yaml lacks {needle}");
    }
    // Nothing may ever presign or read quarantined files but the function moving them.
    let mut consumers: Vec<String> = functions()
        .into_iter()
        .filter(|f| f.route == "SQS")
        .map(|f| f.binary)
        .collect();
    consumers.sort();
    assert_eq!(consumers, ["destroy-records", "ingest-document"]);
    for line in text.lines().filter(|l| l.contains("/quarantine/*")) {
        assert!(line.contains("DocumentsBucket.Arn"), "{line}");
    }
    assert_eq!(
        text.matches("/quarantine/*").count(),
        3,
        "only the ingest function, which moves them, the purge, which deletes them, and the \
         destruction worker, which reads their heads' retention dates"
    );
    let destroyer = functions()
        .into_iter()
        .find(|f| f.binary == "destroy-records")
        .expect("the destruction worker");
    let s3: Vec<_> = destroyer
        .actions
        .iter()
        .filter(|a| a.starts_with("s3:"))
        .collect();
    assert_eq!(
        s3,
        [
            "s3:ListBucketVersions",
            "s3:GetObjectVersion",
            "s3:GetObjectRetention"
        ],
        "the destruction worker reads versions' heads (their retention dates) and deletes nothing"
    );
    // The purge deletes versions and reads nothing.
    let purge = functions()
        .into_iter()
        .find(|f| f.binary == "purge-documents")
        .expect("the purge function");
    let s3: Vec<_> = purge
        .actions
        .iter()
        .filter(|a| a.starts_with("s3:"))
        .collect();
    assert_eq!(s3, ["s3:ListBucketVersions", "s3:DeleteObjectVersion"]);
}

#[test]
fn every_setting_is_declared_in_the_template_and_env_json() {
    let text = template();
    let env = env_json();
    let env_keys: BTreeSet<&str> = env
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        env_keys,
        CONFIG_VARIABLES.into_iter().collect(),
        "env.json must set exactly what the functions read"
    );
    for variable in CONFIG_VARIABLES {
        assert!(
            text.contains(&format!("        {variable}: ")),
            "template.yaml does not declare {variable}"
        );
    }
}

#[test]
fn the_test_table_matches_the_template() {
    let text = template();
    for key in TABLE_KEYS {
        assert!(
            text.contains(&format!("{{ AttributeName: {key}, AttributeType: S }}")),
            "{key}"
        );
    }
    for (index, pk, sk) in TABLE_INDEXES {
        assert!(text.contains(&format!("IndexName: {index}")), "{index}");
        assert!(
            text.contains(&format!("{{ AttributeName: {pk}, KeyType: HASH }}")),
            "{pk}"
        );
        assert!(
            text.contains(&format!("{{ AttributeName: {sk}, KeyType: RANGE }}")),
            "{sk}"
        );
    }
    assert!(text.contains("AttributeName: expires_at"), "TTL attribute");
}

#[tokio::test]
async fn event_tokens_verify_with_the_env_json_settings_and_public_events_carry_no_bearer() {
    let env = env_json();
    let config = shared::config::Config::from_lookup(|name| env[name].as_str().map(str::to_owned))
        .expect("env.json is a valid configuration");
    let verifier = config.verifier();
    for function in functions().into_iter().filter(Function::is_http) {
        let path = workspace_root()
            .join("events")
            .join(format!("{}.json", function.binary));
        let text = std::fs::read_to_string(&path).unwrap();
        let request = lambda_http::request::from_str(&text).expect("a valid API Gateway v2 event");
        let header = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if function.public {
            // A public route's event carries no bearer token: none is needed, none is
            // read. A requester's route carries their tracking token.
            assert!(
                header.is_none_or(|h| h.starts_with(shared::http::TRACKING_SCHEME)),
                "{}",
                path.display()
            );
            continue;
        }
        let caller = verifier
            .verify_header(header, shared::clock::Clock::system().now())
            .await;
        assert!(caller.is_ok(), "{}: {caller:?}", path.display());
    }
}

#[test]
fn sam_validate_lint_passes() {
    let sam = workspace_root().join(".venv/bin/sam");
    assert!(
        sam.exists(),
        "{} is missing: run `make test`",
        sam.display()
    );
    let output = Command::new(sam)
        .args(["validate", "--lint", "--template-file", "template.yaml"])
        .current_dir(workspace_root())
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .expect("running sam validate");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("is a valid SAM Template"), "{stdout}");
}

#[test]
fn only_the_notice_functions_send_email_and_only_as_the_stacks_sender() {
    let mut senders: Vec<String> = functions()
        .into_iter()
        .filter(|f| f.actions.iter().any(|a| a.starts_with("ses:")))
        .inspect(|f| {
            assert_eq!(
                f.actions.iter().filter(|a| a.starts_with("ses:")).count(),
                1
            )
        })
        .map(|f| f.binary)
        .collect();
    senders.sort();
    assert_eq!(
        senders,
        ["request-deadlines", "submit-request", "update-request"]
    );
    let text = template();
    let identity = "identity/${NoticeIdentity}\"";
    assert_eq!(
        text.matches(identity).count(),
        3,
        "each on the one identity"
    );
    assert_eq!(
        text.matches("ses:FromAddress: !Ref NoticeSender").count(),
        3,
        "each from the one sender"
    );
}

#[test]
fn the_local_server_serves_exactly_the_template_routes() {
    let template: BTreeSet<String> = functions()
        .into_iter()
        .filter(Function::is_http)
        .map(|f| f.route)
        .collect();
    let local: BTreeSet<String> = dossier_local::routes::Route::ALL
        .iter()
        .map(|route| {
            let (method, path) = route.key();
            format!("{method} {path}")
        })
        .collect();
    assert_eq!(local, template);
}

/// Runs a tool installed in `venv` (`.venv` or `.venv-lint`, see scripts/setup-venv.sh) from
/// the workspace root; panics with its output when it fails.
fn venv_tool(venv: &str, tool: &str, args: &[&str]) -> String {
    let path = workspace_root().join(venv).join("bin").join(tool);
    assert!(
        path.exists(),
        "{} is missing: run `make test`",
        path.display()
    );
    let output = Command::new(&path)
        .args(args)
        .current_dir(workspace_root())
        .env("SAM_CLI_TELEMETRY", "0")
        // checkov: no calls home (this machine has no internet, CI may not either).
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap_or_else(|e| panic!("running {tool}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{tool} {args:?} failed:\n{text}");
    text
}

#[test]
fn cfn_lint_and_checkov_find_nothing() {
    venv_tool(".venv", "cfn-lint", &["template.yaml"]);
    let report = venv_tool(
        ".venv-lint",
        "checkov",
        &[
            "--file",
            "template.yaml",
            "--framework",
            "cloudformation",
            "--compact",
            "--quiet",
            "--skip-download",
        ],
    );
    assert!(report.contains("Failed checks: 0"), "{report}");
    // Every skipped check says why, right where it is skipped.
    let text = template();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("- id: CKV_") {
            let next = lines.get(i + 1).map(|l| l.trim_start()).unwrap_or_default();
            assert!(next.starts_with("comment: "), "{line} has no comment");
        }
    }
}

#[test]
fn no_policy_of_ours_allows_a_wildcard() {
    let text = template();
    let mut resource = "";
    let mut allow = false;
    let mut checked = 0;
    for line in text.lines() {
        if line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':') {
            resource = line.trim().trim_end_matches(':');
            allow = false;
        }
        let trimmed = line.trim().trim_start_matches("- ");
        if let Some(effect) = trimmed.strip_prefix("Effect: ") {
            allow = effect == "Allow";
        }
        // A key policy's Resource "*" means the key itself; its admin statement is the
        // account root's, which IAM then narrows.
        if !allow || resource == "DataKey" || resource == "AnchorKey" {
            continue;
        }
        if trimmed.starts_with("Action:") {
            checked += 1;
            assert!(!trimmed.contains('*'), "{resource}: {trimmed}");
        }
        if trimmed.starts_with("Resource:") {
            assert!(!trimmed.contains("\"*\""), "{resource}: {trimmed}");
        }
    }
    assert!(checked > 20, "only {checked} Allow statements found");
}

#[test]
fn the_transformed_template_has_no_dependency_cycle() {
    // cfn-lint reads the template as written; CloudFormation refuses cycles that only
    // appear after the SAM transform (aliases, deployment groups, their alarms).
    for stage in ["dev", "prod"] {
        let path = workspace_root().join(".venv/bin/python");
        let output = Command::new(&path)
            .arg("scripts/check-template-graph.py")
            .current_dir(workspace_root())
            .env("STAGE", stage)
            .output()
            .expect("running scripts/check-template-graph.py");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stage}: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("no dependency cycle"), "{stdout}");
    }
}

#[test]
fn the_log_level_never_reaches_trace() {
    // At TRACE the Lambda runtime logs every raw event, Authorization header included.
    let text = template();
    let parameter = &text[text.find("  LogLevel:").expect("a LogLevel parameter")..];
    let allowed = parameter
        .lines()
        .find_map(|line| line.trim().strip_prefix("AllowedValues: "))
        .expect("LogLevel's allowed values");
    assert_eq!(allowed, "[DEBUG, INFO]");
    assert!(
        allowed.contains(dossier_tests::MOST_VERBOSE_LOG_LEVEL),
        "the token checks run at the most verbose level the template allows"
    );
}

#[test]
fn s3_uses_the_key_for_its_own_bucket_only_and_quarantine_expires() {
    let text = template();
    let statement = &text[text
        .find("Sid: S3NotificationsToEncryptedQueue")
        .expect("the S3 statement")..];
    let statement = &statement[..statement.find("- Sid:").unwrap_or(statement.len())];
    assert!(
        statement.contains("aws:SourceAccount: !Ref AWS::AccountId"),
        "{statement}"
    );
    assert!(
        statement.contains(
            "aws:SourceArn: !Sub \"arn:${AWS::Partition}:s3:::dossier-${Stage}-documents-${AWS::AccountId}-${AWS::Region}\""
        ),
        "{statement}"
    );
    let rule = &text[text
        .find("- Id: expire-quarantined")
        .expect("a quarantine rule")..];
    let rule: Vec<&str> = rule.lines().take(4).map(str::trim).collect();
    assert_eq!(
        rule,
        [
            "- Id: expire-quarantined",
            "Status: Enabled",
            "Prefix: quarantine/",
            "ExpirationInDays: !Ref QuarantineRetentionDays"
        ]
    );
    assert!(text.contains("  QuarantineRetentionDays:\n    Type: Number\n    Default: 90\n"));
}

#[test]
fn deployments_are_gradual_in_prod_and_roll_back_on_alarms() {
    let text = template();
    for needle in [
        "    AutoPublishAlias: live",
        "      DeploymentType: AllAtOnce",
        "      DeploymentType: Canary10Percent5Minutes",
        "      Type: !If [UsesRestoredTable, AllAtOnce, !FindInMap [Stages, !Ref Stage, DeploymentType]]",
    ] {
        assert!(text.contains(needle), "template.yaml lacks {needle}");
    }
    let alarms = [
        "ServerErrorRateAlarm",
        "LatencyAlarm",
        "FunctionErrorsAlarm",
        "AgencyFunctionErrorsAlarm",
        "IngestErrorsAlarm",
    ];
    for alarm in alarms {
        assert!(
            text.contains(&format!("        - !Ref {alarm}\n")),
            "{alarm}"
        );
        assert!(text.contains(&format!("\n  {alarm}:\n")), "{alarm}");
    }
    // Every function is in the error and throttle alarms; the dashboard shows them all.
    for function in functions() {
        let id = &function.logical_id;
        let alarmed = text
            .lines()
            .filter(|l| l.contains(&format!("Value: !Ref {id} }}")))
            .filter(|l| l.contains("MetricName: Errors") || l.contains("MetricName: Throttles"))
            .count();
        // Errors and throttles: two metrics in the alarms for each function.
        assert_eq!(alarmed, 2, "{id} is in {alarmed} alarm metrics");
    }
    for alarm in alarms.iter().chain(&[
        "FunctionThrottlesAlarm",
        "AgencyFunctionThrottlesAlarm",
        "DocumentsDeadLetterAlarm",
        "AnchorErrorsAlarm",
        "AnchoringStoppedAlarm",
    ]) {
        assert!(
            text.contains(&format!("${{{alarm}.Arn}}")),
            "dashboard lacks {alarm}"
        );
    }
}

#[test]
fn data_is_retained_backed_up_and_recoverable() {
    let text = template();
    for needle in [
        "PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }",
        "DeletionProtectionEnabled: true",
        "Type: AWS::DynamoDB::GlobalTable",
        "Region: !Ref ReplicaRegion",
        "Mode: GOVERNANCE",
        "MinRetentionDays: !Ref BackupVaultLockDays",
        "RuleName: daily",
        "RuleName: monthly",
        "- !GetAtt RecordsTable.Arn",
        "- !GetAtt DocumentsBucket.Arn",
        "TABLE_NAME: !If [UsesRestoredTable, !Ref RestoredTableName, !Ref RecordsTable]",
    ] {
        assert!(text.contains(needle), "template.yaml lacks {needle}");
    }
    for resource in ["RecordsTable", "DocumentsBucket", "BackupVault", "DataKey"] {
        let block: String = text
            .split(&format!("\n  {resource}:\n"))
            .nth(1)
            .expect(resource)
            .lines()
            .take(6)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            block.contains("DeletionPolicy: Retain")
                && block.contains("UpdateReplacePolicy: Retain"),
            "{resource} is not retained:\n{block}"
        );
    }
}

#[test]
fn samconfig_has_dev_and_prod_with_known_parameters() {
    let samconfig = std::fs::read_to_string(workspace_root().join("samconfig.toml")).unwrap();
    let text = template();
    let parameters: BTreeSet<&str> = text
        .lines()
        .skip_while(|l| *l != "Parameters:")
        .skip(1)
        .take_while(|l| l.is_empty() || l.starts_with(' '))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    assert!(parameters.contains("Stage"), "{parameters:?}");
    for stage in ["dev", "prod"] {
        for needle in [
            format!("[{stage}.build.parameters]\ncached = true\nparallel = true"),
            format!("[{stage}.validate.parameters]\nlint = true"),
            format!("stack_name = \"dossier-{stage}\""),
            format!("Stage=\\\"{stage}\\\""),
        ] {
            assert!(samconfig.contains(&needle), "samconfig.toml lacks {needle}");
        }
    }
    for line in samconfig
        .lines()
        .filter(|l| l.starts_with("parameter_overrides"))
    {
        for pair in line.split("\\\" ") {
            let name = pair
                .trim_start_matches("parameter_overrides = \"")
                .split('=')
                .next()
                .unwrap();
            assert!(
                parameters.contains(name),
                "samconfig.toml sets unknown {name}"
            );
        }
    }
}

#[test]
fn the_workflows_are_valid_github_actions() {
    let dir = workspace_root().join(".github/workflows");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".yml") || p.ends_with(".yaml"))
        .collect();
    assert!(!files.is_empty());
    let mut args = vec!["--builtin-schema", "vendor.github-workflows"];
    args.extend(files.iter().map(String::as_str));
    venv_tool(".venv-lint", "check-jsonschema", &args);
    let ci = std::fs::read_to_string(dir.join("ci.yml")).unwrap();
    for needle in [
        "id-token: write",
        "role-to-assume: ${{ secrets.AWS_DEPLOY_ROLE_ARN }}",
        "environment: prod",
        "run: make test",
        "run: sam deploy --config-env dev",
        "run: sam deploy --config-env prod",
        "run: .venv/bin/python scripts/publish-web.py --stack dossier-dev",
        "run: .venv/bin/python scripts/publish-web.py --stack dossier-prod",
    ] {
        assert!(ci.contains(needle), "ci.yml lacks {needle}");
    }
    assert!(!ci.contains("aws-access-key-id"), "no long-lived keys");
}

/// Whether CloudFront's path pattern `pattern` takes `path` (`*` at the end is any rest).
/// CloudFront's path patterns: `*` matches any run of characters (`/` included), `?` one.
fn cloudfront_matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => {
            pattern.len() == path.len()
                && pattern
                    .chars()
                    .zip(path.chars())
                    .all(|(p, c)| p == '?' || p == c)
        }
        Some((head, rest)) => {
            let Some(after) = path.get(head.len()..) else {
                return false;
            };
            cloudfront_matches(head, &path[..head.len()])
                && (0..=after.len())
                    .filter(|at| after.is_char_boundary(*at))
                    .any(|at| cloudfront_matches(rest, &after[at..]))
        }
    }
}

#[test]
fn cloudfront_patterns_match_as_cloudfront_does() {
    assert!(cloudfront_matches("/public/*", "/public/agencies/{agency}"));
    assert!(cloudfront_matches(
        "/public/agencies/*/requests*",
        "/public/agencies/{agency}/requests/{number}"
    ));
    assert!(!cloudfront_matches(
        "/public/agencies/*/requests*",
        "/public/agencies/{agency}/records"
    ));
    assert!(cloudfront_matches("/agency", "/agency"));
    assert!(!cloudfront_matches("/agency", "/agency/x"));
    assert!(cloudfront_matches("/a?c", "/abc"));
}

#[test]
fn the_portal_sends_every_api_route_to_the_api_and_caches_only_public_answers() {
    const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    const AS_ORIGIN_SAYS_PER_QUERY: &str = "4cc15a8a-d715-48a4-82b8-cc0b614cefe8";
    let text = template();
    let distribution = text
        .lines()
        .skip_while(|line| *line != "  PortalDistribution:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with("   "));
    // (path pattern, cache policy) of each behavior, in CloudFront's order (first match wins).
    let mut behaviors = Vec::new();
    let mut pattern = None;
    for line in distribution {
        let trimmed = line.trim().trim_start_matches("- ");
        if let Some(found) = trimmed.strip_prefix("PathPattern: ") {
            pattern = Some(found.to_owned());
        }
        if let Some(policy) = trimmed.strip_prefix("CachePolicyId: ")
            && let Some(pattern) = pattern.take()
        {
            behaviors.push((pattern, policy.to_owned()));
        }
    }
    let functions = functions();
    for function in functions.iter().filter(|f| f.is_http()) {
        let path = function.route.split(' ').nth(1).unwrap_or_default();
        let (pattern, policy) = behaviors
            .iter()
            .find(|(pattern, _)| cloudfront_matches(pattern, path))
            .unwrap_or_else(|| panic!("{path} would go to the web bucket"));
        // Public reads are cached as they say; records requests (submissions, and what a
        // tracking token opens) never are.
        let expected = if function.public && !path.contains("/requests") {
            AS_ORIGIN_SAYS_PER_QUERY
        } else {
            CACHING_DISABLED
        };
        assert_eq!(policy, expected, "{path} (behavior {pattern})");
    }
    // The local server's policy, with what AWS adds to connect-src: the documents bucket
    // (uploads go straight to it) and the identity provider's token endpoint.
    let bucket = "dossier-${Stage}-documents-${AWS::AccountId}-${AWS::Region}";
    assert!(text.contains(&format!("BucketName: !Sub \"{bucket}\"")));
    let csp = dossier_local::web::CONTENT_SECURITY_POLICY.replace(
        "connect-src 'self'",
        &format!("connect-src 'self' https://{bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}} ${{OidcTokenUrl}}"),
    );
    assert!(
        text.contains(&format!("ContentSecurityPolicy: !Sub \"{csp}\"")),
        "the distribution's CSP is not the local server's: {csp}"
    );
}
