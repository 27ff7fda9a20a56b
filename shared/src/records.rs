//! What the record routes share: finding a record the caller may see, and answering with
//! a record.

use http::StatusCode;
use http::header::ETAG;
use serde_json::json;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::http::Reply;
use crate::model::{Record, RecordId, StoredRecord};
use crate::store::RecordStore;

/// The record `id` if the caller may know it exists; 404 otherwise, whether it is
/// missing, another agency's, or confidential to this caller.
pub async fn find_visible<S: RecordStore>(
    store: &S,
    caller: &Caller,
    id: &RecordId,
) -> Result<StoredRecord, ApiError> {
    store
        .get_record(&caller.agency, id)
        .await?
        .filter(|stored| caller.can_see(&stored.record))
        .ok_or(ApiError::NotFound)
}

/// `record` as the body, with `status` and its `ETag`.
pub fn record_reply(status: StatusCode, record: &Record) -> Reply {
    Reply::new(status, Some(json!(record))).header(ETAG, record.etag())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::model::{AgencyId, NewRecord};

    #[test]
    fn a_record_reply_keeps_its_status() {
        let record = NewRecord::from_json(&json!({"title": "T", "classification": "public"}))
            .unwrap()
            .into_record(
                RecordId::generate(Timestamp::from_millis(0)),
                AgencyId::parse("parks").unwrap(),
                "alice",
                Timestamp::from_millis(0),
            );
        for status in [StatusCode::OK, StatusCode::CREATED, StatusCode::ACCEPTED] {
            let reply = record_reply(status, &record);
            assert_eq!(reply.status, status);
            assert_eq!(reply.headers, vec![(ETAG, "\"1\"".to_owned())]);
        }
    }
}
