//! Authenticating a record's history from its root.
//!
//! Each commit, in topological order, must be signed by a certificate that
//! the policy at its parent(s) knows, and everything it adds must be allowed
//! by that policy for that signer at the signature time. Nothing is ever
//! modified, deleted or renamed, and nothing outside the layout exists.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use git2::{ObjectType, Oid};

use crate::crypto::commit::{CertIndex, Known, MAX_CERT, SigError, SignerKeys, parse_cert};
use crate::crypto::message::entry_structure;
use crate::id::Id;
use crate::model::Reason;
use crate::model::layout::HEADER;
use crate::model::statement::MAX_STATEMENT;
use crate::model::{Category, Fpr, Header, RepoPath, Statement};
use crate::policy::{CLOCK_SKEW_SECS, Change, Policy};
use crate::repo::diff::{Delta, Trees, bounded_tree, diff};
use crate::repo::object::{ObjectError, RawCommit, read_bounded, read_commit};
use crate::repo::{Pin, Record};

/// The largest entry file accepted (ciphertext; attachments are inside).
pub const MAX_ENTRY: usize = 64 << 20;
/// The largest statement a grantee (not a delegate) may add.
pub const MAX_GRANTEE_STATEMENT: usize = 2048;
/// The largest later-access wrap accepted (a few PKESKs).
pub const MAX_WRAP: usize = 64 << 10;

/// Why a history does not verify: the first bad commit and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub struct Failure {
    /// The commit (full id), if the problem is with one.
    pub commit: Option<String>,
    /// A short machine-readable reason.
    pub code: Reason,
    /// What is wrong, for people.
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.commit {
            Some(c) => write!(f, "commit {}: {}", &c[..12.min(c.len())], self.reason),
            None => write!(f, "{}", self.reason),
        }
    }
}

fn fail(commit: Oid, code: Reason, reason: impl Into<String>) -> Failure {
    Failure { commit: Some(commit.to_string()), code, reason: reason.into() }
}

/// Serialises git object ids as hex strings (for the verified-state cache).
pub mod oid_hex {
    use git2::Oid;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises.
    pub fn serialize<S: Serializer>(o: &Oid, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(o)
    }

    /// Deserialises.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Oid, D::Error> {
        let s = String::deserialize(d)?;
        Oid::from_str(&s).map_err(serde::de::Error::custom)
    }
}

/// An entry as the verified history knows it (without decrypting it).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EntryRef {
    /// Its id.
    pub id: Id,
    /// Its category.
    pub category: Category,
    /// Its path in the tree.
    pub path: String,
    /// Its blob.
    #[serde(with = "oid_hex")]
    pub blob: Oid,
    /// The commit that added it.
    #[serde(with = "oid_hex")]
    pub commit: Oid,
    /// Who signed that commit.
    pub signer: Fpr,
    /// The updates of the signer's certificate its commit's parent knew:
    /// the inner signature is judged with those (see `crypto::commit::Known`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certs_at: Vec<Id>,
    /// When.
    pub time: DateTime<Utc>,
    /// The key ids its PKESKs name (read when it was verified).
    #[serde(default)]
    pub to: Vec<String>,
}

/// One verified commit.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CommitInfo {
    /// Its id.
    #[serde(with = "oid_hex")]
    pub oid: Oid,
    /// Its signer.
    pub signer: Fpr,
    /// Its signature time.
    pub time: DateTime<Utc>,
    /// What it added.
    pub changes: Vec<Change>,
    /// How many parents it has.
    pub parents: usize,
    /// The grants its changes relied on (see [`crate::policy::Authority`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<crate::policy::Authority>,
    /// The key that signed it, when not the certificate's primary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Fpr>,
}

/// A later-access wrap: its blob, and the commit that added it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wrap {
    /// The wrap (PKESKs of the entry's session key).
    pub blob: Oid,
    /// The commit that added it.
    pub commit: Oid,
}

/// A history that verified.
pub struct Verified {
    /// The head verified.
    pub head: Oid,
    /// The root commit.
    pub root: Oid,
    /// The record header.
    pub header: Header,
    /// The policy at the head.
    pub policy: Policy,
    /// Every certificate in `keys/`.
    pub certs: CertIndex,
    /// Every commit, oldest first.
    pub commits: Vec<CommitInfo>,
    /// Every entry, oldest first.
    pub entries: Vec<EntryRef>,
    /// Later-access wraps: (entry, reader) -> the wrap.
    pub access: HashMap<(Id, Fpr), Wrap>,
    /// None: `commits`, `entries` and `access` cover the whole history.
    /// Some(h): they hold only what came after the verified head `h`, whose
    /// state was kept (writers need no more; see `ops::cache`).
    pub base: Option<Oid>,
}

/// Verifies the history ending at `head` (default: the branch). `pin` is the
/// trust root this device expects; `now` bounds signature times from above.
pub fn verify(rec: &Record, head: Option<Oid>, pin: Option<&Pin>, now: DateTime<Utc>) -> Result<Verified, Failure> {
    verify_from(rec, head, pin, now, None, None, &mut |_, _| {})
}

/// [`verify`], reporting (commits done, commits in all) as it goes.
pub fn verify_with_progress(
    rec: &Record,
    head: Option<Oid>,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Verified, Failure> {
    verify_from(rec, head, pin, now, None, None, progress)
}

/// What verifying one commit needs to keep of its parents.
#[derive(Clone)]
struct State {
    policy: Policy,
    time: DateTime<Utc>,
    tree: Oid,
}

/// Verifies, optionally continuing an earlier result and knowing more.
///
/// `start` is an earlier result (the state at its head, and that head's
/// time): only the commits after it are checked. Fails with code `resume`
/// when the new history does not simply extend `start` (a merge with a line
/// that forked before it); verify from the root then.
///
/// `known` is policy this copy knows from elsewhere (its own history, when
/// judging a remote's): its revocations count against the history verified
/// here, as the revocations on every line of that history do.
pub fn verify_from(
    rec: &Record,
    head: Option<Oid>,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    start: Option<(Verified, DateTime<Utc>)>,
    known: Option<&Policy>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Verified, Failure> {
    let git = |e: git2::Error| Failure {
        commit: None,
        code: Reason::Git,
        reason: format!("cannot read the repository: {e}"),
    };
    let head = match head {
        Some(h) => h,
        None => rec
            .head()
            .map_err(|e| Failure { commit: None, code: Reason::Git, reason: e.to_string() })?
            .ok_or(Failure { commit: None, code: Reason::Empty, reason: "the record has no commits on main".into() })?,
    };
    let repo = &rec.repo;
    let odb = repo.odb().map_err(git)?;

    let skew = Duration::seconds(CLOCK_SKEW_SECS);
    let mut states: HashMap<Oid, State> = HashMap::new();
    let mut certs = CertIndex::default();
    let mut commits = Vec::new();
    let mut entries = Vec::new();
    let mut access = HashMap::new();
    let mut categories: HashMap<Id, Category> = HashMap::new();
    let mut root: Option<(Oid, Header)> = None;
    let mut done: HashSet<Oid> = HashSet::new();
    let mut partial: Option<Oid> = None;
    let resuming = start.is_some();
    if let Some((s, t)) = start {
        // The clock must not stand before what was verified: cached state
        // never lets an earlier clock see more (or verify less) than the
        // history itself would.
        if now + skew < t {
            return Err(Failure {
                commit: Some(s.head.to_string()),
                code: Reason::Clock,
                reason: format!(
                    "this computer's clock ({}) is before the record's newest commit ({}); set the clock right",
                    now.to_rfc3339(),
                    t.to_rfc3339()
                ),
            });
        }
        let tree = repo.find_commit(s.head).map_err(git)?.tree_id();
        states.insert(s.head, State { policy: s.policy, time: t, tree });
        certs = s.certs;
        done.insert(s.head);
        for c in &s.commits {
            done.insert(c.oid);
        }
        partial = s.base;
        commits = s.commits;
        for e in &s.entries {
            categories.insert(e.id, e.category.clone());
        }
        entries = s.entries;
        access = s.access;
        root = Some((s.root, s.header));
    }

    // From the root, the signatures' arithmetic starts while the history
    // is read (on a core the read leaves idle), newest first, with the keys
    // in keys/ at the head (see candidate_certs); the walk's workers do the
    // rest. Resuming, the history is short and the keys are known.
    let known_certs: Vec<sequoia_openpgp::Cert> = certs.all().cloned().collect();
    let git_dir = repo.path().to_path_buf();
    let (history, signers, early) = if resuming {
        (history(&odb, head, &done, &mut |_, _| {}), SignerKeys::new(&known_certs), HashMap::new())
    } else {
        let stop = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            // Bounded: a commit the thread has no room for is left to the
            // walk's workers.
            let (tx, rx) = std::sync::mpsc::sync_channel::<(Oid, Vec<u8>, Vec<u8>)>(256);
            let (known_certs, git_dir, stop_ref) = (&known_certs, &git_dir, &stop);
            let ahead = s.spawn(move || {
                let mut signers = known_certs.clone();
                if let Ok(r) = git2::Repository::open_bare(git_dir)
                    && let Ok(o) = r.odb()
                {
                    let tree = crate::repo::object::read_commit(&o, head).ok().map(|c| c.tree);
                    signers.extend(candidate_certs(&r, &o, tree));
                }
                let keys = SignerKeys::new(&signers);
                // Only the key found is kept (a parsed signature can be
                // hundreds of times its commit's size).
                let mut done = HashMap::new();
                while let Ok((oid, sig, signed)) = rx.recv() {
                    if stop_ref.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    done.insert(oid, keys.check(&sig, &signed).1);
                }
                (keys, done)
            });
            let h = history(&odb, head, &done, &mut |oid, c| {
                let _ = tx.try_send((oid, c.signature.clone().unwrap_or_default(), c.signed.clone()));
            });
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            drop(tx);
            let (keys, early) = ahead.join().unwrap_or_else(|_| (SignerKeys::new(known_certs), HashMap::new()));
            (h, keys, early)
        })
    };
    let (order, raw, mut signed) = history?;
    // Each taken by the worker that checks it.
    let signed: Vec<std::sync::Mutex<Option<Signed>>> =
        order.iter().map(|o| std::sync::Mutex::new(signed.remove(o))).collect();
    let total = order.len();
    // One each per commit, mostly: grown once, not doubled (both copies
    // are alive while a vector grows).
    commits.reserve(total);
    entries.reserve(total);
    // Continuing a kept state that holds only its head: a line that forked
    // before it walks down to the root; verify from the root then.
    if partial.is_some() && root.is_some() && order.iter().any(|o| raw[o].parents.is_empty()) {
        return Err(Failure {
            commit: None,
            code: Reason::Resume,
            reason: "the history joins a line older than the kept state".into(),
        });
    }
    // Signatures are parsed and their arithmetic done on other cores, in
    // order, while this walk judges each commit (see check_ahead).
    let early = std::sync::Mutex::new(early);
    // A parent's state is kept until its last child has been judged.
    let mut children: HashMap<Oid, usize> = HashMap::new();
    for o in &order {
        for p in &raw[o].parents {
            *children.entry(*p).or_default() += 1;
        }
    }
    // The workers also read what a commit with one parent changes, once its
    // signature's arithmetic checks out with a known key (nothing of an
    // unauthenticated commit is read); the walk judges it in order.
    // A parent is in this walk, or is the verified head it resumes from.
    let resumed: Option<(Oid, Oid)> = states.iter().map(|(o, st)| (*o, st.tree)).next();
    let tree_of = |p: Oid| raw.get(&p).map(|c| c.tree).or(resumed.filter(|r| r.0 == p).map(|r| r.1));
    let prepare = |trees: &mut Option<Trees<'static>>, i: usize| -> Option<Prepared> {
        let c = &raw[&order[i]];
        let trees = trees.as_mut()?;
        let [parent] = c.parents[..] else { return None };
        let parent_tree = tree_of(parent)?;
        let top = trees.get(c.tree).map(|_| ());
        let diff = top.is_ok().then(|| diff(trees, Some(parent_tree), c.tree).map_err(|e| e.to_string()));
        let mut blobs = HashMap::new();
        let mut certs = HashMap::new();
        let mut good = Vec::new();
        let mut budget = PREFETCH_BYTES;
        for d in diff.iter().flatten().flatten() {
            if let Delta::Added { path, blob } = d
                && let kind = RepoPath::parse(path)
                && let Some(limit) = limit(&kind)
            {
                let b = read_bounded(trees.odb(), *blob, ObjectType::Blob, limit);
                budget = budget.saturating_sub(b.as_ref().map_or(0, |b| b.len()));
                // A certificate is parsed here and its self-signatures'
                // arithmetic done, off the walk (which judges them).
                if let (Some(RepoPath::Key(_) | RepoPath::KeyUpdate { .. }), Ok(bytes)) = (&kind, &b) {
                    let (c, g) = crate::crypto::commit::parse_cert_checked(bytes);
                    good.extend(g);
                    certs.insert(path.clone(), c);
                }
                blobs.insert(path.clone(), b);
                if budget == 0 {
                    break;
                }
            }
        }
        crate::crypto::ed25519::remember(good);
        Some(Prepared { top, diff, blobs, certs })
    };
    let mut trees = Trees::new(repo.odb().map_err(git)?);
    let accepted = crate::crypto::commit::Accepted::default();
    for c in certs.all() {
        accepted.add(c);
    }
    let walked = crate::crypto::commit::check_ahead(
        &signers,
        order.len(),
        // Not held (past HELD_BYTES): read again, with the same bounds.
        |trees: &mut Option<Trees<'static>>, i| {
            signed[i].lock().unwrap_or_else(|e| e.into_inner()).take().or_else(|| {
                let c = read_commit(trees.as_mut()?.odb(), order[i]).ok()?;
                Some((c.signature.unwrap_or_default(), c.signed))
            })
        },
        |i| early.lock().unwrap_or_else(|e| e.into_inner()).remove(&order[i]),
        &accepted,
        || Trees::open(&git_dir).ok(),
        prepare,
        |next| -> Result<(), Failure> {
            for (n, &oid) in order.iter().enumerate() {
                let ahead = next(n);
                let (pre, checked, prepared) = (ahead.signature, ahead.key, ahead.prepared.flatten());
                if n % 256 == 0 {
                    progress(n, total);
                }
                let c = &raw[&oid];
                let parents = c.parents.clone();
                // The commit's tree: a root's is read in full (its header and
                // key), a merge's to find where its files come from.
                let top = match &prepared {
                    Some(p) => p.top.clone(),
                    None => trees.get(c.tree).map(|_| ()),
                };
                top.map_err(|(code, e)| fail(oid, code, format!("its tree {e}")))?;
                let tree = if parents.len() == 1 {
                    None
                } else {
                    Some(bounded_tree(repo, c.tree).map_err(|(code, e)| fail(oid, code, format!("its tree {e}")))?)
                };
                let (mut prepared_diff, mut prepared_blobs, mut prepared_certs) = match prepared {
                    Some(p) => (p.diff, p.blobs, p.certs),
                    None => (None, HashMap::new(), HashMap::new()),
                };

                // The policy this commit is judged by, and who may have signed it.
                let (policy, parent_time) = if parents.is_empty() {
                    let (cert, patient) = root_certificate(
                        rec,
                        &odb,
                        oid,
                        tree.as_ref().expect("read for a root"),
                        root.as_ref().map(|r| r.0),
                        pin,
                    )?;
                    accepted.add(&cert);
                    certs.insert(cert);
                    (Policy::new(patient), None)
                } else {
                    let (policy, t) = parents_policy(oid, &parents, &states)?;
                    (policy, Some(t))
                };

                // The signature, before anything else of the commit is parsed.
                if !c.signed {
                    return Err(fail(
                        oid,
                        Reason::Unsigned,
                        "is not signed (no gpgsig header); every commit must be signed",
                    ));
                }
                let allowed = |f: &str| {
                    if parents.is_empty() { f == policy.patient } else { policy.keys.contains(f) }
                };
                let known = Known::line(&policy);
                let (signer, time, key) = pre
                    .and_then(|s| {
                        certs.verify_checked(
                            &s,
                            &|| read_commit(&odb, oid).ok().map(|c| c.signed),
                            &allowed,
                            Some(known),
                            checked.as_ref(),
                        )
                    })
                    .map_err(|e| {
                        let (code, why) = signature_failure(e);
                        fail(oid, code, why)
                    })?;
                judge_times(time, parent_time, now, c.committed, c.authored)
                    .map_err(|(code, why)| fail(oid, code, why))?;

                if parents.is_empty() {
                    // Authenticated: now the header may be read.
                    let header = root_header(&odb, oid, tree.as_ref().expect("read for a root"), &policy.patient)?;
                    root = Some((oid, header));
                    commits.push(CommitInfo {
                        oid,
                        signer,
                        time,
                        changes: vec![],
                        parents: 0,
                        needs: vec![],
                        key: None,
                    });
                    states.insert(oid, State { policy, time, tree: c.tree });
                    continue;
                }

                // What it changes.
                let deltas = match prepared_diff.take() {
                    Some(d) => d,
                    None => diff(&mut trees, Some(states[&parents[0]].tree), c.tree).map_err(|e| e.to_string()),
                }
                .map_err(|e| fail(oid, Reason::Git, e))?;
                // A merge keeps everything every side had: nothing of the other
                // parents may go missing or change either.
                let other_trees: Vec<git2::Tree> = parents
                    .iter()
                    .skip(1)
                    .map(|p| repo.find_tree(states[p].tree))
                    .collect::<Result<_, _>>()
                    .map_err(git)?;
                for (p, other) in parents.iter().skip(1).zip(&other_trees) {
                    for d in
                        diff(&mut trees, Some(other.id()), c.tree).map_err(|e| fail(oid, Reason::Git, e.to_string()))?
                    {
                        match d {
                            Delta::Removed(path) => {
                                return Err(fail(
                                    oid,
                                    Reason::Deleted,
                                    format!("is a merge that drops {path} from its parent {p}"),
                                ));
                            }
                            Delta::Modified(path) | Delta::Irregular(path) => {
                                return Err(fail(
                                    oid,
                                    Reason::Modified,
                                    format!("is a merge that changes {path} from its parent {p}"),
                                ));
                            }
                            Delta::Malformed { path, reason } => {
                                return Err(fail(
                                    oid,
                                    Reason::MalformedTree,
                                    format!("has a malformed tree at {path}: {reason}"),
                                ));
                            }
                            Delta::Added { .. } => {}
                        }
                    }
                }
                let mut changes = Vec::new();
                let mut wraps = Vec::new();
                let mut added_entries = Vec::new();
                // Removals first: a rename is reported as the removal it is.
                let mut deltas = deltas;
                deltas.sort_by_key(|d| matches!(d, Delta::Added { .. }));
                for d in deltas {
                    let (path, blob) = match d {
                        Delta::Removed(p) => {
                            return Err(fail(
                                oid,
                                Reason::Deleted,
                                format!("deletes or renames {p}; nothing in a record is ever deleted or renamed"),
                            ));
                        }
                        Delta::Modified(p) => {
                            return Err(fail(
                                oid,
                                Reason::Modified,
                                format!("modifies {p}; nothing in a record is ever modified"),
                            ));
                        }
                        Delta::Irregular(p) => {
                            return Err(fail(oid, Reason::Layout, format!("adds {p}, which is not a regular file")));
                        }
                        Delta::Malformed { path, reason } => {
                            return Err(fail(
                                oid,
                                Reason::MalformedTree,
                                format!("has a malformed tree at {path}: {reason}"),
                            ));
                        }
                        Delta::Added { path, blob } => (path, blob),
                    };
                    // In a merge, additions that come from the other side were judged there.
                    if parents.len() > 1 {
                        let from_other = other_trees
                            .iter()
                            .any(|t| t.get_path(std::path::Path::new(&path)).is_ok_and(|e| e.id() == blob));
                        if !from_other {
                            return Err(fail(
                                oid,
                                Reason::Merge,
                                format!("is a merge that adds {path}, which neither side has"),
                            ));
                        }
                        continue;
                    }
                    let kind = RepoPath::parse(&path);
                    let Some(limit) = limit(&kind) else {
                        return Err(fail(
                            oid,
                            Reason::Layout,
                            format!("adds {path}, which is not part of the hrx record layout"),
                        ));
                    };
                    let bytes = match prepared_blobs.remove(&path) {
                        Some(b) => b,
                        None => read_bounded(&odb, blob, ObjectType::Blob, limit),
                    }
                    .map_err(|e| {
                        let code =
                            if matches!(e, ObjectError::TooLarge { .. }) { Reason::TooLarge } else { Reason::Layout };
                        fail(oid, code, format!("{path} {e}"))
                    })?;
                    // A certificate file, as the worker parsed it, or parsed here.
                    let mut cert = || {
                        prepared_certs
                            .remove(&path)
                            .unwrap_or_else(|| parse_cert(&bytes))
                            .map_err(|e| fail(oid, Reason::BadKey, format!("{path}: {e}")))
                    };
                    match kind.expect("matched above") {
                        RepoPath::Key(f) => {
                            let c = cert()?;
                            if c.fingerprint().to_hex() != f {
                                return Err(fail(
                                    oid,
                                    Reason::BadKey,
                                    format!("{path} holds certificate {}", c.fingerprint()),
                                ));
                            }
                            accepted.add(&c);
                            certs.add(c).map_err(|e| fail(oid, Reason::KeyConflict, format!("{path}: {e}")))?;
                            changes.push(Change::Key(f));
                        }
                        RepoPath::KeyUpdate { fpr, id } => {
                            check_time(oid, &path, "its id", id.time(), time)?;
                            let c = cert()?;
                            let revokes = certs
                                .add_update(&fpr, id, c, time)
                                .map_err(|(code, e)| fail(oid, code, format!("{path} {e}")))?;
                            // It may bring subkeys.
                            if let Some(c) = certs.get(&fpr) {
                                accepted.add(c);
                            }
                            changes.push(Change::KeyUpdate { fpr, id, revokes });
                        }
                        RepoPath::Statement(id) => {
                            check_time(oid, &path, "its id", id.time(), time)?;
                            // Who signed decides what is read: a grantee may only give
                            // up its grant or record an emergency access, both short.
                            if !policy.is_manager(&signer, time) && bytes.len() > MAX_GRANTEE_STATEMENT {
                                return Err(fail(
                                    oid,
                                    Reason::Policy,
                                    format!(
                                        "adds {path} ({} bytes), but its signer may only add short statements (giving up its own grant, recording an emergency access); it was not read",
                                        bytes.len()
                                    ),
                                ));
                            }
                            let s = Statement::from_yaml(&bytes)
                                .map_err(|e| fail(oid, Reason::BadStatement, format!("{path}: {e}")))?;
                            if s.id() != id {
                                return Err(fail(
                                    oid,
                                    Reason::BadStatement,
                                    format!("{path} carries statement id {}", s.id()),
                                ));
                            }
                            check_time(oid, &path, "its issued_at", s.issued_at(), time)?;
                            if let Statement::RotateKey { id, from, to, consent, .. } = &s {
                                // The new key consents (its certificate comes
                                // first: keys/ sorts before policy/).
                                let text = Statement::rotation_consent(id, from, to);
                                match certs.verify(consent.as_bytes(), text.as_bytes(), &|f| f == to, None) {
                                    Ok((f, t)) if f == *to && (t - time).abs() <= skew => {}
                                    Ok(_) => {
                                        return Err(fail(
                                            oid,
                                            Reason::Policy,
                                            format!("{path}: the consent of {to} is not dated with its commit"),
                                        ));
                                    }
                                    Err(e) => {
                                        return Err(fail(
                                            oid,
                                            Reason::Policy,
                                            format!(
                                                "{path} hands the place of {from} over to {to} without its consent (a signature by {to}): {e:?}"
                                            ),
                                        ));
                                    }
                                }
                            }
                            if let Statement::Recovery { trustees, .. } = &s {
                                // Each share is sealed to its trustee alone
                                // (certificates come first: keys/ sorts
                                // before policy/).
                                for t in trustees {
                                    check_share(&t.share, &certs, &t.certificate).map_err(|e| {
                                        fail(
                                            oid,
                                            Reason::BadStatement,
                                            format!("{path}: the share of {}: {e}", t.certificate),
                                        )
                                    })?;
                                }
                            }
                            changes.push(Change::Statement(s));
                        }
                        RepoPath::Entry { category, id } => {
                            check_time(oid, &path, "its id", id.time(), time)?;
                            let to = entry_structure(&bytes)
                                .map_err(|e| fail(oid, Reason::BadEntry, format!("{path}: {e}")))?;
                            let parent_tree = states[&parents[0]].tree;
                            if let Some(other) = category_of(&categories, partial.map(|_| (repo, parent_tree)), id) {
                                return Err(fail(
                                    oid,
                                    Reason::DuplicateId,
                                    format!("adds entry {id} under {category}, but it exists already under {other}"),
                                ));
                            }
                            categories.insert(id, category.clone());
                            added_entries.push(EntryRef {
                                certs_at: policy
                                    .key_updates
                                    .get(&signer)
                                    .map(|u| u.iter().copied().collect())
                                    .unwrap_or_default(),
                                id,
                                category: category.clone(),
                                path: path.clone(),
                                blob,
                                commit: oid,
                                signer: signer.clone(),
                                time,
                                to,
                            });
                            changes.push(Change::Entry(category, id));
                        }
                        RepoPath::Access { entry, reader } => {
                            let parent_tree = states[&parents[0]].tree;
                            let category = category_of(&categories, partial.map(|_| (repo, parent_tree)), entry)
                                .ok_or_else(|| {
                                    fail(
                                        oid,
                                        Reason::BadAccess,
                                        format!("{path} gives access to entry {entry}, which does not exist"),
                                    )
                                })?;
                            // Checked below, once the commit's certificates are known.
                            wraps.push((path.clone(), bytes, reader.clone()));
                            access.insert((entry, reader.clone()), Wrap { blob, commit: oid });
                            changes.push(Change::Access { entry, category, reader });
                        }
                        RepoPath::Header => unreachable!("no limit for it above"),
                    }
                }

                if parents.len() == 1 && changes.is_empty() {
                    // Every commit adds something; an empty one could only serve to
                    // look like someone built on another's work.
                    return Err(fail(oid, Reason::EmptyCommit, "adds nothing; every commit in a record adds files"));
                }
                for (path, bytes, reader) in wraps {
                    check_wrap(&bytes, &certs, &reader)
                        .map_err(|e| fail(oid, Reason::BadAccess, format!("{path}: {e}")))?;
                }
                let (mut after, mut needs) = policy.judge_commit(&signer, &changes, time).map_err(|(c, r)| {
                    fail(oid, if matches!(c, Change::Entry(..)) { Reason::Unauthorised } else { Reason::Policy }, r)
                })?;
                // An entry goes to exactly its readers: the patient, its
                // author and those whose grants let them read its category
                // when it was written (before or after this commit's own
                // changes). One encrypted to anyone else was given away.
                // (A merge adds no entry of its own: what it brings was
                // judged in the commits that added it.)
                let mut readers: HashMap<&Category, std::collections::BTreeSet<Fpr>> = HashMap::new();
                for e in added_entries.iter().filter(|_| parents.len() == 1) {
                    let allowed = readers.entry(&e.category).or_insert_with(|| {
                        let mut r = policy.recipients(&e.category, &signer, time);
                        r.extend(after.recipients(&e.category, &signer, time));
                        r
                    });
                    let (path, category) = (&e.path, &e.category);
                    for k in &e.to {
                        let owner = certs.owner(k).map(|c| c.fingerprint().to_hex());
                        if !owner.as_ref().is_some_and(|o| allowed.contains(o)) {
                            let who = owner.unwrap_or_else(|| "a key not in the record".into());
                            return Err(fail(
                                oid,
                                Reason::BadRecipient,
                                format!(
                                    "{path} is encrypted to key {k} ({who}), which has no right to read {category} entries at {time}"
                                ),
                            ));
                        }
                    }
                }
                for ch in &changes {
                    if let Change::Statement(Statement::Revoke { revokes, .. }) = ch
                        && let Some(g) = after.grants.get_mut(revokes)
                    {
                        g.revoked_in = Some(oid.to_string());
                    }
                    let revoked: Vec<&Fpr> = match ch {
                        Change::KeyUpdate { revokes, .. } => revokes.iter().map(|(k, _)| k).collect(),
                        Change::Statement(Statement::RevokeKey { id, certificate, since, .. }) => {
                            // A time in the past can void commits the kept
                            // state holds: judge the whole history again.
                            if resuming && since.is_some() {
                                return Err(fail(oid, Reason::Resume, "revokes a key since a past time"));
                            }
                            if let Some(c) = after.compromises.get_mut(id) {
                                c.revoked_in = Some(oid.to_string());
                            }
                            vec![certificate]
                        }
                        Change::Statement(Statement::RotateKey { from, .. }) => vec![from],
                        _ => vec![],
                    };
                    // Every revoking commit is kept: each line of history
                    // that revoked a key counts from its own revocation.
                    for k in revoked {
                        if let Some(r) = after.revoked_keys.get_mut(k)
                            && !r.revoked_in.contains(&oid.to_string())
                        {
                            r.revoked_in.push(oid.to_string());
                            if r.cert == signer {
                                r.by_holder.push(oid.to_string());
                            }
                        }
                    }
                }
                if parents.len() > 1 {
                    if !policy.keys.contains(&signer) {
                        return Err(fail(oid, Reason::Unauthorised, "is a merge signed by a non-participant"));
                    }
                    let a = policy.merge_authority(&signer, time).map_err(|r| fail(oid, Reason::Unauthorised, r))?;
                    if !a.is_empty() {
                        needs.push(a);
                    }
                }

                entries.extend(added_entries);
                let key = Some(key).filter(|k| *k != signer);
                // Kept for the whole walk: no room for more (a first push
                // leaves room for four).
                let (mut changes, mut needs) = (changes, needs);
                changes.shrink_to_fit();
                needs.shrink_to_fit();
                commits.push(CommitInfo { oid, signer, time, changes, parents: parents.len(), needs, key });
                states.insert(oid, State { policy: after, time, tree: c.tree });
                for p in &parents {
                    if let Some(n) = children.get_mut(p) {
                        *n -= 1;
                        if *n == 0 && *p != head {
                            states.remove(p);
                        }
                    }
                }
            }
            Ok(())
        },
    );
    walked?;

    progress(total, total);
    let (root, header) =
        root.ok_or(Failure { commit: None, code: Reason::Empty, reason: "the history has no root commit".into() })?;
    let mut policy = states.remove(&head).expect("head was walked").policy;

    let voided = check_revocations(rec, &commits, &policy, known)?;
    voided.apply(&mut policy);

    // Topological order is commit order; ids made within one millisecond do
    // not sort by time, so keep it.
    Ok(Verified { head, root, header, policy, certs, commits, entries, access, base: partial })
}

/// What a revocation of a compromised key since a past time voids: commits
/// the record keeps but that count for nothing (with why), and what they
/// gave: grants, rotations, emergency accesses.
#[derive(Debug, Default)]
pub struct Voided {
    /// Commit (hex) -> why it is void.
    pub commits: std::collections::BTreeMap<String, String>,
    /// Grants made in void commits.
    pub grants: HashSet<Id>,
    /// Rotations made in void commits (by the certificate handed over).
    pub rotations: HashSet<Fpr>,
    /// Emergency accesses recorded in void commits.
    pub emergencies: HashSet<Id>,
}

impl Voided {
    /// Takes away, in the policy at the head, what void commits gave: their
    /// grants are never in force, their rotations are undone, their
    /// emergency accesses opened nothing; and lists the commits.
    pub fn apply(self, policy: &mut Policy) {
        for g in &self.grants {
            if let Some(g) = policy.grants.get_mut(g) {
                g.void = true;
            }
        }
        for f in &self.rotations {
            if let Some(r) = policy.rotated.remove(f)
                && policy.patient == r.to
            {
                policy.patient = f.clone();
            }
        }
        policy.emergencies.retain(|e| !self.emergencies.contains(&e.id));
        policy.void.extend(self.commits);
    }
}

/// Where voiding started: the revoking commit of a compromise, and whether
/// the patient declared it.
#[derive(Clone, Copy)]
struct Origin {
    by: Oid,
    patient: bool,
}

/// A key two lines of history handed over to different new keys, if
/// there is one: (the key, its successor in `a`, its successor in `b`).
/// Such lines cannot be joined.
pub fn rotation_conflict<'p>(a: &'p Policy, b: &'p Policy) -> Option<(&'p Fpr, &'p Fpr, &'p Fpr)> {
    b.rotated.iter().find_map(|(f, r)| a.rotated.get(f).filter(|mine| mine.to != r.to).map(|mine| (f, &mine.to, &r.to)))
}

/// Whether commit `c` only revokes keys of its own signer's certificate
/// (taking away is never void, never refused: it may come from any line).
fn only_revokes_itself(c: &CommitInfo) -> bool {
    !c.changes.is_empty()
        && c.changes.iter().all(|ch| match ch {
            Change::KeyUpdate { fpr, revokes, .. } => *fpr == c.signer && !revokes.is_empty(),
            Change::Statement(Statement::RevokeKey { certificate, .. }) => *certificate == c.signer,
            _ => false,
        })
}

/// A revocation ends the grantee's authority from its signature time on, on
/// every line of history: judges every commit of a verified history again
/// by all the revocations known — in it (`policy`, its head's) and, if
/// given, elsewhere (`known`: another copy's). Commits a revoking commit
/// contains are exempt: they were made before it, whatever the clocks say.
///
/// A key revoked as compromised since a time `S` (in revoking commit `R`)
/// signs nothing from `S` on: what `R` contains is void (kept, counting for
/// nothing), anything else refused, whatever other revocation contains it;
/// `R` itself, and commits that only revoke the signer's own keys, stand.
/// What a void commit gave is taken away in turn: a certificate it added
/// (a rotation's new key) signs only void commits; when the patient
/// declared the compromise, a commit `R` contains whose authority holds only
/// through grants made in void commits is void too (a thief's puppet). It
/// never gives back what void commits took.
pub fn check_revocations(
    rec: &Record,
    commits: &[CommitInfo],
    policy: &Policy,
    known: Option<&Policy>,
) -> Result<Voided, Failure> {
    let mut everything = policy.clone();
    if let Some(k) = known {
        everything.merge(k.clone());
    }
    // Authority as the revocations alone decide it; `everything` (below)
    // is what voiding leaves of it. Nothing can be void without a
    // compromise or a grant already void: then the two are one.
    let voiding = !everything.compromises.is_empty() || everything.grants.values().any(|g| g.void);
    let real = voiding.then(|| {
        let mut r = everything.clone();
        for g in r.grants.values_mut() {
            g.void = false;
        }
        r
    });
    let mut voided = Voided::default();
    let mut void_grants: HashMap<Id, Origin> = HashMap::new();
    let mut void_certs: HashMap<Fpr, Origin> = HashMap::new();
    let hex = |s: &str| Oid::from_str(s).ok();
    for c in commits {
        // Whether commit `r` contains this one.
        let contains = |r: Oid| rec.contains(r, c.oid);
        let predates = |g: &crate::policy::GrantRecord| g.revoked_in.as_deref().and_then(hex).is_some_and(contains);
        let key = c.key.as_ref().unwrap_or(&c.signer);
        let only_revokes = only_revokes_itself(c);
        let mut void: Option<(Origin, String)> = None;

        // A compromised certificate signs nothing from the time it was taken.
        if !only_revokes {
            for comp in everything.compromises.values().filter(|k| k.cert == c.signer && k.since <= c.time) {
                let Some(by) = comp.revoked_in.as_deref().and_then(hex) else { continue };
                if by == c.oid {
                    continue;
                }
                if !contains(by) {
                    return Err(fail(
                        c.oid,
                        Reason::KeyRevoked,
                        format!(
                            "is signed at {} by key {key}, which was revoked as compromised since {}",
                            c.time.to_rfc3339(),
                            comp.since.to_rfc3339()
                        ),
                    ));
                }
                let why = format!(
                    "its commit was signed at {} by key {key}, revoked as compromised since {} (in commit {})",
                    c.time.to_rfc3339(),
                    comp.since.to_rfc3339(),
                    &by.to_string()[..12]
                );
                void = Some((Origin { by, patient: comp.by_patient }, why));
                break;
            }
        }
        // A certificate a void commit brought (a thief's rotation) signs
        // only void commits.
        if void.is_none()
            && let Some(o) = void_certs.get(&c.signer).copied()
        {
            if !contains(o.by) {
                return Err(fail(
                    c.oid,
                    Reason::KeyRevoked,
                    format!("is signed by {}, whose certificate came in a void commit", c.signer),
                ));
            }
            void = Some((o, format!("its commit was signed by {}, whose certificate came in a void commit", c.signer)));
        }
        if void.is_none() {
            // A revoked key signs nothing after the revocation, on any
            // line of history, but what a revoking commit contains.
            for k in [key, &c.signer] {
                if let Some(r) = everything.revoked_keys.get(k).filter(|r| r.cert == c.signer)
                    && !only_revokes
                    && r.at <= c.time
                    && !r.sparing().into_iter().filter_map(|r| hex(r)).any(contains)
                {
                    return Err(fail(
                        c.oid,
                        Reason::KeyRevoked,
                        format!(
                            "is signed at {} by key {key}, which was revoked in effect from {}",
                            c.time.to_rfc3339(),
                            r.at.to_rfc3339()
                        ),
                    ));
                }
            }
            // The grants it relied on, and for wraps the reader's: any
            // that held only through grants made in void commits.
            let mut through_void: Option<Id> = None;
            let real = real.as_ref().unwrap_or(&everything);
            for a in &c.needs {
                if !real.authority_holds(a, c.time, &predates) {
                    return Err(fail(c.oid, Reason::Revoked, revoked_reason(real, a, c)));
                }
                if voiding && !everything.authority_holds(a, c.time, &predates) {
                    through_void = a.iter().find(|g| void_grants.contains_key(g)).copied();
                    if through_void.is_none() {
                        return Err(fail(c.oid, Reason::Revoked, revoked_reason(&everything, a, c)));
                    }
                    break;
                }
            }
            for ch in c.changes.iter().filter(|_| voiding) {
                if through_void.is_some() {
                    break;
                }
                if let Change::Access { category, reader, .. } = ch {
                    let covering: Vec<&crate::policy::GrantRecord> = everything
                        .grants
                        .values()
                        .filter(|g| {
                            everything.holder(&g.grant.grantee) == reader
                                && g.issued_at <= c.time
                                && g.grant.rights.contains(&crate::model::Right::Read)
                                && g.grant.categories.covers(category)
                        })
                        .collect();
                    if !covering.is_empty() && covering.iter().all(|g| g.void) {
                        through_void = covering.iter().map(|g| g.id).find(|g| void_grants.contains_key(g));
                    }
                }
            }
            if let Some(g) = through_void {
                let o = void_grants[&g];
                if !contains(o.by) {
                    return Err(fail(
                        c.oid,
                        Reason::Revoked,
                        format!(
                            "relies on grant {g}, made in a commit that is void: it was signed with a compromised key"
                        ),
                    ));
                }
                // The patient's word voids what drew on void commits; a
                // holder's own voids only what its key signed.
                if o.patient {
                    void = Some((o, format!("its commit drew its authority from grant {g}, made in a void commit")));
                }
            }
        }
        if let Some((o, why)) = void {
            for ch in &c.changes {
                match ch {
                    Change::Statement(Statement::Grant { id, .. }) => {
                        voided.grants.insert(*id);
                        void_grants.insert(*id, o);
                        if let Some(g) = everything.grants.get_mut(id) {
                            g.void = true;
                        }
                    }
                    // A rotation's new key is the void key's own; a
                    // certificate it brought with a grant falls with the
                    // grant (by the patient's word only, as above).
                    Change::Key(f)
                        if o.patient
                            || c.changes.iter().any(
                                |x| matches!(x, Change::Statement(Statement::RotateKey { to, .. }) if to == f),
                            ) =>
                    {
                        void_certs.insert(f.clone(), o);
                    }
                    Change::Statement(Statement::RotateKey { from, .. }) => {
                        voided.rotations.insert(from.clone());
                        everything.rotated.remove(from);
                    }
                    Change::Statement(Statement::EmergencyAccess { id, .. }) => {
                        voided.emergencies.insert(*id);
                    }
                    _ => {}
                }
            }
            voided.commits.insert(c.oid.to_string(), why);
        }
    }
    Ok(voided)
}

/// Every commit reachable from `head`, parents first, read with the
/// verifier's bounds, with its committer time and subject line (for listing
/// a history that does not verify; nothing here is authenticated).
pub fn commits_bounded(rec: &Record, head: Oid) -> Result<Vec<(Oid, DateTime<Utc>, String)>, Failure> {
    let odb = rec.repo.odb().map_err(|e| Failure { commit: None, code: Reason::Git, reason: e.to_string() })?;
    let (order, _, mut signed) = history(&odb, head, &HashSet::new(), &mut |_, _| {})?;
    Ok(order
        .into_iter()
        .map(|oid| {
            let signed = signed.remove(&oid).map(|s| s.1).unwrap_or_default();
            let text = String::from_utf8_lossy(&signed);
            let time = text
                .lines()
                .find_map(|l| l.strip_prefix("committer "))
                .and_then(|l| l.rsplit(' ').nth(1))
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(|s| DateTime::from_timestamp(s, 0))
                .unwrap_or_default();
            let subject = text.split_once("\n\n").map(|(_, m)| m.lines().next().unwrap_or("")).unwrap_or("");
            (oid, time, subject.to_string())
        })
        .collect())
}

/// The certificates in `keys/` of the head's tree, read with the verifier's
/// bounds; whatever does not parse is left out (the walk judges it where
/// it was added). Only their keys are used, to check signatures early.
///
/// Nothing here is authenticated yet, so the work is capped: each blob once,
/// at most [`CANDIDATE_CERTS`] certificates and [`CANDIDATE_BYTES`] in all
/// (a record has a handful of participants; a hostile head with thousands
/// of large certificates only loses the head start, never the verdict).
fn candidate_certs(repo: &git2::Repository, odb: &git2::Odb, tree: Option<Oid>) -> Vec<sequoia_openpgp::Cert> {
    let Some(tree) = tree.and_then(|t| bounded_tree(repo, t).ok()) else { return vec![] };
    let Some(keys) = tree.get_name("keys").and_then(|k| bounded_tree(repo, k.id()).ok()) else { return vec![] };
    let mut seen = HashSet::new();
    let mut budget = CANDIDATE_BYTES;
    let mut out = vec![];
    // Certificates, then their updates (which may bring new signing keys).
    let mut blobs: Vec<Oid> = keys.iter().filter(|k| k.kind() == Some(ObjectType::Blob)).map(|k| k.id()).collect();
    for dir in keys.iter().filter(|k| k.kind() == Some(ObjectType::Tree)).take(CANDIDATE_CERTS) {
        if let Ok(t) = bounded_tree(repo, dir.id()) {
            blobs.extend(t.iter().take(CANDIDATE_CERTS).map(|k| k.id()));
        }
    }
    for k in blobs {
        if out.len() >= CANDIDATE_CERTS || !seen.insert(k) {
            continue;
        }
        let Ok(size) = crate::repo::object::check_size(odb, k, ObjectType::Blob, MAX_CERT) else { continue };
        if size > budget {
            break;
        }
        budget -= size;
        if let Some(c) = read_bounded(odb, k, ObjectType::Blob, MAX_CERT).ok().and_then(|b| parse_cert(&b).ok()) {
            out.push(c);
        }
    }
    out
}

/// How many certificates [`candidate_certs`] reads at most.
const CANDIDATE_CERTS: usize = 256;
/// How many bytes of certificates [`candidate_certs`] reads at most.
const CANDIDATE_BYTES: usize = 1 << 20;

/// Explains which revocation ended the authority a commit relied on.
/// What a worker read for a commit with one parent, ahead of the walk.
struct Prepared {
    /// Whether its tree is within bounds and well formed.
    top: Result<(), (Reason, String)>,
    /// What it changes from its parent.
    diff: Option<Result<Vec<Delta>, String>>,
    /// The files it adds, read within their limits (up to
    /// [`PREFETCH_BYTES`] per commit; the walk reads the rest).
    blobs: HashMap<String, Result<Vec<u8>, ObjectError>>,
    /// The certificates among them, parsed.
    certs: HashMap<String, Result<sequoia_openpgp::Cert, String>>,
}

/// How much of a commit's added files a worker reads ahead of the walk.
const PREFETCH_BYTES: usize = 4 << 20;

/// The largest file a record may hold at `path`, or None if the layout has
/// no place for it.
fn limit(path: &Option<RepoPath>) -> Option<usize> {
    match path {
        Some(RepoPath::Key(_) | RepoPath::KeyUpdate { .. }) => Some(MAX_CERT),
        Some(RepoPath::Statement(_)) => Some(MAX_STATEMENT),
        Some(RepoPath::Entry { .. }) => Some(MAX_ENTRY),
        Some(RepoPath::Access { .. }) => Some(MAX_WRAP),
        Some(RepoPath::Header) | None => None,
    }
}

fn revoked_reason(p: &Policy, a: &crate::policy::Authority, c: &CommitInfo) -> String {
    let ended: Vec<String> = a
        .iter()
        .filter_map(|id| p.grants.get(id))
        .map(|g| match g.revoked {
            Some((_, t)) if t <= c.time => format!("grant {} was revoked at {}", g.id, t.to_rfc3339()),
            _ => format!("the delegation grant {} was made under was revoked", g.id),
        })
        .collect();
    format!(
        "is signed by {} at {}, but {}; a revocation ends authority from its time on, on every copy and every line of history",
        c.signer,
        c.time.to_rfc3339(),
        ended.join(", ")
    )
}

/// Checks that a time a file claims (its id's, a statement's issued_at)
/// agrees with the signature time of the commit adding it.
fn check_time(oid: Oid, path: &str, what: &str, claimed: DateTime<Utc>, signed: DateTime<Utc>) -> Result<(), Failure> {
    if (claimed - signed).abs() > Duration::seconds(CLOCK_SKEW_SECS) {
        return Err(fail(
            oid,
            Reason::TimeMismatch,
            format!(
                "adds {path}, whose {what} says {}, but the commit is signed at {}; times in a record must agree with the signature within {} s",
                claimed.to_rfc3339(),
                signed.to_rfc3339(),
                CLOCK_SKEW_SECS
            ),
        ));
    }
    Ok(())
}

/// The category entry `id` is filed under: from the entries this
/// verification has seen, or, when it continues a kept state without its
/// entry list, from the parent's tree (`kept`).
fn category_of(seen: &HashMap<Id, Category>, kept: Option<(&git2::Repository, Oid)>, id: Id) -> Option<Category> {
    seen.get(&id).cloned().or_else(|| kept.and_then(|(repo, tree)| kept_category(repo, tree, id)))
}

/// The category entry `id` is filed under in `tree`, if it is there (an
/// id's path is fixed by its category and shard).
fn kept_category(repo: &git2::Repository, tree: Oid, id: Id) -> Option<Category> {
    let tree = repo.find_tree(tree).ok()?;
    crate::model::category::ALL.iter().find_map(|c| {
        let category: Category = c.parse().ok()?;
        let path = RepoPath::Entry { category: category.clone(), id }.to_path();
        tree.get_path(std::path::Path::new(&path)).ok().map(|_| category)
    })
}

/// The commits of a history in order, and each commit.
type History = (Vec<Oid>, HashMap<Oid, Walked>, HashMap<Oid, Signed>);

/// A commit's `gpgsig` (empty if none) and the bytes it signs: held apart
/// from [`Walked`] so that each is dropped once its signature is checked.
type Signed = (Vec<u8>, Vec<u8>);

/// The most bytes of commits' signatures and signed bytes a walk holds
/// until their signatures are checked; the signature check reads the rest
/// again. A record's commits are about a kilobyte (10,000 of them hold
/// 10 MiB): what a push or a copy of 40,000 commits of 60 KiB each would
/// cost (2.4 GB) is bounded here.
const HELD_BYTES: usize = 32 << 20;

/// How many parent lines a history may name beyond two per commit (a
/// record's merges join two lines; a few wider ones are allowed). A history
/// of commits naming 16 parents each is refused within a few dozen of them,
/// before the walk holds their parents: read whole, 160,000 such commits
/// took 268 MB before anything was judged.
const MAX_EXTRA_PARENTS: usize = 1000;

/// What a walk keeps of a commit it read for all of the walk.
struct Walked {
    tree: Oid,
    parents: Vec<Oid>,
    signed: bool,
    committed: Option<i64>,
    authored: Option<i64>,
}

/// The policy a commit with `parents` is judged by, and the newest of
/// their times: one parent's, or at a merge everything either line knew
/// (within the bounds one line keeps). A key is handed over once: two lines
/// that handed one key to two new keys cannot be joined (whoever merged
/// would choose who holds the place).
fn parents_policy(oid: Oid, parents: &[Oid], states: &HashMap<Oid, State>) -> Result<(Policy, DateTime<Utc>), Failure> {
    let mut ps = parents.iter().map(|p| {
        states.get(p).cloned().ok_or_else(|| fail(oid, Reason::Resume, format!("parent {p} was not verified first")))
    });
    let first = ps.next().expect("has a parent")?;
    let (mut policy, mut t) = (first.policy, first.time);
    for p in ps {
        let other = p?;
        if let Some((f, a, b)) = rotation_conflict(&policy, &other.policy) {
            return Err(fail(
                oid,
                Reason::Conflict,
                format!("is a merge that joins two hand-overs of {f}: to {a} on one line, to {b} on the other"),
            ));
        }
        policy.merge_checked(other.policy).map_err(|e| fail(oid, Reason::Policy, e))?;
        t = t.max(other.time);
    }
    Ok((policy, t))
}

/// Why a commit's signature does not make it authentic, as a reason code
/// and the words that say it.
fn signature_failure(e: SigError) -> (Reason, String) {
    match e {
        SigError::Malformed(m) => (Reason::BadSignature, format!("has a malformed signature: {m}")),
        SigError::UnknownKey(k) => (
            Reason::UnknownSigner,
            format!("is signed by key {k}, which is not a participant of this record at that point"),
        ),
        SigError::Bad(m) => (Reason::BadSignature, format!("has a bad signature: {m}")),
        SigError::Revoked(m) => (Reason::KeyRevoked, format!("is not valid: {m}")),
        SigError::Weak(m) => {
            (Reason::WeakCrypto, format!("is signed with an algorithm the OpenPGP policy no longer accepts: {m}"))
        }
    }
}

/// The time rules of a commit signed at `time`: not more than the clock
/// skew before its parents' newest time nor after `now`, and its committer
/// and author dates (what `git log` shows; seconds since the epoch, `None`
/// where git cannot read one) its signature's time within the skew, so that
/// plain git's readers see the history hrx judged.
fn judge_times(
    time: DateTime<Utc>,
    parent_time: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    committed: Option<i64>,
    authored: Option<i64>,
) -> Result<(), (Reason, String)> {
    let skew = Duration::seconds(CLOCK_SKEW_SECS);
    if let Some(pt) = parent_time
        && time + skew < pt
    {
        return Err((
            Reason::Backdated,
            format!("is signed at {}, before its parent ({}): backdated", time.to_rfc3339(), pt.to_rfc3339()),
        ));
    }
    if time > now + skew {
        return Err((Reason::Future, format!("is signed at {}, in the future", time.to_rfc3339())));
    }
    for (what, at) in [("committer", committed), ("author", authored)] {
        match at.and_then(|s| DateTime::from_timestamp(s, 0)) {
            Some(d) if (d - time).abs() <= skew => {}
            Some(d) => {
                return Err((
                    Reason::TimeMismatch,
                    format!(
                        "has the {what} date {} (what git log shows), but it is signed at {}",
                        d.to_rfc3339(),
                        time.to_rfc3339()
                    ),
                ));
            }
            None => return Err((Reason::TimeMismatch, format!("has no {what} date git can read"))),
        }
    }
    Ok(())
}

/// Every commit reachable from `head` and not in `done`, read with size
/// bounds, parents before children. git's own walker loads whole commit
/// objects first, which is what a compressed bomb relies on. `read` is
/// told of each commit as it is read.
fn history(
    odb: &git2::Odb,
    head: Oid,
    done: &HashSet<Oid>,
    read: &mut dyn FnMut(Oid, &RawCommit),
) -> Result<History, Failure> {
    let mut order = Vec::new();
    let mut raw: HashMap<Oid, Walked> = HashMap::new();
    let mut signed = HashMap::new();
    let mut held = 0usize;
    // Parent lines read, against commits read (see MAX_EXTRA_PARENTS).
    let (mut edges, mut commits) = (0usize, 0usize);
    let mut stack = vec![(head, false)];
    while let Some((oid, expanded)) = stack.pop() {
        if expanded {
            order.push(oid);
            continue;
        }
        if done.contains(&oid) || raw.contains_key(&oid) {
            continue;
        }
        let c = read_commit(odb, oid).map_err(|e| {
            let code = match e {
                ObjectError::TooLarge { .. } => Reason::TooLarge,
                ObjectError::Git(_) => Reason::Git,
                _ => Reason::MalformedCommit,
            };
            fail(oid, code, format!("the commit {e}"))
        })?;
        read(oid, &c);
        (edges, commits) = (edges + c.parents.len(), commits + 1);
        if edges > 2 * commits + MAX_EXTRA_PARENTS {
            return Err(fail(
                oid,
                Reason::MalformedCommit,
                format!(
                    "is one of {commits} commits naming {edges} parents: more than a record's merges (two lines at a time) can"
                ),
            ));
        }
        stack.push((oid, true));
        for p in c.parents.iter().rev() {
            if !done.contains(p) && !raw.contains_key(p) {
                stack.push((*p, false));
            }
        }
        raw.insert(
            oid,
            Walked {
                tree: c.tree,
                parents: c.parents,
                signed: c.signature.is_some(),
                committed: c.committed,
                authored: c.authored,
            },
        );
        let sig = c.signature.unwrap_or_default();
        if held + sig.len() + c.signed.len() <= HELD_BYTES {
            held += sig.len() + c.signed.len();
            signed.insert(oid, (sig, c.signed));
        }
    }
    Ok((order, raw, signed))
}

/// The root commit's certificate, read before its signature is checked (it
/// is what the signature is checked with): the tree must hold exactly
/// `hrx.yaml` and one certificate. Returns it and its fingerprint.
fn root_certificate(
    rec: &Record,
    odb: &git2::Odb,
    oid: Oid,
    tree: &git2::Tree,
    known_root: Option<Oid>,
    pin: Option<&Pin>,
) -> Result<(sequoia_openpgp::Cert, Fpr), Failure> {
    if let Some(r) = known_root {
        return Err(fail(
            oid,
            Reason::SecondRoot,
            format!("is a second root commit (the record's root is {r}); histories were joined"),
        ));
    }
    if let Some(p) = pin
        && p.root != oid
    {
        return Err(fail(
            oid,
            Reason::RootRewritten,
            format!("is not the pinned root commit {}: the history was rewritten from its root", p.root),
        ));
    }
    let layout = || fail(oid, Reason::Layout, "root commit must hold exactly hrx.yaml and the patient's certificate");
    if tree.len() != 2 || tree.get_name(HEADER).is_none() {
        return Err(layout());
    }
    let keys = tree.get_name("keys").ok_or_else(layout)?;
    let keys = bounded_tree(&rec.repo, keys.id()).map_err(|(code, e)| fail(oid, code, format!("keys/ {e}")))?;
    if keys.len() != 1 {
        return Err(layout());
    }
    let k = keys.get(0).ok_or_else(layout)?;
    let name = String::from_utf8_lossy(k.name_bytes()).to_string();
    let Some(RepoPath::Key(f)) = RepoPath::parse(&format!("keys/{name}")) else { return Err(layout()) };
    if let Some(p) = pin
        && p.patient != f
    {
        return Err(fail(
            oid,
            Reason::RootRewritten,
            format!("names patient {f}, but this device pinned {}", p.patient),
        ));
    }
    let bytes = read_bounded(odb, k.id(), ObjectType::Blob, MAX_CERT)
        .map_err(|e| fail(oid, Reason::BadKey, format!("keys/{name} {e}")))?;
    let cert = parse_cert(&bytes).map_err(|e| fail(oid, Reason::BadKey, format!("keys/{name}: {e}")))?;
    if cert.fingerprint().to_hex() != f {
        return Err(fail(oid, Reason::BadKey, format!("keys/{name} holds certificate {}", cert.fingerprint())));
    }
    Ok((cert, f))
}

/// The root commit's header, read once its signature has been checked.
fn root_header(odb: &git2::Odb, oid: Oid, tree: &git2::Tree, patient: &str) -> Result<Header, Failure> {
    let e = tree.get_name(HEADER).expect("checked by root_certificate");
    let bytes = read_bounded(odb, e.id(), ObjectType::Blob, 4096)
        .map_err(|e| fail(oid, Reason::Header, format!("hrx.yaml {e}")))?;
    let header = Header::from_yaml(&bytes).map_err(|e| fail(oid, Reason::Header, format!("hrx.yaml: {e}")))?;
    if header.patient != patient {
        return Err(fail(
            oid,
            Reason::BadKey,
            format!("hrx.yaml names patient {}, but keys/ holds {patient}", header.patient),
        ));
    }
    Ok(header)
}

/// Checks a later-access wrap: one or more PKESK packets, every one of them
/// addressed to an encryption key of the reader's certificate.
/// A recovery share: an armoured, complete encrypted message whose
/// session keys are all for keys of `trustee`'s certificate.
fn check_share(armoured: &str, certs: &CertIndex, trustee: &str) -> Result<(), String> {
    let bytes = crate::crypto::dearmor(armoured.as_bytes()).map_err(|e| e.to_string())?;
    let ids = entry_structure(&bytes)?;
    for to in ids {
        let owner = certs.owner(&to).map(|c| c.fingerprint().to_hex());
        if owner.as_deref() != Some(trustee) {
            return Err(format!("it is encrypted to key {to}, which is not the trustee's"));
        }
    }
    Ok(())
}

fn check_wrap(bytes: &[u8], certs: &CertIndex, reader: &str) -> Result<(), String> {
    use sequoia_openpgp::parse::{PacketParser, PacketParserResult, Parse};
    let mut n = 0;
    let mut ppr = PacketParser::from_bytes(bytes).map_err(|e| format!("not OpenPGP: {e}"))?;
    while let PacketParserResult::Some(pp) = ppr {
        match &pp.packet {
            sequoia_openpgp::Packet::PKESK(p) => {
                let to = p.recipient().map(|h| crate::crypto::message::handle_hex(&h)).unwrap_or_default();
                let owner = certs.owner(&to).map(|c| c.fingerprint().to_hex());
                if owner.as_deref() != Some(reader) {
                    return Err(format!("wraps the session key for key {to}, which is not {reader}'s"));
                }
                n += 1;
            }
            other => return Err(format!("holds a {} packet; only PKESKs belong here", other.tag())),
        }
        ppr = pp.recurse().map_err(|e| format!("malformed: {e}"))?.1;
    }
    if n == 0 {
        return Err("holds no PKESK".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_772_355_600 + s, 0).unwrap()
    }

    #[test]
    fn a_commit_is_dated_within_the_skew_of_its_parents_the_clock_and_git() {
        let (t, hour) = (at(0), CLOCK_SKEW_SECS);
        let now = at(10 * hour);
        let ok = |parent, committed, authored| judge_times(t, parent, now, committed, authored);
        let secs = t.timestamp();
        assert_eq!(ok(Some(at(hour)), Some(secs + hour), Some(secs - hour)), Ok(()), "all at the bounds");
        assert_eq!(ok(None, Some(secs), Some(secs)), Ok(()), "a root");
        let code = |r: Result<(), (Reason, String)>| r.unwrap_err().0;
        assert_eq!(code(ok(Some(at(hour + 1)), Some(secs), Some(secs))), Reason::Backdated);
        assert_eq!(code(judge_times(at(11 * hour + 1), None, now, Some(secs), Some(secs))), Reason::Future);
        assert_eq!(code(ok(None, Some(secs + hour + 1), Some(secs))), Reason::TimeMismatch);
        assert_eq!(code(ok(None, Some(secs), Some(secs - hour - 1))), Reason::TimeMismatch);
        let (_, why) = ok(None, None, Some(secs)).unwrap_err();
        assert!(why.contains("no committer date"), "{why}");
        let (_, why) = ok(None, Some(secs), None).unwrap_err();
        assert!(why.contains("no author date"), "{why}");
        // Past what a date can be: not a panic, a mismatch.
        assert_eq!(code(ok(None, Some(i64::MAX), Some(secs))), Reason::TimeMismatch);
    }

    #[test]
    fn a_merge_is_judged_by_both_lines_and_the_newest_time() {
        let patient = Fpr::from("A".repeat(40));
        let (a, b) = (Oid::from_bytes(&[1; 20]).unwrap(), Oid::from_bytes(&[2; 20]).unwrap());
        let tree = Oid::from_bytes(&[3; 20]).unwrap();
        let mut states = HashMap::new();
        states.insert(a, State { policy: Policy::new(patient.clone()), time: at(5), tree });
        states.insert(b, State { policy: Policy::new(patient.clone()), time: at(9), tree });
        let merge = Oid::from_bytes(&[4; 20]).unwrap();
        let (policy, t) = parents_policy(merge, &[a, b], &states).unwrap();
        assert_eq!((policy.patient, t), (patient, at(9)));
        let missing = Oid::from_bytes(&[5; 20]).unwrap();
        let e = parents_policy(merge, &[a, missing], &states).unwrap_err();
        assert_eq!(e.code, Reason::Resume);
    }

    #[test]
    fn every_signature_failure_has_its_reason() {
        let cases = [
            (SigError::Malformed("m".into()), Reason::BadSignature),
            (SigError::UnknownKey("k".into()), Reason::UnknownSigner),
            (SigError::Bad("b".into()), Reason::BadSignature),
            (SigError::Revoked("r".into()), Reason::KeyRevoked),
            (SigError::Weak("w".into()), Reason::WeakCrypto),
        ];
        for (e, code) in cases {
            assert_eq!(signature_failure(e).0, code);
        }
    }
}
