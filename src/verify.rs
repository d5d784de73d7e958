//! Authenticating a record's history from its root.
//!
//! Each commit, in topological order, must be signed by a certificate that
//! the policy at its parent(s) knows, and everything it adds must be allowed
//! by that policy for that signer at the signature time. Nothing is ever
//! modified, deleted or renamed, and nothing outside the layout exists.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use git2::{Oid, Sort};

use crate::crypto::commit::{CertIndex, SigError, parse_cert};
use crate::crypto::message::recipient_keyids;
use crate::id::Id;
use crate::model::layout::HEADER;
use crate::model::{Category, Fpr, Header, RepoPath, Statement};
use crate::policy::{CLOCK_SKEW_SECS, Change, Policy};
use crate::repo::diff::{Delta, diff};
use crate::repo::{Pin, Record};

/// Why a history does not verify: the first bad commit and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
pub struct Failure {
    /// The commit (full id), if the problem is with one.
    pub commit: Option<String>,
    /// A short machine-readable reason.
    pub code: &'static str,
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

fn fail(commit: Oid, code: &'static str, reason: impl Into<String>) -> Failure {
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
    /// When.
    pub time: DateTime<Utc>,
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
    /// Later-access wraps: (entry, reader) -> blob.
    pub access: HashMap<(Id, Fpr), Oid>,
}

/// Verifies the history ending at `head` (default: the branch). `pin` is the
/// trust root this device expects; `now` bounds signature times from above.
pub fn verify(rec: &Record, head: Option<Oid>, pin: Option<&Pin>, now: DateTime<Utc>) -> Result<Verified, Failure> {
    verify_with_progress(rec, head, pin, now, &mut |_, _| {})
}

/// [`verify`], reporting (commits done, commits in all) as it goes.
pub fn verify_with_progress(
    rec: &Record,
    head: Option<Oid>,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Verified, Failure> {
    verify_from(rec, head, pin, now, None, progress)
}

/// Continues a verification: `start` is an earlier result (the state at its
/// head), and only the commits after it are checked. Fails with code
/// `resume` when the new history does not simply extend `start` (a merge
/// with a line that forked before it); verify from the root then.
pub fn verify_from(
    rec: &Record,
    head: Option<Oid>,
    pin: Option<&Pin>,
    now: DateTime<Utc>,
    start: Option<(Verified, DateTime<Utc>)>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Verified, Failure> {
    let git =
        |e: git2::Error| Failure { commit: None, code: "git", reason: format!("cannot read the repository: {e}") };
    let head = match head {
        Some(h) => h,
        None => rec
            .head()
            .map_err(|e| Failure { commit: None, code: "git", reason: e.to_string() })?
            .ok_or(Failure { commit: None, code: "empty", reason: "the record has no commits on main".into() })?,
    };
    let repo = &rec.repo;
    let mut walk = repo.revwalk().map_err(git)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE).map_err(git)?;
    walk.push(head).map_err(git)?;

    let skew = Duration::seconds(CLOCK_SKEW_SECS);
    let mut states: HashMap<Oid, (Policy, DateTime<Utc>)> = HashMap::new();
    let mut certs = CertIndex::default();
    let mut commits = Vec::new();
    let mut entries = Vec::new();
    let mut access = HashMap::new();
    let mut categories: HashMap<Id, Category> = HashMap::new();
    let mut root: Option<(Oid, Header)> = None;
    if let Some((s, t)) = start {
        walk.hide(s.head).map_err(git)?;
        states.insert(s.head, (s.policy, t));
        certs = s.certs;
        commits = s.commits;
        for e in &s.entries {
            categories.insert(e.id, e.category.clone());
        }
        entries = s.entries;
        access = s.access;
        root = Some((s.root, s.header));
    }

    let oids: Vec<Oid> = walk.collect::<Result<_, _>>().map_err(git)?;
    let total = oids.len();
    for (n, oid) in oids.into_iter().enumerate() {
        if n % 256 == 0 {
            progress(n, total);
        }
        let commit = repo.find_commit(oid).map_err(git)?;
        let tree = commit.tree().map_err(git)?;
        let parents: Vec<Oid> = commit.parent_ids().collect();

        // The policy this commit is judged by.
        let (policy, parent_time) = if parents.is_empty() {
            if let Some((r, _)) = &root {
                return Err(fail(
                    oid,
                    "second-root",
                    format!("is a second root commit (the record's root is {r}); histories were joined"),
                ));
            }
            if let Some(p) = pin
                && p.root != oid
            {
                return Err(fail(
                    oid,
                    "root-rewritten",
                    format!("is not the pinned root commit {}: the history was rewritten from its root", p.root),
                ));
            }
            let bytes = rec
                .read(&tree, HEADER)
                .map_err(|e| fail(oid, "header", e.to_string()))?
                .ok_or_else(|| fail(oid, "header", "root commit has no hrx.yaml; this is not an hrx record"))?;
            let header = Header::from_yaml(&bytes).map_err(|e| fail(oid, "header", format!("hrx.yaml: {e}")))?;
            if let Some(p) = pin
                && p.patient != header.patient
            {
                return Err(fail(
                    oid,
                    "root-rewritten",
                    format!("names patient {}, but this device pinned {}", header.patient, p.patient),
                ));
            }
            let key_path = RepoPath::Key(header.patient.clone()).to_path();
            let cert_bytes =
                rec.read(&tree, &key_path).map_err(|e| fail(oid, "header", e.to_string()))?.ok_or_else(|| {
                    fail(oid, "header", format!("root commit lacks the patient's certificate {key_path}"))
                })?;
            let cert = parse_cert(&cert_bytes).map_err(|e| fail(oid, "bad-key", format!("{key_path}: {e}")))?;
            if cert.fingerprint().to_hex() != header.patient {
                return Err(fail(oid, "bad-key", format!("{key_path} holds certificate {}", cert.fingerprint())));
            }
            certs.insert(cert);
            let patient = header.patient.clone();
            root = Some((oid, header));
            (Policy::new(patient), None)
        } else {
            let mut ps = parents.iter().map(|p| {
                states.get(p).cloned().ok_or_else(|| fail(oid, "resume", format!("parent {p} was not verified first")))
            });
            let (mut policy, mut t) = ps.next().expect("has a parent")?;
            for p in ps {
                let (other, t2) = p?;
                // A merge joins two verified histories: everything either knew.
                policy.merge(other);
                t = t.max(t2);
            }
            (policy, Some(t))
        };

        // The signature.
        let (sig, data) = repo
            .extract_signature(&oid, None)
            .map_err(|_| fail(oid, "unsigned", "is not signed (no gpgsig header); every commit must be signed"))?;
        let allowed = |f: &str| {
            if parents.is_empty() { f == policy.patient } else { policy.keys.contains(f) }
        };
        let (signer, time) = certs.verify(&sig, &data, &allowed).map_err(|e| match e {
            SigError::Malformed(m) => fail(oid, "bad-signature", format!("has a malformed signature: {m}")),
            SigError::UnknownKey(k) => fail(
                oid,
                "unknown-signer",
                format!("is signed by key {k}, which is not a participant of this record at that point"),
            ),
            SigError::Bad(m) => fail(oid, "bad-signature", format!("has a bad signature: {m}")),
        })?;
        if let Some(pt) = parent_time
            && time + skew < pt
        {
            return Err(fail(
                oid,
                "backdated",
                format!("is signed at {}, before its parent ({}): backdated", time.to_rfc3339(), pt.to_rfc3339()),
            ));
        }
        if time > now + skew {
            return Err(fail(oid, "future", format!("is signed at {}, in the future", time.to_rfc3339())));
        }

        // What it changes.
        let parent_tree = match parents.first() {
            Some(p) => Some(repo.find_commit(*p).and_then(|c| c.tree()).map_err(git)?),
            None => None,
        };
        let deltas = diff(repo, parent_tree.as_ref(), &tree).map_err(|e| fail(oid, "git", e.to_string()))?;
        // A merge keeps everything every side had: nothing of the other
        // parents may go missing or change either.
        let other_trees: Vec<git2::Tree> = parents
            .iter()
            .skip(1)
            .map(|p| repo.find_commit(*p).and_then(|c| c.tree()))
            .collect::<Result<_, _>>()
            .map_err(git)?;
        for (p, other) in parents.iter().skip(1).zip(&other_trees) {
            for d in diff(repo, Some(other), &tree).map_err(|e| fail(oid, "git", e.to_string()))? {
                match d {
                    Delta::Removed(path) => {
                        return Err(fail(oid, "deleted", format!("is a merge that drops {path} from its parent {p}")));
                    }
                    Delta::Modified(path) | Delta::Irregular(path) => {
                        return Err(fail(
                            oid,
                            "modified",
                            format!("is a merge that changes {path} from its parent {p}"),
                        ));
                    }
                    Delta::Added { .. } => {}
                }
            }
        }
        let mut changes = Vec::new();
        let mut wraps = Vec::new();
        let mut added_entries = Vec::new();
        for d in deltas {
            let (path, blob) = match d {
                Delta::Removed(p) => {
                    return Err(fail(
                        oid,
                        "deleted",
                        format!("deletes or renames {p}; nothing in a record is ever deleted or renamed"),
                    ));
                }
                Delta::Modified(p) => {
                    return Err(fail(oid, "modified", format!("modifies {p}; nothing in a record is ever modified")));
                }
                Delta::Irregular(p) => {
                    return Err(fail(oid, "layout", format!("adds {p}, which is not a regular file")));
                }
                Delta::Added { path, blob } => (path, blob),
            };
            // In a merge, additions that come from the other side were judged there.
            if parents.len() > 1 {
                let from_other =
                    other_trees.iter().any(|t| t.get_path(std::path::Path::new(&path)).is_ok_and(|e| e.id() == blob));
                if !from_other {
                    return Err(fail(oid, "merge", format!("is a merge that adds {path}, which neither side has")));
                }
                continue;
            }
            let bytes = || rec.blob(blob).map_err(|e| fail(oid, "git", e.to_string()));
            match RepoPath::parse(&path) {
                Some(RepoPath::Header) if parents.is_empty() => {}
                Some(RepoPath::Key(f)) => {
                    let c = parse_cert(&bytes()?).map_err(|e| fail(oid, "bad-key", format!("{path}: {e}")))?;
                    if c.fingerprint().to_hex() != f {
                        return Err(fail(oid, "bad-key", format!("{path} holds certificate {}", c.fingerprint())));
                    }
                    if !parents.is_empty() {
                        certs.insert(c);
                        changes.push(Change::Key(f));
                    }
                }
                Some(RepoPath::Statement(id)) => {
                    let s = Statement::from_yaml(&bytes()?)
                        .map_err(|e| fail(oid, "bad-statement", format!("{path}: {e}")))?;
                    if s.id() != id {
                        return Err(fail(oid, "bad-statement", format!("{path} carries statement id {}", s.id())));
                    }
                    changes.push(Change::Statement(s));
                }
                Some(RepoPath::Entry { category, id }) => {
                    let ids =
                        recipient_keyids(&bytes()?).map_err(|e| fail(oid, "bad-entry", format!("{path}: {e}")))?;
                    if ids.is_empty() {
                        return Err(fail(oid, "bad-entry", format!("{path} is not encrypted to anyone")));
                    }
                    categories.insert(id, category.clone());
                    added_entries.push(EntryRef {
                        id,
                        category: category.clone(),
                        path: path.clone(),
                        blob,
                        commit: oid,
                        signer: signer.clone(),
                        time,
                    });
                    changes.push(Change::Entry(category, id));
                }
                Some(RepoPath::Access { entry, reader }) => {
                    let category = categories.get(&entry).cloned().ok_or_else(|| {
                        fail(oid, "bad-access", format!("{path} gives access to entry {entry}, which does not exist"))
                    })?;
                    // Checked below, once the commit's certificates are known.
                    wraps.push((path.clone(), bytes()?, reader.clone()));
                    access.insert((entry, reader.clone()), blob);
                    changes.push(Change::Access { entry, category, reader });
                }
                _ => {
                    return Err(fail(
                        oid,
                        "layout",
                        format!("adds {path}, which is not part of the hrx record layout"),
                    ));
                }
            }
        }
        if parents.is_empty() {
            // The root holds the header and the patient's certificate, nothing else.
            let n = tree.iter().count();
            let keys_n = tree.get_name("keys").and_then(|k| repo.find_tree(k.id()).ok()).map(|t| t.len()).unwrap_or(0);
            if n != 2 || keys_n != 1 {
                return Err(fail(
                    oid,
                    "layout",
                    "root commit must hold exactly hrx.yaml and the patient's certificate",
                ));
            }
        }

        for (path, bytes, reader) in wraps {
            check_wrap(&bytes, &certs, &reader).map_err(|e| fail(oid, "bad-access", format!("{path}: {e}")))?;
        }
        let after = policy
            .judge_commit(&signer, &changes, time)
            .map_err(|(c, r)| fail(oid, if matches!(c, Change::Entry(..)) { "unauthorised" } else { "policy" }, r))?;
        if parents.len() > 1 && !policy.keys.contains(&signer) {
            return Err(fail(oid, "unauthorised", "is a merge signed by a non-participant"));
        }

        entries.extend(added_entries);
        commits.push(CommitInfo { oid, signer, time, changes, parents: parents.len() });
        states.insert(oid, (after, time));
    }

    progress(total, total);
    let (root, header) =
        root.ok_or(Failure { commit: None, code: "empty", reason: "the history has no root commit".into() })?;
    let (policy, _) = states.remove(&head).expect("head was walked");
    // Topological order is commit order; ids made within one millisecond do
    // not sort by time, so keep it.
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.id));
    Ok(Verified { head, root, header, policy, certs, commits, entries, access })
}

/// Checks a later-access wrap: one or more PKESK packets, every one of them
/// addressed to an encryption key of the reader's certificate.
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
