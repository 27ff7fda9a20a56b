//! Logging and metrics.
//!
//! Logs: one JSON object per line when Lambda's log format is JSON
//! (`AWS_LAMBDA_LOG_FORMAT`), level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`.
//!
//! Metrics: CloudWatch [Embedded Metric Format] lines on stdout, namespace [`NAMESPACE`].
//! CloudWatch turns them into metrics as it ingests the log stream: no API call, no
//! extension, nothing added to a request's latency. They are written only inside Lambda
//! (the local server logs its requests but emits no metrics).
//!
//! [Embedded Metric Format]: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

use std::io::Write;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The CloudWatch namespace of every Dossier metric.
pub const NAMESPACE: &str = "Dossier";

/// The `Stage` dimension of every metric (`STAGE`, which the template sets from its `Stage`
/// parameter), when metrics are on.
static STAGE: OnceLock<Option<String>> = OnceLock::new();

/// Installs the global subscriber and turns metrics on inside Lambda. Call once, first
/// thing in `main`.
pub fn init() {
    lambda_http::tracing::init_default_subscriber();
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let stage = std::env::var("STAGE").unwrap_or_else(|_| "unstaged".to_owned());
    let _ = STAGE.set(in_lambda.then_some(stage));
}

/// The stage to tag metrics with, if metrics are on.
fn stage() -> Option<&'static str> {
    STAGE.get().and_then(Option::as_deref)
}

/// Records one API request: `Requests`, `Latency` and `ServerErrors` by `Stage` and by
/// `Stage` and `Route`, and `Errors` by `Stage` and `ProblemType` when it was refused or
/// failed.
pub fn request(route: &str, status: u16, latency_ms: f64, problem_type: Option<&str>) {
    if let Some(stage) = stage() {
        emit(&request_metrics(
            now_ms(),
            stage,
            route,
            status,
            latency_ms,
            problem_type,
        ));
    }
}

/// What ingestion decided about one uploaded document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ingested {
    /// Verified and now available.
    Verified,
    /// Failed verification and moved to quarantine.
    Quarantined,
}

/// Records one ingested document: `DocumentsIngested`, and `DocumentsQuarantined` when it
/// failed verification, by `Stage`.
pub fn document(outcome: Ingested) {
    if let Some(stage) = stage() {
        emit(&document_metrics(now_ms(), stage, outcome));
    }
}

fn request_metrics(
    timestamp_ms: u64,
    stage: &str,
    route: &str,
    status: u16,
    latency_ms: f64,
    problem_type: Option<&str>,
) -> Value {
    let mut directives = vec![json!({
        "Namespace": NAMESPACE,
        // Per route, and per stage: what the deployment's rollback alarms watch.
        "Dimensions": [["Stage", "Route"], ["Stage"]],
        "Metrics": [
            {"Name": "Requests", "Unit": "Count"},
            {"Name": "Latency", "Unit": "Milliseconds"},
            {"Name": "ServerErrors", "Unit": "Count"},
        ],
    })];
    let mut line = json!({
        "Stage": stage,
        "Route": route,
        "Status": status,
        "Requests": 1,
        "Latency": latency_ms,
        "ServerErrors": u8::from(status >= 500),
    });
    if let Some(problem_type) = problem_type {
        directives.push(json!({
            "Namespace": NAMESPACE,
            "Dimensions": [["Stage", "ProblemType"]],
            "Metrics": [{"Name": "Errors", "Unit": "Count"}],
        }));
        line["ProblemType"] = json!(problem_type);
        line["Errors"] = json!(1);
    }
    line["_aws"] = json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": directives});
    line
}

fn document_metrics(timestamp_ms: u64, stage: &str, outcome: Ingested) -> Value {
    json!({
        "Stage": stage,
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Stage"]],
                "Metrics": [
                    {"Name": "DocumentsIngested", "Unit": "Count"},
                    {"Name": "DocumentsQuarantined", "Unit": "Count"},
                ],
            }],
        },
        "DocumentsIngested": 1,
        "DocumentsQuarantined": u8::from(outcome == Ingested::Quarantined),
    })
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// One line, written whole: a metric line interleaved with a log line would be lost.
fn emit(line: &Value) {
    let mut text = line.to_string();
    text.push('\n');
    // Metrics must never fail a request: a closed stdout only loses the metric.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of the EMF specification CloudWatch enforces: every metric a directive
    /// names is a number at the root, every dimension a string at the root.
    fn assert_valid_emf(line: &Value) {
        let directives = line["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert!(line["_aws"]["Timestamp"].is_u64());
        for directive in directives {
            assert_eq!(directive["Namespace"], "Dossier");
            for set in directive["Dimensions"].as_array().unwrap() {
                for dimension in set.as_array().unwrap() {
                    let name = dimension.as_str().unwrap();
                    assert!(line[name].is_string(), "dimension {name} in {line}");
                }
            }
            for metric in directive["Metrics"].as_array().unwrap() {
                let name = metric["Name"].as_str().unwrap();
                assert!(line[name].is_number(), "metric {name} in {line}");
            }
        }
    }

    #[test]
    fn a_served_request_counts_and_times_its_route() {
        let line = request_metrics(
            1_700_000_000_000,
            "prod",
            "GET /records/{id}",
            200,
            3.5,
            None,
        );
        assert_valid_emf(&line);
        assert_eq!(line["Route"], "GET /records/{id}");
        assert_eq!(line["Stage"], "prod");
        assert_eq!(line["Latency"], 3.5);
        assert_eq!(line["ServerErrors"], 0);
        assert!(line.get("Errors").is_none());
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"].as_array().unwrap().len(),
            1
        );
    }

    #[test]
    fn a_refused_request_counts_its_problem_type() {
        let line = request_metrics(
            1,
            "prod",
            "PATCH /records/{id}",
            412,
            1.0,
            Some("precondition-failed"),
        );
        assert_valid_emf(&line);
        assert_eq!(line["ProblemType"], "precondition-failed");
        assert_eq!(line["Errors"], 1);
        assert_eq!(line["ServerErrors"], 0);
        let failed = request_metrics(1, "prod", "GET /records", 500, 1.0, Some("internal"));
        assert_eq!(failed["ServerErrors"], 1);
    }

    #[test]
    fn documents_count_quarantines_apart() {
        let verified = document_metrics(1, "prod", Ingested::Verified);
        let quarantined = document_metrics(1, "prod", Ingested::Quarantined);
        assert_valid_emf(&verified);
        assert_valid_emf(&quarantined);
        assert_eq!(verified["DocumentsQuarantined"], 0);
        assert_eq!(quarantined["DocumentsQuarantined"], 1);
        assert_eq!(quarantined["DocumentsIngested"], 1);
    }
}
