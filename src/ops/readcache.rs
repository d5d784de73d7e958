//! The reader's cache: what this device's key holder has already opened
//! (each entry's record and inner signature), so that `hrx log`
//! and the TUI do not decrypt every entry on every run (issue 13).
//!
//! It is plaintext health data, so it is never on disk in the clear:
//! - `.git/hrx/read/FPR/key.pgp` holds a random 256-bit key, encrypted to
//!   the reader's own certificate (as the record knows it) and signed by
//!   the reader: opening it is one public-key decryption, with a keystore
//!   key or through gpg-agent alike. A key file not signed by the reader is
//!   ignored (anyone can encrypt to a public key; only the reader signs).
//! - Segments `.git/hrx/read/FPR/*.seg`, each sealed with that key alone
//!   (AES-256-GCM, see `crypto::message::seal_with_session_key`), holding
//!   a line per entry.
//!   A run that opened new entries adds one segment; many segments are
//!   merged into one. A segment that does not open is removed at once.
//!
//! Once a key of the reader is revoked, its cache is cleared and not used:
//! the key's holder (a thief, perhaps) could open the key file and write
//! segments. The key file's text names its use, the record's root and the
//! reader, so one made for something else is not taken.
//!
//! Entries are looked up by (blob, commit): the ciphertext and the place in
//! history that fixes which certificate updates judged its signature. So
//! the cache needs no invalidation: a history that changed has other keys,
//! and what it no longer holds is simply not asked for. Everything outside
//! the record's files (sealed break-glass entries, the consistency checks
//! against the verified history) is still decided on every run. `hrx
//! verify` never uses it. Files are 0600 in a 0700 directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use git2::Oid;
use sequoia_openpgp::crypto::SessionKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::crypto::message::{SignatureStatus, open, open_with_session_key, seal, seal_with_session_key};
use crate::crypto::{SecretKey, commit::CertIndex};
use crate::model::Fpr;
use crate::repo::Record;
use crate::verify::Verified;

/// The largest segment read: a merged segment of about 150,000 entries
/// (10,000 are about 16 MB). Larger ones are dropped unread.
const MAX_SEGMENT: usize = 256 << 20;

/// The largest key file read (one small OpenPGP message).
const MAX_KEY_FILE: usize = 64 << 10;

/// What the key file's plaintext starts with: the key is bound to its use,
/// to the record (its root commit) and to the reader, so a key file sealed
/// for something else, or copied from another record, is not taken.
const KEY_LABEL: &str = "hrx reader's cache 1";

/// The bytes of `path` if it is a regular file of ours of at most `max`
/// bytes (see [`crate::fsutil::open_own`]: no link, FIFO, device or hard
/// link, judged by what was opened). A file others may read is made
/// private first.
fn read_file(path: &Path, max: usize) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;
    let mut f = crate::fsutil::open_own(path, std::fs::OpenOptions::new().read(true)).ok()?;
    let m = f.metadata().ok()?;
    if m.len() > max as u64 {
        return None;
    }
    if m.permissions().mode() & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(0o600)).ok()?;
    }
    let mut out = Vec::new();
    (&mut f).take(max as u64 + 1).read_to_end(&mut out).ok()?;
    (out.len() <= max).then_some(out)
}

/// More segments than this are merged into one.
const MAX_SEGMENTS: usize = 16;

/// One opened entry, as kept.
#[derive(Serialize, Deserialize, Clone)]
pub struct Cached {
    /// The record inside.
    pub record: Value,
    /// Its inner signature, as judged when it was opened.
    pub signature: SignatureStatus,
}

/// The cache of one reader in one record. Each kept entry is a line
/// `BLOB COMMIT JSON`; the JSON is parsed when the entry is asked for (on
/// the cores views are made on), not when the cache is opened.
pub struct ReadCache {
    dir: PathBuf,
    key: SessionKey,
    known: HashMap<(Oid, Oid), String>,
    segments: Vec<PathBuf>,
    fresh: Mutex<Vec<String>>,
}

/// The line that keeps the entry in `blob` added by `commit`, `json` being
/// its [`Cached`].
fn line(blob: Oid, commit: Oid, json: &str) -> String {
    format!("{blob} {commit} {json}\n")
}

impl ReadCache {
    /// The cache of reader `me` (whose keys are `keys`, signing key
    /// `signer`) in `rec`, made if there is none. `None` if it cannot be
    /// used (no certificate of `me` in the record to encrypt its key to, a
    /// revoked key of `me`, an unwritable directory or something other than
    /// a directory in its place): reading then decrypts as before.
    pub fn open(
        rec: &Record,
        v: &Verified,
        me: &Fpr,
        keys: &mut [SecretKey],
        signer: &SecretKey,
        now: DateTime<Utc>,
    ) -> Option<ReadCache> {
        let read = rec.state_dir().join("read");
        let dir = read.join(me);
        // Not a link in their place, nor at .git/hrx: it is not ours.
        for d in [&rec.state_dir(), &read, &dir] {
            crate::fsutil::own_private_dir(d).ok()?;
        }
        let key_file = dir.join("key.pgp");
        if revoked(v, me) {
            // Whoever holds a revoked (perhaps stolen) key could open the
            // key file and write segments: this reader's cache is not
            // trusted any more, and what it holds is cleared.
            let _ = std::fs::remove_file(&key_file);
            for s in segments(&dir) {
                let _ = std::fs::remove_file(s);
            }
            return None;
        }
        let label = format!("{KEY_LABEL} {} {me} ", v.root);
        let key = match read_key(&key_file, &label, &v.certs, me, keys, now) {
            Some(k) => k,
            None => {
                let mut k = vec![0u8; 32];
                sequoia_openpgp::crypto::random(&mut k).ok()?;
                let hex = crate::crypto::hex(&k);
                let plain = format!("{label}{hex}");
                let sealed = seal(plain.as_bytes(), signer.clone(), &[v.certs.get(me)?], now).ok()?;
                crate::fsutil::write_private(&key_file, &sealed).ok()?;
                // Segments under an earlier key open no more.
                for s in segments(&dir) {
                    let _ = std::fs::remove_file(s);
                }
                SessionKey::from(k)
            }
        };
        let mut segments = segments(&dir);
        let mut known = HashMap::new();
        let mut budget = MAX_SEGMENT;
        segments.retain(|s| {
            // A segment that does not open (another key, damaged, planted)
            // is dropped at once: it would cost its reading on every run.
            // So is what is over the size one merged segment may have.
            let lines = read_file(s, budget.min(MAX_SEGMENT) + 64)
                .and_then(|bytes| {
                    budget = budget.saturating_sub(bytes.len());
                    open_with_session_key(&bytes, &key, MAX_SEGMENT).ok()
                })
                .and_then(|plain| String::from_utf8(plain).ok());
            let Some(text) = lines else {
                let _ = std::fs::remove_file(s);
                return false;
            };
            for l in text.lines() {
                if let Some((blob, rest)) = l.split_once(' ')
                    && let Some((commit, json)) = rest.split_once(' ')
                    && let (Ok(blob), Ok(commit)) = (Oid::from_str(blob), Oid::from_str(commit))
                {
                    known.insert((blob, commit), json.to_string());
                }
            }
            true
        });
        Some(ReadCache { dir, key, known, segments, fresh: Mutex::new(vec![]) })
    }

    /// What was kept of the entry in `blob`, added by `commit` (`None` if
    /// nothing, or something that does not read as a kept entry).
    pub fn get(&self, blob: Oid, commit: Oid) -> Option<Cached> {
        serde_json::from_str(self.known.get(&(blob, commit))?).ok()
    }

    /// Keeps an entry just opened.
    pub fn put(&self, blob: Oid, commit: Oid, record: Value, signature: SignatureStatus) {
        if let Ok(json) = serde_json::to_string(&Cached { record, signature }) {
            self.fresh.lock().unwrap_or_else(|e| e.into_inner()).push(line(blob, commit, &json));
        }
    }

    /// Writes what was opened in this run (best effort: the cache only
    /// saves time).
    pub fn store(&self) {
        let fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|e| e.into_inner()));
        if fresh.is_empty() {
            return;
        }
        let merge = self.segments.len() >= MAX_SEGMENTS;
        let mut lines = Vec::new();
        if merge {
            for ((blob, commit), json) in &self.known {
                lines.extend_from_slice(line(*blob, *commit, json).as_bytes());
            }
        }
        for l in &fresh {
            lines.extend_from_slice(l.as_bytes());
        }
        let Ok(sealed) = seal_with_session_key(&lines, &self.key) else { return };
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        let name = self.dir.join(format!("{nanos:020}-{}.seg", std::process::id()));
        if crate::fsutil::write_private(&name, &sealed).is_ok() && merge {
            for s in &self.segments {
                let _ = std::fs::remove_file(s);
            }
        }
    }
}

/// The segments in `dir`, oldest first.
fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "seg"))
        .collect();
    out.sort();
    out
}

/// Whether a key of `me` is revoked (compromised, retired, or handed over
/// to a new certificate) in the verified history.
fn revoked(v: &Verified, me: &Fpr) -> bool {
    v.policy.revoked_keys.values().any(|r| &r.cert == me)
        || v.policy.compromises.values().any(|c| &c.cert == me)
        || v.policy.rotated.contains_key(me)
}

/// The cache key, if `path` holds one the reader encrypted and signed for
/// this use (`label`: its purpose, the record and the reader).
fn read_key(
    path: &Path,
    label: &str,
    certs: &CertIndex,
    me: &Fpr,
    keys: &mut [SecretKey],
    now: DateTime<Utc>,
) -> Option<SessionKey> {
    let bytes = read_file(path, MAX_KEY_FILE)?;
    let opened = open(&bytes, None, keys, certs, &certs.update_ids(me), now).ok()??;
    match &opened.signature {
        SignatureStatus::Good { signer, .. } if signer == me => {}
        _ => return None,
    }
    let hex = std::str::from_utf8(&opened.plaintext).ok()?.strip_prefix(label)?;
    if hex.len() != 64 {
        return None;
    }
    let k: Option<Vec<u8>> = (0..32).map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect();
    Some(SessionKey::from(k?))
}
