//! Tree differences, computed by walking both trees and skipping identical
//! subtrees by object id, so a commit costs in proportion to what it changed.

use git2::{ObjectType, Oid, Repository, Tree};

use crate::error::Result;

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
pub fn bounded_tree<'r>(repo: &'r Repository, oid: Oid) -> std::result::Result<Tree<'r>, (&'static str, String)> {
    let git = |e: git2::Error| ("git", e.message().to_string());
    let odb = repo.odb().map_err(git)?;
    super::object::check_size(&odb, oid, ObjectType::Tree, super::object::MAX_TREE).map_err(|e| match e {
        super::object::ObjectError::TooLarge { .. } => ("too-large", e.to_string()),
        other => ("malformed-tree", other.to_string()),
    })?;
    let raw = odb.read(oid).map_err(git)?;
    check_raw_tree(raw.data()).map_err(|m| ("malformed-tree", m))?;
    repo.find_tree(oid).map_err(git)
}

/// Checks a raw tree object as git would write it: every mode one git
/// writes, in its canonical form (`40000`, not `040000`: tools that compare
/// mode text would read such a tree differently); every name valid (not
/// empty, `.`, `..` or `.git`, no `/`, NUL or control character: such
/// names alias other paths, break checkouts or forge lines on a terminal);
/// names unique and in git's order (a tree's name compared as if it ended
/// in `/`).
pub fn check_raw_tree(data: &[u8]) -> std::result::Result<(), String> {
    let mut prev: Option<(&[u8], bool)> = None;
    for entry in super::object::raw_tree_entries(data) {
        let (mode, name, _) = entry?;
        if !matches!(mode, b"40000" | b"100644" | b"100755" | b"120000" | b"160000") {
            return Err(format!("holds the mode {:?}, which git never writes", String::from_utf8_lossy(mode)));
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
        if let Some((p, pt)) = prev
            && super::object::git_order(p, pt, name, is_tree) != std::cmp::Ordering::Less
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

/// git's tree order of two entries.
fn cmp(a: &git2::TreeEntry, b: &git2::TreeEntry) -> std::cmp::Ordering {
    let tree = |e: &git2::TreeEntry| e.kind() == Some(ObjectType::Tree);
    super::object::git_order(a.name_bytes(), tree(a), b.name_bytes(), tree(b))
}

/// The differences from `old` (or nothing) to `new`.
pub fn diff(repo: &Repository, old: Option<&Tree>, new: &Tree) -> Result<Vec<Delta>> {
    let mut out = Vec::new();
    walk(repo, old, Some(new), "", &mut out)?;
    Ok(out)
}

fn walk(repo: &Repository, old: Option<&Tree>, new: Option<&Tree>, prefix: &str, out: &mut Vec<Delta>) -> Result<()> {
    // Both trees are in git's order (checked for every new tree before it is
    // walked); walk them side by side without copying, O(n) per changed
    // tree and nothing for unchanged subtrees.
    let (olen, nlen) = (old.map_or(0, |t| t.len()), new.map_or(0, |t| t.len()));
    let (mut i, mut j) = (0, 0);
    while i < olen || j < nlen {
        let oe = old.and_then(|t| t.get(i)).filter(|_| i < olen);
        let ne = new.and_then(|t| t.get(j)).filter(|_| j < nlen);
        let ord = match (&oe, &ne) {
            (Some(o), Some(n)) => cmp(o, n),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, _) => std::cmp::Ordering::Greater,
        };
        let (o, n) = match ord {
            std::cmp::Ordering::Less => {
                i += 1;
                (oe, None)
            }
            std::cmp::Ordering::Greater => {
                j += 1;
                (None, ne)
            }
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
                (oe, ne)
            }
        };
        let (o, n) = (o.as_ref(), n.as_ref());
        // Unchanged: the common case, so decide it before building any path.
        if let (Some(o), Some(n)) = (o, n)
            && o.id() == n.id()
            && o.filemode() == n.filemode()
        {
            continue;
        }
        let name = String::from_utf8_lossy(match (o, n) {
            (Some(o), _) => o.name_bytes(),
            (None, Some(n)) => n.name_bytes(),
            (None, None) => break,
        })
        .to_string();
        let path = format!("{prefix}{name}");
        let kind = |e: &git2::TreeEntry| match (e.kind(), e.filemode()) {
            (Some(ObjectType::Tree), _) => 't',
            (Some(ObjectType::Blob), 0o100644) => 'b',
            _ => 'x',
        };
        match (o, n) {
            (_, Some(n)) if kind(n) == 'x' => out.push(Delta::Irregular(path)),
            (Some(o), _) if kind(o) == 'x' => out.push(Delta::Irregular(path)),
            (Some(o), Some(n)) if kind(o) != kind(n) => out.push(Delta::Irregular(path)),
            (Some(o), Some(n)) if kind(o) == 't' => {
                let ot = repo.find_tree(o.id())?;
                let Some(nt) = new_tree(repo, n.id(), &path, out) else { continue };
                walk(repo, Some(&ot), Some(&nt), &format!("{path}/"), out)?;
            }
            (Some(_), Some(_)) => out.push(Delta::Modified(path)),
            (None, Some(n)) if kind(n) == 't' => {
                let Some(nt) = new_tree(repo, n.id(), &path, out) else { continue };
                walk(repo, None, Some(&nt), &format!("{path}/"), out)?
            }
            (None, Some(n)) => out.push(Delta::Added { path, blob: n.id() }),
            (Some(o), None) if kind(o) == 't' => {
                walk(repo, Some(&repo.find_tree(o.id())?), None, &format!("{path}/"), out)?
            }
            (Some(_), None) => out.push(Delta::Removed(path)),
            (None, None) => {}
        }
    }
    Ok(())
}

/// Loads a tree new in this commit, bounded and checked; a bad one is
/// reported as [`Delta::Malformed`] and not walked.
fn new_tree<'r>(repo: &'r Repository, oid: Oid, path: &str, out: &mut Vec<Delta>) -> Option<Tree<'r>> {
    match bounded_tree(repo, oid).map_err(|(_, m)| m) {
        Ok(t) => Some(t),
        Err(reason) => {
            out.push(Delta::Malformed { path: path.to_string(), reason });
            None
        }
    }
}
