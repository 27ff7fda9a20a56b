//! How each stored thing is written as an item, and read back: one encode and one decode
//! per kind, with the keys from [`super::keys`].

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::keys::{
    AGENCIES_GSI3PK, IDEMPOTENCY_SK, Listing, PARTITION_KEY, PROFILE_SK, RECORD_SK, SORT_KEY,
    agency_pk, audit_sk, document_sk, fixity_pk, fixity_sk, idempotency_pk, pending_pk, pending_sk,
    record_pk,
};
use crate::anchor::RecordHead;
use crate::clock::{Date, Timestamp};
use crate::model::{
    AgencyId, AgencyProfile, AuditAction, AuditEntry, ChainHead, Classification, ContentType,
    Document, DocumentId, DocumentStatus, FixityCheck, FixityOutcome, HoldId, Record, RecordId,
    ScheduleId, Status, StoredAgency, StoredRecord,
};
use crate::store::{IdempotentResponse, StoreError};

/// An item, as the SDK holds it.
pub type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

/// A number attribute.
pub fn number(n: impl ToString) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

/// Reads typed attributes out of an item, naming the one that is missing or malformed.
pub struct Fields<'a>(pub &'a Item);

impl Fields<'_> {
    fn corrupt(name: &str) -> StoreError {
        StoreError::Corrupt(format!("attribute {name}"))
    }

    /// A string attribute.
    pub fn str(&self, name: &str) -> Result<&str, StoreError> {
        match self.0.get(name) {
            Some(AttributeValue::S(text)) => Ok(text),
            _ => Err(Self::corrupt(name)),
        }
    }

    /// A number attribute.
    pub fn num<T: std::str::FromStr>(&self, name: &str) -> Result<T, StoreError> {
        match self.0.get(name) {
            Some(AttributeValue::N(n)) => n.parse().map_err(|_| Self::corrupt(name)),
            _ => Err(Self::corrupt(name)),
        }
    }

    /// A string attribute parsed by `parse`.
    pub fn parsed<T>(
        &self,
        name: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, StoreError> {
        parse(self.str(name)?).ok_or_else(|| Self::corrupt(name))
    }

    /// A string attribute that may be absent.
    pub fn optional_str(&self, name: &str) -> Result<Option<String>, StoreError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(_) => self.str(name).map(|text| Some(text.to_owned())),
        }
    }

    /// A millisecond timestamp.
    pub fn timestamp(&self, name: &str) -> Result<Timestamp, StoreError> {
        self.num(name).map(Timestamp::from_millis)
    }

    /// A millisecond timestamp that may be absent.
    pub fn optional_timestamp(&self, name: &str) -> Result<Option<Timestamp>, StoreError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(_) => self.timestamp(name).map(Some),
        }
    }

    /// A JSON document kept in a string attribute.
    pub fn json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, StoreError> {
        serde_json::from_str(self.str(name)?)
            .map_err(|e| StoreError::Corrupt(format!("attribute {name}: {e}")))
    }
}

/// `value` as JSON text, for an attribute that keeps a structure whole.
fn json_text(value: &impl serde::Serialize) -> Result<AttributeValue, StoreError> {
    serde_json::to_string(value)
        .map(s)
        .map_err(|e| StoreError::Backend(format!("encoding an item: {e}")))
}

/// A record item: the record, its chain head and document count, and both listings' keys.
pub fn record_item(stored: &StoredRecord) -> Item {
    let record = &stored.record;
    let mut item = Item::from([
        (
            PARTITION_KEY.into(),
            s(record_pk(&record.agency, &record.id)),
        ),
        (SORT_KEY.into(), s(RECORD_SK)),
        ("id".into(), s(record.id.as_str())),
        ("agency".into(), s(record.agency.as_str())),
        ("title".into(), s(&record.title)),
        ("description".into(), s(&record.description)),
        ("classification".into(), s(record.classification.as_str())),
        ("status".into(), s(record.status.as_str())),
        (
            "tags".into(),
            AttributeValue::L(record.tags.iter().map(s).collect()),
        ),
        ("legal_hold".into(), AttributeValue::Bool(record.legal_hold)),
        ("version".into(), number(record.version)),
        ("created_at".into(), number(record.created_at.as_millis())),
        ("created_by".into(), s(&record.created_by)),
        ("updated_at".into(), number(record.updated_at.as_millis())),
        ("updated_by".into(), s(&record.updated_by)),
        ("audit_seq".into(), number(stored.head.seq)),
        ("audit_head".into(), s(&stored.head.hash)),
        ("document_count".into(), number(stored.documents)),
    ]);
    item.extend(Listing::attributes_of(record));
    if let Some(date) = record.retention_until {
        item.insert("retention_until".into(), s(date.to_string()));
    }
    if let Some(at) = record.published_at {
        item.insert("published_at".into(), number(at.as_millis()));
    }
    if let Some(at) = record.archived_at {
        item.insert("archived_at".into(), number(at.as_millis()));
    }
    if let Some(schedule) = &record.schedule {
        item.insert("schedule".into(), s(schedule.as_str()));
    }
    if let Some(direct) = record.direct_hold {
        item.insert("direct_hold".into(), AttributeValue::Bool(direct));
    }
    if !record.holds.is_empty() {
        item.insert(
            "holds".into(),
            AttributeValue::L(record.holds.iter().map(|id| s(id.as_str())).collect()),
        );
    }
    item
}

/// The agency and chain head of a record item (all a scan for anchoring reads of it).
pub fn decode_head(item: &Item) -> Result<(AgencyId, RecordHead), StoreError> {
    let f = Fields(item);
    Ok((
        f.parsed("agency", AgencyId::parse)?,
        RecordHead {
            record: f.parsed("id", RecordId::parse)?,
            head: ChainHead {
                seq: f.num("audit_seq")?,
                hash: f.str("audit_head")?.to_owned(),
            },
        },
    ))
}

/// Reads a record item back.
pub fn decode_record(item: &Item) -> Result<StoredRecord, StoreError> {
    let f = Fields(item);
    let tags = match item.get("tags") {
        Some(AttributeValue::L(values)) => values
            .iter()
            .map(|value| {
                value
                    .as_s()
                    .cloned()
                    .map_err(|_| StoreError::Corrupt("attribute tags".into()))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(StoreError::Corrupt("attribute tags".into())),
    };
    let retention_until = match item.get("retention_until") {
        None => None,
        Some(_) => Some(f.parsed("retention_until", Date::parse)?),
    };
    let record = Record {
        id: f.parsed("id", RecordId::parse)?,
        agency: f.parsed("agency", AgencyId::parse)?,
        title: f.str("title")?.to_owned(),
        description: f.str("description")?.to_owned(),
        classification: f.parsed("classification", Classification::parse)?,
        status: f.parsed("status", Status::parse)?,
        tags,
        retention_until,
        legal_hold: matches!(item.get("legal_hold"), Some(AttributeValue::Bool(true))),
        version: f.num("version")?,
        created_at: f.timestamp("created_at")?,
        created_by: f.str("created_by")?.to_owned(),
        updated_at: f.timestamp("updated_at")?,
        updated_by: f.str("updated_by")?.to_owned(),
        published_at: match item.get("published_at") {
            None => None,
            Some(_) => Some(f.timestamp("published_at")?),
        },
        archived_at: match item.get("archived_at") {
            None => None,
            Some(_) => Some(f.timestamp("archived_at")?),
        },
        schedule: match item.get("schedule") {
            None => None,
            Some(_) => Some(f.parsed("schedule", ScheduleId::parse)?),
        },
        direct_hold: item
            .get("direct_hold")
            .map(|value| matches!(value, AttributeValue::Bool(true))),
        holds: match item.get("holds") {
            None => Vec::new(),
            Some(AttributeValue::L(values)) => values
                .iter()
                .map(|value| value.as_s().ok().and_then(|id| HoldId::parse(id)))
                .collect::<Option<_>>()
                .ok_or_else(|| StoreError::Corrupt("attribute holds".into()))?,
            Some(_) => return Err(StoreError::Corrupt("attribute holds".into())),
        },
    };
    let head = ChainHead {
        seq: f.num("audit_seq")?,
        hash: f.str("audit_head")?.to_owned(),
    };
    Ok(StoredRecord {
        record,
        head,
        // Absent on records written before documents existed.
        documents: match item.get("document_count") {
            None => 0,
            Some(_) => f.num("document_count")?,
        },
    })
}

/// An audit entry item, in its chain's partition `pk` (a record's, or an agency's).
pub fn audit_item(pk: String, entry: &AuditEntry) -> Result<Item, StoreError> {
    Ok(Item::from([
        (PARTITION_KEY.into(), s(pk)),
        (SORT_KEY.into(), s(audit_sk(entry.seq))),
        ("seq".into(), number(entry.seq)),
        ("at".into(), number(entry.at.as_millis())),
        ("actor".into(), s(&entry.actor)),
        ("action".into(), s(entry.action.as_str())),
        ("changes".into(), json_text(&entry.changes)?),
        ("prev_hash".into(), s(&entry.prev_hash)),
        ("hash".into(), s(&entry.hash)),
    ]))
}

/// Reads an audit entry item back.
pub fn decode_audit(item: &Item) -> Result<AuditEntry, StoreError> {
    let f = Fields(item);
    Ok(AuditEntry {
        seq: f.num("seq")?,
        at: f.timestamp("at")?,
        actor: f.str("actor")?.to_owned(),
        action: f.parsed("action", AuditAction::parse)?,
        changes: f.json("changes")?,
        prev_hash: f.str("prev_hash")?.to_owned(),
        hash: f.str("hash")?.to_owned(),
    })
}

/// An agency profile item, with its chain head.
pub fn agency_item(stored: &StoredAgency) -> Item {
    let profile = &stored.profile;
    let mut item = Item::from([
        (PARTITION_KEY.into(), s(agency_pk(&profile.agency))),
        (SORT_KEY.into(), s(PROFILE_SK)),
        ("agency".into(), s(profile.agency.as_str())),
        ("name".into(), s(&profile.name)),
        ("description".into(), s(&profile.description)),
        ("contact_email".into(), s(&profile.contact_email)),
        ("timezone".into(), s(&profile.timezone)),
        ("version".into(), number(profile.version)),
        ("updated_at".into(), number(profile.updated_at.as_millis())),
        ("updated_by".into(), s(&profile.updated_by)),
        ("audit_seq".into(), number(stored.head.seq)),
        ("audit_head".into(), s(&stored.head.hash)),
        ("gsi3pk".into(), s(AGENCIES_GSI3PK)),
        ("gsi3sk".into(), s(profile.agency.as_str())),
    ]);
    if let Some(website) = &profile.website {
        item.insert("website".into(), s(website));
    }
    // Nested settings, kept as JSON: nothing queries inside them.
    if let Ok(requests) = serde_json::to_string(&profile.requests) {
        item.insert("requests".into(), s(requests));
    }
    item
}

/// Reads an agency profile item back.
pub fn decode_agency(item: &Item) -> Result<StoredAgency, StoreError> {
    let f = Fields(item);
    Ok(StoredAgency {
        profile: AgencyProfile {
            agency: f.parsed("agency", AgencyId::parse)?,
            name: f.str("name")?.to_owned(),
            description: f.str("description")?.to_owned(),
            contact_email: f.str("contact_email")?.to_owned(),
            website: f.optional_str("website")?,
            timezone: f.str("timezone")?.to_owned(),
            // Profiles written before agencies had settings have the defaults.
            requests: match f.optional_str("requests")? {
                Some(json) => serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("requests: {e}")))?,
                None => Default::default(),
            },
            version: f.num("version")?,
            updated_at: f.timestamp("updated_at")?,
            updated_by: f.str("updated_by")?.to_owned(),
        },
        head: ChainHead {
            seq: f.num("audit_seq")?,
            hash: f.str("audit_head")?.to_owned(),
        },
    })
}

/// A document item, in its record's partition.
pub fn document_item(document: &Document) -> Item {
    let mut item = Item::from([
        (
            PARTITION_KEY.into(),
            s(record_pk(&document.agency, &document.record_id)),
        ),
        (SORT_KEY.into(), s(document_sk(&document.id))),
        ("id".into(), s(document.id.as_str())),
        ("record_id".into(), s(document.record_id.as_str())),
        ("agency".into(), s(document.agency.as_str())),
        ("filename".into(), s(&document.filename)),
        ("content_type".into(), s(document.content_type.as_str())),
        ("size".into(), number(document.size)),
        ("sha256".into(), s(&document.sha256)),
        ("document_status".into(), s(document.status.as_str())),
        ("created_at".into(), number(document.created_at.as_millis())),
        ("created_by".into(), s(&document.created_by)),
    ]);
    if let Some(reason) = &document.quarantine_reason {
        item.insert("quarantine_reason".into(), s(reason));
    }
    if let Some(at) = document.settled_at {
        item.insert("settled_at".into(), number(at.as_millis()));
    }
    if let Some(version) = &document.version {
        item.insert("object_version".into(), s(version));
    }
    if let Some(check) = document.fixity {
        item.insert("fixity_at".into(), number(check.at.as_millis()));
        item.insert("fixity_outcome".into(), s(check.outcome.as_str()));
    }
    // Sparse: only documents fixity checks read are in the rotation, and pending ones in
    // their own partition (for the uploads that never come).
    if document.in_rotation() {
        item.insert("gsi4pk".into(), s(fixity_pk(&document.agency)));
        item.insert("gsi4sk".into(), s(fixity_sk(document)));
    } else if document.status == DocumentStatus::Pending {
        item.insert("gsi4pk".into(), s(pending_pk(&document.agency)));
        item.insert("gsi4sk".into(), s(pending_sk(document)));
    }
    item
}

/// Reads a document item back.
pub fn decode_document(item: &Item) -> Result<Document, StoreError> {
    let f = Fields(item);
    Ok(Document {
        id: f.parsed("id", DocumentId::parse)?,
        record_id: f.parsed("record_id", RecordId::parse)?,
        agency: f.parsed("agency", AgencyId::parse)?,
        filename: f.str("filename")?.to_owned(),
        content_type: f.parsed("content_type", ContentType::parse)?,
        size: f.num("size")?,
        sha256: f.str("sha256")?.to_owned(),
        status: f.parsed("document_status", DocumentStatus::parse)?,
        quarantine_reason: f.optional_str("quarantine_reason")?,
        created_at: f.timestamp("created_at")?,
        created_by: f.str("created_by")?.to_owned(),
        settled_at: f.optional_timestamp("settled_at")?,
        version: f.optional_str("object_version")?,
        fixity: match f.optional_timestamp("fixity_at")? {
            Some(at) => Some(FixityCheck {
                at,
                outcome: f.parsed("fixity_outcome", FixityOutcome::parse)?,
            }),
            None => None,
        },
    })
}

/// An idempotent response item, expiring (by the table's TTL) at `expires_at`.
pub fn idempotency_item(response: &IdempotentResponse) -> Result<Item, StoreError> {
    Ok(Item::from([
        (
            PARTITION_KEY.into(),
            s(idempotency_pk(&response.agency, &response.key)),
        ),
        (SORT_KEY.into(), s(IDEMPOTENCY_SK)),
        ("request_hash".into(), s(&response.request_hash)),
        ("status".into(), number(response.status)),
        ("headers".into(), json_text(&response.headers)?),
        ("body".into(), s(&response.body)),
        // The table's TTL attribute: DynamoDB wants epoch seconds.
        ("expires_at".into(), number(response.expires_at.as_secs())),
    ]))
}

/// Reads an idempotent response item of `key` in `agency` back.
pub fn decode_idempotent(
    agency: &AgencyId,
    key: &str,
    item: &Item,
) -> Result<IdempotentResponse, StoreError> {
    let f = Fields(item);
    Ok(IdempotentResponse {
        agency: agency.clone(),
        key: key.to_owned(),
        request_hash: f.str("request_hash")?.to_owned(),
        status: f.num("status")?,
        headers: f.json("headers")?,
        body: f.str("body")?.to_owned(),
        expires_at: Timestamp::from_millis(f.num::<i64>("expires_at")?.saturating_mul(1000)),
    })
}
