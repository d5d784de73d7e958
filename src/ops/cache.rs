//! The verified-state cache: what `verify` established about the history up
//! to some head, kept in `.git/hrx/verified.json`, so that an operation only
//! verifies the commits after it. `hrx verify` never uses it; everything
//! else does, and falls back to verifying from the root whenever the cache
//! does not fit (other root, a head it is not an ancestor of, a merge with an
//! older line, a damaged file).

use chrono::{DateTime, Utc};
use git2::Oid;
use serde::{Deserialize, Serialize};

use crate::crypto::commit::{CertIndex, parse_cert};
use crate::id::Id;
use crate::model::{Fpr, Header};
use crate::policy::Policy;
use crate::repo::{Pin, Record};
use crate::verify::{CommitInfo, EntryRef, Failure, Verified, verify, verify_from};

/// Bumped whenever what is cached changes meaning.
const VERSION: u32 = 3;

#[derive(Serialize, Deserialize)]
struct Cached {
    version: u32,
    head: String,
    head_time: DateTime<Utc>,
    root: String,
    header: Header,
    policy: Policy,
    commits: Vec<CommitInfo>,
    entries: Vec<EntryRef>,
    access: Vec<(Id, Fpr, String)>,
}

fn path(rec: &Record) -> std::path::PathBuf {
    rec.state_dir().join("verified.json")
}

fn load(rec: &Record, pin: Option<&Pin>) -> Option<(Verified, DateTime<Utc>)> {
    let c: Cached = serde_json::from_slice(&std::fs::read(path(rec)).ok()?).ok()?;
    if c.version != VERSION {
        return None;
    }
    let head = Oid::from_str(&c.head).ok()?;
    let root = Oid::from_str(&c.root).ok()?;
    if let Some(p) = pin
        && (p.root != root || p.patient != c.header.patient)
    {
        return None;
    }
    // The certificates come from keys/ at the cached head, as verify read them.
    let mut certs = CertIndex::default();
    let tree = rec.repo.find_commit(head).ok()?.tree().ok()?;
    let keys = rec.repo.find_tree(tree.get_name("keys")?.id()).ok()?;
    for k in keys.iter().filter(|k| k.kind() == Some(git2::ObjectType::Blob)) {
        certs.insert(parse_cert(rec.repo.find_blob(k.id()).ok()?.content()).ok()?);
    }
    // Then their updates (keys/FPR/ID.asc), with the revocation times verify found.
    for dir in keys.iter().filter(|k| k.kind() == Some(git2::ObjectType::Tree)) {
        let fpr = dir.name().ok()?.to_string();
        for u in rec.repo.find_tree(dir.id()).ok()?.iter() {
            let id: Id = u.name().ok()?.strip_suffix(".asc")?.parse().ok()?;
            let cert = parse_cert(rec.repo.find_blob(u.id()).ok()?.content()).ok()?;
            let at = |k: &str| c.policy.revoked_keys.get(k).map(|r| r.at);
            certs.restore_update(&fpr, id, cert, &at).ok()?;
        }
    }
    let access = c.access.into_iter().filter_map(|(e, f, b)| Some(((e, f), Oid::from_str(&b).ok()?))).collect();
    let v = Verified {
        head,
        root,
        header: c.header,
        policy: c.policy,
        certs,
        commits: c.commits,
        entries: c.entries,
        access,
    };
    Some((v, c.head_time))
}

/// Stores a verified state (best effort: a cache that cannot be written
/// only costs time).
pub fn store(rec: &Record, v: &Verified) {
    let Some(t) = v.commits.iter().rev().find(|c| c.oid == v.head).map(|c| c.time) else { return };
    let c = Cached {
        version: VERSION,
        head: v.head.to_string(),
        head_time: t,
        root: v.root.to_string(),
        header: v.header.clone(),
        policy: v.policy.clone(),
        commits: v.commits.clone(),
        entries: v.entries.clone(),
        access: {
            let mut a: Vec<_> = v.access.iter().map(|((e, f), b)| (*e, f.clone(), b.to_string())).collect();
            a.sort();
            a
        },
    };
    let _ = std::fs::create_dir_all(rec.state_dir());
    if let Ok(bytes) = serde_json::to_vec(&c) {
        let _ = crate::fsutil::write_private(&path(rec), &bytes);
    }
}

/// The verified state of the branch head: from the cache plus the commits
/// after it when it fits, else from the root (which is then kept). With
/// `keep`, a result continued from the cache is stored too; only operations
/// that have just written do that.
pub fn verified(rec: &Record, pin: Option<&Pin>, now: DateTime<Utc>, keep: bool) -> Result<Verified, Failure> {
    let head = rec.head().map_err(|e| Failure { commit: None, code: "git", reason: e.to_string() })?;
    if let (Some(h), Some((start, t))) = (head, load(rec, pin))
        && (start.head == h || rec.repo.graph_descendant_of(h, start.head).unwrap_or(false))
    {
        match verify_from(rec, Some(h), pin, now, Some((start, t)), None, &mut |_, _| {}) {
            Ok(v) => {
                if keep {
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
