//! Attached files (the `document` kind): the file travels base64-encoded
//! inside the encrypted entry, with its type, size and SHA-256.

use base64::Engine;
use serde_json::{Value, json};

/// The largest file an entry carries (base64 in an entry of at most
/// [`super::entry::MAX_ENTRY_YAML`] bytes, with room for the rest).
pub const MAX_ATTACHMENT: u64 = 35 << 20;

/// The media type for a file name, from its extension.
pub fn content_type(filename: &str) -> &'static str {
    let ext = filename.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "txt" => "text/plain",
        "xml" => "application/xml",
        "json" => "application/json",
        "dcm" => "application/dicom",
        "html" | "htm" => "text/html",
        _ => "application/octet-stream",
    }
}

/// The `attachment` field for a file's bytes; `sha256` is its hex digest.
pub fn attachment(filename: &str, content_type: &str, bytes: &[u8], sha256: &str) -> Value {
    json!({
        "content_type": content_type,
        "filename": filename,
        "data": base64::engine::general_purpose::STANDARD.encode(bytes),
        "size": bytes.len(),
        "sha256": sha256,
    })
}

/// The bytes of an entry's attachment, if it has one.
pub fn bytes(record: &Value) -> Option<Result<Vec<u8>, String>> {
    let data = record.get("attachment")?.get("data")?.as_str()?;
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| format!("attachment is not valid base64: {e}")),
    )
}
