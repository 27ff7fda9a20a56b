use serde_json::{Value, json};
use shared::model::{AgencyId, AuditAction, ScheduleId};
use shared::store::{MemoryStore, ScheduleStore};
use shared::testing::{TEST_NOW, call, deps, event, token};

use super::handle;

fn post(body: &Value, roles: &[&str]) -> shared::http::GatewayEvent {
    event("POST", "/schedules")
        .bearer(&token("olga", "parks", roles, TEST_NOW))
        .json(body)
}

fn permits() -> Value {
    json!({"name": "Building permits (GS 4.2)", "keep": {"years": 7, "months": 6},
           "from": "archived", "action": "destroy"})
}

#[tokio::test]
async fn an_officer_creates_a_schedule_with_the_first_link_of_its_chain() {
    let deps = deps(MemoryStore::new());
    let response = call(&deps, handle, &post(&permits(), &["officer"])).await;
    assert_eq!(response.status, 201, "{}", response.body);
    let id = response.body["id"].as_str().unwrap();
    assert_eq!(
        response.header("location"),
        Some(format!("/schedules/{id}").as_str())
    );
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(response.body["keep"], json!({"years": 7, "months": 6}));
    assert_eq!(response.body["agency"], "parks");
    assert_eq!(response.body["created_by"], "olga");
    assert_eq!(response.body["in_use"], false);

    let parks = AgencyId::parse("parks").unwrap();
    let id = ScheduleId::parse(id).unwrap();
    let history = deps
        .store
        .schedule_history(&parks, &id, 10, None)
        .await
        .unwrap();
    assert_eq!(history.items.len(), 1);
    assert_eq!(history.items[0].action, AuditAction::ScheduleCreate);
    assert_eq!(history.items[0].actor, "olga");
    assert_eq!(
        history.items[0].changes["from"],
        [Value::Null, json!("archived")]
    );
}

#[tokio::test]
async fn only_officers_create_and_bad_bodies_are_400_with_every_field() {
    let deps = deps(MemoryStore::new());
    for role in ["clerk", "auditor", "reader"] {
        let response = call(&deps, handle, &post(&permits(), &[role])).await;
        assert_eq!(response.status, 403, "{role}");
    }
    let bad = json!({"name": "", "keep": {"years": 7, "days": 3}, "from": "closed", "id": "x"});
    let response = call(&deps, handle, &post(&bad, &["officer"])).await;
    assert_eq!(
        (response.status, response.problem_kind()),
        (400, "validation")
    );
    let mut fields: Vec<_> = response.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(fields, ["action", "from", "id", "keep", "name"]);
    let parks = AgencyId::parse("parks").unwrap();
    assert_eq!(deps.store.list_schedules(&parks).await, Ok(vec![]));
}
