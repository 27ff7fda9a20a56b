//! What staff are told each day: the open requests coming due and overdue, one email per
//! person per agency. The assignee hears of theirs; the officers hear of every overdue
//! request and of those coming due that no assignee would hear of (unassigned, or assigned
//! to someone without an address).

use std::collections::BTreeMap;

use jiff::civil::Date;

use super::{Email, request_page};
use crate::model::{AgencyProfile, RecordsRequest};

/// One person's deadline email, and what it counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineDigest {
    /// The email.
    pub email: Email,
    /// Requests in it that are due soon.
    pub due_soon: usize,
    /// Requests in it that are overdue.
    pub overdue: usize,
}

#[derive(Default)]
struct Lists<'a> {
    overdue: Vec<&'a RecordsRequest>,
    due_soon: Vec<&'a RecordsRequest>,
}

/// The deadline emails of `agency` for its `open` requests on `today`: due soon means due
/// from today to `soon_until`, overdue means due before today; a request whose clock is
/// stopped is neither. An assignee with no address in the settings is logged, and the
/// officers hear of the request instead.
pub fn deadline_digests(
    agency: &AgencyProfile,
    open: &[RecordsRequest],
    today: Date,
    soon_until: Date,
    portal_url: Option<&str>,
) -> Vec<DeadlineDigest> {
    let settings = &agency.requests;
    let mut by_address: BTreeMap<&str, Lists> = BTreeMap::new();
    for request in open {
        let Some(due) = request.due_date else {
            continue;
        };
        let overdue = due < today;
        if !overdue && due > soon_until {
            continue;
        }
        let assignee = request.assignee.as_deref();
        let mut recipients: Vec<&str> = Vec::new();
        let reached = match assignee.map(|sub| settings.staff_emails.get(sub)) {
            Some(Some(address)) => {
                recipients.push(address);
                true
            }
            Some(None) => {
                tracing::warn!(
                    agency = %agency.agency,
                    number = %request.number,
                    assignee = assignee.unwrap_or_default(),
                    "the assignee has no address in the request settings (staff_emails)"
                );
                false
            }
            None => false,
        };
        // The officers hear of every late request, and of those no one else would hear of.
        if overdue || !reached {
            recipients.extend(settings.officer_emails.iter().map(String::as_str));
        }
        recipients.sort_unstable();
        recipients.dedup();
        for address in recipients {
            let lists = by_address.entry(address).or_default();
            if overdue {
                lists.overdue.push(request);
            } else {
                lists.due_soon.push(request);
            }
        }
    }
    by_address
        .into_iter()
        .map(|(address, lists)| digest(agency, address, &lists, portal_url))
        .collect()
}

fn digest(
    agency: &AgencyProfile,
    address: &str,
    lists: &Lists,
    portal_url: Option<&str>,
) -> DeadlineDigest {
    let mut text = String::new();
    for (heading, requests) in [
        ("Overdue", &lists.overdue),
        ("Due within two business days", &lists.due_soon),
    ] {
        if requests.is_empty() {
            continue;
        }
        text += &format!("{heading}:\n");
        for request in requests.iter() {
            let due = request.due_date.map(|d| d.to_string()).unwrap_or_default();
            let who = request.assignee.as_deref().unwrap_or("unassigned");
            text += &format!("- {} (due {due}, {who})", request.number);
            if let Some(portal) = portal_url {
                text += &format!(" {}", request_page(portal, request));
            }
            text += "\n";
        }
        text += "\n";
    }
    let subject = match (lists.overdue.len(), lists.due_soon.len()) {
        (0, soon) => format!("{}: {soon} records request(s) due soon", agency.name),
        (late, 0) => format!("{}: {late} records request(s) overdue", agency.name),
        (late, soon) => format!(
            "{}: {late} records request(s) overdue, {soon} due soon",
            agency.name
        ),
    };
    DeadlineDigest {
        email: Email {
            agency: agency.agency.clone(),
            to: vec![address.to_owned()],
            subject,
            text,
        },
        due_soon: lists.due_soon.len(),
        overdue: lists.overdue.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use crate::testing::fixtures::{seed_profile, seed_request};

    fn due(request: &RecordsRequest, day: &str, assignee: Option<&str>) -> RecordsRequest {
        let mut next = request.clone();
        next.due_date = day.parse().ok();
        next.assignee = assignee.map(str::to_owned);
        next
    }

    #[tokio::test]
    async fn assignees_hear_of_theirs_and_officers_of_the_late_and_the_unassigned() {
        let store = MemoryStore::new();
        let mut agency = seed_profile(&store, "parks", "Parks").await.profile;
        agency.requests.staff_emails =
            [("carl".to_owned(), "carl@parks.example".to_owned())].into();
        agency.requests.officer_emails = vec!["records@parks.example".into()];
        let (stored, _) = seed_request(&store, "parks", "Every permit on Elm Street").await;
        let request = stored.request;
        let open = [
            due(&request, "2026-12-01", Some("carl")), // overdue
            due(&request, "2026-12-04", Some("carl")), // due soon
            due(&request, "2026-12-20", Some("carl")), // not yet
            due(&request, "2026-12-03", None),         // due soon, nobody on it
            due(&request, "", Some("carl")),           // clock stopped
            due(&request, "2026-12-03", Some("dana")), // no address: the officers
        ];
        let today: Date = "2026-12-02".parse().unwrap();
        let until: Date = "2026-12-04".parse().unwrap();
        let digests = deadline_digests(&agency, &open, today, until, Some("https://r.example"));
        let summary: Vec<(&str, usize, usize)> = digests
            .iter()
            .map(|d| (d.email.to[0].as_str(), d.overdue, d.due_soon))
            .collect();
        assert_eq!(
            summary,
            [
                ("carl@parks.example", 1, 1),
                ("records@parks.example", 1, 2)
            ]
        );
        let carl = &digests[0].email;
        assert_eq!(
            carl.subject,
            "Parks: 1 records request(s) overdue, 1 due soon"
        );
        assert!(
            carl.text.contains("(due 2026-12-01, carl)"),
            "{}",
            carl.text
        );
        assert!(
            carl.text
                .contains("https://r.example/agencies/parks/requests/")
        );
        assert!(
            !carl.text.contains("ada@example.org"),
            "no requester's address"
        );
        assert!(deadline_digests(&agency, &[], today, until, None).is_empty());
    }
}
