//! Hostile requests through the local server, over HTTP: callers reaching across agencies,
//! roles reaching past their rights, confidential records probed by clerks, and bodies built
//! to break parsers. Every answer is the right 4xx problem, nothing changes, nothing panics.

use dossier_tests::{
    LocalServer, SHA256_OF_HELLO, env_json_settings, env_json_token, hostile_bodies,
    hostile_request_bodies,
};
use serde_json::{Value, json};
use shared::store::MemoryStore;

const JSON: (&str, &str) = ("content-type", "application/json");

/// A request: method, path, headers, body.
type Probe = (
    &'static str,
    String,
    Vec<(&'static str, &'static str)>,
    Vec<u8>,
);
const PATCH: (&str, &str) = ("content-type", "application/merge-patch+json");

struct Caller {
    bearer: String,
}

impl Caller {
    fn new(sub: &str, agency: &str, role: &str) -> Self {
        Self {
            bearer: format!("Bearer {}", env_json_token(sub, agency, &[role])),
        }
    }
}

async fn call(
    local: &LocalServer,
    caller: &Caller,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> (u16, http::HeaderMap, Value) {
    let mut headers = vec![("authorization", caller.bearer.as_str())];
    headers.extend_from_slice(extra);
    local.send(method, path, &headers, body).await
}

async fn create(local: &LocalServer, caller: &Caller, body: Value) -> String {
    let (status, _, record) = call(
        local,
        caller,
        "POST",
        "/records",
        &[JSON],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{record}");
    record["id"].as_str().unwrap().to_owned()
}

async fn announce(local: &LocalServer, caller: &Caller, record: &str) -> String {
    let body = json!({"filename": "a.txt", "content_type": "text/plain", "size": 5, "sha256": SHA256_OF_HELLO});
    let (status, _, reply) = call(
        local,
        caller,
        "POST",
        &format!("/records/{record}/documents"),
        &[JSON],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{reply}");
    reply["document"]["id"].as_str().unwrap().to_owned()
}

/// Every route a caller can aim at `record` (with document `document`): method, path,
/// headers, body.
fn every_route(record: &str, document: &str) -> Vec<Probe> {
    let upload = json!({"filename": "b.txt", "content_type": "text/plain", "size": 5, "sha256": SHA256_OF_HELLO});
    vec![
        ("GET", format!("/records/{record}"), vec![], vec![]),
        (
            "PATCH",
            format!("/records/{record}"),
            vec![PATCH, ("if-match", "\"1\"")],
            br#"{"title": "taken over"}"#.to_vec(),
        ),
        (
            "DELETE",
            format!("/records/{record}"),
            vec![("if-match", "\"1\"")],
            vec![],
        ),
        ("GET", format!("/records/{record}/history"), vec![], vec![]),
        (
            "POST",
            format!("/records/{record}/documents"),
            vec![JSON],
            upload.to_string().into_bytes(),
        ),
        (
            "GET",
            format!("/records/{record}/documents"),
            vec![],
            vec![],
        ),
        (
            "GET",
            format!("/records/{record}/documents/{document}"),
            vec![],
            vec![],
        ),
    ]
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that harbour's staff, whatever their role, get for each of `probes` (aimed at
/// something of parks') exactly the answer they get for its `control` (aimed at nothing):
/// a 403 or a 404, with the same detail, so nothing tells them it exists.
async fn outsiders_learn_nothing(local: &LocalServer, probes: Vec<Probe>, controls: Vec<Probe>) {
    for role in ["reader", "clerk", "officer", "auditor"] {
        let outsider = Caller::new("hal", "harbour", role);
        for (probe, control) in probes.iter().zip(&controls) {
            let (method, path, headers, body) = probe;
            let (status, _, problem) = call(local, &outsider, method, path, headers, body).await;
            let (_, control_path, control_headers, control_body) = control;
            let (expected, _, control_problem) = call(
                local,
                &outsider,
                method,
                control_path,
                control_headers,
                control_body,
            )
            .await;
            assert!(
                matches!(status, 403 | 404),
                "harbour {role}: {method} {path}: {problem}"
            );
            assert_eq!(
                (status, &problem["detail"]),
                (expected, &control_problem["detail"]),
                "harbour {role}: {method} {path}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_caller_reaches_past_its_agency_its_role_or_confidentiality() {
    let local = LocalServer::start(MemoryStore::new(), &env_json_settings()).await;
    let parks_officer = Caller::new("olga", "parks", "officer");
    let public = create(
        &local,
        &parks_officer,
        json!({"title": "Permit", "classification": "public"}),
    )
    .await;
    let secret = create(
        &local,
        &parks_officer,
        json!({"title": "Inquiry", "classification": "confidential"}),
    )
    .await;
    let public_doc = announce(&local, &parks_officer, &public).await;
    let secret_doc = announce(&local, &parks_officer, &secret).await;

    // Another agency, whatever its role, learns nothing of parks' records: each answer is
    // exactly the one for records that do not exist (404, or a 403 its role gets for any id).
    const NOWHERE: (&str, &str) = ("01KBXQ7R5M3N8P2V6W9Y4Z0A1B", "01KBXQ9D3C4V5B6N7M8K9J0H1G");
    for role in ["reader", "clerk", "officer", "auditor"] {
        let outsider = Caller::new("hal", "harbour", role);
        for (record, document) in [(&public, &public_doc), (&secret, &secret_doc)] {
            let probes = every_route(record, document).into_iter();
            for (probe, control) in probes.zip(every_route(NOWHERE.0, NOWHERE.1)) {
                let (method, path, headers, body) = probe;
                let (status, headers, problem) =
                    call(&local, &outsider, method, &path, &headers, &body).await;
                let (_, control_path, control_headers, control_body) = control;
                let (expected, _, control_problem) = call(
                    &local,
                    &outsider,
                    method,
                    &control_path,
                    &control_headers,
                    &control_body,
                )
                .await;
                assert!(
                    matches!(status, 403 | 404),
                    "harbour {role}: {method} {path}: {problem}"
                );
                assert_eq!(
                    status, expected,
                    "harbour {role}: {method} {path}: {problem}"
                );
                assert_eq!(
                    problem["type"], control_problem["type"],
                    "harbour {role}: {method} {path}"
                );
                assert_eq!(
                    problem["detail"], control_problem["detail"],
                    "harbour {role}: {method} {path}"
                );
                assert_eq!(headers["content-type"], "application/problem+json");
            }
        }
        let (status, _, list) = call(&local, &outsider, "GET", "/records", &[], &[]).await;
        assert_eq!(status, 200);
        assert!(ids(&list).is_empty(), "harbour {role} lists {list}");
    }

    // A reader never writes: 403 before any lookup, so the same for every record.
    let reader = Caller::new("rita", "parks", "reader");
    let (status, _, _) = call(
        &local,
        &reader,
        "POST",
        "/records",
        &[JSON],
        br#"{"title": "x", "classification": "public"}"#,
    )
    .await;
    assert_eq!(status, 403);
    for (record, document, expected) in [(&public, &public_doc, 403), (&secret, &secret_doc, 403)] {
        for (method, path, headers, body) in every_route(record, document) {
            if method == "GET" {
                continue;
            }
            let (status, _, problem) = call(&local, &reader, method, &path, &headers, &body).await;
            assert_eq!(status, expected, "reader: {method} {path}: {problem}");
        }
    }

    // A clerk never sees a confidential record: not by id, not in lists, not its documents.
    let clerk = Caller::new("clara", "parks", "clerk");
    let probes = every_route(&secret, &secret_doc).into_iter();
    for (probe, control) in probes.zip(every_route(NOWHERE.0, NOWHERE.1)) {
        let (method, path, headers, body) = probe;
        let (status, _, problem) = call(&local, &clerk, method, &path, &headers, &body).await;
        let (_, control_path, control_headers, control_body) = control;
        let (expected, _, _) = call(
            &local,
            &clerk,
            method,
            &control_path,
            &control_headers,
            &control_body,
        )
        .await;
        // Reads are 404; what needs a role a clerk lacks (history, delete) is 403 for
        // every record alike. Either way the same answer as for a record that is not there.
        let reads = method == "GET" && !path.ends_with("/history");
        assert!(!reads || status == 404, "clerk: {method} {path}: {problem}");
        assert!(
            matches!(status, 403 | 404),
            "clerk: {method} {path}: {problem}"
        );
        assert_eq!(status, expected, "clerk: {method} {path}");
    }
    for query in [
        "",
        "?classification=confidential",
        "?limit=100",
        "?status=draft",
    ] {
        let (status, _, list) =
            call(&local, &clerk, "GET", &format!("/records{query}"), &[], &[]).await;
        assert_eq!(status, 200, "{query}: {list}");
        assert!(
            !ids(&list).contains(&secret),
            "clerk lists the confidential record: {list}"
        );
        assert!(!list.to_string().contains("Inquiry"), "{list}");
    }
    // The officer still sees both, unchanged by all of the above.
    let (_, _, list) = call(
        &local,
        &parks_officer,
        "GET",
        "/records?limit=100",
        &[],
        &[],
    )
    .await;
    assert_eq!(ids(&list).len(), 2, "{list}");
    for record in [&public, &secret] {
        let (status, headers, body) = call(
            &local,
            &parks_officer,
            "GET",
            &format!("/records/{record}"),
            &[],
            &[],
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(headers["etag"], "\"1\"", "{body}");
        let (_, _, docs) = call(
            &local,
            &parks_officer,
            "GET",
            &format!("/records/{record}/documents"),
            &[],
            &[],
        )
        .await;
        assert_eq!(docs["items"].as_array().map(Vec::len), Some(1), "{docs}");
    }
    local.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_get_a_clear_problem_and_change_nothing() {
    let local = LocalServer::start(MemoryStore::new(), &env_json_settings()).await;
    let clerk = Caller::new("clara", "parks", "clerk");
    let record = create(
        &local,
        &clerk,
        json!({"title": "Permit", "classification": "public"}),
    )
    .await;
    let cases = hostile_bodies(&record);
    assert!(cases.len() >= 25);
    for case in cases {
        let headers: Vec<(&str, &str)> = case
            .headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let (status, headers, problem) = call(
            &local,
            &clerk,
            case.method,
            &case.path,
            &headers,
            &case.body,
        )
        .await;
        let name = case.case;
        assert_eq!(status, case.status, "{name}: {problem}");
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{name}"
        );
        let kind = problem["type"].as_str().unwrap_or_default();
        assert!(
            kind.starts_with("https://") && problem["detail"].is_string(),
            "{name}: {problem}"
        );
    }
    // Nothing was created, changed or announced by any of them.
    let one = format!("/records/{record}");
    let (_, headers, _) = call(&local, &clerk, "GET", &one, &[], &[]).await;
    assert_eq!(headers["etag"], "\"1\"");
    let (_, _, list) = call(&local, &clerk, "GET", "/records", &[], &[]).await;
    assert_eq!(ids(&list), std::slice::from_ref(&record));
    let (_, _, docs) = call(&local, &clerk, "GET", &format!("{one}/documents"), &[], &[]).await;
    assert_eq!(docs["items"], json!([]));
    local.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_caller_reaches_another_agencys_records_request() {
    let local = LocalServer::start(MemoryStore::new(), &env_json_settings()).await;
    for agency in ["parks", "harbour"] {
        let officer = Caller::new("olga", agency, "officer");
        let profile = json!({"name": agency, "contact_email": "records@example.gov",
                             "timezone": "America/Chicago"});
        let (status, _, _) = call(
            &local,
            &officer,
            "PUT",
            "/agency",
            &[JSON],
            profile.to_string().as_bytes(),
        )
        .await;
        assert_eq!(status, 201);
    }
    let asked = json!({"description": "Every permit issued on Elm Street",
                       "requester": {"email": "ada@example.org"}});
    let (_, _, filed) = local
        .send(
            "POST",
            "/public/agencies/parks/requests",
            &[JSON],
            asked.to_string().as_bytes(),
        )
        .await;
    let number = filed["number"].as_str().unwrap().to_owned();
    let probes = |number: &str| -> Vec<Probe> {
        vec![
            ("GET", format!("/requests/{number}"), vec![], vec![]),
            (
                "PATCH",
                format!("/requests/{number}"),
                vec![PATCH, ("if-match", "\"1\"")],
                br#"{"assignee": "hal"}"#.to_vec(),
            ),
            ("GET", format!("/requests/{number}/history"), vec![], vec![]),
            ("GET", format!("/requests/{number}/messages"), vec![], vec![]),
            (
                "POST",
                format!("/requests/{number}/messages"),
                vec![JSON],
                br#"{"body": "Found it.", "visibility": "internal"}"#.to_vec(),
            ),
            (
                "POST",
                format!("/requests/{number}/releases"),
                vec![JSON],
                br#"{"record_id": "01JAAAAAAAAAAAAAAAAAAAAAAA", "document_id": "01JAAAAAAAAAAAAAAAAAAAAAAA"}"#
                    .to_vec(),
            ),
        ]
    };
    // Harbour's staff, whatever their role, get for parks' request exactly what they get
    // for one that does not exist.
    outsiders_learn_nothing(&local, probes(&number), probes("2026-9999")).await;
    // Parks' own staff see it, email and all; nothing harbour tried changed it.
    let parks = Caller::new("rita", "parks", "reader");
    let (status, headers, request) = call(
        &local,
        &parks,
        "GET",
        &format!("/requests/{number}"),
        &[],
        &[],
    )
    .await;
    assert_eq!(
        (status, &headers["etag"]),
        (200, &"\"1\"".parse::<http::HeaderValue>().unwrap())
    );
    assert_eq!(request["requester"]["email"], "ada@example.org");
    local.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_records_requests_get_a_clear_problem_and_file_nothing() {
    let local = LocalServer::start(MemoryStore::new(), &env_json_settings()).await;
    let officer = Caller::new("olga", "parks", "officer");
    let profile = json!({"name": "Parks", "contact_email": "records@parks.example.gov",
                         "timezone": "America/Chicago"});
    let (status, _, _) = call(
        &local,
        &officer,
        "PUT",
        "/agency",
        &[JSON],
        profile.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201);
    for case in hostile_request_bodies("parks") {
        let headers: Vec<(&str, &str)> = case
            .headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let (status, headers, problem) = local
            .send(case.method, &case.path, &headers, &case.body)
            .await;
        let name = case.case;
        assert_eq!(status, case.status, "{name}: {problem}");
        assert_eq!(
            headers["content-type"], "application/problem+json",
            "{name}"
        );
        assert!(
            problem["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("https://")),
            "{name}"
        );
    }
    // None of them took a number: the first real request is the year's first.
    let real = json!({"description": "Every permit issued on Elm Street",
                      "requester": {"email": "ada@example.org"}});
    let (status, _, filed) = local
        .send(
            "POST",
            "/public/agencies/parks/requests",
            &[JSON],
            real.to_string().as_bytes(),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    assert!(
        filed["number"]
            .as_str()
            .is_some_and(|n| n.ends_with("-0001")),
        "{filed}"
    );
    local.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unicode_filenames_come_back_safe_in_content_disposition() {
    let local = LocalServer::start(MemoryStore::new(), &env_json_settings()).await;
    let clerk = Caller::new("clara", "parks", "clerk");
    let record = create(
        &local,
        &clerk,
        json!({"title": "Permit", "classification": "public"}),
    )
    .await;
    // Allowed, but hostile to a naive header writer: quotes, semicolons, non-ASCII, CR/LF-free.
    let filename = "Procès-verbal \"final\"; v2 \u{0645}\u{062D}\u{0636}\u{0631}.txt";
    let body = json!({"filename": filename, "content_type": "text/plain", "size": 5, "sha256": SHA256_OF_HELLO});
    let (status, _, reply) = call(
        &local,
        &clerk,
        "POST",
        &format!("/records/{record}/documents"),
        &[JSON],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["document"]["filename"], filename);
    let url = reply["upload"]["url"].as_str().unwrap();
    let path = url.strip_prefix(&local.base).unwrap();
    let mut headers: Vec<(&str, &str)> = vec![];
    let upload_headers = reply["upload"]["headers"].as_object().unwrap().clone();
    for (name, value) in &upload_headers {
        headers.push((name.as_str(), value.as_str().unwrap()));
    }
    let (status, _, _) = local.send("PUT", path, &headers, b"hello").await;
    assert_eq!(status, 200);
    let document = reply["document"]["id"].as_str().unwrap();
    let mut download = Value::Null;
    for _ in 0..100 {
        let (_, _, doc) = call(
            &local,
            &clerk,
            "GET",
            &format!("/records/{record}/documents/{document}"),
            &[],
            &[],
        )
        .await;
        if doc["status"] == "available" {
            download = doc["download"].clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let url = download["url"].as_str().expect("available with a download");
    let (status, headers, _) = local
        .send("GET", url.strip_prefix(&local.base).unwrap(), &[], &[])
        .await;
    assert_eq!(status, 200);
    let disposition = headers["content-disposition"]
        .to_str()
        .expect("an ASCII header");
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    // The quoted fallback holds no quote, backslash or semicolon of the name's own; the
    // exact name travels percent-encoded (RFC 5987).
    let fallback = disposition
        .strip_prefix("attachment; filename=\"")
        .and_then(|rest| rest.split_once("\"; filename*=UTF-8''"))
        .expect("a fallback and an encoded name");
    assert!(!fallback.0.contains(['"', '\\', ';']), "{disposition}");
    assert!(
        fallback
            .1
            .contains("Proc%C3%A8s-verbal%20%22final%22%3B%20v2"),
        "{disposition}"
    );
    local.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_caller_reaches_another_agencys_schedules_nor_files_a_record_under_one() {
    let local = LocalServer::start(MemoryStore::new(), &env_json_settings()).await;
    let parks = Caller::new("olga", "parks", "officer");
    let body =
        json!({"name": "Permits", "keep": {"years": 7}, "from": "archived", "action": "destroy"});
    let (status, _, schedule) = call(
        &local,
        &parks,
        "POST",
        "/schedules",
        &[JSON],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{schedule}");
    let id = schedule["id"].as_str().unwrap().to_owned();
    let probes = |id: &str| -> Vec<Probe> {
        vec![
            (
                "PATCH",
                format!("/schedules/{id}"),
                vec![PATCH, ("if-match", "\"1\"")],
                br#"{"name": "Mine now"}"#.to_vec(),
            ),
            (
                "DELETE",
                format!("/schedules/{id}"),
                vec![("if-match", "\"1\"")],
                vec![],
            ),
        ]
    };
    outsiders_learn_nothing(&local, probes(&id), probes("01KBXQ7R5M3N8P2V6W9Y4Z0A1B")).await;
    for role in ["reader", "clerk", "officer", "auditor"] {
        let outsider = Caller::new("hal", "harbour", role);
        let (status, _, listed) = call(&local, &outsider, "GET", "/schedules", &[], &[]).await;
        assert_eq!(
            (status, &listed["items"]),
            (200, &json!([])),
            "harbour {role}"
        );
    }
    // Nor can harbour file a record under it: it is not harbour's schedule.
    let clerk = Caller::new("hal", "harbour", "clerk");
    let record = json!({"title": "T", "classification": "internal", "schedule": id});
    let (status, _, problem) = call(
        &local,
        &clerk,
        "POST",
        "/records",
        &[JSON],
        record.to_string().as_bytes(),
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("schedule"))
    );
    let (_, _, listed) = call(&local, &parks, "GET", "/schedules", &[], &[]).await;
    assert_eq!(listed["items"][0]["name"], "Permits");
    assert_eq!(listed["items"][0]["in_use"], false);
    local.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_caller_reaches_another_agencys_holds_nor_holds_its_records() {
    let local = LocalServer::start(MemoryStore::new(), &env_json_settings()).await;
    let parks = Caller::new("olga", "parks", "officer");
    let body = json!({"name": "Smith v. Parks", "reason": "Litigation"});
    let (status, _, hold) = call(
        &local,
        &parks,
        "POST",
        "/holds",
        &[JSON],
        body.to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 201, "{hold}");
    let hold = hold["id"].as_str().unwrap().to_owned();
    let record = create(
        &local,
        &parks,
        json!({"title": "Permit", "classification": "internal"}),
    )
    .await;
    let place = json!({"record_id": record}).to_string();
    let (status, _, _) = call(
        &local,
        &parks,
        "POST",
        &format!("/holds/{hold}/records"),
        &[JSON],
        place.as_bytes(),
    )
    .await;
    assert_eq!(status, 200);

    let nowhere = "01KBXQ7R5M3N8P2V6W9Y4Z0A1B";
    let probes = |hold: &str| -> Vec<Probe> {
        vec![
            ("GET", format!("/holds/{hold}/records"), vec![], vec![]),
            (
                "POST",
                format!("/holds/{hold}/records"),
                vec![JSON],
                place.as_bytes().to_vec(),
            ),
            (
                "DELETE",
                format!("/holds/{hold}/records/{record}"),
                vec![],
                vec![],
            ),
            ("POST", format!("/holds/{hold}/release"), vec![], vec![]),
        ]
    };
    outsiders_learn_nothing(&local, probes(&hold), probes(nowhere)).await;
    // Harbour's own hold cannot take parks' record: it is no record of harbour's.
    let harbour = Caller::new("hal", "harbour", "officer");
    let (_, _, theirs) = call(
        &local,
        &harbour,
        "POST",
        "/holds",
        &[JSON],
        body.to_string().as_bytes(),
    )
    .await;
    let theirs = theirs["id"].as_str().unwrap().to_owned();
    let (status, _, _) = call(
        &local,
        &harbour,
        "POST",
        &format!("/holds/{theirs}/records"),
        &[JSON],
        place.as_bytes(),
    )
    .await;
    assert_eq!(status, 404);

    // Held, the record cannot be deleted; parks' record still shows one hold, theirs.
    let (status, _, problem) = call(
        &local,
        &parks,
        "DELETE",
        &format!("/records/{record}"),
        &[("if-match", "\"2\"")],
        &[],
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (409, Some("https://dossier.dev/problems/conflict"))
    );
    let (_, _, now) = call(
        &local,
        &parks,
        "GET",
        &format!("/records/{record}"),
        &[],
        &[],
    )
    .await;
    assert_eq!(
        (now["legal_hold"].as_bool(), now["holds"].clone()),
        (Some(true), json!([hold]))
    );
    local.stop().await;
}
