//! SMART Health Links (HL7 SMART Health Cards and Links IG, STU1): what a
//! link holds and how it is written. A link is `shlink:/` followed by the
//! base64url of a small JSON object: where the encrypted file is (`url`),
//! the key that opens it (`key`), when the link ends (`exp`, seconds since
//! the epoch), what kind of link it is (`flag`: `U` for one file fetched
//! directly), a short `label`, and the version `v`.
//!
//! No I/O here: `ops::share` makes and keeps links.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What the specification allows a label: at most 80 characters.
pub const MAX_LABEL: usize = 80;

/// What the specification allows the `url`: at most 128 characters.
pub const MAX_URL: usize = 128;

/// The payload of a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// Where the encrypted file (flag `U`) or the manifest is.
    pub url: String,
    /// The 32-byte key, base64url without padding (43 characters).
    pub key: String,
    /// When the link ends (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exp: Option<i64>,
    /// One letter per property, in alphabetical order (`U`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub flag: Option<String>,
    /// What the receiver sees before opening it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub label: Option<String>,
    /// The payload's version.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub v: Option<u8>,
}

/// Checks a label as the specification bounds it (and as a receiver's
/// screen will show it: no control characters).
pub fn check_label(label: &str) -> Result<()> {
    if label.chars().count() > MAX_LABEL {
        return Err(Error::Usage(format!(
            "--label is {} characters; a SMART Health Link's label has at most {MAX_LABEL}",
            label.chars().count()
        )));
    }
    if crate::model::text::any_unsafe(label, false) {
        return Err(Error::Usage("--label holds control characters; give plain text".into()));
    }
    Ok(())
}

/// The `url` of a file named `name` published under `base` (an `https://`
/// address of a directory, or `http://` on this machine, for a proxy in
/// front), checked as the specification bounds it.
pub fn file_url(base: &str, name: &str) -> Result<String> {
    let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| base.strip_prefix(p).is_some_and(|r| r.is_empty() || r.starts_with([':', '/'])));
    if !base.starts_with("https://") && !loopback {
        return Err(Error::Usage(format!(
            "--url {base:?}: a link must point to an https:// address (plain http only on this machine, behind a proxy that adds TLS)"
        )));
    }
    // No user name or password before the host: `http://127.0.0.1:80@evil`
    // would name evil's host while looking like this machine.
    let authority = base.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
    if authority.contains(['@', '\\']) || authority.is_empty() {
        return Err(Error::Usage(format!(
            "--url {base:?}: give a host (and port) without a user name, as https://host/path"
        )));
    }
    if base.contains(['?', '#']) || base.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Usage(format!(
            "--url {base:?}: give the address of the directory the files are served from, without a query or fragment"
        )));
    }
    let url = format!("{}/{name}", base.trim_end_matches('/'));
    if url.len() > MAX_URL {
        return Err(Error::Usage(format!(
            "--url: the file's address would be {} characters ({url}); a SMART Health Link's url has at most {MAX_URL}: use a shorter base address",
            url.len()
        )));
    }
    Ok(url)
}

impl Payload {
    /// The link: `shlink:/` and the payload.
    pub fn to_uri(&self) -> String {
        format!("shlink:/{}", B64.encode(serde_json::to_vec(self).expect("json")))
    }

    /// The payload of a link, as a receiver reads it: a bare `shlink:/...`
    /// or one after `#` in a viewer's address.
    pub fn from_uri(uri: &str) -> Result<Payload> {
        let bad = |m: &dyn std::fmt::Display| Error::Invalid(format!("not a SMART Health Link: {m}"));
        let s = uri.trim();
        let s = s.rsplit_once('#').map_or(s, |(_, f)| f);
        let b = s.strip_prefix("shlink:/").ok_or_else(|| bad(&"it does not start with shlink:/"))?;
        if b.len() > 4096 {
            return Err(bad(&"it is too long"));
        }
        let json = B64.decode(b).map_err(|e| bad(&e))?;
        serde_json::from_slice(&json).map_err(|e| bad(&e))
    }

    /// The key's 32 bytes.
    pub fn key_bytes(&self) -> Result<[u8; 32]> {
        B64.decode(&self.key)
            .ok()
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| Error::Invalid("the link's key is not 32 bytes of base64url".into()))
    }
}

/// Base64url without padding, as links write keys and file names.
pub fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_and_its_bounds_are_said() {
        let p = Payload {
            url: file_url("https://files.example.org/shl/", "abc").unwrap(),
            key: b64(&[1u8; 32]),
            exp: Some(1_800_000_000),
            flag: Some("U".into()),
            label: Some("Anna Schmidt: summary".into()),
            v: Some(1),
        };
        assert_eq!(p.url, "https://files.example.org/shl/abc");
        let uri = p.to_uri();
        assert!(uri.starts_with("shlink:/ey"));
        assert_eq!(Payload::from_uri(&uri).unwrap(), p);
        assert_eq!(Payload::from_uri(&format!("https://viewer.example/#{uri}")).unwrap(), p);
        assert_eq!(p.key_bytes().unwrap(), [1u8; 32]);
        assert!(file_url("http://files.example.org", "a").is_err(), "plain http elsewhere");
        assert!(file_url("http://127.0.0.1:8080/s", "a").is_ok());
        assert!(file_url("http://127.0.0.1.evil.example/s", "a").is_err());
        assert!(file_url("http://127.0.0.1:80@evil.example/p", "a").is_err(), "a user name that hides the host");
        assert!(file_url("https://files.example.org@evil.example/p", "a").is_err());
        assert!(file_url("https://x.example/?q", "a").is_err());
        assert!(
            file_url(&format!("https://{}.example", "x".repeat(120)), "a").unwrap_err().to_string().contains("128")
        );
        assert!(check_label(&"é".repeat(80)).is_ok());
        assert!(check_label(&"é".repeat(81)).is_err());
        assert!(check_label("a\u{1b}[2Jb").is_err());
    }
}
