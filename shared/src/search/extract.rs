//! The searchable text of a document: its bytes for `text/plain` and `text/csv`, read only
//! as far as [`MAX_TEXT_BYTES`]. Other types are found by their file name alone.

use crate::blob::{BlobBody, BlobStore};
use crate::model::{ContentType, Document};

/// Most bytes of one document's text that are indexed: enough for any memo or table a
/// person searches, and a bound on what one record costs the index.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// Whether documents of this type have text extracted.
pub fn has_text(content_type: ContentType) -> bool {
    matches!(content_type, ContentType::PlainText | ContentType::Csv)
}

/// `bytes` as text: UTF-8 (what ingestion accepted), cut at a character boundary within
/// [`MAX_TEXT_BYTES`]; anything undecodable is replaced rather than failing the record.
pub fn text_of(bytes: &[u8]) -> String {
    let mut end = bytes.len().min(MAX_TEXT_BYTES);
    // Back to a character start (at most 3 bytes back in valid UTF-8).
    while end < bytes.len() && end > 0 && (bytes[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The text of `document` read from `blobs`, or `None` for a type without text or an
/// object that cannot be read (the record is still indexed, without it).
pub async fn document_text<B: BlobStore>(blobs: &B, document: &Document) -> Option<String> {
    if !has_text(document.content_type) {
        return None;
    }
    let key = document.object_key();
    let mut blob = match blobs.open(&key).await {
        Ok(Some(blob)) => blob,
        Ok(None) => return None,
        Err(error) => {
            tracing::warn!(%key, %error, "document text not read; indexed without it");
            return None;
        }
    };
    let mut bytes = Vec::new();
    // One byte past the limit tells `text_of` where a character was cut.
    while bytes.len() <= MAX_TEXT_BYTES {
        match blob.body.next_chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(error) => {
                tracing::warn!(%key, %error, "document text not read; indexed without it");
                return None;
            }
        }
    }
    Some(text_of(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_a_character_boundary() {
        let text = "é".repeat(MAX_TEXT_BYTES);
        let cut = text_of(text.as_bytes());
        assert_eq!(cut.len(), MAX_TEXT_BYTES);
        assert!(cut.chars().all(|c| c == 'é'));
        let odd = format!("a{}", "é".repeat(MAX_TEXT_BYTES));
        assert_eq!(text_of(odd.as_bytes()).len(), MAX_TEXT_BYTES - 1);
        assert_eq!(text_of(b"ok \xff"), "ok \u{fffd}");
    }
}
