//! Tree differences, computed by walking both trees and skipping identical
//! subtrees by object id, so a commit costs in proportion to what it changed.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use git2::{ObjectType, Odb, Oid, Repository, Tree};

use super::object::{ObjectError, entry_oid, git_order};

use crate::error::Result;
use crate::model::Reason;

/// One difference between a parent tree and a commit's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delta {
    /// A file that is new.
    Added {
        /// Its path.
        path: String,
        /// Its blob.
        blob: Oid,
    },
    /// A file that was there and is gone (deleted or renamed away).
    Removed(String),
    /// A file whose content changed.
    Modified(String),
    /// Something that is not a plain file or directory (symlink, submodule,
    /// executable), or changed type.
    Irregular(String),
    /// A tree that git itself would not write: a name repeated, out of
    /// order, empty, `.`, `..`, `.git`, or holding `/` or NUL (such names
    /// alias other paths or break checkouts), or a tree over the size limit.
    Malformed {
        /// The tree's path.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// Loads a tree after checking its size from the object header, and checks
/// that its modes are written as git writes them (`40000`, not `040000`:
/// tools that compare mode text would read such a tree differently).
/// The error is a reason code (`too-large`, `malformed-tree`, `git`) and what is wrong.
pub fn bounded_tree<'r>(repo: &'r Repository, oid: Oid) -> std::result::Result<Tree<'r>, (Reason, String)> {
    let git = |e: git2::Error| (Reason::Git, e.message().to_string());
    let odb = repo.odb().map_err(git)?;
    super::object::check_size(&odb, oid, ObjectType::Tree, super::object::MAX_TREE).map_err(|e| match e {
        super::object::ObjectError::TooLarge { .. } => (Reason::TooLarge, e.to_string()),
        other => (Reason::MalformedTree, other.to_string()),
    })?;
    let raw = odb.read(oid).map_err(git)?;
    check_raw_tree(raw.data()).map_err(|m| (Reason::MalformedTree, m))?;
    repo.find_tree(oid).map_err(git)
}

/// Checks a raw tree object as git would write it: every mode one git
/// writes, in its canonical form (`40000`, not `040000`: tools that compare
/// mode text would read such a tree differently); every name valid (not
/// empty, `.`, `..` or `.git`, no `/`, NUL or control character: such
/// names alias other paths, break checkouts or forge lines on a terminal);
/// names unique (a file and a tree of one name included) and in git's
/// order (a tree's name compared as if it ended in `/`); not empty.
pub fn check_raw_tree(data: &[u8]) -> std::result::Result<(), String> {
    if data.is_empty() {
        // hrx never writes an empty directory, and git does not keep one.
        return Err("is an empty tree, which no record holds".into());
    }
    let mut prev: Option<(&[u8], bool)> = None;
    for entry in super::object::raw_tree_entries(data) {
        let (mode, name, _) = entry?;
        if !matches!(mode, b"40000" | b"100644" | b"100755" | b"120000" | b"160000") {
            return Err(format!("holds the mode {:?}, which git never writes", String::from_utf8_lossy(mode)));
        }
        if name.len() > MAX_NAME {
            return Err(format!("holds a name of {} bytes; names are at most {MAX_NAME} bytes", name.len()));
        }
        if name.is_empty()
            || name == b"."
            || name == b".."
            || name.eq_ignore_ascii_case(b".git")
            || name.iter().any(|&b| b == b'/' || b < 0x20 || b == 0x7f)
        {
            return Err(format!("holds the name {:?}, which no git tree may hold", String::from_utf8_lossy(name)));
        }
        let is_tree = mode == b"40000";
        // A file and a tree of one name sort apart in git's order, but
        // are still one name twice (git fsck: duplicateEntries).
        if let Some((p, pt)) = prev
            && (p == name || super::object::git_order(p, pt, name, is_tree) != std::cmp::Ordering::Less)
        {
            return Err(format!(
                "lists {:?} after {:?}: names repeated or out of order",
                String::from_utf8_lossy(name),
                String::from_utf8_lossy(p)
            ));
        }
        prev = Some((name, is_tree));
    }
    Ok(())
}

/// Trees read for diffing: bounded, checked once, and kept while they are
/// likely to be the older side of the next commit's diff. Trees are kept by
/// id in two generations (the current one and the one before it), so what
/// the last few hundred trees read is at hand without the cache growing
/// with the history.
pub struct Trees<'o> {
    odb: Odb<'o>,
    current: HashMap<Oid, Arc<[u8]>>,
    previous: HashMap<Oid, Arc<[u8]>>,
    bytes: usize,
}

/// Trees kept per generation, and bytes.
const GENERATION: usize = 512;
const GENERATION_BYTES: usize = 16 << 20;

impl<'o> Trees<'o> {
    /// Reads trees from `odb`.
    pub fn new(odb: Odb<'o>) -> Self {
        Trees { odb, current: HashMap::new(), previous: HashMap::new(), bytes: 0 }
    }

    /// Reads trees from the repository at `git_dir` with an object
    /// database of their own (one per thread: libgit2's are not shared).
    pub fn open(git_dir: &std::path::Path) -> std::result::Result<Trees<'static>, git2::Error> {
        let odb = Odb::new()?;
        odb.add_disk_alternate(&git_dir.join("objects").to_string_lossy())?;
        // In a pre-receive hook git holds what is pushed in a quarantine
        // directory until the hook accepts it: workers read from it too
        // (as hub::open_for_hook's handle does).
        if let Some(q) = std::env::var_os("GIT_QUARANTINE_PATH") {
            odb.add_disk_alternate(&q.to_string_lossy())?;
        }
        Ok(Trees::new(odb))
    }

    /// The object database trees are read from.
    pub fn odb(&self) -> &Odb<'o> {
        &self.odb
    }

    /// The raw tree `oid`, read within [`super::object::MAX_TREE`] and
    /// checked with [`check_raw_tree`]. The error is a reason code
    /// (`too-large`, `malformed-tree`, `git`) and what is wrong.
    pub fn get(&mut self, oid: Oid) -> std::result::Result<Arc<[u8]>, (Reason, String)> {
        if let Some(t) = self.current.get(&oid) {
            return Ok(t.clone());
        }
        let t = match self.previous.remove(&oid) {
            Some(t) => t,
            None => {
                super::object::check_size(&self.odb, oid, ObjectType::Tree, super::object::MAX_TREE).map_err(|e| {
                    match e {
                        ObjectError::TooLarge { .. } => (Reason::TooLarge, e.to_string()),
                        ObjectError::Git(m) => (Reason::Git, m),
                        other => (Reason::MalformedTree, other.to_string()),
                    }
                })?;
                let o = self.odb.read(oid).map_err(|e| (Reason::Git, e.message().to_string()))?;
                check_raw_tree(o.data()).map_err(|m| (Reason::MalformedTree, m))?;
                Arc::from(o.data())
            }
        };
        if self.current.len() >= GENERATION || self.bytes + t.len() > GENERATION_BYTES {
            self.previous = std::mem::take(&mut self.current);
            self.bytes = 0;
        }
        self.bytes += t.len();
        self.current.insert(oid, t.clone());
        Ok(t)
    }
}

/// The most files one commit may add, change or remove. A lifetime's record
/// holds about a hundred thousand entries; one commit (an import, later
/// access to every past entry) touches at most that many files.
pub const MAX_CHANGES: usize = 1_000_000;

/// The deepest a record's tree nests (its layout goes seven deep).
pub const MAX_DEPTH: usize = 16;

/// The longest name in a tree (hrx's longest is 46 bytes).
pub const MAX_NAME: usize = 255;

/// The most bytes of paths one commit's changes may name (about 60 bytes
/// each for hrx's paths), so that listing them stays within memory.
pub const MAX_PATH_BYTES: usize = 64 << 20;

/// What a diff has used of its limits.
#[derive(Default)]
struct Budget {
    /// Trees new in this commit, each allowed at one path.
    seen: HashSet<Oid>,
    /// Bytes of paths named so far.
    path_bytes: usize,
}

impl Budget {
    fn spent(&self, out: &[Delta]) -> bool {
        out.len() >= MAX_CHANGES || self.path_bytes >= MAX_PATH_BYTES
    }
}

/// The differences from tree `old` (or nothing) to tree `new`. A `new`
/// tree (or subtree) that is too large or malformed is reported as
/// [`Delta::Malformed`] and not walked. So is a new tree that appears at two
/// paths (hrx never writes one: the names in it would be two entries with
/// one id), which would otherwise let a few small trees stand for billions
/// of paths, and a commit that changes more than [`MAX_CHANGES`] files.
pub fn diff(trees: &mut Trees, old: Option<Oid>, new: Oid) -> Result<Vec<Delta>> {
    let mut out = Vec::new();
    let old = match old {
        Some(o) => Some(trees.get(o).map_err(|(_, m)| crate::Error::State(format!("tree {o} {m}")))?),
        None => None,
    };
    let mut budget = Budget::default();
    let Some(new) = new_tree(trees, &mut budget, new, "", &mut out) else { return Ok(out) };
    walk(trees, &mut budget, old.as_deref(), Some(&new), "", 0, &mut out)?;
    if budget.spent(&out) {
        out.push(Delta::Malformed {
            path: String::new(),
            reason: format!(
                "changes more than {MAX_CHANGES} files, or names more than {MAX_PATH_BYTES} bytes of paths, in one commit"
            ),
        });
    }
    Ok(out)
}

/// What a tree entry is, for diffing: a tree, a plain file, or anything
/// else (symlink, submodule, executable).
fn kind(mode: &[u8]) -> char {
    match mode {
        b"40000" => 't',
        b"100644" => 'b',
        _ => 'x',
    }
}

fn walk(
    trees: &mut Trees,
    budget: &mut Budget,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    prefix: &str,
    depth: usize,
    out: &mut Vec<Delta>,
) -> Result<()> {
    if depth >= MAX_DEPTH {
        out.push(Delta::Malformed {
            path: prefix.trim_end_matches('/').to_string(),
            reason: format!("nests more than {MAX_DEPTH} directories deep"),
        });
        return Ok(());
    }
    // Both trees are in git's order (checked when read); walk them side by
    // side, O(n) per changed tree and nothing for unchanged subtrees.
    let (mut olds, mut news) = (entries(old), entries(new));
    while !budget.spent(out) {
        let ord = match (olds.peek(), news.peek()) {
            (Some(o), Some(n)) => git_order(o.1, kind(o.0) == 't', n.1, kind(n.0) == 't'),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        let (o, n) = match ord {
            Ordering::Less => (olds.next(), None),
            Ordering::Greater => (None, news.next()),
            Ordering::Equal => (olds.next(), news.next()),
        };
        // Unchanged: the common case, so decide it before building any path.
        if let (Some(o), Some(n)) = (o, n)
            && o.2 == n.2
            && o.0 == n.0
        {
            continue;
        }
        let name = match (o, n) {
            (Some(o), _) => o.1,
            (None, Some(n)) => n.1,
            (None, None) => break,
        };
        let path = format!("{prefix}{}", String::from_utf8_lossy(name));
        budget.path_bytes += path.len();
        match (o, n) {
            (_, Some(n)) if kind(n.0) == 'x' => out.push(Delta::Irregular(path)),
            (Some(o), _) if kind(o.0) == 'x' => out.push(Delta::Irregular(path)),
            (Some(o), Some(n)) if kind(o.0) != kind(n.0) => out.push(Delta::Irregular(path)),
            (Some(o), Some(n)) if kind(o.0) == 't' => {
                let ot = trees.get(entry_oid(o.2)).map_err(|(_, m)| crate::Error::State(format!("tree {path} {m}")))?;
                let Some(nt) = new_tree(trees, budget, entry_oid(n.2), &path, out) else { continue };
                walk(trees, budget, Some(&ot), Some(&nt), &format!("{path}/"), depth + 1, out)?;
            }
            (Some(_), Some(_)) => out.push(Delta::Modified(path)),
            (None, Some(n)) if kind(n.0) == 't' => {
                let Some(nt) = new_tree(trees, budget, entry_oid(n.2), &path, out) else { continue };
                walk(trees, budget, None, Some(&nt), &format!("{path}/"), depth + 1, out)?
            }
            (None, Some(n)) => out.push(Delta::Added { path, blob: entry_oid(n.2) }),
            (Some(o), None) if kind(o.0) == 't' => {
                let ot = trees.get(entry_oid(o.2)).map_err(|(_, m)| crate::Error::State(format!("tree {path} {m}")))?;
                walk(trees, budget, Some(&ot), None, &format!("{path}/"), depth + 1, out)?
            }
            (Some(_), None) => out.push(Delta::Removed(path)),
            (None, None) => {}
        }
    }
    Ok(())
}

/// The entries of a tree read with [`Trees::get`] (checked when read).
fn entries(t: Option<&[u8]>) -> std::iter::Peekable<impl Iterator<Item = super::object::RawTreeEntry<'_>>> {
    super::object::raw_tree_entries(t.unwrap_or(&[])).map_while(|e| e.ok()).peekable()
}

/// Loads a tree new in this commit, bounded and checked; a bad one is
/// reported as [`Delta::Malformed`] and not walked.
fn new_tree(trees: &mut Trees, budget: &mut Budget, oid: Oid, path: &str, out: &mut Vec<Delta>) -> Option<Arc<[u8]>> {
    if !budget.seen.insert(oid) {
        out.push(Delta::Malformed {
            path: path.to_string(),
            reason: format!("repeats tree {oid}, new in this commit, at a second path"),
        });
        return None;
    }
    match trees.get(oid) {
        Ok(t) => Some(t),
        Err((_, reason)) => {
            out.push(Delta::Malformed { path: path.to_string(), reason });
            None
        }
    }
}
