use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::clock::Timestamp;

/// A tenant: `^[a-z0-9-]{2,32}$`. Every query is scoped by one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgencyId(String);

impl AgencyId {
    /// Accepts only `^[a-z0-9-]{2,32}$`.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = (2..=32).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| Self(text.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgencyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for AgencyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AgencyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("malformed AgencyId"))
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Defines a ULID identifier type: 26 Crockford base-32 characters, time-ordered.
macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// A new ULID for `now`, with 80 bits from the operating system's CSPRNG.
            pub fn generate(now: Timestamp) -> Self {
                Self(generate_ulid(now))
            }

            /// Accepts a canonical ULID (lowercase is folded, since ids travel in URLs).
            pub fn parse(text: &str) -> Option<Self> {
                parse_ulid(text).map(Self)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(concat!("malformed ", stringify!($name)))
                })
            }
        }
    };
}

ulid_id!(
    /// A record id: a ULID.
    RecordId
);

ulid_id!(
    /// A document id: a ULID, unique across records.
    DocumentId
);

ulid_id!(
    /// A retention schedule's id: a ULID.
    ScheduleId
);

ulid_id!(
    /// A named legal hold's id: a ULID.
    HoldId
);

fn generate_ulid(now: Timestamp) -> String {
    let mut random = [0u8; 16];
    // The CSPRNG only fails if the OS has no entropy source at all; a time-only
    // id would still be unique per millisecond-and-process, so fall through.
    let _ = aws_lc_rs::rand::fill(&mut random[6..]);
    let millis = u128::try_from(now.as_millis()).unwrap_or(0) & ((1 << 48) - 1);
    let value = (millis << 80) | u128::from_be_bytes(random);
    (0..26)
        .map(|i| CROCKFORD[((value >> (5 * (25 - i))) & 31) as usize] as char)
        .collect()
}

fn parse_ulid(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let ok = upper.len() == 26
        && upper.as_bytes()[0] <= b'7'
        && upper.bytes().all(|b| CROCKFORD.contains(&b));
    ok.then_some(upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_ids_follow_the_pattern() {
        assert!(AgencyId::parse("parks-2").is_some());
        for bad in [
            "a",
            "Parks",
            "parks_dept",
            "p a",
            "x".repeat(33).as_str(),
            "pärks",
            "",
        ] {
            assert!(AgencyId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn generated_ulids_parse_and_sort_by_time() {
        let early = RecordId::generate(Timestamp::from_millis(1_700_000_000_000));
        let late = RecordId::generate(Timestamp::from_millis(1_700_000_000_001));
        assert_eq!(RecordId::parse(early.as_str()), Some(early.clone()));
        assert!(early < late);
        assert_ne!(
            RecordId::generate(Timestamp::from_millis(5)),
            RecordId::generate(Timestamp::from_millis(5))
        );
        assert_eq!(RecordId::parse(&early.as_str().to_lowercase()), Some(early));
    }

    #[test]
    fn malformed_ulids_are_refused() {
        for bad in [
            "",
            "01ARZ3NDEKTSV4RRFFQ69G5FA",
            "81ARZ3NDEKTSV4RRFFQ69G5FAV",
            "01ARZ3NDEKTSV4RRFFQ69G5FAU",
            "../../etc/passwd",
        ] {
            assert!(RecordId::parse(bad).is_none(), "{bad}");
        }
    }
}
