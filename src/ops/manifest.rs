//! A served SMART Health Link on disk: what `hrx share ips --serve DIR`
//! writes and `hrx share serve DIR` answers from. One directory per link,
//! named by the link's random 256-bit name (the last part of its address):
//!
//! ```text
//! DIR/NAME/link.json     flags, end, passcode check, attempts allowed, files (0600)
//! DIR/NAME/files/0.jwe   the encrypted summary (ciphertext only)
//! DIR/NAME/wrong         how many wrong passcodes were given (the server writes it)
//! DIR/NAME/ended         there once the link is revoked or over: it is dead
//! DIR/NAME/access.jsonl  one line per answered manifest request (the server appends)
//! ```
//!
//! Nothing here opens the files: the key is only in the link. The passcode
//! is kept as an iterated, salted SHA-256 (OpenPGP's S2K); a wrong guess is
//! counted before it is answered, so the limit holds under any concurrency
//! of one server.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::share::Share;
use crate::error::{Error, Result};

/// The largest `link.json` read.
const MAX_LINK: u64 = 64 << 10;

/// Bytes the passcode check hashes (a few milliseconds): the server limits
/// guesses; this only slows guessing on a stolen copy of the directory.
const PASSCODE_HASH_BYTES: u32 = 4 << 20;

/// The passcode, as kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Passcode {
    /// The salt (base64).
    pub salt: String,
    /// The S2K's hashed bytes.
    pub hash_bytes: u32,
    /// The derived value (base64).
    pub hash: String,
}

/// One file of a manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct File {
    /// Its name under `files/`.
    pub name: String,
    /// What it holds once decrypted.
    #[serde(rename = "contentType")]
    pub content_type: String,
}

/// `link.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// The format's version (1).
    pub v: u8,
    /// The share's id on the device that made it.
    pub share: String,
    /// The link's flags.
    pub flag: String,
    /// When it ends.
    pub expires: Option<DateTime<Utc>>,
    /// The passcode check (flag `P`).
    pub passcode: Option<Passcode>,
    /// Wrong passcodes allowed over the link's life.
    pub attempts: u32,
    /// The files.
    pub files: Vec<File>,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn derive(passcode: &str, salt: &[u8; 8], hash_bytes: u32) -> Result<Vec<u8>> {
    use sequoia_openpgp::crypto::{Password, S2K};
    use sequoia_openpgp::types::HashAlgorithm;
    let s2k = S2K::Iterated { hash: HashAlgorithm::SHA256, salt: *salt, hash_bytes };
    let k = s2k.derive_key(&Password::from(passcode), 32).map_err(|e| Error::crypto("hashing the passcode", e))?;
    Ok(k.to_vec())
}

/// Writes a new served link: its files, then `link.json` last (a link
/// without it is not served). `dir` must not exist.
pub fn write_new(dir: &Path, share: &Share, passcode: Option<&str>, attempts: u32, jwe: &[u8]) -> Result<()> {
    let passcode = match passcode {
        Some(p) => {
            let mut salt = [0u8; 8];
            sequoia_openpgp::crypto::random(&mut salt).map_err(|e| Error::crypto("making a salt", e))?;
            let hash = derive(p, &salt, PASSCODE_HASH_BYTES)?;
            Some(Passcode {
                salt: base64::Engine::encode(&b64(), salt),
                hash_bytes: PASSCODE_HASH_BYTES,
                hash: base64::Engine::encode(&b64(), hash),
            })
        }
        None => None,
    };
    std::fs::create_dir(dir).map_err(|e| Error::io(dir, e))?;
    let files = dir.join("files");
    std::fs::create_dir(&files).map_err(|e| Error::io(&files, e))?;
    let link = Link {
        v: 1,
        share: share.id.clone(),
        flag: share.flag.clone(),
        expires: share.expires,
        passcode,
        attempts,
        files: vec![File { name: "0.jwe".into(), content_type: "application/fhir+json".into() }],
    };
    crate::fsutil::write_private(&files.join("0.jwe"), jwe)?;
    crate::fsutil::write_private(&dir.join("link.json"), &serde_json::to_vec_pretty(&link).expect("json"))
}

/// Replaces a link's file (`hrx share update`), atomically.
pub fn replace_file(dir: &Path, name: &str, jwe: &[u8]) -> Result<()> {
    crate::fsutil::write_private(&dir.join("files").join(name), jwe)
}

/// Ends a served link for good: marked ended, its files removed.
pub fn end(dir: &Path) {
    let _ = crate::fsutil::write_private(&dir.join("ended"), b"");
    if let Ok(rd) = std::fs::read_dir(dir.join("files")) {
        for e in rd.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A served link as the server finds it.
pub struct Served {
    /// Its directory.
    pub dir: PathBuf,
    /// `link.json`.
    pub link: Link,
}

/// Why a manifest request is not answered with files.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No such link, or it ended (revoked, expired, too many wrong passcodes).
    Gone,
    /// The passcode is missing or wrong; this many tries are left.
    Passcode(u32),
}

impl Served {
    /// The link named `name` under `root`, if there is one that has not
    /// ended at `now`. `name` must be a link's name (43 characters of
    /// base64url): anything else is not looked up.
    pub fn find(root: &Path, name: &str, now: DateTime<Utc>) -> Option<Served> {
        let ok = name.len() == 43 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return None;
        }
        let dir = root.join(name);
        if dir.join("ended").exists() {
            return None;
        }
        let bytes = crate::fsutil::read_own(&dir.join("link.json"), MAX_LINK).ok()?;
        let link: Link = serde_json::from_slice(&bytes).ok()?;
        if link.expires.is_some_and(|e| e <= now) || wrong(&dir) >= link.attempts {
            return None;
        }
        Some(Served { dir, link })
    }

    /// Checks a passcode (flag `P`): a wrong one is counted first, and the
    /// link ends once the count reaches its limit.
    pub fn check(&self, given: Option<&str>) -> std::result::Result<(), Refusal> {
        let Some(p) = &self.link.passcode else { return Ok(()) };
        let good = given.is_some_and(|g| {
            let salt: Option<[u8; 8]> = base64::Engine::decode(&b64(), &p.salt).ok().and_then(|s| s.try_into().ok());
            let want = base64::Engine::decode(&b64(), &p.hash).ok();
            match (salt, want, derive(g, &salt.unwrap_or_default(), p.hash_bytes).ok()) {
                (Some(_), Some(w), Some(d)) => constant_time_eq(&w, &d),
                _ => false,
            }
        });
        if good {
            return Ok(());
        }
        let n = wrong(&self.dir) + 1;
        let _ = crate::fsutil::write_private(&self.dir.join("wrong"), n.to_string().as_bytes());
        if n >= self.link.attempts {
            end(&self.dir);
        }
        Err(Refusal::Passcode(self.link.attempts.saturating_sub(n)))
    }

    /// The bytes of file `name` (one of the link's).
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        self.link.files.iter().find(|f| f.name == name)?;
        crate::fsutil::read_own(&self.dir.join("files").join(name), 64 << 20).ok()
    }

    /// Appends an answered request to `access.jsonl`.
    pub fn log(&self, at: DateTime<Utc>, recipient: &str, files: &[String]) {
        use std::io::Write;
        let line = serde_json::json!({ "at": at, "recipient": recipient, "files": files }).to_string();
        let mut opts = std::fs::OpenOptions::new();
        opts.append(true).create(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        if let Ok(mut f) = crate::fsutil::open_own(&self.dir.join("access.jsonl"), &mut opts) {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// Wrong passcodes given so far.
fn wrong(dir: &Path) -> u32 {
    crate::fsutil::read_own(&dir.join("wrong"), 32)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One answered manifest request, as `access.jsonl` holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Access {
    /// When.
    pub at: DateTime<Utc>,
    /// Who the requester said it is.
    pub recipient: String,
    /// The files handed out.
    pub files: Vec<String>,
}

/// The answered requests of the link in `dir`, oldest first (lines that
/// do not parse are skipped).
pub fn accesses(dir: &Path) -> Vec<Access> {
    crate::fsutil::read_own(&dir.join("access.jsonl"), 16 << 20)
        .map(|b| String::from_utf8_lossy(&b).lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
        .unwrap_or_default()
}
