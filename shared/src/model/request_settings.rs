//! How an agency answers records requests: its deadline rules and the notices its
//! requesters get. Part of the agency's profile (`requests` in `PUT /agency`), so that
//! each agency follows its own law without a line of code.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::deadline::{DayCount, DeadlineRules, OnClarification, parse_time_of_day};
use super::fields::{Fields, email, string};
use crate::error::FieldError;

/// The limits on the settings.
pub mod limits {
    /// Most days to respond, or to extend by.
    pub const MAX_DAYS: u32 = 365;
    /// Most holidays listed.
    pub const MAX_HOLIDAYS: usize = 400;
    /// Most staff with an address for deadline notices.
    pub const MAX_STAFF: usize = 500;
    /// Most officer addresses told of overdue requests.
    pub const MAX_OFFICERS: usize = 20;
    /// Most characters in a staff `sub`.
    pub const SUB_MAX_CHARS: usize = 200;
}

/// A notice a requester may be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// The request arrived: its number and due date.
    Acknowledgement,
    /// Staff ask the requester to clarify.
    Clarification,
    /// The due date moved by the extension.
    Extension,
    /// The request is closed, and why.
    Closure,
}

impl Notice {
    /// Every notice.
    pub const ALL: [Self; 4] = [
        Self::Acknowledgement,
        Self::Clarification,
        Self::Extension,
        Self::Closure,
    ];

    fn parse(text: &str) -> Option<Self> {
        serde_json::from_value(Value::from(text)).ok()
    }
}

/// An agency's settings for records requests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSettings {
    /// When requests are due.
    #[serde(flatten)]
    pub deadline: DeadlineRules,
    /// The notices requesters are sent.
    pub notices: BTreeSet<Notice>,
    /// Where staff get deadline notices: an address per staff `sub` (an assignee).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub staff_emails: BTreeMap<String, String>,
    /// Who hears of overdue requests, and of unassigned ones coming due: the officers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub officer_emails: Vec<String>,
}

impl Default for RequestSettings {
    /// The default deadline rules, and every notice.
    fn default() -> Self {
        Self {
            deadline: DeadlineRules::default(),
            notices: Notice::ALL.into(),
            staff_emails: BTreeMap::new(),
            officer_emails: Vec::new(),
        }
    }
}

impl RequestSettings {
    /// Validates the `requests` object of a profile body, reporting every bad field at
    /// once: any field left out keeps its default.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let defaults = Self::default();
        let mut fields = Fields::of(
            body,
            &[
                "days_to_respond",
                "counting",
                "holidays",
                "extension_days",
                "office_closes",
                "on_clarification",
                "notices",
                "staff_emails",
                "officer_emails",
            ],
        )?;
        let days = |_: &str, value: &Value| match value.as_u64() {
            Some(days) if days <= u64::from(limits::MAX_DAYS) => Ok(days as u32),
            _ => Err(format!(
                "must be a whole number of days from 0 to {}",
                limits::MAX_DAYS
            )),
        };
        let days_to_respond = fields.not_null("days_to_respond", |name, value| {
            days(name, value).and_then(|days| {
                if days == 0 {
                    Err("must be at least one day".to_owned())
                } else {
                    Ok(days)
                }
            })
        });
        let counting = fields.not_null("counting", |_, value| {
            serde_json::from_value::<DayCount>(value.clone())
                .map_err(|_| "must be \"business\" or \"calendar\"".to_owned())
        });
        let holidays = fields.not_null("holidays", holidays);
        let extension_days = fields.not_null("extension_days", days);
        let office_closes = fields.not_null("office_closes", |_, value| {
            parse_time_of_day(string(value)?)
                .ok_or_else(|| "must be a time of day, HH:MM".to_owned())
        });
        let on_clarification = fields.not_null("on_clarification", |_, value| {
            serde_json::from_value::<OnClarification>(value.clone())
                .map_err(|_| "must be \"pause\" or \"restart\"".to_owned())
        });
        let notices = fields.not_null("notices", |_, value| {
            let list = value.as_array().ok_or("must be a list of notices")?;
            list.iter()
                .map(|item| item.as_str().and_then(Notice::parse))
                .collect::<Option<BTreeSet<_>>>()
                .ok_or_else(|| {
                    "must list only acknowledgement, clarification, extension or closure".to_owned()
                })
        });
        let staff_emails = fields.not_null("staff_emails", staff_emails);
        let officer_emails = fields.not_null("officer_emails", officer_emails);
        fields.finish()?;
        let rules = defaults.deadline;
        Ok(Self {
            deadline: DeadlineRules {
                days_to_respond: days_to_respond.unwrap_or(rules.days_to_respond),
                counting: counting.unwrap_or(rules.counting),
                holidays: holidays.unwrap_or(rules.holidays),
                extension_days: extension_days.unwrap_or(rules.extension_days),
                office_closes: office_closes.unwrap_or(rules.office_closes),
                on_clarification: on_clarification.unwrap_or(rules.on_clarification),
            },
            notices: notices.unwrap_or(defaults.notices),
            staff_emails: staff_emails.unwrap_or_default(),
            officer_emails: officer_emails.unwrap_or_default(),
        })
    }
}

fn staff_emails(name: &str, value: &Value) -> Result<BTreeMap<String, String>, String> {
    let object = value
        .as_object()
        .ok_or("must be an object of staff subs to email addresses")?;
    if object.len() > limits::MAX_STAFF {
        return Err(format!("must name at most {} staff", limits::MAX_STAFF));
    }
    object
        .iter()
        .map(|(sub, address)| {
            if sub.is_empty() || sub.chars().count() > limits::SUB_MAX_CHARS {
                return Err(format!(
                    "has a sub that is empty or longer than {} characters",
                    limits::SUB_MAX_CHARS
                ));
            }
            let address = email(name, address).map_err(|e| format!("{sub:?}: {e}"))?;
            Ok((sub.clone(), address))
        })
        .collect()
}

fn officer_emails(name: &str, value: &Value) -> Result<Vec<String>, String> {
    let list = value
        .as_array()
        .ok_or("must be a list of email addresses")?;
    if list.len() > limits::MAX_OFFICERS {
        return Err(format!(
            "must list at most {} addresses",
            limits::MAX_OFFICERS
        ));
    }
    list.iter().map(|address| email(name, address)).collect()
}

fn holidays(_: &str, value: &Value) -> Result<BTreeSet<Date>, String> {
    let list = value.as_array().ok_or("must be a list of dates")?;
    if list.len() > limits::MAX_HOLIDAYS {
        return Err(format!("must list at most {} dates", limits::MAX_HOLIDAYS));
    }
    list.iter()
        .map(|item| {
            let text = item.as_str().unwrap_or_default();
            text.parse::<Date>()
                .ok()
                .filter(|day| text.len() == 10 && (2000..=2200).contains(&day.year()))
                .ok_or_else(|| format!("{item} is not a date, YYYY-MM-DD, from 2000 to 2200"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::Time;
    use serde_json::json;

    use super::*;

    #[test]
    fn left_out_fields_keep_their_defaults() {
        let settings = RequestSettings::from_json(&json!({"days_to_respond": 5})).unwrap();
        assert_eq!(settings.deadline.days_to_respond, 5);
        assert_eq!(settings.deadline.extension_days, 10);
        assert_eq!(settings.notices.len(), 4);
        assert_eq!(
            RequestSettings::from_json(&json!({})).unwrap(),
            RequestSettings::default()
        );
    }

    #[test]
    fn every_field_is_checked() {
        let full = json!({
            "days_to_respond": 10,
            "counting": "calendar",
            "holidays": ["2026-12-25"],
            "extension_days": 0,
            "office_closes": "16:30",
            "on_clarification": "restart",
            "notices": ["closure"],
            "staff_emails": {"alice": "alice@parks.example"},
            "officer_emails": ["records@parks.example"],
        });
        let settings = RequestSettings::from_json(&full).unwrap();
        assert_eq!(settings.staff_emails["alice"], "alice@parks.example");
        assert_eq!(settings.officer_emails, ["records@parks.example"]);
        assert_eq!(settings.deadline.counting, DayCount::Calendar);
        assert_eq!(
            settings.deadline.office_closes,
            Time::constant(16, 30, 0, 0)
        );
        // What GET shows, PUT takes back.
        let shown = serde_json::to_value(&settings).unwrap();
        assert_eq!(shown["office_closes"], "16:30");
        assert_eq!(RequestSettings::from_json(&shown).unwrap(), settings);
        assert_eq!(settings.notices, [Notice::Closure].into());
        // Written and read back the same.
        let written = serde_json::to_value(&settings).unwrap();
        assert_eq!(
            serde_json::from_value::<RequestSettings>(written).unwrap(),
            settings
        );

        let bad = json!({
            "days_to_respond": 0,
            "counting": "weekdays",
            "holidays": ["2026-13-01", "tomorrow"],
            "extension_days": 400,
            "office_closes": "5pm",
            "on_clarification": "ignore",
            "notices": ["spam"],
            "staff_emails": {"alice": "not an address"},
            "officer_emails": ["records@parks.example", 7],
            "colour": "blue",
        });
        let mut names: Vec<String> = RequestSettings::from_json(&bad)
            .unwrap_err()
            .into_iter()
            .map(|error| error.field)
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "colour",
                "counting",
                "days_to_respond",
                "extension_days",
                "holidays",
                "notices",
                "office_closes",
                "officer_emails",
                "on_clarification",
                "staff_emails"
            ]
        );
        for null in ["days_to_respond", "holidays", "notices"] {
            assert!(
                RequestSettings::from_json(&json!({null: null})).is_err(),
                "{null}"
            );
        }
        assert!(RequestSettings::from_json(&json!({"days_to_respond": 2.5})).is_err());
        assert!(RequestSettings::from_json(&json!("20 days")).is_err());
    }
}
