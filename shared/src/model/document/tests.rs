use serde_json::json;

use super::*;

fn document(content_type: ContentType, bytes: &[u8]) -> Document {
    NewDocument {
        filename: "f".into(),
        content_type,
        size: bytes.len() as u64,
        sha256: sha256_base64(bytes),
    }
    .into_document(
        DocumentId::parse("01KBXQ8F0000000000000000D1").unwrap(),
        &RecordId::parse("01KBXQ7R5M3N8P2V6W9Y4Z0A1B").unwrap(),
        &AgencyId::parse("parks").unwrap(),
        "alice",
        Timestamp::from_millis(0),
    )
}

/// Feeds `bytes` in chunks of `chunk` bytes and returns the verdict.
fn check(doc: &Document, bytes: &[u8], chunk: usize) -> Result<String, Rejection> {
    let mut check = ContentCheck::new(doc);
    for piece in bytes.chunks(chunk.max(1)) {
        check.update(piece)?;
    }
    check.finish(&doc.sha256)
}

fn body(filename: &str) -> Value {
    json!({"filename": filename, "content_type": "application/pdf", "size": 10,
           "sha256": sha256_base64(b"x")})
}

#[test]
fn a_valid_body_is_accepted() {
    let new = NewDocument::from_json(&body("Minutes 3 March — signed.pdf"), 100).unwrap();
    assert_eq!(new.filename, "Minutes 3 March — signed.pdf");
    assert_eq!(new.content_type, ContentType::Pdf);
    assert_eq!(new.size, 10);
}

#[test]
fn every_bad_field_is_reported() {
    let bad = json!({"filename": "a/b.pdf", "content_type": "application/x-sh", "size": 0,
                     "sha256": "not base64", "path": "/etc"});
    let errors = NewDocument::from_json(&bad, 100).unwrap_err();
    let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["content_type", "filename", "path", "sha256", "size"]
    );
    let missing = NewDocument::from_json(&json!({}), 100).unwrap_err();
    assert_eq!(missing.len(), 4);
}

#[test]
fn filenames_that_are_paths_or_hide_characters_are_refused() {
    for bad in [
        "",
        "   ",
        "..",
        ".",
        "a/b",
        "..\\x",
        "nul\0.pdf",
        "line\nbreak.pdf",
        "invoice\u{202E}fdp.exe",
        "zero\u{200B}width.pdf",
        "bom\u{FEFF}.pdf",
        &"x".repeat(256),
    ] {
        assert!(NewDocument::from_json(&body(bad), 100).is_err(), "{bad:?}");
    }
    let longest = format!("{}.pdf", "é".repeat(251));
    assert!(NewDocument::from_json(&body(&longest), 100).is_ok());
}

#[test]
fn sizes_and_checksums_are_bounded() {
    let mut b = body("a.pdf");
    b["size"] = json!(101);
    assert!(NewDocument::from_json(&b, 100).is_err());
    b["size"] = json!(-1);
    assert!(NewDocument::from_json(&b, 100).is_err());
    b["size"] = json!(1.5);
    assert!(NewDocument::from_json(&b, 100).is_err());
    b["size"] = json!(100);
    assert!(NewDocument::from_json(&b, 100).is_ok());
    // A whole number however it is spelled, as JSON Schema's `integer` (and openapi.yaml) says.
    for spelling in ["100.0", "1e2", "1.0E2"] {
        b["size"] = serde_json::from_str(spelling).unwrap();
        assert_eq!(
            NewDocument::from_json(&b, 100).unwrap().size,
            100,
            "{spelling}"
        );
    }
    for bad in ["100.5", "-0.0", "1e300", "0.0"] {
        b["size"] = serde_json::from_str(bad).unwrap();
        assert!(NewDocument::from_json(&b, 100).is_err(), "{bad}");
    }
    // 31 bytes, and a non-canonical spelling of 32.
    b["sha256"] = json!(BASE64.encode([0u8; 31]));
    assert!(NewDocument::from_json(&b, 100).is_err());
    let mut loose = BASE64.encode([0u8; 32]);
    loose.pop();
    loose.push('B');
    b["sha256"] = json!(loose);
    assert!(NewDocument::from_json(&b, 100).is_err());
}

#[test]
fn keys_are_built_from_ids_and_parsed_back_strictly() {
    let doc = document(ContentType::Pdf, b"%PDF-1.7");
    let key = doc.object_key();
    assert_eq!(
        key,
        "documents/parks/01KBXQ7R5M3N8P2V6W9Y4Z0A1B/01KBXQ8F0000000000000000D1"
    );
    assert_eq!(
        parse_object_key(&key),
        Some((doc.agency.clone(), doc.record_id.clone(), doc.id.clone()))
    );
    assert!(doc.quarantine_key().starts_with(QUARANTINE_PREFIX));
    for bad in [
        doc.quarantine_key(),
        key.to_lowercase(),
        format!("{key}/x"),
        format!("{key}/"),
        "documents/parks/../01KBXQ8F0000000000000000D1".to_owned(),
        "documents/".to_owned(),
        String::new(),
    ] {
        assert_eq!(parse_object_key(&bad), None, "{bad}");
    }
}

#[test]
fn content_disposition_cannot_be_broken_out_of() {
    let mut doc = document(ContentType::Pdf, b"%PDF-");
    doc.filename = "a\"; filename=evil.exe; x=\"\\é%.pdf".into();
    let header = doc.content_disposition();
    assert_eq!(header.matches('"').count(), 2, "{header}");
    assert!(header.is_ascii());
    assert!(
        header.contains(
            "filename*=UTF-8''a%22%3B%20filename%3Devil.exe%3B%20x%3D%22%5C%C3%A9%25.pdf"
        )
    );
    doc.filename = "Plan 2026.pdf".into();
    assert_eq!(
        doc.content_disposition(),
        "attachment; filename=\"Plan 2026.pdf\"; filename*=UTF-8''Plan%202026.pdf"
    );
}

#[test]
fn a_filename_must_end_in_its_types_extension() {
    let body = |filename: &str, content_type: &str| {
        json!({"filename": filename, "content_type": content_type, "size": 5,
               "sha256": sha256_base64(b"hello")})
    };
    for (filename, content_type) in [
        ("pay.hta", "text/plain"),
        ("x.js", "text/plain"),
        ("report.pdf.exe", "application/pdf"),
        ("photo.png", "image/jpeg"),
        ("minutes", "text/plain"),
        (".txt", "text/plain"),
        ("data.txt", "text/csv"),
    ] {
        let errors = NewDocument::from_json(&body(filename, content_type), 100).unwrap_err();
        assert_eq!(errors.len(), 1, "{filename}");
        assert_eq!(errors[0].field, "filename", "{filename}");
        assert!(
            errors[0].detail.starts_with("must end in ."),
            "{}",
            errors[0].detail
        );
    }
    for (filename, content_type) in [
        ("Minutes.TXT", "text/plain"),
        ("scan.jpeg", "image/jpeg"),
        ("scan.JPG", "image/jpeg"),
        ("plan.tif", "image/tiff"),
        ("a.b.csv", "text/csv"),
    ] {
        assert!(
            NewDocument::from_json(&body(filename, content_type), 100).is_ok(),
            "{filename}"
        );
    }
    // Another field's error does not hide this one.
    let both = json!({"filename": "a.exe", "content_type": "text/plain", "size": 0,
                      "sha256": sha256_base64(b"hello")});
    assert_eq!(NewDocument::from_json(&both, 100).unwrap_err().len(), 2);
}

#[test]
fn a_download_is_named_with_its_types_extension() {
    // A name from before the rule downloads with the type's extension appended.
    let mut doc = document(ContentType::PlainText, b"hello");
    doc.filename = "pay.hta".into();
    assert_eq!(
        doc.content_disposition(),
        "attachment; filename=\"pay.hta.txt\"; filename*=UTF-8''pay.hta.txt"
    );
}

#[test]
fn good_files_pass_however_they_are_chunked() {
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".to_vec();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let jpeg = b"\xFF\xD8\xFF\xE0\0\x10JFIF".to_vec();
    let tiff = b"II*\0\x08\0\0\0".to_vec();
    let text = "naïve café, 東京, emoji 🦀\n".as_bytes().to_vec();
    for (content_type, bytes) in [
        (ContentType::Pdf, pdf),
        (ContentType::Png, png),
        (ContentType::Jpeg, jpeg),
        (ContentType::Tiff, tiff),
        (ContentType::PlainText, text.clone()),
        (ContentType::Csv, text),
    ] {
        let doc = document(content_type, &bytes);
        for chunk in 1..=bytes.len() {
            assert_eq!(
                check(&doc, &bytes, chunk),
                Ok(doc.sha256.clone()),
                "{content_type:?} in chunks of {chunk}"
            );
        }
    }
}

#[test]
fn bad_files_are_rejected_with_the_reason() {
    let pdf = b"%PDF-1.7 body".to_vec();
    let doc = document(ContentType::Pdf, &pdf);
    let longer = [pdf.as_slice(), b"x"].concat();
    let shorter = &pdf[..pdf.len() - 1];
    assert!(matches!(
        check(&doc, &longer, 4),
        Err(Rejection::SizeMismatch { declared: 13, .. })
    ));
    assert_eq!(
        check(&doc, shorter, 4),
        Err(Rejection::SizeMismatch {
            declared: 13,
            actual: 12
        })
    );
    let mut html = pdf.clone();
    html[..5].copy_from_slice(b"<html");
    assert_eq!(
        check(&doc, &html, 3),
        Err(Rejection::NotOfDeclaredType(ContentType::Pdf))
    );
    let mut flipped = pdf.clone();
    flipped[10] ^= 1;
    assert_eq!(check(&doc, &flipped, 5), Err(Rejection::ChecksumMismatch));
    let tiny = b"%PDF".to_vec();
    let tiny_doc = document(ContentType::Pdf, &tiny);
    assert_eq!(
        check(&tiny_doc, &tiny, 1),
        Err(Rejection::NotOfDeclaredType(ContentType::Pdf))
    );
}

#[test]
fn text_must_be_utf8_without_nul_wherever_chunks_split() {
    for bytes in [
        b"ok \xC3".to_vec(),
        b"bad \xFF here".to_vec(),
        b"overlong \xC0\xAF".to_vec(),
        b"nul \0 inside".to_vec(),
        b"surrogate \xED\xA0\x80".to_vec(),
    ] {
        let doc = document(ContentType::PlainText, &bytes);
        for chunk in 1..=bytes.len() {
            assert_eq!(
                check(&doc, &bytes, chunk),
                Err(Rejection::NotUtf8Text(ContentType::PlainText)),
                "{bytes:?} in chunks of {chunk}"
            );
        }
    }
}

#[test]
fn audit_changes_name_the_document() {
    let doc = document(ContentType::Pdf, b"%PDF-");
    let created = doc.creation_changes();
    let key = format!("documents/{}", doc.id);
    assert_eq!(created[&key][0], Value::Null);
    assert_eq!(created[&key][1]["filename"], "f");
    let mut settled = doc.clone();
    settled.status = DocumentStatus::Quarantined;
    settled.quarantine_reason = Some("why".into());
    let changes = doc.settlement_changes(&settled);
    assert_eq!(
        changes[&format!("documents/{}/status", doc.id)],
        [json!("pending"), json!("quarantined")]
    );
    assert_eq!(changes.len(), 2);
}

#[test]
fn notification_keys_are_url_decoded() {
    assert_eq!(
        decode_notification_key("documents/a+b/%C3%A9%2B"),
        Some("documents/a b/é+".into())
    );
    assert_eq!(
        decode_notification_key("plain/key-1"),
        Some("plain/key-1".into())
    );
    // S3 never sends a broken escape; one is kept as it is (and names no document).
    for kept in ["%", "%4", "%zz"] {
        assert_eq!(decode_notification_key(kept), Some(kept.into()), "{kept}");
    }
    assert_eq!(decode_notification_key("%FF"), None, "not UTF-8");
}

/// How S3 writes a key into a notification: `+` for a space, `%XX` for the rest of what is
/// not unreserved.
fn s3_encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b' ' => "+".to_owned(),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    #[test]
    fn s3_keys_decode_back_to_what_was_uploaded(key in "\\PC{0,200}") {
        proptest::prop_assert_eq!(decode_notification_key(&s3_encode(&key)), Some(key));
    }

    #[test]
    fn any_notification_key_decodes_or_is_refused_without_panicking(raw in proptest::prelude::any::<String>()) {
        if let Some(decoded) = decode_notification_key(&raw) {
            // Whatever decodes is text, and never longer than what was sent.
            proptest::prop_assert!(decoded.len() <= raw.len());
        }
    }
}
