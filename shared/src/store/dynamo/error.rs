//! DynamoDB's failures as [`StoreError`]s: throttling and outages may be retried, a
//! cancelled transaction says which condition failed.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use crate::store::StoreError;

/// The error of a call that failed.
pub fn classify<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = DisplayErrorContext(&error).to_string();
    match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            StoreError::Unavailable(message)
        }
        _ => classify_code(error.code(), message),
    }
}

/// The error of a `TransactWriteItems` that failed; `idempotency_item` is the index of a
/// create's idempotency item, whose failed condition means the key is taken.
pub fn classify_transaction<R: std::fmt::Debug>(
    error: SdkError<TransactWriteItemsError, R>,
    idempotency_item: Option<usize>,
) -> StoreError {
    match &error {
        SdkError::ServiceError(context) => match context.err() {
            TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                let codes: Vec<&str> = cancelled
                    .cancellation_reasons()
                    .iter()
                    .map(|reason| reason.code().unwrap_or("None"))
                    .collect();
                cancellation_error(&codes, idempotency_item)
            }
            other => classify_code(other.code(), DisplayErrorContext(other).to_string()),
        },
        _ => classify(error),
    }
}

fn classify_code(code: Option<&str>, message: String) -> StoreError {
    match code {
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable",
        ) => StoreError::Unavailable(message),
        _ => StoreError::Backend(message),
    }
}

/// Maps a cancelled transaction's reasons (one per item, in order) to an error.
fn cancellation_error(codes: &[&str], idempotency_item: Option<usize>) -> StoreError {
    let lost = |code: &&str| matches!(*code, "ConditionalCheckFailed" | "TransactionConflict");
    // The key is taken, or a concurrent request with the same key is writing it right now:
    // either way that request wins, and this one replays it (or hears it is in progress).
    if idempotency_item
        .and_then(|index| codes.get(index))
        .is_some_and(lost)
    {
        StoreError::IdempotencyKeyTaken
    } else if codes.iter().any(lost) {
        // A concurrent transaction on the same record is a concurrent writer too.
        StoreError::ConditionFailed
    } else if codes
        .iter()
        .any(|code| matches!(*code, "ThrottlingError" | "ProvisionedThroughputExceeded"))
    {
        StoreError::Unavailable(format!("transaction throttled: {codes:?}"))
    } else {
        StoreError::Backend(format!("transaction cancelled: {codes:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_reasons_map_to_errors() {
        assert_eq!(
            cancellation_error(&["None", "None", "ConditionalCheckFailed"], Some(2)),
            StoreError::IdempotencyKeyTaken
        );
        assert_eq!(
            cancellation_error(&["ConditionalCheckFailed", "None"], Some(2)),
            StoreError::ConditionFailed
        );
        assert_eq!(
            cancellation_error(&["None", "None", "ConditionalCheckFailed"], None),
            StoreError::ConditionFailed
        );
        assert_eq!(
            cancellation_error(&["None", "TransactionConflict"], None),
            StoreError::ConditionFailed
        );
        assert_eq!(
            cancellation_error(&["None", "None", "TransactionConflict"], Some(2)),
            StoreError::IdempotencyKeyTaken
        );
        assert_eq!(
            cancellation_error(&["None", "TransactionConflict", "None"], Some(2)),
            StoreError::ConditionFailed
        );
        assert!(matches!(
            cancellation_error(&["ThrottlingError", "None"], None),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            cancellation_error(&["ValidationError"], None),
            StoreError::Backend(_)
        ));
    }
}
