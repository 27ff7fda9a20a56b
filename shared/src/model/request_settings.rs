//! How an agency answers records requests: its deadline rules and the notices its
//! requesters get. Part of the agency's profile (`requests` in `PUT /agency`), so that
//! each agency follows its own law without a line of code.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::deadline::{DayCount, DeadlineRules, OnClarification, parse_time_of_day};
use super::fields::{Fields, string};
use crate::error::FieldError;

/// The limits on the settings.
pub mod limits {
    /// Most days to respond, or to extend by.
    pub const MAX_DAYS: u32 = 365;
    /// Most holidays listed.
    pub const MAX_HOLIDAYS: usize = 400;
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
}

impl Default for RequestSettings {
    /// The default deadline rules, and every notice.
    fn default() -> Self {
        Self {
            deadline: DeadlineRules::default(),
            notices: Notice::ALL.into(),
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
        })
    }
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
        });
        let settings = RequestSettings::from_json(&full).unwrap();
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
                "on_clarification"
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
