//! The domain: identifiers, records, and the audit chain. No I/O here.

mod audit;
mod ids;
mod record;

pub use audit::{
    AuditAction, AuditEntry, ChainHead, Changes, GENESIS_HASH, canonical_json, sha256_hex,
};
pub use ids::{AgencyId, RecordId};
pub use record::{
    Classification, NewRecord, Record, RecordPatch, Status, StoredRecord, is_valid_tag, limits,
};
