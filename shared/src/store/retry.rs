//! Conditional writes that lost a race: the record changed between a read and the write
//! built from it (another edit, a document landing). A route that named no version, or
//! whose `If-Match` still holds, reads again and tries again, a few times:
//!
//! ```text
//! for _ in retry::attempts() {
//!     let current = /* read */;
//!     /* check, build the next state */
//!     if let Some(()) = retry::unless_moved(/* conditional write */)? {
//!         return /* done */;
//!     }
//! }
//! /* every attempt lost its race */
//! ```

use std::time::Duration;

use super::StoreError;

/// Tries before giving up when the record keeps changing.
pub const ATTEMPTS: usize = 3;

/// The attempts a write gets: [`ATTEMPTS`] of them.
pub fn attempts() -> std::ops::Range<usize> {
    0..ATTEMPTS
}

/// A conditional write's result, with its failed condition (the record moved since it
/// was read) as `None`: try again.
pub fn unless_moved<T>(written: Result<T, StoreError>) -> Result<Option<T>, StoreError> {
    match written {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::ConditionFailed) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Waits before try `attempt` (from 0) of a write that keeps losing to other writers: a
/// random time up to 2^`attempt` ms, at most 64 ms ("full jitter"), so that many racers
/// spread out instead of colliding again in step. The first try does not wait.
pub async fn jitter(attempt: usize) {
    if attempt == 0 {
        return;
    }
    let ceiling = 1u64 << attempt.min(6);
    let mut random = [0u8; 2];
    // Without randomness (which Lambda always has), every racer waits the longest.
    let random = match aws_lc_rs::rand::fill(&mut random) {
        Ok(()) => u64::from(u16::from_le_bytes(random)),
        Err(_) => ceiling,
    };
    tokio::time::sleep(Duration::from_millis(random % (ceiling + 1))).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_moved_record_is_tried_again() {
        assert_eq!(attempts().count(), ATTEMPTS);
        assert_eq!(unless_moved(Ok(7)), Ok(Some(7)));
        assert_eq!(
            unless_moved::<()>(Err(StoreError::ConditionFailed)),
            Ok(None)
        );
        assert_eq!(
            unless_moved::<()>(Err(StoreError::Unavailable("throttled".into()))),
            Err(StoreError::Unavailable("throttled".into()))
        );
    }
}
