//! Opaque, tamper-proof, confidential pagination cursors.
//!
//! A cursor is `base64url(nonce ‖ AES-256-GCM-SIV(position JSON))`, with the query's scope
//! (the agency and its filters) as associated data. One edited by hand, minted for another
//! agency, or replayed with other filters fails authentication and is refused; and since
//! it is encrypted, a cursor shows nothing of where it points (a listing that stops inside
//! a run of confidential records a caller may not see resumes after one of them).
//!
//! The nonce is derived from the scope and the position (an HMAC under a second key), so
//! the same position in the same scope always gives the same cursor; GCM-SIV is built for
//! such synthetic nonces, and needs no randomness.

use aws_lc_rs::aead::{AES_256_GCM_SIV, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::{digest, hmac};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Longest cursor accepted; anything longer is refused before it is decoded.
pub const MAX_CURSOR_CHARS: usize = 1024;

/// The keys cursors are sealed with, both derived from one secret.
pub struct CursorKey {
    /// Encrypts and authenticates positions.
    cipher: LessSafeKey,
    /// Derives each cursor's nonce from its scope and position.
    nonces: hmac::Key,
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

/// Why a cursor was refused. Deliberately says nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidCursor;

/// A 256-bit key for `purpose`, from `secret`.
fn derive(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    let mut context = digest::Context::new(&digest::SHA256);
    context.update(purpose);
    context.update(&[0]);
    context.update(secret);
    let mut key = [0u8; 32];
    key.copy_from_slice(context.finish().as_ref());
    key
}

impl CursorKey {
    /// Keys from a secret of at least 32 bytes.
    pub fn new(secret: &[u8]) -> Self {
        let cipher = derive(secret, b"dossier cursor cipher");
        // 32 bytes are exactly what AES-256 takes: this cannot fail.
        let cipher = UnboundKey::new(&AES_256_GCM_SIV, &cipher).expect("a 256-bit AES key");
        Self {
            cipher: LessSafeKey::new(cipher),
            nonces: hmac::Key::new(hmac::HMAC_SHA256, &derive(secret, b"dossier cursor nonce")),
        }
    }

    /// A cursor for `position`, valid only for `scope`.
    pub fn seal<T: Serialize>(&self, scope: &str, position: &T) -> String {
        let mut payload = serde_json::to_vec(position).unwrap_or_default();
        let mut context = hmac::Context::with_key(&self.nonces);
        context.update(scope.as_bytes());
        context.update(&[0]);
        context.update(&payload);
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&context.sign().as_ref()[..NONCE_LEN]);
        let sealed = self.cipher.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(scope.as_bytes()),
            &mut payload,
        );
        match sealed {
            Ok(()) => B64.encode([nonce.as_slice(), &payload].concat()),
            // Sealing fails only for inputs of gigabytes: such a cursor is never issued.
            Err(_) => String::new(),
        }
    }

    /// The position in `cursor`, if it was sealed by this key for `scope`.
    pub fn open<T: DeserializeOwned>(&self, scope: &str, cursor: &str) -> Result<T, InvalidCursor> {
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(InvalidCursor);
        }
        let bytes = B64.decode(cursor).map_err(|_| InvalidCursor)?;
        if bytes.len() < NONCE_LEN {
            return Err(InvalidCursor);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| InvalidCursor)?;
        let mut sealed = sealed.to_vec();
        let json = self
            .cipher
            .open_in_place(nonce, Aad::from(scope.as_bytes()), &mut sealed)
            .map_err(|_| InvalidCursor)?;
        serde_json::from_slice(json).map_err(|_| InvalidCursor)
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
        let mut flipped = B64.decode(&cursor).unwrap();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        flipped[NONCE_LEN] ^= 1;
        for garbage in [
            "",
            "abc",
            &B64.encode(&flipped),
            &format!("{cursor}x"),
            &cursor[..cursor.len() - 2],
            &"A".repeat(2000),
        ] {
            assert!(
                key().open::<Position>("records|parks", garbage).is_err(),
                "{garbage}"
            );
        }
    }

    #[test]
    fn a_cursor_hides_where_it_points() {
        let position = Position {
            at: 1_795_688_498_000,
            id: "01KBXQ7R5M3N8P2V6W9Y4Z0A1B".into(),
        };
        let cursor = key().seal("records|parks", &position);
        let bytes = B64.decode(&cursor).unwrap();
        for clue in [
            &b"01KBXQ7R5M3N8P2V6W9Y4Z0A1B"[..],
            b"1795688498000",
            b"\"at\"",
        ] {
            assert!(!bytes.windows(clue.len()).any(|w| w == clue));
            assert!(!cursor.contains(&B64.encode(clue)));
        }
        // The same position in the same scope: the same cursor.
        assert_eq!(key().seal("records|parks", &position), cursor);
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
