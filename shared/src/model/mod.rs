//! The domain: identifiers, agencies, records, documents, and the audit chain. No I/O here.

mod agency;
mod audit;
mod chain;
mod deadline;
mod disposition;
mod document;
mod fields;
mod hold;
mod ids;
mod public;
mod public_request;
mod record;
mod request;
mod request_change;
mod request_message;
mod request_release;
mod request_settings;
mod request_stats;
mod schedule;

pub use agency::{AgencyProfile, ProfileBody, StoredAgency, limits as agency_limits};
pub use audit::{
    AuditAction, AuditEntry, ChainHead, Changes, GENESIS_HASH, canonical_json, sha256_hex,
};
pub use chain::{BrokenLink, ChainChecker, Problem, verify_chain};
pub use deadline::{DayCount, DeadlineRules, OnClarification, Wait};
pub use disposition::{
    Certificate, CertifiedDestruction, Decision, Destruction, DestructionOrder, DispositionItem,
    DispositionList, DispositionListId, ItemState, Refusal, Tombstone,
    limits as disposition_limits,
};
pub use document::{
    ContentCheck, ContentType, DOCUMENTS_PREFIX, Document, DocumentStatus, FixityCheck,
    FixityOutcome, NewDocument, QUARANTINE_PREFIX, Rejection, decode_notification_key,
    limits as document_limits, object_key, parse_object_key, sha256_base64,
};
pub use hold::{Covering, Hold, HoldBody, HoldStatus, StoredHold, limits as hold_limits};
pub use ids::{AgencyId, DocumentId, HoldId, RecordId, ScheduleId};
pub use public::{
    PublicAgency, PublicAgencySummary, PublicDocument, PublicRecord, PublicSummary,
    is_publicly_visible, publication_time,
};
pub use public_request::{
    PublicClosing, PublicExtension, PublicMessage, PublicRelease, PublicRequestPage,
    PublicRequestSummary, Reader,
};
pub use record::{
    Classification, INGESTION, NewRecord, Record, RecordPatch, Status, StoredRecord, is_valid_tag,
    limits,
};
pub use request::{
    Closing, ClosingReason, Extension, NewRequest, REQUESTER, RecordsRequest, Release,
    RequestNumber, RequestStatus, Requester, StoredRequest, TrackingToken,
    limits as request_limits,
};
pub use request_change::{ClosingBody, RequestPatch, limits as request_change_limits};
pub use request_message::{
    NewMessage, RequestMessage, Visibility, limits as request_message_limits,
};
pub use request_release::{MAX_RELEASES, NewRelease};
pub use request_settings::{Notice, RequestSettings, limits as request_settings_limits};
pub use request_stats::RequestStats;
pub use schedule::{
    DisposalAction, Keep, RetentionEvent, Schedule, ScheduleBody, SchedulePatch, StoredSchedule,
    limits as schedule_limits,
};
