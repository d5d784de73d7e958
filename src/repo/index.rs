//! Adding a few files to git's index without libgit2 reading and writing
//! all of it.
//!
//! A record's index lists every entry and every later-access wrap (20,000
//! paths, 2.8 MB at 10,000 entries), and libgit2 parses, validates and
//! re-hashes it whole, with collision-detecting SHA-1, for every write: at
//! that size the index was a third of an `hrx add`. Adding files to an
//! index is a splice: the entries are sorted by path and fixed in layout
//! (gitformat-index(5)), so this reads the entry table once, inserts the new
//! entries in place and writes the file back under git's own lock protocol
//! (`index.lock`, created exclusively, renamed over `index`).
//!
//! Only what this module fully understands is touched: versions 2 and 3,
//! with a good checksum, and optional extensions only (those it drops, as git
//! allows: the cache tree and the untracked cache are rebuilt by git when it
//! needs them). Anything else (version 4, a split or sparse index, a damaged
//! file) is left to libgit2: [`add`] returns `Ok(false)`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use sha1::{Digest, Sha1};

/// One file to add: its path in the tree, its stat data and its blob id.
pub struct NewEntry<'a> {
    /// Path relative to the work tree, `/`-separated.
    pub path: &'a str,
    /// The file as written.
    pub meta: &'a fs::Metadata,
    /// The blob's id.
    pub id: git2::Oid,
}

/// Where an existing entry sits in the file.
struct Slot<'a> {
    path: &'a [u8],
    stage: u16,
    bytes: &'a [u8],
}

/// Adds `new` (stage 0, regular files) to the index in `git_dir`, replacing
/// entries of the same path. `Ok(false)`: the index is not one this module
/// edits, nothing was written (use libgit2). An existing `index.lock` is an
/// `AlreadyExists` error, as for git.
pub fn add(git_dir: &Path, new: &[NewEntry]) -> std::io::Result<bool> {
    let path = git_dir.join("index");
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    let Some((version, slots)) = parse(&bytes) else { return Ok(false) };
    // A SHA-1 index only (a SHA-256 repository is libgit2's).
    let Some(mut added) =
        new.iter().map(|n| Some((n.path.as_bytes().to_vec(), encode(n)?))).collect::<Option<Vec<_>>>()
    else {
        return Ok(false);
    };
    added.sort_by(|a, b| a.0.cmp(&b.0));
    added.dedup_by(|a, b| a.0 == b.0);

    let mut out = Vec::with_capacity(bytes.len() + added.iter().map(|a| a.1.len()).sum::<usize>());
    out.extend_from_slice(b"DIRC");
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&[0; 4]); // the count, once known
    let mut count: u32 = 0;
    // A merge of two sorted lists: by path, then stage (a new entry is
    // stage 0 and replaces every stage of its path).
    let mut next = added.iter().peekable();
    for s in &slots {
        while let Some(a) = next.next_if(|a| a.0.as_slice() <= s.path) {
            out.extend_from_slice(&a.1);
            count += 1;
        }
        if added.binary_search_by(|a| a.0.as_slice().cmp(s.path)).is_err() {
            out.extend_from_slice(s.bytes);
            count += 1;
        }
    }
    for a in next {
        out.extend_from_slice(&a.1);
        count += 1;
    }
    out[8..12].copy_from_slice(&count.to_be_bytes());
    let sum = Sha1::digest(&out);
    out.extend_from_slice(&sum);

    let lock = git_dir.join("index.lock");
    let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&lock)?;
    let written = f.write_all(&out).and_then(|()| fs::rename(&lock, &path));
    if written.is_err() {
        let _ = fs::remove_file(&lock);
    }
    written.map(|()| true)
}

/// The version and entries of an index this module edits, or `None`.
fn parse(bytes: &[u8]) -> Option<(u32, Vec<Slot<'_>>)> {
    let body = bytes.len().checked_sub(20)?;
    if bytes.len() < 12 + 20 || &bytes[..4] != b"DIRC" || Sha1::digest(&bytes[..body]).as_slice() != &bytes[body..] {
        return None;
    }
    let be32 = |at: usize| -> Option<u32> { Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?)) };
    let version = be32(4)?;
    if version != 2 && version != 3 {
        return None;
    }
    let count = be32(8)? as usize;
    let mut slots = Vec::with_capacity(count.min(body / 62));
    let mut at = 12;
    for _ in 0..count {
        let flags = u16::from_be_bytes(bytes.get(at + 60..at + 62)?.try_into().ok()?);
        let extended = flags & 0x4000 != 0;
        if extended && version < 3 {
            return None;
        }
        let name_at = at + if extended { 64 } else { 62 };
        let name_len = bytes.get(name_at..body)?.iter().position(|b| *b == 0)?;
        // Padded with 1 to 8 NULs to a multiple of 8 bytes.
        let len = (name_at - at + name_len + 8) & !7;
        let end = at + len;
        if end > body || bytes[name_at + name_len..end].iter().any(|b| *b != 0) {
            return None;
        }
        slots.push(Slot {
            path: &bytes[name_at..name_at + name_len],
            stage: (flags >> 12) & 3,
            bytes: &bytes[at..end],
        });
        at = end;
    }
    // Sorted, as git writes it; anything else is not edited here.
    if slots.windows(2).any(|w| (w[0].path, w[0].stage) >= (w[1].path, w[1].stage)) {
        return None;
    }
    // Extensions: optional ones (upper-case signature) are dropped; a
    // required one (a split or sparse index) means hands off.
    while at < body {
        let sig = bytes.get(at..at + 4)?;
        if !sig[0].is_ascii_uppercase() {
            return None;
        }
        let size = be32(at + 4)? as usize;
        at = at.checked_add(8 + size)?;
    }
    (at == body).then_some((version, slots))
}

/// The on-disk form of a new stage-0 entry (version 2 layout); `None` for
/// an id that is not SHA-1.
fn encode(n: &NewEntry) -> Option<Vec<u8>> {
    let m = n.meta;
    let mut e = Vec::with_capacity(72 + n.path.len());
    // Stat data is 32-bit in the index; git truncates the same way.
    for v in [
        m.ctime() as u32,
        m.ctime_nsec() as u32,
        m.mtime() as u32,
        m.mtime_nsec() as u32,
        m.dev() as u32,
        m.ino() as u32,
        0o100644,
        m.uid(),
        m.gid(),
        m.len() as u32,
    ] {
        e.extend_from_slice(&v.to_be_bytes());
    }
    e.extend_from_slice(<&[u8; 20]>::try_from(n.id.as_bytes()).ok()?);
    e.extend_from_slice(&(n.path.len().min(0xfff) as u16).to_be_bytes());
    e.extend_from_slice(n.path.as_bytes());
    let padded = (62 + n.path.len() + 8) & !7;
    e.resize(padded, 0);
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with(files: &[&str]) -> (tempfile::TempDir, git2::Repository) {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let mut index = repo.index().unwrap();
        for f in files {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, f.as_bytes()).unwrap();
            index.add_path(Path::new(f)).unwrap();
        }
        index.write().unwrap();
        (dir, repo)
    }

    fn paths(repo: &git2::Repository) -> Vec<String> {
        let mut index = repo.index().unwrap();
        index.read(true).unwrap();
        index.iter().map(|e| String::from_utf8(e.path).unwrap()).collect()
    }

    #[test]
    fn new_files_are_spliced_in_order_and_libgit2_reads_the_result() {
        let (dir, repo) = repo_with(&["a/1", "a/3", "b/x", "hrx.yaml"]);
        let mut new = vec![];
        for f in ["a/2", "c/long/path/that/is/longer.pgp", "a/0"] {
            let p = dir.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, b"new").unwrap();
            new.push((f, fs::metadata(&p).unwrap()));
        }
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, b"new").unwrap();
        let entries: Vec<NewEntry> = new.iter().map(|(p, m)| NewEntry { path: p, meta: m, id }).collect();
        assert!(add(repo.path(), &entries).unwrap());
        assert_eq!(paths(&repo), ["a/0", "a/1", "a/2", "a/3", "b/x", "c/long/path/that/is/longer.pgp", "hrx.yaml"]);
        // git itself finds every file clean (stat data and ids right).
        let st = repo.statuses(None).unwrap();
        assert!(st.iter().all(|s| s.status() == git2::Status::INDEX_NEW), "only staged additions");
        let index = repo.index().unwrap();
        let e = index.get_path(Path::new("a/2"), 0).unwrap();
        assert_eq!(e.id, id);
        assert_eq!(e.file_size, 3);
    }

    #[test]
    fn a_path_already_there_is_replaced_not_doubled() {
        let (dir, repo) = repo_with(&["a/1", "a/2"]);
        fs::write(dir.path().join("a/2"), b"changed").unwrap();
        let m = fs::metadata(dir.path().join("a/2")).unwrap();
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, b"changed").unwrap();
        assert!(add(repo.path(), &[NewEntry { path: "a/2", meta: &m, id }]).unwrap());
        assert_eq!(paths(&repo), ["a/1", "a/2"]);
        assert_eq!(repo.index().unwrap().get_path(Path::new("a/2"), 0).unwrap().id, id);
    }

    #[test]
    fn what_it_does_not_understand_it_leaves_alone() {
        let (dir, repo) = repo_with(&["a/1"]);
        let m = fs::metadata(dir.path().join("a/1")).unwrap();
        let entry = [NewEntry { path: "a/9", meta: &m, id: git2::Oid::ZERO_SHA1 }];
        let index = repo.path().join("index");
        let good = fs::read(&index).unwrap();
        // A damaged checksum.
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        fs::write(&index, &bad).unwrap();
        assert!(!add(repo.path(), &entry).unwrap());
        assert_eq!(fs::read(&index).unwrap(), bad, "nothing written");
        // Version 4.
        let mut v4 = good.clone();
        v4[7] = 4;
        let body = v4.len() - 20;
        let sum = Sha1::digest(&v4[..body]);
        v4[body..].copy_from_slice(&sum);
        fs::write(&index, &v4).unwrap();
        assert!(!add(repo.path(), &entry).unwrap());
        // A lock held by someone else.
        fs::write(&index, &good).unwrap();
        fs::write(repo.path().join("index.lock"), b"").unwrap();
        assert_eq!(add(repo.path(), &entry).unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&index).unwrap(), good);
    }
}
