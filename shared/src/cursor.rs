//! Opaque, tamper-proof pagination cursors.
//!
//! A cursor is `base64url(position JSON) "." base64url(HMAC-SHA256)`, where the MAC
//! covers the position and a scope naming the agency and the query's filters. A cursor
//! edited by hand, minted for another agency, or replayed with other filters fails the
//! MAC and is refused.

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Longest cursor accepted; anything longer is refused before it is decoded.
pub const MAX_CURSOR_CHARS: usize = 1024;

/// The key cursors are signed with.
#[derive(Clone)]
pub struct CursorKey(hmac::Key);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

/// Why a cursor was refused. Deliberately says nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidCursor;

impl CursorKey {
    /// A key from a secret of at least 32 bytes.
    pub fn new(secret: &[u8]) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret))
    }

    fn tag(&self, scope: &str, payload: &str) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.0);
        context.update(scope.as_bytes());
        context.update(&[0]);
        context.update(payload.as_bytes());
        context.sign()
    }

    /// A cursor for `position`, valid only for `scope`.
    pub fn seal<T: Serialize>(&self, scope: &str, position: &T) -> String {
        let payload = B64.encode(serde_json::to_vec(position).unwrap_or_default());
        let tag = self.tag(scope, &payload);
        format!("{payload}.{}", B64.encode(tag.as_ref()))
    }

    /// The position in `cursor`, if it was sealed by this key for `scope`.
    pub fn open<T: DeserializeOwned>(&self, scope: &str, cursor: &str) -> Result<T, InvalidCursor> {
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(InvalidCursor);
        }
        let (payload, tag) = cursor.split_once('.').ok_or(InvalidCursor)?;
        let tag = B64.decode(tag).map_err(|_| InvalidCursor)?;
        let mut message = Vec::with_capacity(scope.len() + 1 + payload.len());
        message.extend_from_slice(scope.as_bytes());
        message.push(0);
        message.extend_from_slice(payload.as_bytes());
        hmac::verify(&self.0, &message, &tag).map_err(|_| InvalidCursor)?;
        let json = B64.decode(payload).map_err(|_| InvalidCursor)?;
        serde_json::from_slice(&json).map_err(|_| InvalidCursor)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Position {
        at: i64,
        id: String,
    }

    fn key() -> CursorKey {
        CursorKey::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn round_trips_within_its_scope() {
        let position = Position {
            at: 42,
            id: "01J".into(),
        };
        let cursor = key().seal("records|parks", &position);
        assert_eq!(
            key().open::<Position>("records|parks", &cursor),
            Ok(position)
        );
    }

    #[test]
    fn refuses_other_scopes_keys_and_edits() {
        let cursor = key().seal(
            "records|parks",
            &Position {
                at: 42,
                id: "01J".into(),
            },
        );
        assert!(key().open::<Position>("records|zoning", &cursor).is_err());
        assert!(
            CursorKey::new(&[7; 32])
                .open::<Position>("records|parks", &cursor)
                .is_err()
        );
        let (payload, tag) = cursor.split_once('.').unwrap();
        let forged = B64.encode(br#"{"at":0,"id":"01J"}"#);
        assert!(
            key()
                .open::<Position>("records|parks", &format!("{forged}.{tag}"))
                .is_err()
        );
        for garbage in [
            "",
            ".",
            "abc",
            &format!("{payload}."),
            &format!("{payload}.{tag}x"),
            &"A".repeat(2000),
        ] {
            assert!(
                key().open::<Position>("records|parks", garbage).is_err(),
                "{garbage}"
            );
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let key = key();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for len in 0..400 {
            let text: String = (0..len % 90)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let alphabet = b"ABCxyz019-_.=+/{}\"\0\xff";
                    char::from(alphabet[(seed % alphabet.len() as u64) as usize])
                })
                .collect();
            assert!(key.open::<Position>("s", &text).is_err());
        }
    }
}
