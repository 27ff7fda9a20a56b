//! An agency's profile: who it is, how to reach it, and its timezone. An agency appears
//! to the public only once it has one; every change is a link of the agency's own audit
//! chain, like a record's.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::{AuditAction, AuditEntry, ChainHead, Changes, changes_between};
use super::fields::{Fields, check_text, email, string};
use super::ids::AgencyId;
use super::request_settings::RequestSettings;
use crate::clock::Timestamp;
use crate::error::FieldError;

/// The limits on a profile's fields.
pub mod limits {
    /// Most characters in a name.
    pub const NAME_MAX_CHARS: usize = 200;
    /// Most characters in a description.
    pub const DESCRIPTION_MAX_CHARS: usize = 2_000;
    /// Most characters in an email address (RFC 5321's path limit).
    pub const EMAIL_MAX_CHARS: usize = 254;
    /// Most characters in a website address.
    pub const WEBSITE_MAX_CHARS: usize = 500;
}

/// An agency's profile, exactly as `GET /agency` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyProfile {
    /// The agency.
    pub agency: AgencyId,
    /// 1 to 200 characters.
    pub name: String,
    /// Up to 2,000 characters; empty when not given.
    pub description: String,
    /// Where the public writes to.
    pub contact_email: String,
    /// An `https://` (or `http://`) address, if it has one.
    pub website: Option<String>,
    /// An IANA zone name (`America/Chicago`): the agency's calendar.
    pub timezone: String,
    /// How it answers records requests (the defaults until it says otherwise).
    #[serde(default)]
    pub requests: RequestSettings,
    /// Starts at 1; every change adds one. The ETag is this number, quoted.
    pub version: u64,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// The `sub` of whoever changed it last.
    pub updated_by: String,
}

impl AgencyProfile {
    /// The strong ETag of this version: `"3"`.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    fn fields(&self) -> [(&'static str, Value); 6] {
        [
            ("name", json!(self.name)),
            ("description", json!(self.description)),
            ("contact_email", json!(self.contact_email)),
            ("website", json!(self.website)),
            ("timezone", json!(self.timezone)),
            ("requests", json!(self.requests)),
        ]
    }
}

/// A profile as stored: the profile and the head of the agency's audit chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAgency {
    /// The profile.
    pub profile: AgencyProfile,
    /// The agency chain's last entry.
    pub head: ChainHead,
}

impl StoredAgency {
    /// `body` as the profile of `agency`, written by `actor` at `at` over `current` (none
    /// for the first write): one version more and an `agency.update` entry listing every
    /// changed field. `None` if nothing changed.
    pub fn revise(
        current: Option<&StoredAgency>,
        agency: &AgencyId,
        body: ProfileBody,
        at: Timestamp,
        actor: &str,
    ) -> Option<(Self, AuditEntry)> {
        let profile = AgencyProfile {
            agency: agency.clone(),
            name: body.name,
            description: body.description,
            contact_email: body.contact_email,
            website: body.website,
            timezone: body.timezone,
            requests: body.requests,
            version: current.map_or(1, |c| c.profile.version + 1),
            updated_at: at,
            updated_by: actor.to_owned(),
        };
        let changes: Changes = match current {
            Some(current) => changes_between(current.profile.fields(), profile.fields()),
            None => profile
                .fields()
                .into_iter()
                .map(|(field, new)| (field.to_owned(), [Value::Null, new]))
                .collect(),
        };
        if changes.is_empty() {
            return None;
        }
        let genesis = ChainHead::genesis();
        let head = current.map_or(&genesis, |c| &c.head);
        let entry = AuditEntry::next(head, at, actor, AuditAction::AgencyUpdate, changes);
        let stored = Self {
            profile,
            head: entry.head(),
        };
        Some((stored, entry))
    }
}

/// The body of `PUT /agency`: the whole profile, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileBody {
    /// 1 to 200 characters.
    pub name: String,
    /// Up to 2,000 characters.
    pub description: String,
    /// An email address.
    pub contact_email: String,
    /// An `http(s)://` address, or none.
    pub website: Option<String>,
    /// A known IANA zone name.
    pub timezone: String,
    /// How it answers records requests: the defaults, or what is given.
    pub requests: RequestSettings,
}

impl ProfileBody {
    /// Validates a JSON body, reporting every bad field at once.
    pub fn from_json(body: &Value) -> Result<Self, Vec<FieldError>> {
        let mut fields = Fields::of(
            body,
            &[
                "name",
                "description",
                "contact_email",
                "website",
                "timezone",
                "requests",
            ],
        )?;
        let name = fields.required("name", name);
        let description = fields
            .optional("description", description)
            .flatten()
            .unwrap_or_default();
        let contact_email = fields.required("contact_email", email);
        let website = fields.optional("website", website).flatten();
        let timezone = fields.required("timezone", timezone);
        let mut errors = match fields.finish() {
            Ok(()) => Vec::new(),
            Err(errors) => errors,
        };
        // Left out or null: the defaults. Its own fields' errors are named under it.
        let requests = match body.get("requests") {
            None | Some(Value::Null) => Ok(RequestSettings::default()),
            Some(requests) => RequestSettings::from_json(requests),
        };
        let requests = requests
            .map_err(|found| {
                errors.extend(found.into_iter().map(|error| {
                    let field = match error.field.as_str() {
                        "body" => "requests".to_owned(),
                        field => format!("requests.{field}"),
                    };
                    FieldError::new(field, error.detail)
                }))
            })
            .ok();
        if !errors.is_empty() {
            return Err(errors);
        }
        match (name, contact_email, timezone, requests) {
            (Some(name), Some(contact_email), Some(timezone), Some(requests)) => Ok(Self {
                name,
                description,
                contact_email,
                website,
                timezone,
                requests,
            }),
            // `finish` has already reported the missing field.
            _ => Err(Vec::new()),
        }
    }
}

fn name(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    if text.trim().is_empty() {
        return Err("must not be empty".to_owned());
    }
    check_text(text, limits::NAME_MAX_CHARS, false)?;
    Ok(text.to_owned())
}

fn description(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    check_text(text, limits::DESCRIPTION_MAX_CHARS, true)?;
    Ok(text.to_owned())
}

/// An absolute `https://` or `http://` address with a host: a portal renders it as a
/// link, so no other scheme (`javascript:`) may get in.
fn website(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    check_text(text, limits::WEBSITE_MAX_CHARS, false)?;
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    let host = rest.map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    let valid = host.is_some_and(|host| !host.is_empty() && !host.contains('@'))
        && !text.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'));
    if !valid {
        return Err("must be an http:// or https:// address".to_owned());
    }
    Ok(text.to_owned())
}

/// A zone of the IANA database bundled into the binary (Lambda images carry none),
/// spelt as the database spells it (the lookup itself ignores case).
fn timezone(_: &str, value: &Value) -> Result<String, String> {
    let text = string(value)?;
    let zone = (text.len() <= 64)
        .then(|| jiff::tz::db().get(text).ok())
        .flatten();
    match zone.as_ref().and_then(|zone| zone.iana_name()) {
        Some(name) if name == text => Ok(text.to_owned()),
        _ => Err("must be an IANA time zone name, like America/Chicago".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> Value {
        json!({"name": "Parks Department", "description": "Parks and trails.",
               "contact_email": "records@parks.example.gov",
               "website": "https://parks.example.gov/records", "timezone": "America/Chicago"})
    }

    fn bad_fields(body: &Value) -> Vec<String> {
        let mut names: Vec<String> = ProfileBody::from_json(body)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_full_body_is_accepted() {
        let profile = ProfileBody::from_json(&body()).unwrap();
        assert_eq!(profile.timezone, "America/Chicago");
        assert_eq!(
            profile.website.as_deref(),
            Some("https://parks.example.gov/records")
        );
        let minimal = json!({"name": "P", "contact_email": "a@b.gov", "timezone": "UTC"});
        let profile = ProfileBody::from_json(&minimal).unwrap();
        assert_eq!((profile.description.as_str(), profile.website), ("", None));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let body = json!({"name": " ", "contact_email": "nobody", "website": "javascript:alert(1)",
                          "timezone": "Mars/Olympus", "version": 2});
        assert_eq!(
            bad_fields(&body),
            ["contact_email", "name", "timezone", "version", "website"]
        );
        assert_eq!(
            bad_fields(&json!({})),
            ["contact_email", "name", "timezone"]
        );
    }

    #[test]
    fn request_settings_default_and_their_errors_are_named_under_requests() {
        let minimal = json!({"name": "P", "contact_email": "a@b.gov", "timezone": "UTC"});
        let body = ProfileBody::from_json(&minimal).unwrap();
        assert_eq!(body.requests, RequestSettings::default());
        let mut with = minimal.clone();
        with["requests"] = json!({"days_to_respond": 5, "holidays": ["2026-12-25"]});
        let body = ProfileBody::from_json(&with).unwrap();
        assert_eq!(body.requests.deadline.days_to_respond, 5);
        with["requests"] = json!({"days_to_respond": 0, "office_closes": "5pm"});
        with["name"] = json!("");
        assert_eq!(
            bad_fields(&with),
            ["name", "requests.days_to_respond", "requests.office_closes"]
        );
        with["requests"] = json!("twenty days");
        assert_eq!(bad_fields(&with), ["name", "requests"]);
    }

    #[test]
    fn emails_websites_and_zones_are_checked() {
        for bad in [
            "a@b",
            "@b.gov",
            "a@@b.gov",
            "a b@c.gov",
            "a@b.gov\r\nBcc: x@y.z",
            "<a@b.gov>",
        ] {
            let mut body = body();
            body["contact_email"] = json!(bad);
            assert_eq!(bad_fields(&body), ["contact_email"], "{bad:?}");
        }
        for bad in [
            "ftp://x.gov",
            "https://",
            "https://user@evil.example",
            "//x.gov",
            "https://x.gov/a b",
        ] {
            let mut body = body();
            body["website"] = json!(bad);
            assert_eq!(bad_fields(&body), ["website"], "{bad:?}");
        }
        for bad in ["", "america/chicago", "Europe/Nowhere", "../../etc/passwd"] {
            let mut body = body();
            body["timezone"] = json!(bad);
            assert_eq!(bad_fields(&body), ["timezone"], "{bad:?}");
        }
        for good in ["Europe/Paris", "Pacific/Honolulu", "UTC"] {
            let mut body = body();
            body["timezone"] = json!(good);
            assert!(ProfileBody::from_json(&body).is_ok(), "{good}");
        }
    }

    #[test]
    fn each_write_is_the_next_link_of_the_agency_chain() {
        let agency = AgencyId::parse("parks").unwrap();
        let first = ProfileBody::from_json(&body()).unwrap();
        let (v1, entry1) = StoredAgency::revise(
            None,
            &agency,
            first.clone(),
            Timestamp::from_millis(1),
            "olga",
        )
        .unwrap();
        assert_eq!((v1.profile.version, entry1.seq), (1, 1));
        assert_eq!(entry1.action, AuditAction::AgencyUpdate);
        assert_eq!(
            entry1.changes["name"],
            [Value::Null, json!("Parks Department")]
        );
        assert!(
            StoredAgency::revise(
                Some(&v1),
                &agency,
                first.clone(),
                Timestamp::from_millis(2),
                "olga"
            )
            .is_none(),
            "an unchanged profile writes nothing"
        );
        let renamed = ProfileBody {
            name: "Parks and Recreation".into(),
            ..first
        };
        let (v2, entry2) = StoredAgency::revise(
            Some(&v1),
            &agency,
            renamed,
            Timestamp::from_millis(3),
            "olga",
        )
        .unwrap();
        assert_eq!(
            (v2.profile.version, v2.profile.etag()),
            (2, "\"2\"".to_owned())
        );
        assert_eq!(entry2.prev_hash, entry1.hash);
        assert_eq!(entry2.changes.keys().collect::<Vec<_>>(), ["name"]);
        assert_eq!(v2.head, entry2.head());
    }
}
