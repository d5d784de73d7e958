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
    // Only the patient's own server reads them: nobody else on the host
    // learns the links' names (each a request anyone could make).
    let private = |d: &Path| {
        std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700)
            .create(d)
            .map_err(|e| Error::io(d, e))
    };
    private(dir)?;
    let files = dir.join("files");
    private(&files)?;
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

/// Replaces a link's file (`hrx share update`), atomically; only in the
/// link's own directories (a link planted in their place is refused).
pub fn replace_file(dir: &Path, name: &str, jwe: &[u8]) -> Result<()> {
    let Some(files) = link_dirs(dir).filter(|_| file_name_ok(name)) else {
        return Err(Error::State(format!(
            "{} or its files/ is not a directory hrx made (a link to elsewhere?); nothing was written: revoke the share and make a new one",
            dir.display()
        )));
    };
    crate::fsutil::write_private(&files.join(name), jwe)
}

/// Whether `p` is a directory itself, not a link to one: whoever can write
/// to the served directory could point a link anywhere (the patient's
/// keystore), and what hrx writes or removes there must stay there.
fn real_dir(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_dir())
}

/// Whether `name` is a name a link's file can have (`0.jwe`, ...): never a
/// path.
fn file_name_ok(name: &str) -> bool {
    name.strip_suffix(".jwe").is_some_and(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A link's directory and its `files`, if both are real directories.
fn link_dirs(dir: &Path) -> Option<PathBuf> {
    let files = dir.join("files");
    (real_dir(dir) && real_dir(&files)).then_some(files)
}

/// Whether the served link in `dir` is marked ended.
pub fn is_ended(dir: &Path) -> bool {
    real_dir(dir) && std::fs::symlink_metadata(dir.join("ended")).is_ok()
}

/// Ends a served link for good: marked ended, its files removed. Only
/// files of its own, by the names a link's files have, in its own
/// directories (a link planted in their place is left alone). Whether it
/// is marked ended now (what the server goes by).
pub fn end(dir: &Path) -> bool {
    if !real_dir(dir) {
        return false;
    }
    // Already marked (by the server, or anything at that name: the server
    // takes any) is ended too.
    let marked = crate::fsutil::write_private(&dir.join("ended"), b"").is_ok() || is_ended(dir);
    let Some(files) = link_dirs(dir) else { return marked };
    if let Ok(rd) = std::fs::read_dir(&files) {
        for e in rd.flatten() {
            if e.file_name().to_str().is_some_and(file_name_ok) && e.file_type().is_ok_and(|t| t.is_file()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    marked
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
    /// A wrong passcode could not be counted (a full disk): none is
    /// checked until it can be, so the limit holds.
    Unavailable,
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
        link_dirs(&dir)?;
        if std::fs::symlink_metadata(dir.join("ended")).is_ok() {
            return None;
        }
        let bytes = crate::fsutil::read_own(&dir.join("link.json"), MAX_LINK).ok()?;
        let link: Link = serde_json::from_slice(&bytes).ok()?;
        // What a planted link.json may ask is bounded like what hrx writes.
        let sane = link.files.len() <= 16
            && link.files.iter().all(|f| file_name_ok(&f.name) && f.content_type.len() <= 128)
            && link.passcode.as_ref().is_none_or(|p| p.hash_bytes <= PASSCODE_HASH_BYTES)
            && (1..=1000).contains(&link.attempts);
        if !sane || link.expires.is_some_and(|e| e <= now) || wrong(&dir) >= link.attempts {
            return None;
        }
        Some(Served { dir, link })
    }

    /// Checks a passcode (flag `P`). Every guess is counted before it is
    /// checked, and the count taken back only for the right one: a guess
    /// that cannot be counted (a full disk) is not checked at all, so the
    /// answer never tells a right guess from a wrong one without counting
    /// it. The link ends once the count reaches its limit. The count is
    /// read and written under a lock on its file, so the limit holds for
    /// any number of servers on one directory, and written in place at a
    /// fixed width (never truncated first).
    pub fn check(&self, given: Option<&str>) -> std::result::Result<(), Refusal> {
        use std::io::Read;
        use std::os::unix::fs::FileExt;
        let Some(p) = &self.link.passcode else { return Ok(()) };
        let path = self.dir.join("wrong");
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = crate::fsutil::open_own(&path, &mut opts).map_err(|_| Refusal::Unavailable)?;
        f.lock().map_err(|_| Refusal::Unavailable)?;
        let mut text = String::new();
        let _ = (&mut f).take(32).read_to_string(&mut text);
        let before: u32 = text.trim().parse().unwrap_or(0);
        if before >= self.link.attempts {
            return Err(Refusal::Gone);
        }
        let count = |n: u32| f.write_all_at(format!("{n:010}").as_bytes(), 0).and_then(|_| f.sync_data()).is_ok();
        let n = before + 1;
        if !count(n) {
            return Err(Refusal::Unavailable);
        }
        // Hashed only once the kept check reads whole.
        let good = (|| {
            let g = given?;
            let salt: [u8; 8] = base64::Engine::decode(&b64(), &p.salt).ok()?.try_into().ok()?;
            let want = base64::Engine::decode(&b64(), &p.hash).ok()?;
            Some(constant_time_eq(&want, &derive(g, &salt, p.hash_bytes).ok()?))
        })()
        .unwrap_or(false);
        if good {
            // Taken back; if that fails the right guess costs a try, never
            // the other way round.
            count(before);
            return Ok(());
        }
        if n >= self.link.attempts {
            let _ = end(&self.dir);
        }
        Err(Refusal::Passcode(self.link.attempts.saturating_sub(n)))
    }

    /// The bytes of file `name` (one of the link's).
    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        self.link.files.iter().find(|f| f.name == name)?;
        if !file_name_ok(name) {
            return None;
        }
        let files = link_dirs(&self.dir)?;
        crate::fsutil::read_own(&files.join(name), 64 << 20).ok()
    }

    /// Appends an answered request to `access.jsonl`; false if it could
    /// not be (a full disk), or the log holds [`MAX_ACCESS_LOG`] already (a
    /// link asked without end): the caller then hands nothing out, so no
    /// opening goes unrecorded and no link fills the host's disk.
    pub fn log(&self, at: DateTime<Utc>, recipient: &str, files: &[String]) -> bool {
        use std::io::Write;
        // One write of the whole line, one writer at a time: concurrent
        // answers never interleave within a line.
        static ONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
        let mut line = serde_json::json!({ "at": at, "recipient": recipient, "files": files }).to_string();
        line.push('\n');
        let mut opts = std::fs::OpenOptions::new();
        opts.append(true).create(true);
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let Ok(mut f) = crate::fsutil::open_own(&self.dir.join("access.jsonl"), &mut opts) else { return false };
        let Ok(len) = f.metadata().map(|m| m.len()) else { return false };
        if len + line.len() as u64 > MAX_ACCESS_LOG {
            return false;
        }
        if f.write_all(line.as_bytes()).is_err() {
            // A line cut short by a full disk is taken back.
            let _ = f.set_len(len);
            return false;
        }
        true
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

/// The most of an access log read.
pub const MAX_ACCESS_LOG: u64 = 16 << 20;

/// What a link's access log holds, as [`accesses`] reads it.
#[derive(Debug, Default)]
pub struct AccessLog {
    /// The answered requests, oldest first, each with its line number.
    pub lines: Vec<(u64, Access)>,
    /// The numbers of lines that do not read as an answered request (the
    /// server writes none such: someone else wrote to the log).
    pub unreadable: Vec<u64>,
    /// The log goes on past [`MAX_ACCESS_LOG`] (what is past it is not
    /// read: the caller says so).
    pub more: bool,
}

/// The answered requests of the link in `dir` (a line that does not parse
/// keeps its number and is set aside, for the caller to say).
pub fn accesses(dir: &Path) -> AccessLog {
    use std::io::Read;
    let mut log = AccessLog::default();
    if !real_dir(dir) {
        return log;
    }
    let Ok(f) = crate::fsutil::open_own(&dir.join("access.jsonl"), std::fs::OpenOptions::new().read(true)) else {
        return log;
    };
    let mut bytes = Vec::new();
    let _ = f.take(MAX_ACCESS_LOG + 1).read_to_end(&mut bytes);
    log.more = bytes.len() as u64 > MAX_ACCESS_LOG;
    // Only whole lines count.
    let end = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    // Numbered as `str::lines` numbers them (the numbers are kept in the
    // record): the empty piece after the last newline is no line.
    let whole = bytes[..end].strip_suffix(b"\n").unwrap_or_default();
    for (i, line) in whole.split(|b| *b == b'\n').enumerate().filter(|_| end > 0) {
        match serde_json::from_slice::<Access>(line) {
            Ok(a) => log.lines.push((i as u64, a)),
            Err(_) => log.unreadable.push(i as u64),
        }
    }
    log
}
