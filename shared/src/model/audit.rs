use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Timestamp;

/// `prev_hash` of the first entry of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `{field: [old, new]}`.
pub type Changes = BTreeMap<String, [Value; 2]>;

/// What an audit entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditAction {
    /// The record was created.
    #[serde(rename = "record.create")]
    Create,
    /// Fields of the record changed (status and legal hold included).
    #[serde(rename = "record.update")]
    Update,
    /// The record was deleted.
    #[serde(rename = "record.delete")]
    Delete,
    /// A document was announced for upload.
    #[serde(rename = "document.add")]
    DocumentAdd,
    /// An uploaded document passed verification and may be downloaded.
    #[serde(rename = "document.verify")]
    DocumentVerify,
    /// An uploaded document failed verification and was quarantined.
    #[serde(rename = "document.quarantine")]
    DocumentQuarantine,
    /// The agency's profile was written (the first write lists every field).
    #[serde(rename = "agency.update")]
    AgencyUpdate,
    /// A records request was received (the first link of its chain).
    #[serde(rename = "request.receive")]
    RequestReceive,
    /// A records request changed (status, assignee, dates, summary, closing).
    #[serde(rename = "request.update")]
    RequestUpdate,
    /// A message was written on a records request (by staff, or by the requester, whose
    /// answer to a clarification starts the clock again in the same entry).
    #[serde(rename = "request.message")]
    RequestMessage,
    /// A document of a public record was released to a records request.
    #[serde(rename = "request.release")]
    RequestRelease,
    /// A retention schedule was created (the first link of its chain).
    #[serde(rename = "schedule.create")]
    ScheduleCreate,
    /// A retention schedule's name, period, event or action changed.
    #[serde(rename = "schedule.update")]
    ScheduleUpdate,
    /// An unused retention schedule was deleted (its chain stays).
    #[serde(rename = "schedule.delete")]
    ScheduleDelete,
    /// A named legal hold was created (the first link of its chain).
    #[serde(rename = "hold.create")]
    HoldCreate,
    /// A record was placed under the hold (also on the record's chain, as a change of
    /// its `holds`).
    #[serde(rename = "hold.place")]
    HoldPlace,
    /// A record was lifted from the hold.
    #[serde(rename = "hold.lift")]
    HoldLift,
    /// The hold was released, covering nothing.
    #[serde(rename = "hold.release")]
    HoldRelease,
    /// An officer approved the record's destruction on a destruction list.
    #[serde(rename = "disposition.approve")]
    DispositionApprove,
    /// An officer excluded the record from a destruction list: it is kept.
    #[serde(rename = "disposition.exclude")]
    DispositionExclude,
    /// A fixity check found a document's bytes changed or gone: it is damaged.
    #[serde(rename = "document.damage")]
    DocumentDamage,
    /// A fixity check found a damaged document's bytes intact again (restored).
    #[serde(rename = "document.restore")]
    DocumentRestore,
    /// A document whose upload never came was given up: it no longer counts.
    #[serde(rename = "document.expire")]
    DocumentExpire,
    /// The record was destroyed under an approval: its content and documents are gone, a
    /// tombstone stands in its place, and this is the last link of its chain.
    #[serde(rename = "record.destroy")]
    Destroy,
}

impl AuditAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "record.create",
            Self::Update => "record.update",
            Self::Delete => "record.delete",
            Self::DocumentAdd => "document.add",
            Self::DocumentVerify => "document.verify",
            Self::DocumentQuarantine => "document.quarantine",
            Self::AgencyUpdate => "agency.update",
            Self::RequestReceive => "request.receive",
            Self::RequestUpdate => "request.update",
            Self::RequestMessage => "request.message",
            Self::RequestRelease => "request.release",
            Self::ScheduleCreate => "schedule.create",
            Self::ScheduleUpdate => "schedule.update",
            Self::ScheduleDelete => "schedule.delete",
            Self::HoldCreate => "hold.create",
            Self::HoldPlace => "hold.place",
            Self::HoldLift => "hold.lift",
            Self::HoldRelease => "hold.release",
            Self::DispositionApprove => "disposition.approve",
            Self::DispositionExclude => "disposition.exclude",
            Self::Destroy => "record.destroy",
            Self::DocumentDamage => "document.damage",
            Self::DocumentRestore => "document.restore",
            Self::DocumentExpire => "document.expire",
        }
    }

    /// Parses a wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Create,
            Self::Update,
            Self::Delete,
            Self::DocumentAdd,
            Self::DocumentVerify,
            Self::DocumentQuarantine,
            Self::AgencyUpdate,
            Self::RequestReceive,
            Self::RequestUpdate,
            Self::RequestMessage,
            Self::RequestRelease,
            Self::ScheduleCreate,
            Self::ScheduleUpdate,
            Self::ScheduleDelete,
            Self::HoldCreate,
            Self::HoldPlace,
            Self::HoldLift,
            Self::HoldRelease,
            Self::DispositionApprove,
            Self::DispositionExclude,
            Self::Destroy,
            Self::DocumentDamage,
            Self::DocumentRestore,
            Self::DocumentExpire,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }
}

/// `{field: [old, new]}` for every field whose value differs between `old` and `new` (the
/// same fields, in the same order).
pub fn changes_between<'a>(
    old: impl IntoIterator<Item = (&'a str, Value)>,
    new: impl IntoIterator<Item = (&'a str, Value)>,
) -> Changes {
    old.into_iter()
        .zip(new)
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| (field.to_owned(), [old, new]))
        .collect()
}

/// The last link of a record's chain, kept on the record item itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// `seq` of the last entry (0 before the first).
    pub seq: u64,
    /// `hash` of the last entry ([`GENESIS_HASH`] before the first).
    pub hash: String,
}

impl ChainHead {
    /// The head of a chain with no entries yet.
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

/// One link of a record's tamper-evident history, exactly as `GET /records/{id}/history`
/// returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, ... with no gaps.
    pub seq: u64,
    /// When it happened.
    pub at: Timestamp,
    /// The `sub` of who did it.
    pub actor: String,
    /// What was done.
    pub action: AuditAction,
    /// `{field: [old, new]}`.
    pub changes: Changes,
    /// The previous entry's `hash`.
    pub prev_hash: String,
    /// SHA-256 (lowercase hex) of the JCS serialization of this entry without `hash`.
    pub hash: String,
}

impl AuditEntry {
    /// The entry that follows `head`, with its hash computed.
    pub fn next(
        head: &ChainHead,
        at: Timestamp,
        actor: &str,
        action: AuditAction,
        changes: Changes,
    ) -> Self {
        let mut entry = Self {
            seq: head.seq + 1,
            at,
            actor: actor.to_owned(),
            action,
            changes,
            prev_hash: head.hash.clone(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// The hash this entry should have: SHA-256 of the JCS form of every field but `hash`.
    pub fn compute_hash(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(fields) = &mut value {
            fields.remove("hash");
        }
        sha256_hex(canonical_json(&value).as_bytes())
    }

    /// The chain head this entry leaves behind.
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            hash: self.hash.clone(),
        }
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes))
}

/// RFC 8785 (JCS) serialization of `value`.
///
/// Object keys are sorted by their UTF-16 code units, as JCS requires (not by UTF-8
/// bytes, which differs outside the Basic Multilingual Plane). Strings are escaped the
/// way both JCS and serde_json do it (only `"`, `\` and control characters, as `\n` or
/// `\u001f`). Numbers are written by serde_json, which matches JCS for every integer
/// Dossier stores (all below 2^53); audit entries hold no fractional numbers.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(key.as_str()).to_string());
                out.push(':');
                write_canonical(&fields[key], out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_strips_whitespace() {
        let value = json!({"b": [1, {"z": null, "a": true}], "a": "x\ny\u{1f}é\"", "\u{FF61}": 1, "\u{1F600}": 2});
        assert_eq!(
            canonical_json(&value),
            "{\"a\":\"x\\ny\\u001fé\\\"\",\"b\":[1,{\"a\":true,\"z\":null}],\"\u{1F600}\":2,\"\u{FF61}\":1}"
        );
    }

    #[test]
    fn sha256_matches_the_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn entries_link_to_their_predecessor() {
        let at = Timestamp::from_millis(1_795_688_498_123);
        let first = AuditEntry::next(
            &ChainHead::genesis(),
            at,
            "alice",
            AuditAction::Create,
            Changes::new(),
        );
        let mut changes = Changes::new();
        changes.insert("title".into(), [json!("a"), json!("b")]);
        let second = AuditEntry::next(&first.head(), at, "bob", AuditAction::Update, changes);
        assert_eq!((first.seq, first.prev_hash.as_str()), (1, GENESIS_HASH));
        assert_eq!((second.seq, &second.prev_hash), (2, &first.hash));
        assert_eq!(second.hash, second.compute_hash());
    }

    #[test]
    fn hash_is_over_the_entry_as_the_api_shows_it() {
        let at = Timestamp::from_millis(0);
        let entry = AuditEntry::next(
            &ChainHead::genesis(),
            at,
            "alice",
            AuditAction::Delete,
            Changes::new(),
        );
        let shown = format!(
            "{{\"action\":\"record.delete\",\"actor\":\"alice\",\"at\":\"1970-01-01T00:00:00.000Z\",\"changes\":{{}},\"prev_hash\":\"{GENESIS_HASH}\",\"seq\":1}}"
        );
        assert_eq!(entry.hash, sha256_hex(shown.as_bytes()));
    }
}
