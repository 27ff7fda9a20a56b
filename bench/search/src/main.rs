//! `make bench-search`: search at the scale of a large agency, 100,000 synthetic records
//! (titles and descriptions drawn from a word list, tags, one in ten with a text document).
//!
//! - indexing: the records through the indexing code (`RecordIndex::apply`, in batches as
//!   a stream delivers them), records per second, and the index's size per 1,000 records;
//!   then the same index written to S3 (moto) as one generation;
//! - cold: the `search` binary as it ships (`cargo lambda build --release`) under the
//!   Lambda emulator, init plus a first query that fetches the index from S3, and its
//!   peak RSS;
//! - warm: 20 fixed queries (words, phrase, prefix, typo, exclusion, filters), each run
//!   10 times on one warm emulator: p50 and p99 of the invocations' durations;
//! - freshness: on the local server, from a write's response to the record being found.
//!
//! Writes bench/search-results.md.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use dossier_tests::{
    Emulator, create_bucket, create_table, dynamo, lambda_environment, s3, unique_name,
    workspace_root,
};
use serde_json::{Value, json};
use shared::model::{AgencyId, Classification, Status};
use shared::search::snapshot::SnapshotStore;
use shared::search::{Audience, Change, Entry, RecordIndex};

const RECORDS: usize = 100_000;
/// Records per indexing run, as a stream batch of a busy agency would bring.
const BATCH: usize = 10_000;
const COLD_STARTS: usize = 5;
const WARM_ROUNDS: usize = 10;
const FRESHNESS_WRITES: usize = 20;

/// The queries of the warm run.
const QUERIES: [&str; 20] = [
    "permit",
    "water main",
    "budget hearing",
    "\"public works\"",
    "\"road closure\"",
    "perm*",
    "constr*",
    "inspecton",
    "maintenence",
    "park -tree",
    "tag:zoning",
    "status:published",
    "tag:budget permit",
    "contract -draft",
    "bridge repair",
    "council minutes",
    "sidewalk* \"city hall\"",
    "environmental assessment",
    "license renewal",
    "library",
];

const WORDS: &[&str] = &[
    "permit",
    "water",
    "main",
    "budget",
    "hearing",
    "public",
    "works",
    "road",
    "closure",
    "construction",
    "inspection",
    "maintenance",
    "park",
    "tree",
    "zoning",
    "contract",
    "draft",
    "bridge",
    "repair",
    "council",
    "minutes",
    "sidewalk",
    "city",
    "hall",
    "environmental",
    "assessment",
    "license",
    "renewal",
    "library",
    "street",
    "avenue",
    "school",
    "district",
    "board",
    "meeting",
    "agenda",
    "report",
    "annual",
    "quarterly",
    "request",
    "proposal",
    "approval",
    "variance",
    "planning",
    "commission",
    "ordinance",
    "resolution",
    "traffic",
    "signal",
    "lighting",
    "storm",
    "sewer",
    "drainage",
    "utility",
    "easement",
    "property",
    "assessment",
    "tax",
    "levy",
    "grant",
    "funding",
    "housing",
    "development",
    "community",
    "center",
    "recreation",
    "pool",
    "playground",
    "trail",
    "river",
    "lake",
    "flood",
    "emergency",
    "services",
    "fire",
    "police",
    "department",
    "station",
    "equipment",
    "vehicle",
    "fleet",
    "purchase",
    "bid",
    "award",
    "vendor",
    "invoice",
    "payment",
    "audit",
    "finance",
    "personnel",
    "hiring",
    "policy",
    "procedure",
    "training",
    "safety",
    "health",
    "food",
    "restaurant",
    "noise",
    "complaint",
    "animal",
    "control",
    "parking",
    "meter",
    "transit",
    "bus",
    "route",
    "schedule",
    "election",
    "ballot",
    "precinct",
    "voter",
    "registration",
    "records",
    "retention",
    "archive",
    "digital",
    "network",
    "software",
    "website",
    "cemetery",
    "museum",
    "historic",
    "preservation",
    "landmark",
    "survey",
    "map",
    "boundary",
    "annexation",
    "waste",
    "recycling",
    "landfill",
    "compost",
    "energy",
    "solar",
    "efficiency",
    "building",
    "code",
    "variance",
    "appeal",
    "hearing",
    "notice",
    "legal",
    "settlement",
    "claim",
    "insurance",
    "risk",
    "bond",
    "debt",
    "capital",
    "improvement",
    "plan",
    "study",
    "analysis",
    "consultant",
    "engineering",
    "design",
    "review",
    "permit",
];

const TAGS: &[&str] = &[
    "zoning",
    "budget",
    "permits",
    "roads",
    "water",
    "parks",
    "council",
    "police",
    "fire",
    "housing",
    "transit",
    "elections",
    "finance",
    "health",
    "planning",
    "library",
    "schools",
    "utilities",
    "legal",
    "hr",
];

/// A small deterministic generator (xorshift64*): the same records on every run.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `least` to `least + spread - 1` words of the list.
    fn words(&mut self, least: usize, spread: usize) -> String {
        let count = least + self.below(spread);
        (0..count)
            .map(|_| WORDS[self.below(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Record `n`, as its staff index entry.
fn record(random: &mut Random, n: usize) -> Entry {
    let id = format!("01KC{:022}", n);
    let title = {
        let mut title = random.words(4, 5);
        title.replace_range(..1, &title[..1].to_uppercase());
        title
    };
    let description = random.words(20, 41);
    let tags: Vec<String> = (0..random.below(4))
        .map(|_| TAGS[random.below(TAGS.len())].to_owned())
        .collect();
    let content = if n.is_multiple_of(10) {
        vec![random.words(200, 301)]
    } else {
        vec![]
    };
    let filenames = if content.is_empty() {
        vec![]
    } else {
        vec![format!("attachment-{n}.txt")]
    };
    let status = Status::ALL[random.below(3)];
    let classification = Classification::ALL[random.below(3)];
    let date = 1_700_000_000_000 + (n as i64) * 60_000;
    let view = json!({"id": id, "agency": "dev", "title": title, "description": description, "tags": tags,
                      "classification": classification.as_str(), "status": status.as_str(), "version": 1,
                      "created_by": "bench", "updated_by": "bench", "legal_hold": false});
    Entry {
        id,
        title,
        description,
        tags,
        filenames,
        content,
        status,
        classification,
        date,
        view: view.to_string(),
    }
}

fn folder_bytes(folder: &Path) -> u64 {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// `events/search.json` asking `q`.
fn search_event(q: &str) -> Value {
    let mut event = dossier_tests::events::event("search");
    let encoded: String = form_encode(q);
    event["rawQueryString"] = Value::from(format!("q={encoded}&limit=10"));
    event["queryStringParameters"] = json!({"q": q, "limit": "10"});
    event
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // What the code measured logs (the local indexer among it), at RUST_LOG's level.
    shared::telemetry::init();
    let mut report = String::from("# Search benchmark\n\n");
    let _ = writeln!(
        report,
        "`make bench-search`: {RECORDS} synthetic records of one agency (one in ten with a text document of 200 to 500 words).\n"
    );

    // Indexing.
    let mut random = Random(0x5EED_CAFE_F00D_D00D);
    let entries: Vec<Entry> = (0..RECORDS).map(|n| record(&mut random, n)).collect();
    let folder = workspace_root()
        .join("target/tmp")
        .join(unique_name("bench-index"));
    let index = RecordIndex::open_or_create(&folder).expect("an index folder");
    let started = Instant::now();
    for batch in entries.chunks(BATCH) {
        let changes: Vec<Change> = batch.iter().cloned().map(Change::Put).collect();
        index.apply(&changes, None).expect("indexed");
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = RECORDS as f64 / seconds;
    let size = folder_bytes(&folder);
    println!(
        "indexing: {RECORDS} records in {seconds:.1} s = {rate:.0} records/s; index {:.1} MiB",
        size as f64 / 1_048_576.0
    );

    // The same records as one generation in S3 (moto), where the search function reads them.
    let table = create_table(&dynamo()).await;
    let index_bucket = create_bucket(&s3()).await;
    let snapshots = SnapshotStore::new(s3(), &index_bucket, "index/");
    let agency = AgencyId::parse("dev").expect("an agency");
    let changes: Vec<Change> = entries.into_iter().map(Change::Put).collect();
    let started = Instant::now();
    let writer = workspace_root()
        .join("target/tmp")
        .join(unique_name("bench-writer"));
    snapshots
        .replace(&writer, &agency, Audience::Staff, &changes)
        .await
        .expect("the index in S3");
    let upload = started.elapsed().as_secs_f64();
    println!("index built and written to S3 as one generation in {upload:.1} s");

    let _ = writeln!(
        report,
        "## Indexing\n\n| measure | value | target |\n|---|---|---|"
    );
    let _ = writeln!(
        report,
        "| records per second (in batches of {BATCH}, merges included) | {rate:.0} | at least 5,000 |"
    );
    let _ = writeln!(
        report,
        "| index size per 1,000 records | {:.0} KiB | |",
        size as f64 / 1024.0 / (RECORDS as f64 / 1000.0)
    );
    let _ = writeln!(
        report,
        "| all {RECORDS} built and written to S3 (moto) as one generation | {upload:.1} s | |\n"
    );

    // The search function under the emulator.
    let bootstrap = workspace_root().join("target/lambda/search/bootstrap");
    assert!(
        bootstrap.exists(),
        "{} is missing: run make bench-search",
        bootstrap.display()
    );
    let mut env = lambda_environment(&table);
    env.retain(|(name, _)| *name != "INDEX_BUCKET");
    env.push(("INDEX_BUCKET", index_bucket.clone()));
    let mut cold = Vec::new();
    let mut rss = Vec::new();
    for n in 0..COLD_STARTS {
        // A fresh temporary folder: nothing left from the run before.
        let tmp = workspace_root()
            .join("target/tmp")
            .join(unique_name("bench-lambda-tmp"));
        std::fs::create_dir_all(&tmp).expect("a temporary folder");
        let mut env = env.clone();
        env.push(("TMPDIR", tmp.display().to_string()));
        let emulator = Emulator::start("search", &bootstrap, &env).await;
        let first = emulator
            .invoke(&search_event(QUERIES[n % QUERIES.len()]))
            .await;
        assert_eq!(first.response["statusCode"], 200, "{}", first.response);
        let init = emulator.init_ms().unwrap_or(f64::NAN);
        cold.push(init + first.duration_ms.unwrap_or(f64::NAN));
        rss.extend(emulator.peak_rss_kib().map(|k| k as f64 / 1024.0));
        if n + 1 < COLD_STARTS {
            continue;
        }
        // Warm: every query, round after round, on this emulator.
        let mut warm = Vec::new();
        let mut totals = Vec::new();
        for _ in 0..WARM_ROUNDS {
            for q in QUERIES {
                let answer = emulator.invoke(&search_event(q)).await;
                assert_eq!(
                    answer.response["statusCode"], 200,
                    "{q}: {}",
                    answer.response
                );
                let body: Value =
                    serde_json::from_str(answer.response["body"].as_str().unwrap_or("{}"))
                        .unwrap_or_default();
                totals.push((q, body["total"].as_u64().unwrap_or(0)));
                warm.extend(answer.duration_ms);
            }
        }
        let rss_warm = emulator
            .peak_rss_kib()
            .map_or(f64::NAN, |k| k as f64 / 1024.0);
        let (p50, p99) = (percentile(&warm, 0.5), percentile(&warm, 0.99));
        println!(
            "warm: p50 {p50:.2} ms, p99 {p99:.2} ms over {} invocations; peak RSS {rss_warm:.1} MiB",
            warm.len()
        );
        let _ = writeln!(
            report,
            "## The `search` function under the emulator\n\n| measure | value | target |\n|---|---|---|"
        );
        let _ = writeln!(
            report,
            "| cold: init + first query, index fetched from S3 (median of {COLD_STARTS}) | {:.0} ms [{:.0}–{:.0}] | at most 1,500 ms |",
            percentile(&cold, 0.5),
            percentile(&cold, 0.0),
            percentile(&cold, 1.0)
        );
        let _ = writeln!(
            report,
            "| peak RSS after the first query | {:.1} MiB | |",
            percentile(&rss, 0.5)
        );
        let _ = writeln!(
            report,
            "| warm p50 ({} invocations: {} queries × {WARM_ROUNDS}) | {p50:.2} ms | at most 10 ms |",
            warm.len(),
            QUERIES.len()
        );
        let _ = writeln!(report, "| warm p99 | {p99:.2} ms | at most 50 ms |");
        let _ = writeln!(
            report,
            "| peak RSS after the warm run | {rss_warm:.1} MiB | |\n"
        );
        let _ = writeln!(
            report,
            "Queries and what they found (of {RECORDS}, as a reader finds them: confidential records left out):\n"
        );
        let _ = writeln!(report, "| query | total |\n|---|---|");
        for (q, total) in totals.iter().take(QUERIES.len()) {
            let _ = writeln!(report, "| `{}` | {total} |", q.replace('|', "\\|"));
        }
        report.push('\n');
    }
    println!(
        "cold: {:?} ms",
        cold.iter().map(|c| c.round()).collect::<Vec<_>>()
    );

    // Freshness on the local server.
    let freshness = freshness().await;
    let _ = writeln!(
        report,
        "## Freshness on the local server\n\n| measure | value | target |\n|---|---|---|"
    );
    let _ = writeln!(
        report,
        "| from a create's response to the record found by search ({FRESHNESS_WRITES} writes) | p50 {:.0} ms, max {:.0} ms | at most 1,000 ms |",
        percentile(&freshness, 0.5),
        percentile(&freshness, 1.0)
    );
    println!(
        "freshness: p50 {:.0} ms, max {:.0} ms",
        percentile(&freshness, 0.5),
        percentile(&freshness, 1.0)
    );

    let path = workspace_root().join("bench/search-results.md");
    std::fs::write(&path, report).expect("writing the results");
    println!("wrote {}", path.display());
    let _ = std::fs::remove_dir_all(folder);
    let _ = std::fs::remove_dir_all(writer);
}

/// Milliseconds from each create's response to the first search that finds it, on a
/// local server over an embedded store, with its indexer following.
async fn freshness() -> Vec<f64> {
    use shared::store::EmbeddedStore;
    let data = workspace_root()
        .join("target/tmp")
        .join(unique_name("bench-local"));
    let store = EmbeddedStore::open(&data.join("dossier.redb")).expect("a store");
    let settings = dossier_tests::env_json_settings();
    let server = dossier_tests::LocalServer::start_following(store, &settings).await;
    let token = format!(
        "Bearer {}",
        dossier_tests::env_json_token("bench", "parks", &["officer"])
    );
    let mut measured = Vec::new();
    for n in 0..FRESHNESS_WRITES {
        let word = format!("fresh{n}word");
        let body = json!({"title": format!("Record {word}"), "classification": "internal"});
        let (status, _, created) = server
            .send(
                "POST",
                "/records",
                &[
                    ("authorization", &token),
                    ("content-type", "application/json"),
                ],
                body.to_string().as_bytes(),
            )
            .await;
        assert_eq!(status, 201);
        let written = Instant::now();
        loop {
            let (status, _, found) = server
                .send(
                    "GET",
                    &format!("/search?q={word}"),
                    &[("authorization", &token)],
                    b"",
                )
                .await;
            assert_eq!(status, 200);
            // Found among the hits (a typo-forgiving match may find another one too).
            let hits = found["items"].as_array().cloned().unwrap_or_default();
            if hits.iter().any(|hit| hit["record"]["id"] == created["id"]) {
                break;
            }
            assert!(
                written.elapsed() < Duration::from_secs(10),
                "write {n} never found: {found}"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        measured.push(written.elapsed().as_secs_f64() * 1000.0);
    }
    server.stop().await;
    measured
}
