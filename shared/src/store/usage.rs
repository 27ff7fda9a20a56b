//! What one request did in storage: how many calls it made and, where the backend reports
//! them (DynamoDB), the capacity units they consumed. Every adapter counts its own calls
//! here; the HTTP edge adds them up per request ([`measure`]) for its access line and
//! metrics, without knowing which adapter made them.

use std::cell::Cell;
use std::future::Future;

/// The storage work of one request.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StoreUsage {
    /// Calls made, failed ones included.
    pub calls: u32,
    /// Read capacity units consumed (DynamoDB only; 0 elsewhere).
    pub read_units: f64,
    /// Write capacity units consumed (DynamoDB only; 0 elsewhere).
    pub write_units: f64,
}

tokio::task_local! {
    /// The usage of the request the current task serves.
    static USAGE: Cell<StoreUsage>;
}

/// Runs `future`, adding up the store calls it makes (see [`count`]).
pub async fn measure<F: Future>(future: F) -> (F::Output, StoreUsage) {
    USAGE
        .scope(Cell::new(StoreUsage::default()), async {
            let output = future.await;
            (output, USAGE.with(Cell::get))
        })
        .await
}

/// Counts one store call, and the units it consumed, toward the request being served.
/// Outside [`measure`] (ingestion, tools) it counts nothing.
pub fn count(read_units: f64, write_units: f64) {
    let _ = USAGE.try_with(|usage| {
        let mut sum = usage.get();
        sum.calls += 1;
        sum.read_units += read_units;
        sum.write_units += write_units;
        usage.set(sum);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn calls_add_up_per_request_and_only_inside_one() {
        // Outside a request a call is not counted, and does not panic.
        count(1.0, 1.0);
        // Two requests interleaved on one task, as concurrent requests share a runtime:
        // each counts only its own calls.
        let read = measure(async {
            count(0.5, 0.0);
            tokio::task::yield_now().await;
            count(1.0, 0.0);
        });
        let write = measure(async {
            tokio::task::yield_now().await;
            count(0.0, 4.0);
        });
        let (((), read), ((), write)) = tokio::join!(read, write);
        let usage = |calls, read_units, write_units| StoreUsage {
            calls,
            read_units,
            write_units,
        };
        assert_eq!(read, usage(2, 1.5, 0.0));
        assert_eq!(write, usage(1, 0.0, 4.0));
        let ((), nothing) = measure(async {}).await;
        assert_eq!(nothing, StoreUsage::default());
    }
}
