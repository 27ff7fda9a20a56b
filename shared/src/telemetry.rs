//! Logging and metrics.
//!
//! Logs: one JSON object per line when Lambda's log format is JSON
//! (`AWS_LAMBDA_LOG_FORMAT`). The level is `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else
//! INFO; `RUST_LOG` may also name levels per target (`info,aws_smithy_runtime=debug`),
//! which apply under either (though Lambda itself drops JSON lines below its level).
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

use lambda_http::tracing::subscriber::filter::{LevelFilter, Targets};
use lambda_http::tracing::subscriber::layer::SubscriberExt;
use lambda_http::tracing::subscriber::util::SubscriberInitExt;
use serde_json::{Value, json};

use crate::store::usage::StoreUsage;

/// The CloudWatch namespace of every Dossier metric.
pub const NAMESPACE: &str = "Dossier";

/// The `Stage` dimension of every metric (`STAGE`, which the template sets from its `Stage`
/// parameter), when metrics are on.
static STAGE: OnceLock<Option<String>> = OnceLock::new();

/// Installs the global subscriber and turns metrics on inside Lambda. Call once, first
/// thing in `main`.
pub fn init() {
    let var = |name| std::env::var(name).ok();
    let filter = log_filter(
        var("AWS_LAMBDA_LOG_LEVEL").as_deref(),
        var("RUST_LOG").as_deref(),
    );
    let json = var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("json"));
    // The runtime's own `init_default_subscriber` filters with `EnvFilter`, whose regex
    // engine adds about 330 KiB to every binary (and to its resident set); per-target
    // levels are all our configuration ever uses, and `Targets` does those without it.
    let fmt = lambda_http::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_writer(std::io::stdout);
    let _ = if json {
        fmt.json().finish().with(filter).try_init()
    } else {
        fmt.finish().with(filter).try_init()
    };
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let stage = std::env::var("STAGE").unwrap_or_else(|_| "unstaged".to_owned());
    let _ = STAGE.set(in_lambda.then_some(stage));
}

/// The most verbose level any log line is written at. At TRACE the Lambda runtime logs
/// every raw event, `Authorization` header included, so no setting may reach it.
pub const MOST_VERBOSE: LevelFilter = LevelFilter::DEBUG;

/// The log filter. The default level is Lambda's setting (the template sets it, and the
/// console changes it without a deploy), else `RUST_LOG`'s bare level, else INFO.
/// `RUST_LOG`'s `target=level` directives refine it either way, as the runtime's own
/// subscriber let them. An unreadable directive is skipped and an unreadable level means
/// INFO, so a typo never silences a function. Nothing goes past [`MOST_VERBOSE`].
fn log_filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> Targets {
    let mut default = None;
    let mut filter = Targets::new();
    let directives = rust_log.unwrap_or_default().split(',').map(str::trim);
    // `Targets` reads an empty directive as ERROR for everything.
    for directive in directives.filter(|directive| !directive.is_empty()) {
        let Ok(parsed) = directive.parse::<Targets>() else {
            continue;
        };
        default = parsed
            .default_level()
            .map(|level| level.min(MOST_VERBOSE))
            .or(default);
        for (target, level) in parsed {
            filter = filter.with_target(target, level.min(MOST_VERBOSE));
        }
    }
    let default = match lambda_level
        .map(str::trim)
        .filter(|level| !level.is_empty())
    {
        // Lambda's levels run to FATAL, which `tracing` does not have.
        Some(level) if level.eq_ignore_ascii_case("fatal") => LevelFilter::ERROR,
        Some(level) => level.parse().unwrap_or(LevelFilter::INFO),
        None => default.unwrap_or(LevelFilter::INFO),
    };
    filter.with_default(default.min(MOST_VERBOSE))
}

/// The stage to tag metrics with, if metrics are on.
fn stage() -> Option<&'static str> {
    STAGE.get().and_then(Option::as_deref)
}

/// Records one API request: `Requests`, `Latency`, `ServerErrors`, `StoreCalls`,
/// `ReadCapacityUnits` and `WriteCapacityUnits` by `Stage` and by `Stage` and `Route`, and
/// `Errors` by `Stage` and `ProblemType` when it was refused or failed.
pub fn request(
    route: &str,
    status: u16,
    latency_ms: f64,
    problem_type: Option<&str>,
    store: StoreUsage,
) {
    if let Some(stage) = stage() {
        emit(&request_metrics(
            now_ms(),
            stage,
            (route, status, latency_ms),
            problem_type,
            store,
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
    (route, status, latency_ms): (&str, u16, f64),
    problem_type: Option<&str>,
    store: StoreUsage,
) -> Value {
    let mut directives = vec![json!({
        "Namespace": NAMESPACE,
        // Per route, and per stage: what the deployment's rollback alarms watch.
        "Dimensions": [["Stage", "Route"], ["Stage"]],
        "Metrics": [
            {"Name": "Requests", "Unit": "Count"},
            {"Name": "Latency", "Unit": "Milliseconds"},
            {"Name": "ServerErrors", "Unit": "Count"},
            {"Name": "StoreCalls", "Unit": "Count"},
            {"Name": "ReadCapacityUnits", "Unit": "None"},
            {"Name": "WriteCapacityUnits", "Unit": "None"},
        ],
    })];
    let mut line = json!({
        "Stage": stage,
        "Route": route,
        "Status": status,
        "Requests": 1,
        "Latency": latency_ms,
        "ServerErrors": u8::from(status >= 500),
        "StoreCalls": store.calls,
        "ReadCapacityUnits": store.read_units,
        "WriteCapacityUnits": store.write_units,
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
    use lambda_http::tracing::Level;

    #[test]
    fn the_log_level_comes_from_lambda_then_rust_log_then_info() {
        let enabled = |filter: &Targets, target, level| filter.would_enable(target, &level);
        let lambda = log_filter(Some("DEBUG"), Some("error"));
        assert!(enabled(&lambda, "get_record", Level::DEBUG));
        assert!(!enabled(&lambda, "get_record", Level::TRACE));

        let per_target = log_filter(None, Some("warn,aws_smithy_runtime=debug"));
        assert!(enabled(
            &per_target,
            "aws_smithy_runtime::client",
            Level::DEBUG
        ));
        assert!(!enabled(&per_target, "shared::http", Level::INFO));
        assert!(enabled(&per_target, "shared::http", Level::WARN));

        // Lambda's level is the default; RUST_LOG's targets still refine it.
        let both = log_filter(Some("ERROR"), Some("info,aws_smithy_runtime=debug"));
        assert!(!enabled(&both, "shared::http", Level::WARN));
        assert!(enabled(&both, "aws_smithy_runtime::client", Level::DEBUG));

        // TRACE, where the runtime logs raw events, is out of reach of every setting.
        for trace in [
            log_filter(Some("TRACE"), None),
            log_filter(None, Some("trace")),
            log_filter(Some("DEBUG"), Some("lambda_runtime=trace")),
        ] {
            assert!(!enabled(
                &trace,
                "lambda_runtime::layers::api_response",
                Level::TRACE
            ));
            assert!(enabled(
                &trace,
                "lambda_runtime::layers::api_response",
                Level::DEBUG
            ));
        }

        let fatal = log_filter(Some("FATAL"), None);
        assert!(enabled(&fatal, "shared::http", Level::ERROR));
        assert!(!enabled(&fatal, "shared::http", Level::WARN));

        // One bad directive costs only itself.
        let one_bad = log_filter(None, Some("warn,=!=,aws_smithy_runtime=debug"));
        assert!(!enabled(&one_bad, "shared::http", Level::INFO));
        assert!(enabled(
            &one_bad,
            "aws_smithy_runtime::client",
            Level::DEBUG
        ));

        for unreadable in [
            log_filter(Some("LOUD"), None),
            log_filter(Some(""), None),
            log_filter(Some(" "), Some("=!=")),
            log_filter(None, Some("=!=")),
            log_filter(None, Some("  ")),
            log_filter(None, Some("info,")),
            log_filter(None, None),
        ] {
            assert!(
                enabled(&unreadable, "shared::http", Level::INFO),
                "{unreadable}"
            );
            assert!(
                !enabled(&unreadable, "shared::http", Level::DEBUG),
                "{unreadable}"
            );
        }
    }

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
        let usage = StoreUsage {
            calls: 1,
            read_units: 0.5,
            write_units: 0.0,
        };
        let line = request_metrics(
            1_700_000_000_000,
            "prod",
            ("GET /records/{id}", 200, 3.5),
            None,
            usage,
        );
        assert_valid_emf(&line);
        assert_eq!(line["Route"], "GET /records/{id}");
        assert_eq!(line["Stage"], "prod");
        assert_eq!(line["Latency"], 3.5);
        assert_eq!(line["ServerErrors"], 0);
        assert_eq!(line["StoreCalls"], 1);
        assert_eq!(line["ReadCapacityUnits"], 0.5);
        assert_eq!(line["WriteCapacityUnits"], 0.0);
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
            ("PATCH /records/{id}", 412, 1.0),
            Some("precondition-failed"),
            StoreUsage::default(),
        );
        assert_valid_emf(&line);
        assert_eq!(line["ProblemType"], "precondition-failed");
        assert_eq!(line["Errors"], 1);
        assert_eq!(line["ServerErrors"], 0);
        let failed = request_metrics(
            1,
            "prod",
            ("GET /records", 500, 1.0),
            Some("internal"),
            StoreUsage::default(),
        );
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
