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

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use git2::Oid;
use serde::{Deserialize, Serialize};

use crate::crypto::commit::{CertIndex, parse_cert};
use crate::crypto::sigcache;
use crate::id::Id;
use crate::model::{Fpr, Header};
use crate::policy::Policy;
use crate::repo::{Pin, Record};
use crate::verify::{CommitInfo, EntryRef, Failure, Verified, verify, verify_from};

/// Bumped whenever what is cached changes meaning.
const VERSION: u32 = 5;

/// The three logs, in the order of [`Lens`].
const LOGS: [&str; 3] = ["commits.jsonl", "entries.jsonl", "access.jsonl"];

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
}

/// One later-access wrap, as a log line.
#[derive(Serialize, Deserialize)]
struct Access(Id, Fpr, String);

fn dir(rec: &Record) -> PathBuf {
    rec.state_dir().join("state")
}

/// Only one process writes the state at a time; one that finds it busy
/// skips storing (the state is a cache: it only costs time).
fn try_lock(rec: &Record) -> Option<std::fs::File> {
    let d = dir(rec);
    crate::fsutil::own_private_dir(&rec.state_dir()).ok()?;
    crate::fsutil::own_private_dir(&d).ok()?;
    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(d.join("lock")).ok()?;
    f.try_lock().ok()?;
    Some(f)
}

/// The kept state at its head (lists empty, `base` set), the lengths of
/// the logs that belong to it, and the head's time.
fn load_head(rec: &Record, pin: Option<&Pin>) -> Option<(Verified, Lens, DateTime<Utc>)> {
    let h: Head = serde_json::from_slice(&std::fs::read(dir(rec).join("head.json")).ok()?).ok()?;
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
            restore_signatures(rec);
            let certs = head_certs(rec, head, &h.policy)?;
            keep_signatures(rec);
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
    Some((v, h.lens, h.head_time))
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

/// Preloads the kept signature values, once per process.
fn restore_signatures(rec: &Record) {
    RESTORED.get_or_init(|| {
        let path = dir(rec).join(SIGNATURES);
        let max = (MAX_SIGNATURES * 32) as u64;
        let Ok(bytes) = crate::fsutil::read_small(&path, max, "a signature cache") else { return vec![] };
        let mut values: Vec<sigcache::Value> = bytes.chunks_exact(32).filter_map(|c| c.try_into().ok()).collect();
        values.sort_unstable();
        sigcache::preload(values.clone());
        values
    });
}

/// Keeps the signature values read before and those this process verified
/// or used, if that adds any (best effort, like the rest of the state; a
/// command that only read leaves the file as it was).
fn keep_signatures(rec: &Record) {
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
    let _ = crate::fsutil::write_private(&dir(rec).join(SIGNATURES), &all.concat());
}

/// The lines of log `i` that belong to the head, parsed.
fn read_log<T: for<'de> Deserialize<'de>>(dir: &Path, i: usize, len: u64) -> Option<Vec<T>> {
    let bytes = std::fs::read(dir.join(LOGS[i])).ok()?;
    let part = bytes.get(..usize::try_from(len).ok()?)?;
    part.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).ok()).collect()
}

fn load_full(rec: &Record, pin: Option<&Pin>) -> Option<(Verified, DateTime<Utc>)> {
    // The three logs are read on cores of their own while the head's
    // certificates are (a lifetime's lists are megabytes of JSON). Their
    // lengths come from head.json as it is now; if it changed before
    // load_head read it again, the lists are not used.
    #[derive(Deserialize)]
    struct Lengths {
        lens: Lens,
    }
    let d = dir(rec);
    let lens = serde_json::from_slice::<Lengths>(&std::fs::read(d.join("head.json")).ok()?).ok()?.lens;
    let (head, commits, entries, access) = std::thread::scope(|s| {
        let commits = s.spawn(|| read_log::<CommitInfo>(&d, 0, lens[0]));
        let entries = s.spawn(|| {
            let entries = read_log::<EntryRef>(&d, 1, lens[1]);
            let access = read_log::<Access>(&d, 2, lens[2]);
            (entries, access)
        });
        let head = load_head(rec, pin);
        let (entries, access) = entries.join().ok().unwrap_or((None, None));
        (head, commits.join().ok().flatten(), entries, access)
    });
    let (mut v, lens_now, head_time) = head?;
    if lens_now != lens {
        return None;
    }
    v.commits = commits?;
    // The lines must end at this head (not another process's state).
    if v.commits.last().map(|c| c.oid) != Some(v.head) {
        return None;
    }
    v.entries = entries?;
    v.access = access?.into_iter().filter_map(|Access(e, f, b)| Some(((e, f), Oid::from_str(&b).ok()?))).collect();
    v.base = None;
    Some((v, head_time))
}

/// One JSON line per item.
fn jsonl<T: Serialize>(items: impl IntoIterator<Item = T>) -> Vec<u8> {
    let mut out = Vec::new();
    for x in items {
        out.extend(serde_json::to_vec(&x).expect("json"));
        out.push(b'\n');
    }
    out
}

/// Log lines for what `v` holds.
fn lines(v: &Verified) -> [Vec<u8>; 3] {
    let mut a: Vec<_> = v.access.iter().map(|((e, f), b)| Access(*e, f.clone(), b.to_string())).collect();
    a.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
    [jsonl(&v.commits), jsonl(&v.entries), jsonl(a)]
}

/// Stores a verified state (best effort: a cache that cannot be written
/// only costs time). A whole history replaces the logs; a continuation of
/// the kept head (`v.base`) appends to them.
pub fn store(rec: &Record, v: &Verified) {
    let _ = try_store(rec, v);
}

fn try_store(rec: &Record, v: &Verified) -> Option<()> {
    let head_time = v.commits.iter().rev().find(|c| c.oid == v.head).map(|c| c.time)?;
    let _lock = try_lock(rec)?;
    let d = dir(rec);
    let new = lines(v);
    let lens: Lens = match v.base {
        None => {
            // The single-file cache of earlier versions.
            let _ = std::fs::remove_file(rec.state_dir().join("verified.json"));
            let mut lens = [0; 3];
            for (i, bytes) in new.iter().enumerate() {
                crate::fsutil::write_private(&d.join(LOGS[i]), bytes).ok()?;
                lens[i] = bytes.len() as u64;
            }
            lens
        }
        Some(base) => {
            let old: Head = serde_json::from_slice(&std::fs::read(d.join("head.json")).ok()?).ok()?;
            if old.version != VERSION || old.head != base.to_string() {
                return None;
            }
            let mut lens = old.lens;
            for (i, bytes) in new.iter().enumerate() {
                let mut f = std::fs::OpenOptions::new().append(true).open(d.join(LOGS[i])).ok()?;
                // Cut what an interrupted append left, then add.
                f.set_len(lens[i]).ok()?;
                f.write_all(bytes).ok()?;
                f.sync_data().ok()?;
                lens[i] += bytes.len() as u64;
            }
            lens
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
    };
    crate::fsutil::write_private(&d.join("head.json"), &serde_json::to_vec(&h).ok()?).ok()
}

/// The verified state of the branch head: from the cache plus the commits
/// after it when it fits, else from the root (which is then kept). With
/// `keep`, a result continued from the cache is stored too; only operations
/// that have just written do that.
pub fn verified(rec: &Record, pin: Option<&Pin>, now: DateTime<Utc>, keep: bool) -> Result<Verified, Failure> {
    resume(rec, pin, now, keep, load_full)
}

/// [`verified`] for writers: the state at the head (policy, certificates,
/// header) and what came after the kept head, without the whole history's
/// lists (`base` is set). Work does not grow with the record.
pub fn verified_head(rec: &Record, pin: Option<&Pin>, now: DateTime<Utc>, keep: bool) -> Result<Verified, Failure> {
    let head_only = |rec: &Record, pin: Option<&Pin>| load_head(rec, pin).map(|(v, _, t)| (v, t));
    resume(rec, pin, now, keep, head_only)
}

fn resume(
    rec: &Record,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    keep: bool,
    load: impl Fn(&Record, Option<&Pin>) -> Option<(Verified, DateTime<Utc>)>,
) -> Result<Verified, Failure> {
    let head = rec.head().map_err(|e| Failure { commit: None, code: "git", reason: e.to_string() })?;
    if let (Some(h), Some((start, t))) = (head, load(rec, pin))
        && (start.head == h || rec.repo.graph_descendant_of(h, start.head).unwrap_or(false))
    {
        let unchanged = start.head == h;
        match verify_from(rec, Some(h), pin, now, Some((start, t)), None, &mut |_, _| {}) {
            Ok(v) => {
                if keep && !unchanged {
                    store(rec, &v);
                }
                return Ok(v);
            }
            Err(f) if f.code == "resume" => {}
            Err(f) => return Err(f),
        }
    }
    // A verification from the root is kept whoever asked for it: it is
    // derived state, and without it a command that checks the record twice
    // (before asking for a passphrase, then under the lock) and once more
    // after writing would verify the whole history three times.
    let v = verify(rec, None, pin, now)?;
    store(rec, &v);
    Ok(v)
}
