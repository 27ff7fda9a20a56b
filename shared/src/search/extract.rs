//! The searchable text of a document: its bytes for `text/plain` and `text/csv`, read only
//! as far as [`MAX_TEXT_BYTES`]; with the feature `pdf`, the text layer of a PDF of at most
//! [`MAX_PDF_BYTES`], extracted within [`PDF_TIME_LIMIT`]. Images, and PDFs that fail, are
//! found by their file name alone.

use crate::blob::{BlobBody, BlobStore};
use crate::model::{ContentType, Document};

/// Most bytes of one document's text that are indexed: enough for any memo or table a
/// person searches, and a bound on what one record costs the index.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;

/// Largest PDF whose text is extracted: the parser holds the whole file, and some.
pub const MAX_PDF_BYTES: u64 = 16 * 1024 * 1024;
/// Longest a PDF's extraction is waited for.
pub const PDF_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether documents of this type have text extracted.
pub fn has_text(content_type: ContentType) -> bool {
    match content_type {
        ContentType::PlainText | ContentType::Csv => true,
        ContentType::Pdf => cfg!(feature = "pdf"),
        ContentType::Png | ContentType::Jpeg | ContentType::Tiff => false,
    }
}

/// The text layer of the PDF in `bytes`, cut like any text; `None` if it has none, the
/// parser fails (or panics: it parses untrusted files) or takes longer than
/// [`PDF_TIME_LIMIT`]. The parser runs on a thread of its own: one that overruns is left
/// to finish and its result dropped, as a thread cannot be stopped from outside.
#[cfg(feature = "pdf")]
pub fn pdf_text(bytes: Vec<u8>) -> Option<String> {
    let (done, result) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("pdf-text".into())
        .spawn(move || {
            let text = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(&bytes));
            let _ = done.send(text);
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "no thread for PDF text; indexed without it");
        return None;
    }
    match result.recv_timeout(PDF_TIME_LIMIT) {
        Ok(Ok(Ok(text))) => {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            (!text.is_empty()).then(|| text_of(text.as_bytes()))
        }
        Ok(Ok(Err(error))) => {
            tracing::info!(%error, "PDF without readable text; indexed by name");
            None
        }
        Ok(Err(_)) => {
            tracing::warn!("the PDF parser panicked; indexed by name");
            None
        }
        Err(_) => {
            tracing::warn!(
                seconds = PDF_TIME_LIMIT.as_secs(),
                "PDF text took too long; indexed by name"
            );
            None
        }
    }
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
    let limit = match document.content_type {
        ContentType::Pdf if document.size > MAX_PDF_BYTES => return None,
        ContentType::Pdf => MAX_PDF_BYTES as usize,
        _ => MAX_TEXT_BYTES,
    };
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
    while bytes.len() <= limit {
        match blob.body.next_chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(error) => {
                tracing::warn!(%key, %error, "document text not read; indexed without it");
                return None;
            }
        }
    }
    match document.content_type {
        #[cfg(feature = "pdf")]
        ContentType::Pdf => tokio::task::spawn_blocking(move || pdf_text(bytes))
            .await
            .ok()
            .flatten(),
        _ => Some(text_of(&bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "pdf")]
    #[test]
    fn reads_a_pdf_text_layer_and_survives_garbage() {
        let text = pdf_text(crate::testing::pdf_saying("Zoning variance for Elm Street")).unwrap();
        assert_eq!(text, "Zoning variance for Elm Street");
        assert_eq!(pdf_text(b"%PDF-1.4 not really".to_vec()), None);
        assert_eq!(pdf_text(Vec::new()), None);
        let mut truncated = crate::testing::pdf_saying("cut short");
        truncated.truncate(truncated.len() / 2);
        assert_eq!(pdf_text(truncated), None);
    }

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
