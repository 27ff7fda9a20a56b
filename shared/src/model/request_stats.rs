//! What the public asks of an agency's records requests most: how many came, how many were
//! answered, how fast, how many on time, and how they ended.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::Serialize;

use super::request::{ClosingReason, RecordsRequest, RequestStatus};

/// One year of an agency's requests, counted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequestStats {
    /// The year (of the requests' numbers).
    pub year: i16,
    /// Requests received.
    pub received: u32,
    /// Of those, closed.
    pub closed: u32,
    /// Of those, still open.
    pub open: u32,
    /// Of the open ones, past their due date today.
    pub overdue: u32,
    /// The median number of days from receipt to closing (on the agency's calendar), of
    /// the closed ones; none before the first closes.
    pub median_days_to_close: Option<f64>,
    /// The share of closed requests closed by their due date, from 0 to 1.
    pub closed_on_time: Option<f64>,
    /// Closed requests by closing reason.
    pub by_closing_reason: BTreeMap<ClosingReason, u32>,
}

impl RequestStats {
    /// The statistics of `requests` (all of `year`), `date_of` giving an instant's date on
    /// the agency's calendar and `today` that calendar's date now.
    pub fn of(
        year: i16,
        requests: &[RecordsRequest],
        date_of: impl Fn(crate::clock::Timestamp) -> Date,
        today: Date,
    ) -> Self {
        let mut stats = Self {
            year,
            received: 0,
            closed: 0,
            open: 0,
            overdue: 0,
            median_days_to_close: None,
            closed_on_time: None,
            by_closing_reason: BTreeMap::new(),
        };
        let mut days_to_close = Vec::new();
        let mut on_time = 0u32;
        for request in requests {
            stats.received += 1;
            match (&request.closing, request.status) {
                (Some(closing), RequestStatus::Closed) => {
                    stats.closed += 1;
                    *stats.by_closing_reason.entry(closing.reason).or_default() += 1;
                    let closed_on = date_of(closing.at);
                    let received_on = date_of(request.received_at);
                    days_to_close.push((closed_on - received_on).get_days());
                    // Closed while the clock was stopped (no due date) is not late.
                    if request.due_date.is_none_or(|due| closed_on <= due) {
                        on_time += 1;
                    }
                }
                _ => {
                    stats.open += 1;
                    if request.due_date.is_some_and(|due| due < today) {
                        stats.overdue += 1;
                    }
                }
            }
        }
        stats.median_days_to_close = median(&mut days_to_close);
        if stats.closed > 0 {
            stats.closed_on_time = Some(f64::from(on_time) / f64::from(stats.closed));
        }
        stats
    }
}

fn median(values: &mut [i32]) -> Option<f64> {
    values.sort_unstable();
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(f64::from(values[middle])),
        _ => Some((f64::from(values[middle - 1]) + f64::from(values[middle])) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clock::Timestamp;
    use crate::model::{
        AgencyId, Closing, NewRequest, RequestNumber, StoredRequest, TrackingToken,
    };

    const DAY: i64 = 86_400_000;
    /// Wednesday 2 December 2026, 09:00 UTC.
    const AT: Timestamp = Timestamp::from_millis(1_796_202_000_000);

    fn date_of(at: Timestamp) -> Date {
        jiff::Timestamp::from_millisecond(at.as_millis())
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
    }

    fn request(seq: u32, due: &str, closed: Option<(i64, ClosingReason)>) -> RecordsRequest {
        let new = NewRequest::from_json(&json!({"description": "Every permit on Elm Street",
                                                "requester": {"email": "ada@example.org"}}))
        .unwrap();
        let (stored, _) = StoredRequest::receive(
            &AgencyId::parse("parks").unwrap(),
            RequestNumber::new(2026, seq).unwrap(),
            &new,
            &TrackingToken::generate(),
            due.parse().ok(),
            AT,
        );
        let mut request = stored.request;
        if let Some((days, reason)) = closed {
            request.status = RequestStatus::Closed;
            request.closing = Some(Closing {
                reason,
                exemptions: Vec::new(),
                duplicate_of: None,
                at: AT.plus_millis(days * DAY),
            });
        }
        request
    }

    #[test]
    fn counts_medians_and_shares_on_the_agencys_calendar() {
        let today: Date = "2026-12-20".parse().unwrap();
        let requests = [
            request(1, "2026-12-30", Some((3, ClosingReason::Fulfilled))),
            request(2, "2026-12-10", Some((10, ClosingReason::Fulfilled))),
            request(3, "2026-12-10", Some((5, ClosingReason::Denied))),
            request(4, "2026-12-30", Some((20, ClosingReason::Withdrawn))),
            request(5, "2026-12-15", None),
            request(6, "2026-12-30", None),
        ];
        let stats = RequestStats::of(2026, &requests, date_of, today);
        assert_eq!(
            (stats.received, stats.closed, stats.open, stats.overdue),
            (6, 4, 2, 1)
        );
        // 3, 5, 10 and 20 days: the median is 7.5.
        assert_eq!(stats.median_days_to_close, Some(7.5));
        // Closed on 5, 12, 7 and 22 December against 30, 10, 10 and 30: three on time.
        assert_eq!(stats.closed_on_time, Some(0.75));
        assert_eq!(
            serde_json::to_value(&stats.by_closing_reason).unwrap(),
            json!({"fulfilled": 2, "denied": 1, "withdrawn": 1})
        );

        let none = RequestStats::of(2025, &[], date_of, today);
        assert_eq!(
            (
                none.received,
                none.median_days_to_close,
                none.closed_on_time
            ),
            (0, None, None)
        );
    }
}
