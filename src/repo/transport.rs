//! Moving history between copies: git remotes (any transport git2 speaks:
//! paths, file://, git://, ssh, https) and git bundles (written and read with git2's
//! pack builder and pack writer, so `git bundle verify` accepts them).
//!
//! Nothing fetched lands on `main`: incoming history goes to a quarantine
//! ref, `refs/hrx/incoming/NAME`, until it has been verified.

use std::io::Write;
use std::path::Path;

use git2::{FetchOptions, Oid, PushOptions, RemoteCallbacks, Repository};

use super::{BRANCH, Record};
use crate::error::{Error, Result};
use crate::model::Reason;

/// The largest bundle file read (it is streamed, never held whole).
const MAX_BUNDLE: u64 = 2 << 30;

/// The longest line of a bundle's header (a ref or prerequisite line is
/// under 300 bytes).
const MAX_HEADER_LINE: u64 = 64 << 10;

/// The most lines a bundle's header may have (hrx writes two or three).
const MAX_HEADER_LINES: usize = 10_000;

/// Where incoming history from `name` waits to be verified.
pub fn incoming_ref(name: &str) -> String {
    format!("refs/hrx/incoming/{name}")
}

/// The last head of `name` this device verified: the high-water mark.
pub fn verified_ref(name: &str) -> String {
    format!("refs/hrx/verified/{name}")
}

/// The key files ssh would try, in its order: `HRX_SSH_KEY` if set, else
/// the usual ones in `~/.ssh` that exist.
fn ssh_key_files() -> Vec<std::path::PathBuf> {
    if let Some(k) = std::env::var_os("HRX_SSH_KEY") {
        return vec![k.into()];
    }
    let Some(home) = std::env::var_os("HOME") else { return vec![] };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| std::path::Path::new(&home).join(".ssh").join(n))
        .filter(|p| p.is_file())
        .collect()
}

/// Credentials for ssh (the ssh agent, then key files) and https (git's
/// credential helpers), each tried once, so a wrong one fails instead of
/// looping.
fn credentials(cb: &mut RemoteCallbacks) {
    network_setup();
    let mut agent_tried = std::env::var_os("SSH_AUTH_SOCK").is_none();
    let mut keys = ssh_key_files().into_iter();
    let mut helper_tried = false;
    cb.credentials(move |url, user, allowed| {
        if allowed.contains(git2::CredentialType::USERNAME) {
            return git2::Cred::username(user.unwrap_or("git"));
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            let user = user.unwrap_or("git");
            if !agent_tried {
                agent_tried = true;
                return git2::Cred::ssh_key_from_agent(user);
            }
            if let Some(k) = keys.next() {
                let public = k.with_extension("pub");
                return git2::Cred::ssh_key(user, Some(&public).filter(|p| p.is_file()).map(|p| p.as_path()), &k, None);
            }
            return Err(git2::Error::new(
                git2::ErrorCode::Auth,
                git2::ErrorClass::Ssh,
                "the ssh server took no key hrx offered (ssh-agent, then HRX_SSH_KEY or ~/.ssh/id_ed25519, id_ecdsa, id_rsa without a passphrase); add your key to ssh-agent, or give its file with HRX_SSH_KEY",
            ));
        }
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) && !helper_tried {
            helper_tried = true;
            if let Ok(cfg) = user_git_config()
                && let Ok(c) = git2::Cred::credential_helper(&cfg, url, user)
            {
                return Ok(c);
            }
        }
        Err(git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Http,
            "the server refused the credentials (or none were found): check git's credential helper (git config credential.helper) for this URL",
        ))
    });
}

/// The user's git configuration as git reads it: `GIT_CONFIG_GLOBAL` in
/// place of `~/.gitconfig` when set (libgit2 knows only the latter), and
/// the system's unless `GIT_CONFIG_NOSYSTEM`.
fn user_git_config() -> std::result::Result<git2::Config, git2::Error> {
    let Some(global) = std::env::var_os("GIT_CONFIG_GLOBAL") else { return git2::Config::open_default() };
    let mut c = git2::Config::new()?;
    if std::env::var_os("GIT_CONFIG_NOSYSTEM").is_none()
        && let Ok(system) = git2::Config::find_system()
    {
        c.add_file(&system, git2::ConfigLevel::System, false)?;
    }
    let global = std::path::PathBuf::from(global);
    if global.is_file() {
        c.add_file(&global, git2::ConfigLevel::Global, false)?;
    }
    Ok(c)
}

/// How long a network remote may keep hrx waiting for any answer
/// (`HRX_NET_TIMEOUT`, seconds, sets it).
const NET_TIMEOUT_SECS: i32 = 60;

/// Points libgit2's TLS at the authorities git is told to trust for
/// HTTPS (`http.sslCAInfo` in the user's git config; `SSL_CERT_FILE`
/// works as for OpenSSL). Only the user's and the system's config count:
/// a record's own `.git/config` came with the copy, and must not choose
/// whom this machine trusts.
fn network_setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(cfg) = user_git_config().and_then(|mut c| c.snapshot()) else { return };
        if let Ok(file) = cfg.get_path("http.sslCAInfo") {
            // SAFETY: set once, before this process's first TLS
            // connection (libgit2 reads it when it connects).
            let _ = unsafe { git2::opts::set_ssl_cert_file(&file) };
        }
        // A server that accepts and then says nothing must not hold a
        // sync (and its write lock, and a nightly run over many records)
        // forever.
        let secs = std::env::var("HRX_NET_TIMEOUT").ok().and_then(|s| s.parse::<i32>().ok()).filter(|s| *s > 0);
        let ms = secs.unwrap_or(NET_TIMEOUT_SECS).saturating_mul(1000);
        // SAFETY: as above, set before any connection.
        unsafe {
            let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
            let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
        }
    });
}

/// A failed fetch or push, said with what to do about it.
fn network_error(url: &str, doing: &str, e: &git2::Error) -> Error {
    let hint = match e.code() {
        git2::ErrorCode::Certificate if url.starts_with("ssh://") || !url.contains("://") => {
            "; the server's host key is not in ~/.ssh/known_hosts, or differs from it: check it with its operator, then add it (ssh-keyscan)"
        }
        git2::ErrorCode::Certificate => {
            "; the server's TLS certificate is not signed by an authority this machine trusts: give the authority with SSL_CERT_FILE or git config http.sslCAInfo"
        }
        _ => "",
    };
    Error::State(format!("{doing} {url}: {}{hint}", e.message()))
}

/// Reports progress: (what, done, total).
pub type Progress<'a> = &'a mut dyn FnMut(&str, usize, usize);

impl Record {
    /// Fetches the `main` of `url` into the quarantine ref for `name`.
    /// Returns the fetched head, or None if the remote has no `main`.
    pub fn fetch(&self, name: &str, url: &str, progress: Progress) -> Result<Option<Oid>> {
        if let Some(path) = local_path(url) {
            // Said plainly, not as libgit2's "unsupported URL protocol".
            if !path.exists() {
                return Err(Error::NotFound(format!(
                    "remote {name} is {url}, and there is no such directory; check the path (`hrx remote list` shows the remotes)"
                )));
            }
            // Somebody else's directory: a fetch may open any object there.
            match super::files::check_at(&path)? {
                Some(g) => super::files::check_all(&g)?,
                None => return Err(Error::State(format!("remote {name} is {url}, which is not a git repository"))),
            }
            let Ok(theirs) = Repository::open(&path) else {
                return Err(Error::State(format!("remote {name} is {url}, which is not a git repository")));
            };
            return self.fetch_from_directory(name, url, &theirs, progress);
        }
        let mut remote = self.repo.remote_anonymous(url)?;
        let mut cb = RemoteCallbacks::new();
        credentials(&mut cb);
        cb.transfer_progress(|p| {
            progress("receiving objects", p.received_objects(), p.total_objects());
            true
        });
        let mut opts = FetchOptions::new();
        opts.remote_callbacks(cb).download_tags(git2::AutotagOption::None);
        let spec = format!("+{BRANCH}:{}", incoming_ref(name));
        remote.fetch(&[spec.as_str()], Some(&mut opts), None).map_err(|e| {
            match network_error(url, "fetching from", &e) {
                Error::State(m) => Error::State(format!("{m}; the local record is unchanged")),
                other => other,
            }
        })?;
        match self.repo.refname_to_id(&incoming_ref(name)) {
            Ok(o) => Ok(Some(o)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// [`Record::fetch`] from a repository that is a directory here. It is
    /// somebody else's files, and libgit2's local transport reads every
    /// object it packs whole, whatever size its header declares (a loose
    /// object of a few KiB that inflates to gigabytes). So hrx packs what it
    /// lacks itself: each object not here is found by walking from their
    /// `main` with bounded reads (commits and trees read within their
    /// limits, every other object's size checked from its header), then read
    /// again within its limit and passed to the pack writer. One over a
    /// limit refuses the fetch, and nothing is kept.
    fn fetch_from_directory(
        &self,
        name: &str,
        url: &str,
        theirs: &Repository,
        progress: Progress,
    ) -> Result<Option<Oid>> {
        let tip = match theirs.refname_to_id(BRANCH) {
            Ok(o) => o,
            Err(e) if e.code() == git2::ErrorCode::NotFound => {
                if let Ok(mut r) = self.repo.find_reference(&incoming_ref(name)) {
                    r.delete()?;
                }
                return Ok(None);
            }
            Err(e) => return Err(Error::State(format!("fetching from {url}: {}", e.message()))),
        };
        let refuse = |oid: Oid, e: super::object::ObjectError| match e {
            super::object::ObjectError::TooMany { .. } => Error::Refused(crate::verify::Failure {
                commit: None,
                code: Reason::TooLarge,
                reason: format!("what remote {name} ({url}) would send {e}: too large; nothing was fetched"),
            }),
            super::object::ObjectError::TooLarge { .. } => Error::Refused(crate::verify::Failure {
                commit: Some(oid.to_string()),
                code: Reason::TooLarge,
                reason: format!("remote {name} ({url}) holds object {oid}, which {e}; nothing was fetched"),
            }),
            other => Error::Refused(crate::verify::Failure {
                commit: Some(oid.to_string()),
                code: other.reason(),
                reason: format!("remote {name} ({url}) holds object {oid}, which {other}; nothing was fetched"),
            }),
        };
        let (ours, odb) = (self.repo.odb()?, theirs.odb()?);
        let wanted = missing_objects(&odb, &ours, tip).map_err(|(o, e)| refuse(o, e))?;
        if !wanted.is_empty() {
            let mut w = super::pack::PackSink::new(&ours)?;
            let mut pack = PackStream::new(&mut w, wanted.len())?;
            for (i, (oid, kind, limit)) in wanted.iter().enumerate() {
                let data = super::object::read_bounded(&odb, *oid, *kind, *limit).map_err(|e| refuse(*oid, e))?;
                pack.add(*kind, &data)?;
                progress("receiving objects", i + 1, wanted.len());
            }
            pack.finish()?;
            w.commit().map_err(|e| Error::State(format!("fetching from {url}: {}", e.message())))?;
        }
        self.repo.reference(&incoming_ref(name), tip, true, "hrx: fetch")?;
        Ok(Some(tip))
    }

    /// The file names in the object database's pack directory.
    pub fn pack_files(&self) -> std::collections::HashSet<std::ffi::OsString> {
        std::fs::read_dir(self.repo.path().join("objects/pack"))
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default()
    }

    /// Removes the packs that are not in `before`: what a refused fetch
    /// brought (the caller holds the lock, so no other writer made them).
    pub fn drop_packs_since(&self, before: &std::collections::HashSet<std::ffi::OsString>) {
        let dir = self.repo.path().join("objects/pack");
        for new in self.pack_files().difference(before) {
            let _ = std::fs::remove_file(dir.join(new));
        }
    }

    /// Pushes `main` to `url` (never forced), where the remote's `main` was
    /// `expected` when fetched. Returns an error the caller can retry after
    /// fetching when the remote moved meanwhile.
    ///
    /// A server (git daemon, ssh, https) updates its ref only from the old
    /// value the push names. libgit2's push to a path does not: it writes
    /// the ref unconditionally, so of two copies pushing at once one could
    /// overwrite the other's commits. To a path, the objects go to a
    /// temporary ref first, then `main` moves only if it is still
    /// `expected` (compare-and-swap, under git's ref lock).
    pub fn push(&self, url: &str, expected: Option<Oid>, progress: Progress) -> Result<()> {
        let Some(path) = local_path(url) else {
            return self.push_refspec(url, &format!("{BRANCH}:{BRANCH}"), progress);
        };
        let head = self.head()?.ok_or_else(|| Error::State("the record has no commits".into()))?;
        if let Some(g) = super::files::check_at(&path)? {
            super::files::check_all(&g)?;
        }
        let remote = Repository::open(&path)?;
        if !remote.is_bare() {
            return Err(Error::State(format!(
                "{url} is a copy with a work tree, and hrx pushes only to bare repositories (a hub: `git init --bare DIR`, then `hrx remote add NAME DIR`); its new commits were taken in, but yours stay here: sync from that copy to take them there"
            )));
        }
        let mut nonce = [0u8; 8];
        sequoia_openpgp::crypto::random(&mut nonce).map_err(|e| Error::crypto("random", e))?;
        let temp = format!("refs/hrx/push/{}", crate::crypto::hex(&nonce));
        self.push_refspec(url, &format!("{BRANCH}:{temp}"), progress)?;
        crate::fault::pause("push-before-swap");
        let moved = match expected {
            Some(old) => remote.reference_matching(BRANCH, head, true, old, "hrx: push"),
            None => remote.reference(BRANCH, head, false, "hrx: push"),
        };
        if let Ok(mut r) = remote.find_reference(&temp) {
            let _ = r.delete();
        }
        // A hub made with a plain `git init --bare` points HEAD at a
        // branch that never comes (master): a plain `git clone` of it would
        // check out nothing. Pointed at main, it checks out the record.
        if moved.is_ok() && remote.head().is_err() {
            let _ = remote.set_head(BRANCH);
        }
        moved.map(|_| ()).map_err(|e| {
            Error::PushRejected(format!(
                "{url} refused the push (its main moved meanwhile: {}); sync again",
                e.message()
            ))
        })
    }

    fn push_refspec(&self, url: &str, spec: &str, progress: Progress) -> Result<()> {
        let mut remote = self.repo.remote_anonymous(url)?;
        let mut rejected: Option<String> = None;
        // What the server's hooks said (git shows it after "remote:"),
        // bounded: a hub's reason for refusing belongs in hrx's message.
        let mut said: Vec<u8> = Vec::new();
        {
            let mut cb = RemoteCallbacks::new();
            credentials(&mut cb);
            cb.sideband_progress(|d| {
                if said.len() < 16 << 10 {
                    said.extend_from_slice(&d[..d.len().min((16 << 10) - said.len())]);
                }
                true
            });
            cb.push_transfer_progress(|done, total, _| progress("sending objects", done, total));
            cb.push_update_reference(|_, status| {
                if let Some(s) = status {
                    rejected = Some(s.to_string());
                }
                Ok(())
            });
            let mut opts = PushOptions::new();
            opts.remote_callbacks(cb);
            remote.push(&[spec], Some(&mut opts)).map_err(|e| match e.code() {
                // The branch there is not what this copy fetched: it moved.
                git2::ErrorCode::NotFastForward | git2::ErrorCode::Modified | git2::ErrorCode::Locked => {
                    Error::PushRejected(format!("{url} refused the push ({}); sync again", e.message()))
                }
                _ => network_error(url, "pushing to", &e),
            })?;
        }
        let hooks: Vec<String> = String::from_utf8_lossy(&said)
            .lines()
            .filter(|l| l.contains("hrx: error:"))
            .map(|l| l.trim().to_string())
            .collect();
        match rejected {
            Some(why) if hooks.is_empty() => Err(Error::PushRejected(format!("{url} refused the push ({why})"))),
            Some(why) => Err(Error::PushRejected(format!("{url} refused the push ({why}): {}", hooks.join(" ")))),
            None => Ok(()),
        }
    }

    /// Writes a git bundle (v2) of `main`, or of what is new since `since`.
    pub fn write_bundle(&self, path: &Path, since: Option<Oid>) -> Result<(Oid, usize)> {
        let head = self.head()?.ok_or_else(|| Error::State("the record has no commits".into()))?;
        let (pack, commits) = self.pack(head, since)?;
        let mut out = b"# v2 git bundle\n".to_vec();
        if let Some(s) = since {
            out.extend_from_slice(format!("-{s} hrx: earlier history\n").as_bytes());
        }
        out.extend_from_slice(format!("{head} {BRANCH}\n\n").as_bytes());
        out.extend_from_slice(&pack);
        let tmp = path.with_extension("partial");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&out)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::io(path, e)
        })?;
        Ok((head, commits))
    }

    /// A git pack (version 2) of every object reachable from `head` and not
    /// from `since`. Written without deltas: entries are ciphertext, which
    /// does not delta, and delta search over the many small trees of a large
    /// record costs far more time than the bytes it would save. Each object
    /// is read once.
    fn pack(&self, head: Oid, since: Option<Oid>) -> Result<(Vec<u8>, usize)> {
        use std::collections::HashSet;
        let repo = &self.repo;
        let odb = repo.odb()?;
        let mut seen: HashSet<Oid> = HashSet::new();
        let mut p = PackOut::new();
        if let Some(s) = since {
            // Everything the receiver has: the history up to `since`.
            let mut w = repo.revwalk()?;
            w.push(s)?;
            for c in w {
                let c = repo.find_commit(c?)?;
                seen.insert(c.id());
                walk_tree(&odb, c.tree_id(), &mut seen, &mut |_, _| Ok(()))?;
            }
        }
        let mut w = repo.revwalk()?;
        w.push(head)?;
        if let Some(s) = since {
            w.hide(s)?;
        }
        let mut commits = 0;
        for c in w {
            let c = c?;
            if !seen.insert(c) {
                continue;
            }
            commits += 1;
            let obj = odb.read(c)?;
            p.add(obj.kind(), obj.data())?;
            let tree = repo.find_commit(c)?.tree_id();
            walk_tree(&odb, tree, &mut seen, &mut |t, d| p.add(t, d))?;
        }
        let out = p.finish()?;
        Ok((out, commits))
    }

    /// Reads a git bundle into the object database and points the
    /// quarantine ref for `name` at its `main`. Returns that head.
    pub fn read_bundle(&self, path: &Path, name: &str) -> Result<Oid> {
        use std::io::BufRead;
        // Read as it arrives, never whole: a record's bundle may be
        // gigabytes of attachments.
        let mut r = crate::fsutil::open_input(path, MAX_BUNDLE, "a bundle of one record is at most 2 GiB")?;
        let bad = |why: &str| Error::Invalid(format!("{}: not a git bundle of an hrx record: {why}", path.display()));
        // A header line is short; a file that is no bundle (one endless
        // line) is not read to its end for one.
        let line = |r: &mut std::io::BufReader<crate::fsutil::Limited>| -> Option<String> {
            let mut l = Vec::new();
            std::io::Read::take(&mut *r, MAX_HEADER_LINE).read_until(b'\n', &mut l).ok()?;
            if l.pop() != Some(b'\n') {
                return None;
            }
            String::from_utf8(l).ok()
        };
        let first = line(&mut r).ok_or_else(|| bad("no header"))?;
        if first != "# v2 git bundle" {
            return Err(bad("unsupported bundle version (hrx reads v2)"));
        }
        let mut head = None;
        for n in 0.. {
            if n > MAX_HEADER_LINES {
                return Err(bad("its header is longer than any record's"));
            }
            let l = line(&mut r)
                .ok_or_else(|| bad("its header ends early, or has a line longer than any bundle header's (64 KiB)"))?;
            if l.is_empty() {
                break;
            }
            if let Some(p) = l.strip_prefix('-') {
                let oid = Oid::from_str(p.split(' ').next().unwrap_or("")).map_err(|_| bad("bad prerequisite"))?;
                if self.repo.find_commit(oid).is_err() {
                    return Err(Error::State(format!(
                        "{} continues from commit {oid}, which this copy does not have; import the earlier bundle (or clone the whole record) first",
                        path.display()
                    )));
                }
            } else {
                let (oid, r) = l.split_once(' ').ok_or_else(|| bad("bad ref line"))?;
                if r == BRANCH {
                    head = Some(Oid::from_str(oid).map_err(|_| bad("bad ref id"))?);
                }
            }
        }
        let head = head.ok_or_else(|| bad("it has no refs/heads/main"))?;
        // Every object is checked for size before git indexes (inflates)
        // it: the writer gets each object only once it has passed. One that
        // fails drops the writer uncommitted, and nothing is kept.
        let odb = self.repo.odb()?;
        let mut w = super::pack::PackSink::new(&odb)?;
        super::object::copy_checked_pack(&mut r, &mut |b| w.write_all(b)).map_err(|e| match e {
            super::object::ObjectError::TooLarge { .. } => Error::Refused(crate::verify::Failure {
                commit: None,
                code: Reason::TooLarge,
                reason: format!("{} holds an object that {e}; nothing was imported", path.display()),
            }),
            super::object::ObjectError::TooMany { .. } => Error::Refused(crate::verify::Failure {
                commit: None,
                code: Reason::TooLarge,
                reason: format!("{}'s pack {e}: too large; nothing was imported", path.display()),
            }),
            other => bad(&other.to_string()),
        })?;
        let packs = self.repo.path().join("objects/pack");
        let listed = || -> std::collections::HashSet<std::ffi::OsString> {
            std::fs::read_dir(&packs).map(|d| d.flatten().map(|e| e.file_name()).collect()).unwrap_or_default()
        };
        let before = listed();
        w.commit().map_err(|e| bad(e.message()))?;
        if self.repo.find_commit(head).is_err() {
            // Nothing of a bundle that is refused is kept.
            for new in listed().difference(&before) {
                let _ = std::fs::remove_file(packs.join(new));
            }
            return Err(bad("its pack lacks the head commit"));
        }
        self.repo.reference(&incoming_ref(name), head, true, "hrx: bundle")?;
        Ok(head)
    }
}

/// Visits `tree` and every object below it not yet in `seen`, reading each
/// once and parsing trees from their raw form ("MODE NAME\0" + 20-byte id).
fn walk_tree(
    odb: &git2::Odb,
    tree: Oid,
    seen: &mut std::collections::HashSet<Oid>,
    visit: &mut dyn FnMut(git2::ObjectType, &[u8]) -> Result<()>,
) -> Result<()> {
    if !seen.insert(tree) {
        return Ok(());
    }
    let obj = odb.read(tree)?;
    visit(obj.kind(), obj.data())?;
    for entry in super::object::raw_tree_entries(obj.data()) {
        let (mode, _, child) = entry.map_err(|e| Error::State(format!("tree {tree} {e}")))?;
        let child = super::object::entry_oid(child);
        if mode == b"40000" {
            walk_tree(odb, child, seen, visit)?;
        } else if seen.insert(child) {
            let o = odb.read(child)?;
            visit(o.kind(), o.data())?;
        }
    }
    Ok(())
}

/// An object to fetch: its id, type, and the limit it is read within.
pub(crate) type Wanted = (Oid, git2::ObjectType, usize);

/// An object that could not be read within bounds, and why.
pub(crate) type Unreadable = (Oid, super::object::ObjectError);

/// The objects reachable from `tip` in `theirs` that `ours` lacks, with
/// the limit each is read within, in an order a pack can hold them (it has
/// no deltas). Commits and trees are read (within bounds) to find what they
/// name; every other object's size is checked from its header. Stops at the
/// first object that cannot be read within bounds, or when there would be
/// more than a pack may bring.
pub(crate) fn missing_objects(
    theirs: &git2::Odb,
    ours: &git2::Odb,
    tip: Oid,
) -> std::result::Result<Vec<Wanted>, Unreadable> {
    use super::object::{self as obj, ObjectError};
    use git2::ObjectType;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut take = |out: &mut Vec<_>, oid: Oid, kind: ObjectType, limit: usize, size: usize| {
        total += size as u64;
        if total > obj::MAX_PACK_EXPANDED {
            return Err((oid, ObjectError::TooLarge { size: total as usize, limit: obj::MAX_PACK_EXPANDED as usize }));
        }
        if out.len() >= obj::MAX_PACK_OBJECTS {
            return Err((oid, ObjectError::TooMany { limit: obj::MAX_PACK_OBJECTS }));
        }
        out.push((oid, kind, limit));
        Ok(())
    };
    let mut commits = vec![tip];
    let mut trees = Vec::new();
    while let Some(c) = commits.pop() {
        if ours.exists(c) || !seen.insert(c) {
            continue;
        }
        let data = obj::read_bounded(theirs, c, ObjectType::Commit, obj::MAX_COMMIT).map_err(|e| (c, e))?;
        let raw = obj::parse_commit(&data).map_err(|e| (c, e))?;
        take(&mut out, c, ObjectType::Commit, obj::MAX_COMMIT, data.len())?;
        commits.extend(raw.parents.into_iter().filter(|p| !seen.contains(p)));
        trees.push(raw.tree);
        // Depth first through the trees, with a stack: a hostile tree may
        // nest deeper than a call stack.
        while let Some(t) = trees.pop() {
            if ours.exists(t) || !seen.insert(t) {
                continue;
            }
            let data = obj::read_bounded(theirs, t, ObjectType::Tree, obj::MAX_TREE).map_err(|e| (t, e))?;
            take(&mut out, t, ObjectType::Tree, obj::MAX_TREE, data.len())?;
            for entry in obj::raw_tree_entries(&data) {
                let (mode, _, child) = entry.map_err(|e| (t, ObjectError::Malformed(e)))?;
                let child = obj::entry_oid(child);
                match mode {
                    b"40000" => trees.push(child),
                    // A submodule's commit lives elsewhere; verify refuses it.
                    b"160000" => {}
                    _ if ours.exists(child) || !seen.insert(child) => {}
                    _ => {
                        let size = obj::check_size(theirs, child, ObjectType::Blob, obj::MAX_PACKED)
                            .map_err(|e| (child, e))?;
                        take(&mut out, child, ObjectType::Blob, obj::MAX_PACKED, size)?;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A git pack (version 2, no deltas) written to `sink` as it is made, its
/// object count known before the first.
struct PackStream<W: Write> {
    sink: W,
    hash: sha1::Sha1,
}

impl<W: Write> PackStream<W> {
    fn new(sink: W, count: usize) -> Result<PackStream<W>> {
        let count = u32::try_from(count).map_err(|_| Error::State("more objects than a pack holds".into()))?;
        let mut p = PackStream { sink, hash: sha1::Digest::new() };
        p.write(&[b"PACK".as_slice(), &2u32.to_be_bytes(), &count.to_be_bytes()].concat())?;
        Ok(p)
    }

    fn write(&mut self, b: &[u8]) -> Result<()> {
        sha1::Digest::update(&mut self.hash, b);
        self.sink.write_all(b).map_err(|e| Error::State(format!("writing the pack: {e}")))
    }

    fn add(&mut self, ty: git2::ObjectType, data: &[u8]) -> Result<()> {
        let mut entry = object_header(ty, data.len())?;
        let mut z = flate2::write::ZlibEncoder::new(&mut entry, flate2::Compression::fast());
        z.write_all(data).map_err(|e| Error::State(format!("compressing: {e}")))?;
        z.finish().map_err(|e| Error::State(format!("compressing: {e}")))?;
        self.write(&entry)
    }

    fn finish(mut self) -> Result<()> {
        let digest = sha1::Digest::finalize(self.hash.clone());
        self.sink.write_all(&digest).map_err(|e| Error::State(format!("writing the pack: {e}")))
    }
}

/// A pack entry's header: its type and size, as git writes them.
fn object_header(ty: git2::ObjectType, size: usize) -> Result<Vec<u8>> {
    let ty: u8 = match ty {
        git2::ObjectType::Commit => 1,
        git2::ObjectType::Tree => 2,
        git2::ObjectType::Blob => 3,
        _ => return Err(Error::State("an object of unexpected type".into())),
    };
    let mut out = Vec::with_capacity(10);
    let mut size = size;
    let mut byte = (ty << 4) | (size & 0x0f) as u8;
    size >>= 4;
    while size > 0 {
        out.push(byte | 0x80);
        byte = (size & 0x7f) as u8;
        size >>= 7;
    }
    out.push(byte);
    Ok(out)
}

/// A git pack (version 2, no deltas) being written object by object.
struct PackOut {
    out: Vec<u8>,
    count: u32,
}

impl PackOut {
    fn new() -> PackOut {
        let mut out = Vec::new();
        out.extend_from_slice(b"PACK");
        out.extend_from_slice(&2u32.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes()); // the count, filled in by `finish`
        PackOut { out, count: 0 }
    }

    fn add(&mut self, ty: git2::ObjectType, data: &[u8]) -> Result<()> {
        self.out.extend_from_slice(&object_header(ty, data.len())?);
        let mut z = flate2::write::ZlibEncoder::new(&mut self.out, flate2::Compression::fast());
        z.write_all(data).map_err(|e| Error::State(format!("compressing: {e}")))?;
        z.finish().map_err(|e| Error::State(format!("compressing: {e}")))?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>> {
        self.out[8..12].copy_from_slice(&self.count.to_be_bytes());
        let mut h =
            sequoia_openpgp::types::HashAlgorithm::SHA1.context().map_err(|e| Error::crypto("SHA-1", e))?.for_digest();
        h.update(&self.out);
        let digest = h.into_digest().map_err(|e| Error::crypto("SHA-1", e))?;
        self.out.extend_from_slice(&digest);
        Ok(self.out)
    }
}

/// A pack of what commit `commit` (in `odb`) adds to `parent_tree`: the
/// commit, and the trees and files of its tree that the parent's does not
/// hold at the same place. Work in proportion to the change.
pub(crate) fn pack_of_commit(odb: &git2::Odb, commit: Oid, tree: Oid, parent_tree: Option<Oid>) -> Result<Vec<u8>> {
    // Each object goes in once: two new files with the same bytes are one
    // blob (and two new directories with the same files one tree), and the
    // indexer refuses a pack that holds an object twice.
    struct Walk<'a> {
        odb: &'a git2::Odb<'a>,
        pack: PackOut,
        added: std::collections::HashSet<Oid>,
    }
    impl Walk<'_> {
        /// Adds `oid` unless it is in already; whether it was added.
        fn add(&mut self, oid: Oid) -> Result<bool> {
            if !self.added.insert(oid) {
                return Ok(false);
            }
            let o = self.odb.read(oid)?;
            self.pack.add(o.kind(), o.data())?;
            Ok(true)
        }

        fn tree(&mut self, new: Oid, old: Option<Oid>) -> Result<()> {
            if Some(new) == old || !self.added.insert(new) {
                return Ok(());
            }
            let odb = self.odb;
            let obj = odb.read(new)?;
            self.pack.add(obj.kind(), obj.data())?;
            let mut before = std::collections::HashMap::new();
            if let Some(o) = old {
                let o = odb.read(o)?;
                for entry in super::object::raw_tree_entries(o.data()) {
                    let (mode, name, child) = entry.map_err(|e| Error::State(format!("tree {e}")))?;
                    before.insert(name.to_vec(), (mode == b"40000", super::object::entry_oid(child)));
                }
            }
            for entry in super::object::raw_tree_entries(obj.data()) {
                let (mode, name, child) = entry.map_err(|e| Error::State(format!("tree {new} {e}")))?;
                let child = super::object::entry_oid(child);
                let was = before.get(name).copied();
                if was.is_some_and(|(_, o)| o == child) {
                    continue;
                }
                if mode == b"40000" {
                    self.tree(child, was.filter(|(dir, _)| *dir).map(|(_, o)| o))?;
                } else {
                    self.add(child)?;
                }
            }
            Ok(())
        }
    }
    let mut w = Walk { odb, pack: PackOut::new(), added: std::collections::HashSet::new() };
    w.add(commit)?;
    w.tree(tree, parent_tree)?;
    w.pack.finish()
}

/// The directory of a remote given as a path or `file://` URL, if it is one.
pub fn local_path(url: &str) -> Option<std::path::PathBuf> {
    match url.strip_prefix("file://") {
        Some(p) => Some(p.into()),
        None if !url.contains("://") && !url.contains(':') || url.starts_with('/') || url.starts_with('.') => {
            Some(url.into())
        }
        None => None,
    }
}
