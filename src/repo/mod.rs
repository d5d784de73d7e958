//! Storage: a record is a git repository (git2). hrx writes objects straight
//! into the object database and moves `refs/heads/main` with a
//! compare-and-swap, so a killed process leaves at worst unreferenced objects.

pub mod diff;
pub mod files;
mod graph;
mod index;
pub mod object;
pub mod pack;
mod remotes;
pub mod transport;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::crypto::SecretKey;
use chrono::{DateTime, Utc};
use git2::{FileMode, Oid, Repository, Signature, Tree};

use crate::crypto::{Identity, commit::sign};
use crate::error::{Error, Result};
use crate::model::Fpr;

/// The branch a record lives on.
pub const BRANCH: &str = "refs/heads/main";

/// An open record repository.
pub struct Record {
    /// The git repository.
    pub repo: Repository,
}

/// Held while a writer appends; released on drop (or when the process dies).
pub struct WriteLock {
    _file: File,
}

/// The trust root this device pinned when it created or cloned the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    /// The root commit.
    pub root: Oid,
    /// The patient's certificate.
    pub patient: Fpr,
}

/// Files from which one write goes straight into a pack of its own.
const BULK_WRITE: usize = 128;

/// Loose objects after which a write packs them (see [`Record::pack_loose`]).
pub const PACK_AFTER_LOOSE: usize = 1024;

/// Lets libgit2 keep commits in its object cache, and no trees: verify
/// keeps the trees it needs itself (see `diff::Trees`), and caching every
/// tree read costs a lock and a copy each.
fn tune_cache() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: libgit2 global options, set once before any repository is used.
        unsafe {
            let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Commit, 64 << 10);
            let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 0);
            let _ = git2::opts::set_cache_max_size(4 << 20);
            let _ = git2::opts::set_mwindow_size(2 << 20);
            let _ = git2::opts::set_mwindow_mapped_limit(8 << 20);
        }
    });
}

impl Record {
    /// Opens the record at or above `dir`.
    pub fn open(dir: &Path) -> Result<Record> {
        tune_cache();
        // Checked with stat alone before libgit2 opens anything there.
        if let Some(git_dir) = files::check_discovery(dir)? {
            files::drop_derived_graphs(&git_dir)?;
        }
        let repo = Repository::discover(dir).map_err(|_| {
            Error::NotFound(format!(
                "{} is not in an hrx record (no git repository); create one with `hrx init` or point at one with -C DIR",
                dir.display()
            ))
        })?;
        Ok(Record { repo })
    }

    /// Creates a new, empty repository in `dir` for a record. Refuses a
    /// directory that already holds a git repository or other files.
    pub fn create(dir: &Path) -> Result<Record> {
        if dir.exists() {
            let mut rd = fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
            if rd.next().is_some() {
                return Err(Error::State(format!(
                    "{} already exists and is not empty; choose a new directory",
                    dir.display()
                )));
            }
        }
        tune_cache();
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main").mkdir(true).mkpath(true);
        let repo = Repository::init_opts(dir, &opts)?;
        Ok(Record { repo })
    }

    /// The directory hrx keeps its per-device state in (`.git/hrx`).
    pub fn state_dir(&self) -> PathBuf {
        self.repo.path().join("hrx")
    }

    /// The git directory (`.git`, or the repository itself when bare).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The work tree, if any.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// Whether commit `descendant` is `ancestor` or built on it, for
    /// commits that may not have been verified yet: read with bounded reads
    /// (see [`object::descends_from`]). Unreadable within bounds: no.
    pub fn descends_from(&self, descendant: Oid, ancestor: Oid) -> bool {
        self.repo.odb().is_ok_and(|odb| object::descends_from(&odb, descendant, ancestor).unwrap_or(false))
    }

    /// The current head of the record, if it has any commit.
    pub fn head(&self) -> Result<Option<Oid>> {
        match self.repo.refname_to_id(BRANCH) {
            Ok(o) => Ok(Some(o)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes the write lock, waiting for another writer to finish. Also
    /// clears a ref lock a killed writer may have left (we hold the lock,
    /// so nobody else is writing it).
    pub fn lock(&self) -> Result<WriteLock> {
        let dir = self.state_dir();
        crate::fsutil::own_private_dir(&dir)?;
        let p = dir.join("lock");
        let f = crate::fsutil::open_own(&p, fs::OpenOptions::new().create(true).truncate(false).write(true))
            .map_err(|e| Error::io(&p, e))?;
        f.lock().map_err(|e| Error::io(&p, e))?;
        self.clear_stale_locks()?;
        Ok(WriteLock { _file: f })
    }

    /// Git's lock files a writer killed mid-way leaves behind, cleared
    /// under the record's write lock (so no hrx process is writing now):
    /// those of the branch and of hrx's own refs (`refs/hrx/`, which
    /// nothing else writes) at once; the index's, which a plain git
    /// command may hold for a moment, once it is a few seconds old. A fresh
    /// one is waited for, then refused before anything is written.
    fn clear_stale_locks(&self) -> Result<()> {
        let git = self.repo.path();
        let mut locks = vec![git.join(format!("{BRANCH}.lock"))];
        let mut dirs = vec![git.join("refs/hrx")];
        while let Some(d) = dirs.pop() {
            for e in fs::read_dir(&d).into_iter().flatten().flatten() {
                let (p, t) = (e.path(), e.file_type());
                if t.as_ref().is_ok_and(|t| t.is_dir()) {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "lock") {
                    locks.push(p);
                }
            }
        }
        for l in locks {
            if fs::symlink_metadata(&l).is_ok() {
                fs::remove_file(&l).map_err(|e| Error::io(&l, e))?;
            }
        }
        let index = git.join("index.lock");
        const STALE: std::time::Duration = std::time::Duration::from_secs(5);
        let started = std::time::Instant::now();
        while let Ok(m) = fs::symlink_metadata(&index) {
            let age = m.modified().ok().and_then(|t| t.elapsed().ok()).unwrap_or_default();
            if age >= STALE {
                fs::remove_file(&index).map_err(|e| Error::io(&index, e))?;
                break;
            }
            if started.elapsed() >= STALE {
                return Err(Error::State(format!(
                    "the index is locked ({} exists): another git command is running; try again when it is done (if none is running, remove that file)",
                    index.display()
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Ok(())
    }

    /// Reads the file at `path` in `tree`, if it is there.
    pub fn read(&self, tree: &Tree, path: &str) -> Result<Option<Vec<u8>>> {
        match tree.get_path(Path::new(path)) {
            Ok(e) => Ok(Some(self.repo.find_blob(e.id())?.content().to_vec())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads a blob.
    pub fn blob(&self, oid: Oid) -> Result<Vec<u8>> {
        Ok(self.repo.find_blob(oid)?.content().to_vec())
    }

    /// Appends one signed commit that adds `files` to the tree of `parent`,
    /// and moves the branch from `parent` to it (failing if someone else
    /// moved it meanwhile). Returns the new commit.
    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &self,
        parent: Option<Oid>,
        files: &[(String, Vec<u8>)],
        message: &str,
        signer: &mut SecretKey,
        who: &Identity,
        t: DateTime<Utc>,
    ) -> Result<Oid> {
        // A big write (a rotation's or a grant's thousands of wraps) goes
        // into one pack, written once, instead of as thousands of loose
        // files created and then packed.
        let oid = if files.len() >= BULK_WRITE {
            // Its objects are held in memory (a second handle, so that
            // nothing else written through this one lands there), then
            // packed without a delta search: libgit2's own dump searches
            // for deltas among thousands of small objects, for nothing.
            let repo = Repository::open(self.repo.path())?;
            let odb = repo.odb()?;
            let _mempack = odb.add_new_mempack_backend(1000)?;
            let oid = Self::write_commit(&repo, parent, files, message, signer, who, t)?;
            let tree = repo.find_commit(oid)?.tree_id();
            let parent_tree = parent.map(|p| repo.find_commit(p).map(|c| c.tree_id())).transpose()?;
            let pack = transport::pack_of_commit(&odb, oid, tree, parent_tree)?;
            let main = self.repo.odb()?;
            let mut w = pack::PackSink::new(&main)?;
            std::io::Write::write_all(&mut w, &pack).map_err(|e| Error::io(self.repo.path(), e))?;
            w.commit()?;
            oid
        } else {
            Self::write_commit(&self.repo, parent, files, message, signer, who, t)?
        };
        crate::fault::point("before-ref-update");
        self.advance(parent, oid, message)?;
        crate::fault::point("after-ref-update");
        Ok(oid)
    }

    /// Writes the objects of a commit adding `files` to `parent`'s tree into
    /// `repo`'s object database; moves no branch.
    #[allow(clippy::too_many_arguments)]
    fn write_commit(
        repo: &Repository,
        parent: Option<Oid>,
        files: &[(String, Vec<u8>)],
        message: &str,
        signer: &mut SecretKey,
        who: &Identity,
        t: DateTime<Utc>,
    ) -> Result<Oid> {
        let parent_commit = parent.map(|p| repo.find_commit(p)).transpose()?;
        let base = match &parent_commit {
            Some(c) => c.tree()?,
            None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
        };
        let mut b = git2::build::TreeUpdateBuilder::new();
        for (path, bytes) in files {
            if base.get_path(Path::new(path)).is_ok() {
                return Err(Error::State(format!(
                    "{path} already exists in the record; entries are never overwritten"
                )));
            }
            let oid = repo.blob(bytes)?;
            b.upsert(path.as_str(), oid, FileMode::Blob);
        }
        let tree = repo.find_tree(b.create_updated(repo, &base)?)?;
        let parents: Vec<&git2::Commit> = parent_commit.iter().collect();
        Self::signed(repo, &tree, &parents, message, signer, who, t)
    }

    /// Writes a commit of `tree` on `parents`, by `who` at `t`, signed with
    /// `signer` (the OpenPGP signature git keeps in `gpgsig`); moves no branch.
    fn signed(
        repo: &Repository,
        tree: &Tree,
        parents: &[&git2::Commit],
        message: &str,
        signer: &mut SecretKey,
        who: &Identity,
        t: DateTime<Utc>,
    ) -> Result<Oid> {
        let email = who.email.clone().unwrap_or_else(|| format!("{}@hrx.invalid", &who.fingerprint[..16]));
        let sig = Signature::new(&who.name, &email, &git2::Time::new(t.timestamp(), 0))?;
        let buf = repo.commit_create_buffer(&sig, &sig, message, tree, parents)?;
        let gpgsig = sign(&buf, signer, t)?;
        let buf = std::str::from_utf8(&buf).map_err(|_| Error::State("commit buffer is not UTF-8".into()))?;
        Ok(repo.commit_signed(buf, &gpgsig, None)?)
    }

    /// The union of the trees of commits `ours` and `theirs`, written as a
    /// tree. Every file of a record has a unique name, so a path the two
    /// hold with different content is refused: `Ok(Err(path))`.
    pub fn union(&self, ours: Oid, theirs: Oid) -> Result<std::result::Result<Oid, String>> {
        use diff::Delta;
        let repo = &self.repo;
        let base = repo.find_commit(ours)?.tree()?;
        let mut b = git2::build::TreeUpdateBuilder::new();
        for d in diff::diff(&mut diff::Trees::new(repo.odb()?), Some(base.id()), repo.find_commit(theirs)?.tree_id())? {
            match d {
                Delta::Added { path, blob } => {
                    b.upsert(path.as_str(), blob, FileMode::Blob);
                }
                Delta::Removed(_) => {} // only our side has it
                Delta::Modified(p) | Delta::Irregular(p) | Delta::Malformed { path: p, .. } => return Ok(Err(p)),
            }
        }
        Ok(Ok(b.create_updated(repo, &base)?))
    }

    /// A signed merge commit of `tree` (their [`union`](Self::union)) on
    /// `ours` and `theirs`, in that order; moves no branch.
    pub fn merge(
        &self,
        ours: Oid,
        theirs: Oid,
        tree: Oid,
        signer: &mut SecretKey,
        who: &Identity,
        t: DateTime<Utc>,
    ) -> Result<Oid> {
        let repo = &self.repo;
        let parents = [&repo.find_commit(ours)?, &repo.find_commit(theirs)?];
        Self::signed(repo, &repo.find_tree(tree)?, &parents, "hrx: merge", signer, who, t)
    }

    /// Moves the branch from `from` to `to`, only if it is still at `from`.
    pub fn advance(&self, from: Option<Oid>, to: Oid, message: &str) -> Result<()> {
        let r = match from {
            Some(f) => self.repo.reference_matching(BRANCH, to, true, f, message),
            None => self.repo.reference(BRANCH, to, false, message),
        };
        r.map_err(|e| {
            if e.code() == git2::ErrorCode::Modified || e.code() == git2::ErrorCode::Exists {
                Error::State("the record changed while hrx was writing; run the command again".into())
            } else {
                e.into()
            }
        })?;
        // Best effort: loose objects are as correct, only slower and larger.
        let _ = self.pack_loose();
        Ok(())
    }

    /// Packs the record's loose objects into one new pack with libgit2 and
    /// removes the loose copies, once there are about [`PACK_AFTER_LOOSE`]
    /// of them (estimated as git does, from one of the 256 fan-out
    /// directories): about every 150 entries, a few milliseconds each time.
    /// Git itself is never run for this: it would read the record's own
    /// `.git/config`, and a record copied whole can name commands there.
    /// Returns how many objects were packed.
    pub fn pack_loose(&self) -> Result<usize> {
        let objects = self.repo.path().join("objects");
        let is_loose = |n: &str| n.len() == 38 && n.bytes().all(|b| b.is_ascii_hexdigit());
        let sample = fs::read_dir(objects.join("17"))
            .map(|d| d.flatten().filter(|e| is_loose(&e.file_name().to_string_lossy())).count())
            .unwrap_or(0);
        if sample * 256 < PACK_AFTER_LOOSE {
            return Ok(0);
        }
        let mut loose = Vec::new();
        for d in 0..256 {
            let dir = objects.join(format!("{d:02x}"));
            let Ok(rd) = fs::read_dir(&dir) else { continue };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if is_loose(&name)
                    && let Ok(oid) = Oid::from_str(&format!("{d:02x}{name}"))
                {
                    loose.push((oid, e.path()));
                }
            }
        }
        let odb = self.repo.odb()?;
        // Nothing larger than a record's largest object is read whole: a
        // copied record could hold a loose 1 GB object in a 1 KB file.
        loose.retain(|(oid, _)| odb.read_header(*oid).is_ok_and(|(size, _)| size <= object::MAX_PACKED));
        let mut pb = self.repo.packbuilder()?;
        for (oid, _) in &loose {
            pb.insert_object(*oid, None)?;
        }
        let mut w = pack::PackSink::new(&odb)?;
        let mut failed = None;
        pb.foreach(|chunk| match std::io::Write::write_all(&mut w, chunk) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        })?;
        if let Some(e) = failed {
            return Err(Error::io(&objects, e));
        }
        // The pack and its index are in place (written aside, then renamed):
        // only now may the loose copies go.
        w.commit()?;
        for (_, p) in &loose {
            let _ = fs::remove_file(p);
        }
        Ok(loose.len())
    }

    /// Brings the work tree (if any) up to date with the branch, so that
    /// `git status` is clean. The files are ciphertext and public metadata.
    pub fn refresh_worktree(&self) -> Result<()> {
        if self.repo.is_bare() {
            return Ok(());
        }
        // libgit2's checkout writes through a directory symlink it finds in
        // the work tree; a record copied whole (a USB stick) can carry one
        // that points into the user's home. A record's work tree holds only
        // directories and files hrx wrote: links are removed (never their
        // targets) before checking out, and so are FIFOs, sockets and
        // devices (a FIFO as a .gitattributes hung the checkout reading it).
        if let Some(wd) = self.workdir() {
            remove_links_and_specials(wd, 0)?;
        }
        let mut co = git2::build::CheckoutBuilder::new();
        co.force();
        self.repo.checkout_head(Some(&mut co))?;
        if let Some(h) = self.head()? {
            self.note_worktree(h);
        }
        Ok(())
    }

    /// Where the head the work tree was last brought to is noted.
    fn worktree_marker(&self) -> PathBuf {
        self.state_dir().join("worktree")
    }

    /// Notes that the work tree is at `head` (best effort: without the
    /// note, the next write checks out in full).
    fn note_worktree(&self, head: Oid) {
        let _ = crate::fsutil::write_private(&self.worktree_marker(), head.to_string().as_bytes());
    }

    /// After a commit `to` that only added `files` on top of `from`: writes
    /// those files into the work tree and the index, without scanning the
    /// rest (a full checkout stats every file of the record). Falls back to
    /// [`Record::refresh_worktree`] when the work tree was not at `from`, or
    /// a directory on the way is not a plain directory (a symlink planted in
    /// a copied record must not carry a write elsewhere).
    pub fn advance_worktree(&self, from: Oid, to: Oid, files: &[(String, Vec<u8>)]) -> Result<()> {
        let Some(wd) = self.workdir().map(Path::to_path_buf) else { return Ok(()) };
        let at = crate::fsutil::read_own(&self.worktree_marker(), 100)
            .ok()
            .and_then(|b| Oid::from_str(String::from_utf8_lossy(&b).trim()).ok());
        if at != Some(from) {
            return self.refresh_worktree();
        }
        // Directories checked (or made) by this call: a big write shares
        // its shards.
        let mut dirs: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        let mut written = Vec::with_capacity(files.len());
        for (path, bytes) in files {
            let rel = Path::new(path);
            let mut p = wd.clone();
            for c in rel.parent().into_iter().flat_map(Path::components) {
                p.push(c);
                if dirs.contains(&p) {
                    continue;
                }
                match fs::symlink_metadata(&p) {
                    Ok(m) if m.is_dir() => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        fs::create_dir(&p).map_err(|e| Error::io(&p, e))?;
                    }
                    _ => return self.refresh_worktree(),
                }
                dirs.insert(p.clone());
            }
            let file = wd.join(rel);
            if fs::symlink_metadata(&file).is_ok() {
                return self.refresh_worktree();
            }
            fs::write(&file, bytes).map_err(|e| Error::io(&file, e))?;
            // The blob is in the commit already: the index learns its id and
            // the file's stat data without reading the file back.
            let m = fs::symlink_metadata(&file).map_err(|e| Error::io(&file, e))?;
            written.push((path.as_str(), m, Oid::hash_object(git2::ObjectType::Blob, bytes)?));
        }
        let new: Vec<index::NewEntry> =
            written.iter().map(|(p, m, id)| index::NewEntry { path: p, meta: m, id: *id }).collect();
        let spliced = index::add(self.repo.path(), &new).map_err(|e| {
            let lock = self.repo.path().join("index.lock");
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::State(format!(
                    "the index is locked ({} exists): another git or hrx command is running, or one was interrupted; if none is running, remove that file",
                    lock.display()
                ))
            } else {
                Error::io(&lock, e)
            }
        })?;
        if !spliced {
            let mut index = self.repo.index()?;
            for (path, m, id) in &written {
                index.add(&index_entry(path, m, *id))?;
            }
            index.write()?;
        }
        self.note_worktree(to);
        Ok(())
    }

    /// Records the trust root for this device (in `.git/config`, as `hrx.root`
    /// and `hrx.patient`).
    pub fn pin(&self, pin: &Pin) -> Result<()> {
        let mut c = self.repo.config()?;
        c.set_str("hrx.root", &pin.root.to_string())?;
        c.set_str("hrx.patient", &pin.patient)?;
        Ok(())
    }

    /// The pinned trust root, if this device has one.
    pub fn pinned(&self) -> Result<Option<Pin>> {
        let c = self.repo.config()?.snapshot()?;
        match (c.get_string("hrx.root"), c.get_string("hrx.patient")) {
            (Ok(r), Ok(p)) => {
                let root = Oid::from_str(&r)
                    .map_err(|_| Error::State(format!("hrx.root {r:?} in .git/config is not a commit id")))?;
                Ok(Some(Pin { root, patient: p }))
            }
            _ => Ok(None),
        }
    }
}

/// An index entry for a regular file at `path` with stat data `m`.
fn index_entry(path: &str, m: &fs::Metadata, id: Oid) -> git2::IndexEntry {
    use std::os::unix::fs::MetadataExt;
    let time = |s: i64, ns: i64| git2::IndexTime::new(s as i32, ns as u32);
    git2::IndexEntry {
        ctime: time(m.ctime(), m.ctime_nsec()),
        mtime: time(m.mtime(), m.mtime_nsec()),
        dev: m.dev() as u32,
        ino: m.ino() as u32,
        mode: 0o100644,
        uid: m.uid(),
        gid: m.gid(),
        file_size: m.len() as u32,
        id,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// Removes every symbolic link, FIFO, socket and device under `dir` (not
/// following any link), except in `.git`; `depth` bounds the walk (the
/// layout is at most 7 deep).
fn remove_links_and_specials(dir: &Path, depth: usize) -> Result<()> {
    if depth > 16 {
        return Ok(());
    }
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    for e in entries.flatten() {
        if depth == 0 && e.file_name() == ".git" {
            continue;
        }
        let p = e.path();
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => remove_links_and_specials(&p, depth + 1)?,
            Ok(m) if m.is_file() => {}
            Ok(_) => fs::remove_file(&p).map_err(|err| Error::io(&p, err))?,
            Err(_) => {}
        }
    }
    Ok(())
}
