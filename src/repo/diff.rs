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
}

/// The differences from `old` (or nothing) to `new`.
pub fn diff(repo: &Repository, old: Option<&Tree>, new: &Tree) -> Result<Vec<Delta>> {
    let mut out = Vec::new();
    walk(repo, old, Some(new), "", &mut out)?;
    Ok(out)
}

fn walk(repo: &Repository, old: Option<&Tree>, new: Option<&Tree>, prefix: &str, out: &mut Vec<Delta>) -> Result<()> {
    let mut names: Vec<String> = Vec::new();
    for t in [old, new].into_iter().flatten() {
        for e in t.iter() {
            let n = String::from_utf8_lossy(e.name_bytes()).to_string();
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    // Old trees of big shards are iterated once per name lookup otherwise.
    names.sort();
    for name in names {
        let path = format!("{prefix}{name}");
        let o = old.and_then(|t| t.get_name(&name));
        let n = new.and_then(|t| t.get_name(&name));
        if let (Some(o), Some(n)) = (&o, &n)
            && o.id() == n.id()
            && o.filemode() == n.filemode()
        {
            continue;
        }
        let kind = |e: &git2::TreeEntry| match (e.kind(), e.filemode()) {
            (Some(ObjectType::Tree), _) => 't',
            (Some(ObjectType::Blob), 0o100644) => 'b',
            _ => 'x',
        };
        match (&o, &n) {
            (_, Some(n)) if kind(n) == 'x' => out.push(Delta::Irregular(path)),
            (Some(o), _) if kind(o) == 'x' => out.push(Delta::Irregular(path)),
            (Some(o), Some(n)) if kind(o) != kind(n) => out.push(Delta::Irregular(path)),
            (Some(o), Some(n)) if kind(o) == 't' => {
                let (ot, nt) = (repo.find_tree(o.id())?, repo.find_tree(n.id())?);
                walk(repo, Some(&ot), Some(&nt), &format!("{path}/"), out)?;
            }
            (Some(_), Some(_)) => out.push(Delta::Modified(path)),
            (None, Some(n)) if kind(n) == 't' => {
                walk(repo, None, Some(&repo.find_tree(n.id())?), &format!("{path}/"), out)?
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
