//! The verified-state cache: what `verify` established about the history up
//! to some head, kept in `.git/hrx/state/`, so that an operation only
//! verifies the commits after it. `hrx verify` never uses it; everything
//! else does, and falls back to verifying from the root whenever the cache
//! does not fit (other root, a head it is not an ancestor of, a merge with an
//! older line, a damaged file).
//!
//! Nothing in it grows per command with the record: `head.json` is the
//! state at the head (policy, header; small), and the commits, entries and
//! later-access wraps are append-only JSON lines in `commits.jsonl`,
//! `entries.jsonl` and `access.jsonl`, of which `head.json` records the
//! lengths that belong to its head (a tail left by an interrupted append is
//! ignored, then cut). Writers load only `head.json` and append what they
//! verified; readers load the lines too.
//!
//! All of it is authenticated with this device's key ([`DeviceKey`], in
//! the keystore home, never in the record): whoever can write to the
//! record's directory (a USB stick in someone else's computer, a synced
//! folder) but not to this device's hrx home cannot make hrx start from a
//! state verify did not establish (a revoked grant in force again, so that
//! the patient's next entry is encrypted to its grantee). State that does
//! not authenticate (made on another device, changed) is not used: the
//! history is verified from the root and the state made again.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use git2::Oid;
use serde::{Deserialize, Serialize};

use crate::crypto::commit::{CertIndex, parse_cert};
use crate::crypto::sigcache;
use crate::id::Id;
use crate::model::Reason;
use crate::model::{Fpr, Header};
use crate::policy::Policy;
use crate::repo::{Pin, Record};
use crate::verify::{CommitInfo, EntryRef, Failure, Verified, verify, verify_from};

/// Bumped whenever what is cached changes meaning.
const VERSION: u32 = 10;

/// This device's key for the state it keeps in records: 256 random bits in
/// `state.key` in the keystore home (0600). It authenticates state, it
/// does not hide it (the state holds no health data).
#[derive(Clone)]
pub struct DeviceKey([u8; 32]);

impl DeviceKey {
    /// The key in `home`, made on first use; `None` if it cannot be read
    /// or made (then no state is kept or used: everything verifies from
    /// the root).
    pub fn of(home: &Path) -> Option<DeviceKey> {
        let path = home.join("state.key");
        if let Ok(b) = crate::fsutil::read_small(&path, 32, "a device key") {
            return <[u8; 32]>::try_from(b.as_slice()).ok().map(DeviceKey);
        }
        let mut k = [0u8; 32];
        sequoia_openpgp::crypto::random(&mut k).ok()?;
        crate::fsutil::private_dir(home).ok()?;
        crate::fsutil::write_private(&path, &k).ok()?;
        Some(DeviceKey(k))
    }

    /// HMAC-SHA-256 (RFC 2104) of the parts, one after the other.
    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let pad = |b: u8| -> Vec<u8> {
            let mut p = self.0.to_vec();
            p.resize(64, 0);
            p.iter_mut().for_each(|x| *x ^= b);
            p
        };
        let mut inner = Sha256::new();
        inner.update(pad(0x36));
        parts.iter().for_each(|p| inner.update(p));
        let mut outer = Sha256::new();
        outer.update(pad(0x5c));
        outer.update(inner.finalize());
        outer.finalize().into()
    }

    /// The MAC of `parts` in hex.
    fn tag(&self, parts: &[&[u8]]) -> String {
        crate::crypto::hex(&self.mac(parts))
    }

    /// Whether `tag` (hex) is the MAC of `parts`, compared in constant time.
    fn checks(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        let want = self.tag(parts);
        want.len() == tag.len() && want.bytes().zip(tag).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// head.json as stored: the state and its MAC (over the state's bytes).
#[derive(Serialize, Deserialize)]
struct Sealed {
    state: Box<serde_json::value::RawValue>,
    mac: String,
}

/// What a MAC over head.json starts with (no other MAC input does).
const HEAD_LABEL: &[u8] = b"hrx state head\n";

/// The state in `bytes` (a head.json), if `key` authenticates it.
fn unseal(bytes: &[u8], key: &DeviceKey) -> Option<Head> {
    let s: Sealed = serde_json::from_slice(bytes).ok()?;
    if !key.checks(&[HEAD_LABEL, s.state.get().as_bytes()], s.mac.as_bytes()) {
        return None;
    }
    serde_json::from_str(s.state.get()).ok()
}

/// `h` as head.json, with its MAC.
fn seal_head(h: &Head, key: &DeviceKey) -> Option<Vec<u8>> {
    let state = serde_json::to_string(h).ok()?;
    let mac = key.tag(&[HEAD_LABEL, state.as_bytes()]);
    serde_json::to_vec(&Sealed { state: serde_json::value::RawValue::from_string(state).ok()?, mac }).ok()
}

/// The three logs, in the order of [`Lens`].
const LOGS: [&str; 3] = ["commits.jsonl", "entries.jsonl", "access.jsonl"];

/// The largest head.json read (a policy of thousands of grants).
const MAX_HEAD: u64 = 64 << 20;

/// The largest log read (a lifetime's lines are tens of megabytes).
const MAX_LOG: u64 = 2 << 30;

/// How many bytes of each log belong to the head.
type Lens = [u64; 3];

#[derive(Serialize, Deserialize)]
struct Head {
    version: u32,
    head: String,
    head_time: DateTime<Utc>,
    root: String,
    header: Header,
    policy: Policy,
    lens: Lens,
    /// The MAC of each log's last line ("" for an empty log): the lines
    /// are chained, so this names the whole of each log.
    tails: [String; 3],
}

/// One later-access wrap, as a log line: entry, reader, blob, commit.
#[derive(Serialize, Deserialize)]
struct Access(Id, Fpr, String, String);

fn dir(rec: &Record) -> PathBuf {
    rec.state_dir().join("state")
}

/// Only one process writes the state at a time; one that finds it busy
/// skips storing (the state is a cache: it only costs time).
fn try_lock(rec: &Record) -> Option<std::fs::File> {
    let d = dir(rec);
    crate::fsutil::own_private_dir(&rec.state_dir()).ok()?;
    crate::fsutil::own_private_dir(&d).ok()?;
    let path = d.join("lock");
    let open = || crate::fsutil::open_own(&path, std::fs::OpenOptions::new().create(true).truncate(false).write(true));
    let f = match open() {
        Ok(f) => f,
        Err(_) => {
            // Something not ours in its place (a link): removed (the link,
            // never what it points to), and the lock made again.
            std::fs::remove_file(&path).ok()?;
            open().ok()?
        }
    };
    f.try_lock().ok()?;
    Some(f)
}

/// The kept state at its head (lists empty, `base` set), the lengths of
/// the logs that belong to it, and the head's time.
fn load_head(rec: &Record, pin: Option<&Pin>, key: &DeviceKey) -> Option<(Verified, Lens, DateTime<Utc>, [String; 3])> {
    let h = unseal(&crate::fsutil::read_own(&dir(rec).join("head.json"), MAX_HEAD).ok()?, key)?;
    if h.version != VERSION {
        return None;
    }
    let head = Oid::from_str(&h.head).ok()?;
    let root = Oid::from_str(&h.root).ok()?;
    if let Some(p) = pin
        && (p.root != root || p.patient != h.header.patient)
    {
        return None;
    }
    // Their self-signatures were verified when they were first read:
    // Sequoia's cache is told so.
    let certs = match remembered_certs(head) {
        Some(c) => c,
        None => {
            restore_signatures(rec, key);
            let certs = head_certs(rec, head, &h.policy)?;
            keep_signatures(rec, key);
            remember_certs(head, &certs);
            certs
        }
    };
    let v = Verified {
        head,
        root,
        header: h.header,
        policy: h.policy,
        certs,
        commits: vec![],
        entries: vec![],
        access: Default::default(),
        base: Some(head),
    };
    Some((v, h.lens, h.head_time, h.tails))
}

/// The certificates of the record at `head`, as verify read them: each
/// certificate in keys/, then its updates (keys/FPR/ID.asc) with the
/// revocation times verify found (in `policy`).
fn head_certs(rec: &Record, head: Oid, policy: &Policy) -> Option<CertIndex> {
    let mut certs = CertIndex::default();
    let tree = rec.repo.find_commit(head).ok()?.tree().ok()?;
    let keys = rec.repo.find_tree(tree.get_name("keys")?.id()).ok()?;
    for k in keys.iter().filter(|k| k.kind() == Some(git2::ObjectType::Blob)) {
        certs.insert(parse_cert(rec.repo.find_blob(k.id()).ok()?.content()).ok()?);
    }
    for d in keys.iter().filter(|k| k.kind() == Some(git2::ObjectType::Tree)) {
        let fpr = d.name().ok()?.to_string();
        for u in rec.repo.find_tree(d.id()).ok()?.iter() {
            let id: Id = u.name().ok()?.strip_suffix(".asc")?.parse().ok()?;
            let cert = parse_cert(rec.repo.find_blob(u.id()).ok()?.content()).ok()?;
            let at = |k: &str| policy.revoked_keys.get(k).map(|r| r.at);
            certs.restore_update(&fpr, id, cert, &at).ok()?;
        }
    }
    Some(certs)
}

/// The certificates last built by [`head_certs`] in this process, by head:
/// a write checks the head twice and once more after the commit, and the
/// certificates at one head never change.
static CERTS: std::sync::Mutex<Option<(Oid, CertIndex)>> = std::sync::Mutex::new(None);

fn remembered_certs(head: Oid) -> Option<CertIndex> {
    let m = CERTS.lock().unwrap_or_else(|e| e.into_inner());
    m.as_ref().filter(|(h, _)| *h == head).map(|(_, c)| c.clone())
}

fn remember_certs(head: Oid, certs: &CertIndex) {
    *CERTS.lock().unwrap_or_else(|e| e.into_inner()) = Some((head, certs.clone()));
}

/// The file of signature values (see [`crate::crypto::sigcache`]).
const SIGNATURES: &str = "signatures";

/// The most signature values kept (32 bytes each): a record's certificates
/// hold a few hundred self-signatures.
const MAX_SIGNATURES: usize = 8192;

/// The signature values read from the file, once per process (sorted).
static RESTORED: std::sync::OnceLock<Vec<sigcache::Value>> = std::sync::OnceLock::new();

/// What a MAC over the signature values starts with.
const SIGNATURES_LABEL: &[u8] = b"hrx state signatures\n";

/// Preloads the kept signature values, once per process, if the file's
/// MAC (its last 64 bytes, hex) authenticates them: a value in Sequoia's
/// cache makes a signature count as checked.
fn restore_signatures(rec: &Record, key: &DeviceKey) {
    RESTORED.get_or_init(|| {
        let path = dir(rec).join(SIGNATURES);
        let max = (MAX_SIGNATURES * 32 + 64) as u64;
        let Ok(bytes) = crate::fsutil::read_own(&path, max) else { return vec![] };
        let Some((body, tag)) = bytes.len().checked_sub(64).map(|n| bytes.split_at(n)) else { return vec![] };
        if body.len() % 32 != 0 || !key.checks(&[SIGNATURES_LABEL, body], tag) {
            return vec![];
        }
        let mut values: Vec<sigcache::Value> = body.chunks_exact(32).filter_map(|c| c.try_into().ok()).collect();
        values.sort_unstable();
        sigcache::preload(values.clone());
        values
    });
}

/// Keeps the signature values read before and those this process verified
/// or used, if that adds any (best effort, like the rest of the state; a
/// command that only read leaves the file as it was).
fn keep_signatures(rec: &Record, key: &DeviceKey) {
    let Some(used) = sigcache::used(MAX_SIGNATURES) else { return };
    let before = RESTORED.get().map(Vec::as_slice).unwrap_or_default();
    let mut all: Vec<sigcache::Value> = before.iter().copied().chain(used).collect();
    all.sort_unstable();
    all.dedup();
    all.truncate(MAX_SIGNATURES);
    if all == before {
        return;
    }
    let Some(_lock) = try_lock(rec) else { return };
    let mut body = all.concat();
    let tag = key.tag(&[SIGNATURES_LABEL, &body]);
    body.extend_from_slice(tag.as_bytes());
    let _ = crate::fsutil::write_private(&dir(rec).join(SIGNATURES), &body);
}

/// What the MAC of a log line covers before the line itself: the record,
/// which log, where the line starts in it, and the MAC of the line before
/// (the lines are a chain, whose last MAC head.json names); so no line can
/// be moved, dropped, or taken from another log, record or line of history.
fn line_prefix(root: &[u8], i: usize, at: u64, prev: &[u8]) -> Vec<u8> {
    let mut head = b"hrx state line\n".to_vec();
    head.extend_from_slice(root);
    head.push(i as u8);
    head.extend_from_slice(&at.to_be_bytes());
    head.extend_from_slice(prev);
    head.push(b'\n');
    head
}

/// The lines of log `i` that belong to the head, each authenticated
/// (`JSON<TAB>MAC`, see [`line_prefix`]) and parsed, and the last MAC.
fn read_log<T: for<'de> Deserialize<'de>>(
    dir: &Path,
    i: usize,
    len: u64,
    root: &[u8],
    key: &DeviceKey,
) -> Option<(Vec<T>, String)> {
    let bytes = crate::fsutil::read_own(&dir.join(LOGS[i]), MAX_LOG).ok()?;
    let part = bytes.get(..usize::try_from(len).ok()?)?;
    let mut out = vec![];
    let mut at = 0u64;
    let mut prev: &[u8] = b"";
    for l in part.split_inclusive(|b| *b == b'\n') {
        let start = at;
        at += l.len() as u64;
        let l = l.strip_suffix(b"\n")?;
        let tab = l.iter().rposition(|b| *b == b'\t')?;
        let (json, tag) = (&l[..tab], &l[tab + 1..]);
        if !key.checks(&[&line_prefix(root, i, start, prev), json], tag) {
            return None;
        }
        out.push(serde_json::from_slice(json).ok()?);
        prev = tag;
    }
    Some((out, String::from_utf8(prev.to_vec()).ok()?))
}

fn load_full(rec: &Record, pin: Option<&Pin>, key: &DeviceKey) -> Option<(Verified, DateTime<Utc>)> {
    // The three logs are read on cores of their own while the head's
    // certificates are (a lifetime's lists are megabytes of JSON). Their
    // lengths come from head.json as it is now; if it changed before
    // load_head read it again, the lists are not used.
    #[derive(Deserialize)]
    struct Lengths {
        lens: Lens,
        root: String,
    }
    #[derive(Deserialize)]
    struct Outer<'a> {
        #[serde(borrow)]
        state: &'a serde_json::value::RawValue,
    }
    let d = dir(rec);
    // Not authenticated yet: load_head checks the same lengths and root
    // under the MAC, and the lines are only used if they agree.
    let bytes = crate::fsutil::read_own(&d.join("head.json"), MAX_HEAD).ok()?;
    let outer: Outer = serde_json::from_slice(&bytes).ok()?;
    let Lengths { lens, root } = serde_json::from_str(outer.state.get()).ok()?;
    let root_id = Oid::from_str(&root).ok()?;
    let root_bytes = root_id.as_bytes();
    let (head, commits, entries, access) = std::thread::scope(|s| {
        let commits = s.spawn(|| read_log::<CommitInfo>(&d, 0, lens[0], root_bytes, key));
        let entries = s.spawn(|| {
            let entries = read_log::<EntryRef>(&d, 1, lens[1], root_bytes, key);
            let access = read_log::<Access>(&d, 2, lens[2], root_bytes, key);
            (entries, access)
        });
        let head = load_head(rec, pin, key);
        let (entries, access) = entries.join().ok().unwrap_or((None, None));
        (head, commits.join().ok().flatten(), entries, access)
    });
    let (mut v, lens_now, head_time, tails) = head?;
    if lens_now != lens || v.root != root_id {
        return None;
    }
    // Each log is the very chain head.json names.
    let (commits, entries, access) = (commits?, entries?, access?);
    if [&commits.1, &entries.1, &access.1] != [&tails[0], &tails[1], &tails[2]] {
        return None;
    }
    let (commits, entries, access) = (commits.0, entries.0, access.0);
    v.commits = commits;
    // The lines must end at this head (not another process's state).
    if v.commits.last().map(|c| c.oid) != Some(v.head) {
        return None;
    }
    v.entries = entries;
    v.access = access
        .into_iter()
        .filter_map(|Access(e, f, b, c)| {
            Some(((e, f), crate::verify::Wrap { blob: Oid::from_str(&b).ok()?, commit: Oid::from_str(&c).ok()? }))
        })
        .collect();
    v.base = None;
    Some((v, head_time))
}

/// One authenticated JSON line per item for log `i`, the first starting
/// at byte `at` of the log after a line whose MAC is `prev`; and the last
/// MAC.
fn jsonl<T: Serialize>(
    items: impl IntoIterator<Item = T>,
    i: usize,
    at: u64,
    prev: &str,
    root: &[u8],
    key: &DeviceKey,
) -> (Vec<u8>, String) {
    let mut out = Vec::new();
    let mut prev = prev.to_string();
    for x in items {
        let start = at + out.len() as u64;
        let json = serde_json::to_vec(&x).expect("json");
        prev = key.tag(&[&line_prefix(root, i, start, prev.as_bytes()), &json]);
        out.extend(&json);
        out.push(b'\t');
        out.extend(prev.as_bytes());
        out.push(b'\n');
    }
    (out, prev)
}

/// Log lines for what `v` holds, the logs being `lens` long so far and
/// ending in lines whose MACs are `tails`; and the new tails.
fn lines(v: &Verified, lens: Lens, tails: &[String; 3], key: &DeviceKey) -> [(Vec<u8>, String); 3] {
    let mut a: Vec<_> =
        v.access.iter().map(|((e, f), w)| Access(*e, f.clone(), w.blob.to_string(), w.commit.to_string())).collect();
    a.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
    let root = v.root.as_bytes();
    [
        jsonl(&v.commits, 0, lens[0], &tails[0], root, key),
        jsonl(&v.entries, 1, lens[1], &tails[1], root, key),
        jsonl(a, 2, lens[2], &tails[2], root, key),
    ]
}

/// Stores a verified state (best effort: a cache that cannot be written
/// only costs time). A whole history replaces the logs; a continuation of
/// the kept head (`v.base`) appends to them.
pub fn store(rec: &Record, v: &Verified, key: Option<&DeviceKey>) {
    if let Some(key) = key {
        let _ = try_store(rec, v, key);
    }
}

fn try_store(rec: &Record, v: &Verified, key: &DeviceKey) -> Option<()> {
    let head_time = v.commits.iter().rev().find(|c| c.oid == v.head).map(|c| c.time)?;
    let _lock = try_lock(rec)?;
    let d = dir(rec);
    let (lens, tails): (Lens, [String; 3]) = match v.base {
        None => {
            // The single-file cache of earlier versions.
            let _ = std::fs::remove_file(rec.state_dir().join("verified.json"));
            let new = lines(v, [0; 3], &Default::default(), key);
            let mut lens = [0; 3];
            for (i, (bytes, _)) in new.iter().enumerate() {
                crate::fsutil::write_private(&d.join(LOGS[i]), bytes).ok()?;
                lens[i] = bytes.len() as u64;
            }
            (lens, new.map(|(_, t)| t))
        }
        Some(base) => {
            let old = unseal(&crate::fsutil::read_own(&d.join("head.json"), MAX_HEAD).ok()?, key)?;
            if old.version != VERSION || old.head != base.to_string() {
                return None;
            }
            let mut lens = old.lens;
            let new = lines(v, lens, &old.tails, key);
            for (i, (bytes, _)) in new.iter().enumerate() {
                let mut f = crate::fsutil::open_own(&d.join(LOGS[i]), std::fs::OpenOptions::new().append(true)).ok()?;
                // Cut what an interrupted append left, then add.
                f.set_len(lens[i]).ok()?;
                f.write_all(bytes).ok()?;
                f.sync_data().ok()?;
                lens[i] += bytes.len() as u64;
            }
            (lens, new.map(|(_, t)| t))
        }
    };
    let h = Head {
        version: VERSION,
        head: v.head.to_string(),
        head_time,
        root: v.root.to_string(),
        header: v.header.clone(),
        policy: v.policy.clone(),
        lens,
        tails,
    };
    crate::fsutil::write_private(&d.join("head.json"), &seal_head(&h, key)?).ok()
}

/// The verified state of the branch head: from the cache plus the commits
/// after it when it fits, else from the root (which is then kept). With
/// `keep`, a result continued from the cache is stored too; only operations
/// that have just written do that.
pub fn verified(
    rec: &Record,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    keep: bool,
    key: Option<&DeviceKey>,
) -> Result<Verified, Failure> {
    resume(rec, pin, now, keep, key, load_full)
}

/// [`verified`] for writers: the state at the head (policy, certificates,
/// header) and what came after the kept head, without the whole history's
/// lists (`base` is set). Work does not grow with the record.
pub fn verified_head(
    rec: &Record,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    keep: bool,
    key: Option<&DeviceKey>,
) -> Result<Verified, Failure> {
    let head_only =
        |rec: &Record, pin: Option<&Pin>, key: &DeviceKey| load_head(rec, pin, key).map(|(v, _, t, _)| (v, t));
    resume(rec, pin, now, keep, key, head_only)
}

/// How many new commits a reading command verifies before it keeps the
/// state it reached.
const KEEP_AFTER: usize = 16;

fn resume(
    rec: &Record,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    keep: bool,
    key: Option<&DeviceKey>,
    load: impl Fn(&Record, Option<&Pin>, &DeviceKey) -> Option<(Verified, DateTime<Utc>)>,
) -> Result<Verified, Failure> {
    let head = rec.head().map_err(|e| Failure { commit: None, code: Reason::Git, reason: e.to_string() })?;
    if let (Some(h), Some((start, t))) = (head, key.and_then(|k| load(rec, pin, k)))
        && (start.head == h || rec.descends_from(h, start.head))
    {
        let unchanged = start.head == h;
        match verify_from(rec, Some(h), pin, now, Some((start, t)), None, &mut |_, _| {}) {
            Ok(v) => {
                // Readers keep a long stretch too (commits that came by
                // plain git, or by a library writer): else every command
                // verifies it again. A short one costs less to verify than
                // to store.
                if !unchanged && (keep || v.commits.len() >= KEEP_AFTER) {
                    store(rec, &v, key);
                }
                return Ok(v);
            }
            Err(f) if f.code == Reason::Resume => {}
            Err(f) => return Err(f),
        }
    }
    // A verification from the root is kept whoever asked for it: it is
    // derived state, and without it a command that checks the record twice
    // (before asking for a passphrase, then under the lock) and once more
    // after writing would verify the whole history three times.
    let v = verify(rec, None, pin, now)?;
    store(rec, &v, key);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::DeviceKey;

    #[test]
    fn the_mac_is_hmac_sha256() {
        // RFC 4231, test case 1 (a 20-byte key: zero-padded to the block,
        // as a 32-byte key ending in zeros is).
        let mut k = [0u8; 32];
        k[..20].fill(0x0b);
        let tag = DeviceKey(k).tag(&[b"Hi ", b"There"]);
        assert_eq!(tag, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assert!(DeviceKey(k).checks(&[b"Hi There"], tag.as_bytes()));
        assert!(!DeviceKey(k).checks(&[b"Hi there"], tag.as_bytes()));
    }
}
