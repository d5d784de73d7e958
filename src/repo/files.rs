//! What a record's git directory may hold before libgit2 reads it.
//!
//! libgit2 opens the files of a repository with a blocking `open(2)` and
//! reads some of them whole: a FIFO planted as `.git/HEAD` hangs every
//! command for good, a device or a symlink to one is read until memory runs
//! out. A copy that arrives on a USB stick, or a remote that is a directory,
//! is somebody else's files. So before libgit2 sees a directory, hrx checks
//! with `stat(2)` alone (which never blocks) that what libgit2 will read is
//! a regular file of a sane size, or a directory, or absent.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Files read when a repository is opened and `main` resolved, with the
/// most each may hold.
const READ_AT_OPEN: &[(&str, u64)] =
    &[("HEAD", 4 << 10), ("config", 1 << 20), ("packed-refs", 64 << 20), ("refs/heads/main", 4 << 10)];

/// Files git reads when hrx writes (the index, attributes), with the most
/// each may hold. One that cannot be read at all (a directory in its
/// place) only fails the write's last step, which hrx repairs later; a FIFO
/// or a device would hang it.
const READ_WHEN_WRITING: &[(&str, u64)] =
    &[("index", 256 << 20), ("info/attributes", 1 << 20), ("info/exclude", 1 << 20), ("info/sparse-checkout", 1 << 20)];

/// Files hrx never writes and git reads to take objects, history or its
/// own files from elsewhere (another repository, a rewritten parent list, a
/// linked work tree's common directory). A record's copy is whole: one
/// that has any of them is refused, whatever they hold.
const NEVER_IN_A_RECORD: &[&str] =
    &["commondir", "gitdir", "shallow", "objects/info/alternates", "objects/info/http-alternates", "info/grafts"];

/// Directories whose every entry is opened soon after: the packs.
/// (hrx's own state in `hrx/` is opened by hrx alone, never following a
/// link and never blocking: see `fsutil::open_own`.)
const LISTED_AT_OPEN: &[&str] = &["objects/pack"];

/// The most a `.git` file (a pointer to the git directory) may hold.
const GITFILE_MAX: u64 = 4 << 10;

/// How deep [`check_all`] descends (a normal record is 4 levels deep; a
/// loop of symlinks ends here).
const MAX_DEPTH: usize = 16;

/// Finds the git directory at or above `dir` the way git does (a `.git`
/// directory, a `.git` file naming one, or a bare repository), and checks
/// what opening it reads. `Ok(None)` when there is none.
pub fn check_discovery(dir: &Path) -> Result<Option<PathBuf>> {
    let start = std::path::absolute(dir).map_err(|e| Error::io(dir, e))?;
    for at in start.ancestors() {
        if let Some(g) = check_at(at)? {
            return Ok(Some(g));
        }
    }
    Ok(None)
}

/// As [`check_discovery`], for the repository at `at` itself only (a
/// remote given as a path, which git opens without looking above it).
pub fn check_at(at: &Path) -> Result<Option<PathBuf>> {
    let dot_git = at.join(".git");
    match fs::metadata(&dot_git) {
        Ok(m) if m.is_dir() => {
            check_opening(&dot_git)?;
            return Ok(Some(dot_git));
        }
        Ok(m) if m.is_file() => {
            if m.len() > GITFILE_MAX {
                return Err(refuse(&dot_git, "is larger than a .git file naming a git directory can be"));
            }
            let text = fs::read_to_string(&dot_git).map_err(|e| Error::io(&dot_git, e))?;
            let Some(target) = text.strip_prefix("gitdir:").map(str::trim) else {
                return Err(refuse(&dot_git, "is a file that does not name a git directory (no \"gitdir:\")"));
            };
            let target = at.join(target);
            check_opening(&target)?;
            return Ok(Some(target));
        }
        Ok(_) => return Err(refuse(&dot_git, kind_of(&dot_git))),
        Err(_) => {}
    }
    if is_bare(at) {
        check_opening(at)?;
        return Ok(Some(at.to_path_buf()));
    }
    Ok(None)
}

/// Commit-graph files: git (`git gc`, `git commit-graph write`) makes them,
/// hrx never does, and libgit2 takes commits' parents from them without
/// reading the commits. A forged one hides a rollback and changes what
/// "built on" means to every walk. They are derived data, so hrx removes
/// them from its own copy before libgit2 opens it.
const DERIVED_GRAPHS: &[&str] = &["objects/info/commit-graph", "objects/info/commit-graphs"];

/// Removes the commit-graph files of the record's own git directory
/// (see [`DERIVED_GRAPHS`]), without following links or opening them;
/// refuses the copy if they cannot be removed (a read-only medium).
pub fn drop_derived_graphs(git_dir: &Path) -> Result<()> {
    for name in DERIVED_GRAPHS {
        let p = git_dir.join(name);
        let Ok(m) = fs::symlink_metadata(&p) else { continue };
        let gone = if m.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
        if let Err(e) = gone {
            return Err(Error::State(format!(
                "{} is there and could not be removed ({e}): libgit2 would take commits' parents from it unchecked, so a forged one could hide a rollback; remove it, or open a writable copy of the record",
                p.display()
            )));
        }
    }
    Ok(())
}

/// Checks what opening the git directory `git_dir` reads: the files of
/// [`READ_AT_OPEN`] and the entries of [`LISTED_AT_OPEN`].
pub fn check_opening(git_dir: &Path) -> Result<()> {
    for (name, max) in READ_AT_OPEN {
        check_file(&git_dir.join(name), *max)?;
    }
    for (name, max) in READ_WHEN_WRITING {
        let p = git_dir.join(name);
        if !fs::metadata(&p).is_ok_and(|m| m.is_dir()) {
            check_file(&p, *max)?;
        }
    }
    for name in NEVER_IN_A_RECORD {
        let p = git_dir.join(name);
        if fs::symlink_metadata(&p).is_ok() {
            if !fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                return Err(refuse(&p, kind_of(&p)));
            }
            return Err(Error::State(format!(
                "{} is there, and no record's git directory has one: git would take objects or history from elsewhere through it; remove it, or use a fresh copy of the record",
                p.display()
            )));
        }
    }
    // HEAD names the branch git reads (and checks out) when it is not main.
    if let Ok(head) = fs::read_to_string(git_dir.join("HEAD"))
        && let Some(target) = head.strip_prefix("ref:").map(str::trim)
        && target != "refs/heads/main"
    {
        if !target.starts_with("refs/") || target.split('/').any(|c| c.is_empty() || c == "..") {
            return Err(Error::State(format!(
                "{}: HEAD points at {target:?}, outside refs/; use a fresh copy of the record",
                git_dir.display()
            )));
        }
        check_file(&git_dir.join(target), 4 << 10)?;
    }
    check_config(&git_dir.join("config"))?;
    check_logs(&git_dir.join("logs"), 0)?;
    check_refs(&git_dir.join("refs"), 0, &mut Visited::default())?;
    check_loose(&git_dir.join("objects"))?;
    for d in LISTED_AT_OPEN {
        let d = git_dir.join(d);
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd {
            let e = e.map_err(|e| Error::io(&d, e))?;
            let p = e.path();
            if !fs::metadata(&p).is_ok_and(|m| m.is_file() || m.is_dir()) {
                return Err(refuse(&p, kind_of(&p)));
            }
        }
    }
    Ok(())
}

/// The most a loose object's file may hold. libgit2 reads the file whole
/// when it reads the object, whatever its header says: this bounds what a
/// planted one costs. It is well above a record's largest object (64 MiB),
/// so an oversized entry still reaches the verifier, which names the
/// commit that brought it (`too-large`).
const LOOSE_MAX: u64 = 256 << 20;

/// Checks the loose objects (`objects/XX/...`): libgit2 opens the one it
/// wants with a blocking `open(2)` and reads its file whole, so each must
/// be a regular file of at most [`LOOSE_MAX`] bytes. hrx packs them every
/// thousand or so ([`super::Record::pack_loose`]), so this is at most 256
/// directory reads and a stat per loose object.
fn check_loose(objects: &Path) -> Result<()> {
    let Ok(rd) = fs::read_dir(objects) else { return Ok(()) };
    for d in rd {
        let d = d.map_err(|e| Error::io(objects, e))?;
        let name = d.file_name();
        let n = name.as_encoded_bytes();
        if n.len() != 2 || !n.iter().all(u8::is_ascii_hexdigit) {
            continue;
        }
        let p = d.path();
        if !fs::metadata(&p).is_ok_and(|m| m.is_dir()) {
            return Err(refuse(&p, kind_of(&p)));
        }
        for e in fs::read_dir(&p).map_err(|e| Error::io(&p, e))? {
            let e = e.map_err(|e| Error::io(&p, e))?;
            let m = e.metadata().map_err(|x| Error::io(e.path(), x))?;
            let m = if m.file_type().is_symlink() { fs::metadata(e.path()).ok() } else { Some(m) };
            match m {
                Some(m) if m.is_file() && m.len() <= LOOSE_MAX => {}
                Some(m) if m.is_file() => {
                    return Err(refuse(
                        &e.path(),
                        &format!("holds {} bytes, more than any object of a record ({LOOSE_MAX})", m.len()),
                    ));
                }
                _ => return Err(refuse(&e.path(), kind_of(&e.path()))),
            }
        }
    }
    Ok(())
}

/// Checks every entry under `git_dir` is a regular file or a directory
/// (through symlinks): for a whole verification, and for a remote that is a
/// directory, whose every object a fetch may open. Reads directories only.
pub fn check_all(git_dir: &Path) -> Result<()> {
    check_opening(git_dir)?;
    walk(git_dir, 0, &mut Visited::default())
}

/// The directories a walk has looked into, by device and inode. Symlinked
/// directories are followed (git does), and a few links to the next level
/// on each of a dozen levels would make a walk by path exponential: each
/// directory is looked into once, however many ways lead to it. A
/// directory reached again from inside itself is a loop, refused (libgit2
/// would go round it).
#[derive(Default)]
struct Visited {
    seen: std::collections::HashSet<(u64, u64)>,
    path: Vec<(u64, u64)>,
}

impl Visited {
    /// Enters `dir` (of metadata `m`) unless it was looked into before, and
    /// runs `look` there.
    fn enter(&mut self, dir: &Path, m: &fs::Metadata, look: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let id = (m.dev(), m.ino());
        if self.path.contains(&id) {
            return Err(refuse(dir, "leads back into a directory it is in (a loop of symlinks)"));
        }
        if !self.seen.insert(id) {
            return Ok(());
        }
        self.path.push(id);
        let r = look(self);
        self.path.pop();
        r
    }
}

fn walk(dir: &Path, depth: usize, visited: &mut Visited) -> Result<()> {
    // hrx's own state: see LISTED_AT_OPEN.
    if depth == 1 && dir.file_name().is_some_and(|n| n == "hrx") {
        return Ok(());
    }
    if depth > MAX_DEPTH {
        return Err(refuse(dir, "is nested deeper than any git directory (a loop of symlinks?)"));
    }
    let m = fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    visited.enter(dir, &m, |visited| walk_in(dir, depth, visited))
}

fn walk_in(dir: &Path, depth: usize, visited: &mut Visited) -> Result<()> {
    let rd = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for e in rd {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let p = e.path();
        let ty = e.file_type().map_err(|e| Error::io(&p, e))?;
        if ty.is_file() {
            continue;
        }
        if ty.is_dir() {
            walk(&p, depth + 1, visited)?;
            continue;
        }
        // A symlink (or an odd type): judged by what it points to.
        match fs::metadata(&p) {
            Ok(m) if m.is_file() => {}
            Ok(m) if m.is_dir() => walk(&p, depth + 1, visited)?,
            _ => return Err(refuse(&p, kind_of(&p))),
        }
    }
    Ok(())
}

/// Refuses a config that makes git read or write beyond the git directory:
/// includes (of any file: a FIFO, a device, another user's), a work tree
/// set elsewhere (checkouts and deletions there), or extensions (a per-work
/// tree config, another object format), none of which hrx writes. Read as
/// git reads it (sections and keys case-insensitive, a key on a section's
/// line, continued lines), only as far as these names. The file has been
/// checked to be a bounded regular file.
fn check_config(p: &Path) -> Result<()> {
    let Ok(text) = fs::read(p) else { return Ok(()) };
    let text = String::from_utf8_lossy(&text).replace("\\\r\n", "").replace("\\\n", "");
    let mut section = String::new();
    for line in text.lines() {
        let mut rest = line.trim_start();
        if let Some(head) = rest.strip_prefix('[') {
            // The section's name ends at a space, a quote, a dot or `]`.
            let end = head.find(['"', ' ', '\t', '.', ']']).unwrap_or(head.len());
            section = head[..end].to_ascii_lowercase();
            // A `]` inside a quoted subsection does not end the header.
            let mut quoted = false;
            let mut close = None;
            for (i, c) in head.char_indices() {
                match c {
                    '"' => quoted = !quoted,
                    ']' if !quoted => {
                        close = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            rest = close.map_or("", |i| head[i + 1..].trim_start());
        }
        if rest.is_empty() || rest.starts_with(['#', ';']) {
            if matches!(section.as_str(), "include" | "includeif") && line.trim_start().starts_with('[') {
                return Err(refuse_config(p, &format!("has an [{section}] section")));
            }
            continue;
        }
        let key = rest[..rest.find(['=', ' ', '\t']).unwrap_or(rest.len())].to_ascii_lowercase();
        match (section.as_str(), key.as_str()) {
            ("include" | "includeif", _) => return Err(refuse_config(p, &format!("has an [{section}] section"))),
            ("core", "worktree") => return Err(refuse_config(p, "sets core.worktree")),
            ("extensions", k) => return Err(refuse_config(p, &format!("sets extensions.{k}"))),
            _ => {}
        }
    }
    Ok(())
}

fn refuse_config(p: &Path, what: &str) -> Error {
    Error::State(format!(
        "{} {what}, which no record's config has: git would read or write files outside the record through it; remove it, or use a fresh copy of the record",
        p.display()
    ))
}

/// Reflogs are appended to where they are: one that is a symlink would
/// have git append to any file it points at. Every entry under `logs/`
/// must be a plain file or directory, not a link.
fn check_logs(dir: &Path, depth: usize) -> Result<()> {
    let Ok(m) = fs::symlink_metadata(dir) else { return Ok(()) };
    if m.file_type().is_symlink() {
        return Err(refuse_link(dir));
    }
    if !m.is_dir() {
        return if depth == 0 { Err(refuse(dir, kind_of(dir))) } else { Ok(()) };
    }
    if depth > MAX_DEPTH {
        return Err(refuse(dir, "is nested deeper than any git directory"));
    }
    for e in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        let m = fs::symlink_metadata(&p).map_err(|e| Error::io(&p, e))?;
        if m.file_type().is_symlink() {
            return Err(refuse_link(&p));
        } else if m.is_dir() {
            check_logs(&p, depth + 1)?;
        } else if !m.is_file() {
            return Err(refuse(&p, kind_of(&p)));
        }
    }
    Ok(())
}

/// Loose refs: libgit2 opens the one it looks up (`main`, a remote's
/// high-water mark in `refs/hrx/verified/`) with a blocking `open(2)` and
/// reads it whole, so each must be a small regular file (through a
/// symlink, as git allows), under directories. A record has a handful.
/// Each directory is looked into once ([`Visited`]).
fn check_refs(dir: &Path, depth: usize, visited: &mut Visited) -> Result<()> {
    let Ok(m) = fs::metadata(dir) else { return Ok(()) };
    if !m.is_dir() {
        return Err(refuse(dir, kind_of(dir)));
    }
    if depth > MAX_DEPTH {
        return Err(refuse(dir, "is nested deeper than any git directory (a loop of symlinks?)"));
    }
    visited.enter(dir, &m, |visited| check_refs_in(dir, depth, visited))
}

fn check_refs_in(dir: &Path, depth: usize, visited: &mut Visited) -> Result<()> {
    for e in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        if fs::metadata(&p).is_ok_and(|m| m.is_dir()) {
            check_refs(&p, depth + 1, visited)?;
        } else {
            check_file(&p, 4 << 10)?;
        }
    }
    Ok(())
}

fn refuse_link(p: &Path) -> Error {
    Error::State(format!(
        "{} is a symlink, and git appends to a reflog where it points: a record's logs are plain files; remove it, or use a fresh copy of the record",
        p.display()
    ))
}

fn check_file(p: &Path, max: u64) -> Result<()> {
    match fs::metadata(p) {
        Err(_) if fs::symlink_metadata(p).is_err() => Ok(()),
        Ok(m) if m.is_file() && m.len() <= max => Ok(()),
        Ok(m) if m.is_file() => Err(refuse(
            p,
            &format!("holds {} bytes, more than a git directory's file of its name can ({max})", m.len()),
        )),
        _ => Err(refuse(p, kind_of(p))),
    }
}

/// Whether `dir` looks like a bare repository to git (stat alone).
pub fn is_bare(dir: &Path) -> bool {
    // As git's test: HEAD, objects/ and refs/ all there. `HEAD` of any type
    // counts, so that a FIFO HEAD is refused rather than skipped past.
    fs::symlink_metadata(dir.join("HEAD")).is_ok()
        && fs::metadata(dir.join("objects")).is_ok_and(|m| m.is_dir())
        && fs::metadata(dir.join("refs")).is_ok_and(|m| m.is_dir())
}

/// What `p` is, said for a person.
fn kind_of(p: &Path) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let Ok(m) = fs::metadata(p) else {
        return "is a symlink to nothing";
    };
    let t = m.file_type();
    if t.is_fifo() {
        "is a FIFO (a named pipe), not a file"
    } else if t.is_socket() {
        "is a socket, not a file"
    } else if t.is_block_device() || t.is_char_device() {
        "is a device, not a file"
    } else if t.is_dir() {
        "is a directory where a file belongs"
    } else {
        "is not a regular file"
    }
}

fn refuse(p: &Path, what: &str) -> Error {
    Error::State(format!(
        "{} {what}: a record's git directory holds only files and directories, so this copy is unsafe to open (git would hang or read without end); remove it, or use a fresh copy of the record",
        p.display()
    ))
}
