//! The hub side: a bare repository on a provider's server that takes a
//! push only if what it would then hold verifies from its root
//! (`hrx hook pre-receive`), and setting one up (`hrx hook install`).
//!
//! A hub holds only verified history, and only moves forward: so the root
//! of what it holds is the root of every later push, and only the first
//! push to an empty hub has to be matched against the patient its
//! operator expects (`hrx.hub.patient` in the hub's own config, which no
//! pusher can change).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use git2::Oid;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Fpr, Reason};
use crate::repo::{BRANCH, Record};
use crate::verify::Failure;

/// The hub's config key naming the patient whose record it holds.
const PATIENT_KEY: &str = "hrx.hub.patient";

/// Marks a hook script as hrx's own (it may be replaced by `install`).
const HOOK_MARK: &str = "# installed by hrx hook install";

/// One ref update of a push, as git hands it to `pre-receive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The ref's value before (None: the ref is created).
    pub old: Option<Oid>,
    /// Its value after (None: the ref is deleted).
    pub new: Option<Oid>,
    /// The ref's full name.
    pub name: String,
}

/// The most `pre-receive` input a hub reads: far more than one update
/// needs; a push that sends more is refused, never read in part.
pub const MAX_INPUT: usize = 64 << 10;

/// Reads `pre-receive`'s standard input: one "OLD NEW REF" line per
/// update, fields separated by one space as git writes them. A ref name
/// with whitespace or control characters in it is refused: it could pass
/// for another (`main` followed by a no-break space).
pub fn parse_updates(input: &str) -> Result<Vec<Update>> {
    let oid = |s: &str| -> Result<Option<Oid>> {
        if s.len() != 40 {
            return Err(Error::Usage(format!("{s:?} is not an object id")));
        }
        let o = Oid::from_str(s).map_err(|_| Error::Usage(format!("{s:?} is not an object id")))?;
        Ok(Some(o).filter(|o| !o.is_zero()))
    };
    input
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(o), Some(n), Some(r)) if !r.is_empty() && !r.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                    Ok(Update { old: oid(o)?, new: oid(n)?, name: r.to_string() })
                }
                _ => Err(Error::Denied(format!(
                    "{} is not a ref update this hub takes (\"OLD NEW REF\", a ref name without spaces); nothing was taken",
                    crate::model::text::printable(l)
                ))),
            }
        })
        .collect()
}

/// What a push the hub takes brings.
#[derive(Debug, Serialize)]
pub struct Accepted {
    /// The new head of `main`.
    pub head: String,
    /// Commits verified from the root.
    pub commits: usize,
    /// The record's patient.
    pub patient: Fpr,
}

/// Judges a push: `Ok(None)` when it does not touch `main` at all (it has
/// nothing else to update: refused), the verified new head otherwise.
/// Only `main` may change, only forward, and only to history that verifies
/// from its root (the patient's, if the hub names one).
pub fn check_push(rec: &Record, quarantine: Option<&Path>, updates: &[Update], now: DateTime<Utc>) -> Result<Accepted> {
    if let Some(u) = updates.iter().find(|u| u.name != BRANCH) {
        return Err(Error::Denied(format!(
            "this hub holds one patient's record on {BRANCH} and nothing else; {} was not pushed (push {BRANCH} only: hrx sync does)",
            crate::model::text::printable(&u.name)
        )));
    }
    // git applies each line in turn: a second line for main would move it
    // past what was judged.
    let [u] = updates else {
        return Err(Error::Denied(format!(
            "a push to this hub updates {BRANCH} once, and this one has {} updates of it; nothing was taken",
            updates.len()
        )));
    };
    if u.old.is_some() && u.old == u.new {
        // git sends no such line: it would carry objects nothing judges.
        return Err(Error::Denied(format!("the push does not change {BRANCH}; nothing was taken")));
    }
    let Some(new) = u.new else {
        return Err(refused(
            None,
            Reason::RolledBack,
            format!("{BRANCH} may not be deleted: this hub keeps the record's whole history"),
        ));
    };
    let current = rec.head()?;
    if u.old != current {
        return Err(Error::PushRejected(format!("{BRANCH} moved meanwhile; fetch and push again (hrx sync does)")));
    }
    if let Some(old) = current
        && old != new
        && !rec.descends_from(new, old)
    {
        return Err(refused(
            Some(new),
            Reason::RolledBack,
            format!(
                "the push would rewind or rewrite {BRANCH}: {} does not contain {}, which this hub holds; a record is append-only (sync first, then push what builds on it)",
                short(new),
                short(old)
            ),
        ));
    }
    if let Some(q) = quarantine {
        only_what_main_needs(rec, q, new)?;
    }
    let v = crate::verify::verify(rec, Some(new), None, now).map_err(|f| {
        Error::Refused(Failure {
            reason: format!("the pushed history does not verify from its root: {}; this hub is unchanged", f.reason),
            ..f
        })
    })?;
    if current.is_none()
        && let Some(p) = expected_patient(rec)?
        && p != v.header.patient
    {
        return Err(refused(
            Some(v.root),
            Reason::RootRewritten,
            format!(
                "this hub holds the record of {p}, and the pushed one is of {}; this hub is unchanged",
                v.header.patient
            ),
        ));
    }
    Ok(Accepted { head: new.to_string(), commits: v.commits.len(), patient: v.header.patient.clone() })
}

/// Refuses a push that carries any object the new `main` does not need:
/// the hub would keep it (a gigabyte blob nothing names, say), and objects
/// are read by every later check. Found with the same bounded walk a fetch
/// from a directory uses: an object over its limit refuses the push too.
fn only_what_main_needs(rec: &Record, quarantine: &Path, new: Oid) -> Result<()> {
    let hub = git2::Odb::new()?;
    hub.add_disk_alternate(&rec.git_dir().join("objects").to_string_lossy())?;
    let pushed = git2::Odb::new()?;
    pushed.add_disk_alternate(&quarantine.to_string_lossy())?;
    let all = rec.repo.odb()?;
    let needed = crate::repo::transport::missing_objects(&all, &hub, new).map_err(|(o, e)| {
        refused(Some(o), e.reason(), format!("the push holds object {o}, which {e}; this hub is unchanged"))
    })?;
    let needed: std::collections::HashSet<Oid> = needed.iter().map(|w| w.0).collect();
    let mut extra = None;
    // An object the hub has already may come again: git completes a thin
    // pack with the delta bases it used, which are the hub's own.
    let _ = pushed.foreach(|o| {
        if needed.contains(o) || hub.exists(*o) {
            true
        } else {
            extra = Some(*o);
            false
        }
    });
    match extra {
        Some(o) => Err(refused(
            Some(o),
            Reason::Layout,
            format!("the push carries object {o}, which the new {BRANCH} does not contain; this hub is unchanged"),
        )),
        None => Ok(()),
    }
}

fn refused(commit: Option<Oid>, code: Reason, reason: String) -> Error {
    Error::Refused(Failure { commit: commit.map(|c| c.to_string()), code, reason })
}

fn short(o: Oid) -> String {
    o.to_string()[..12].to_string()
}

/// The patient the hub's operator named for it, if any.
fn expected_patient(rec: &Record) -> Result<Option<Fpr>> {
    let c = rec.repo.config()?.snapshot()?;
    Ok(c.get_string(PATIENT_KEY).ok())
}

/// Opens the hub a hook runs in (git runs it in the repository, with
/// `GIT_DIR` set), seeing the objects of the push under judgement: git
/// keeps them in a quarantine directory (`GIT_OBJECT_DIRECTORY`) until
/// every hook has said yes. Returns the quarantine too, if there is one.
pub fn open_for_hook(dir: &Path) -> Result<(Record, Option<PathBuf>)> {
    let git_dir = std::env::var_os("GIT_DIR").map(PathBuf::from).map(|g| dir.join(g)).unwrap_or_else(|| dir.into());
    let rec = Record::open(&git_dir)?;
    let mut quarantine = None;
    if let Some(q) = std::env::var_os("GIT_OBJECT_DIRECTORY") {
        let q = git_dir.join(q);
        if q != rec.git_dir().join("objects") {
            rec.repo.odb()?.add_disk_alternate(&q.to_string_lossy())?;
            quarantine = Some(q);
        }
    }
    Ok((rec, quarantine))
}

/// What `install` set up.
#[derive(Debug, Serialize)]
pub struct Installed {
    /// The hub (a bare repository).
    pub hub: String,
    /// The hook script written.
    pub hook: String,
    /// The patient the hub takes the record of, if named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient: Option<Fpr>,
    /// Commits the hub held already, verified from the root.
    pub commits: usize,
}

/// Makes the bare repository at `dir` a hub: its `main` verified as it
/// stands (a hub that holds history that does not verify is refused), a
/// `pre-receive` hook that runs `hrx` (`exe`) on every push, `HEAD` on
/// `main` (so a plain `git clone` checks out the record), and git's own
/// refusal of deletions and non-fast-forwards besides.
pub fn install(dir: &Path, exe: &Path, patient: Option<&Fpr>, force: bool, now: DateTime<Utc>) -> Result<Installed> {
    let rec = Record::open(dir)?;
    let canonical = |p: &Path| std::fs::canonicalize(p).map_err(|e| Error::io(p, e));
    if !rec.repo.is_bare() || canonical(rec.git_dir())? != canonical(dir)? {
        return Err(Error::State(format!(
            "{} is not a bare repository; a hub is one (`git init --bare -b main DIR`, or `hrx remote add NAME DIR --create`)",
            dir.display()
        )));
    }
    let mut commits = 0;
    if let Some(h) = rec.head()? {
        let v = crate::verify::verify(&rec, Some(h), None, now).map_err(|f| {
            Error::Verification(Failure {
                reason: format!("the hub's {BRANCH} does not verify: {}; no hook was installed", f.reason),
                ..f
            })
        })?;
        if let Some(p) = patient
            && *p != v.header.patient
        {
            return Err(Error::State(format!(
                "the hub holds the record of {}, not of {p}; no hook was installed",
                v.header.patient
            )));
        }
        commits = v.commits.len();
    }
    let hooks = rec.git_dir().join("hooks");
    std::fs::create_dir_all(&hooks).map_err(|e| Error::io(&hooks, e))?;
    let hook = hooks.join("pre-receive");
    if let Ok(m) = std::fs::symlink_metadata(&hook) {
        // Read only if a small regular file (a FIFO or a link to
        // /dev/zero there must not hang or fill memory).
        let ours = m.is_file()
            && m.len() < 4096
            && crate::fsutil::read_small(&hook, 4096, "a hook")
                .is_ok_and(|b| b.windows(HOOK_MARK.len()).any(|w| w == HOOK_MARK.as_bytes()));
        if !ours && !force {
            return Err(Error::State(format!(
                "{} exists and is not hrx's; move it away, or replace it with --force",
                hook.display()
            )));
        }
        if m.is_dir() {
            return Err(Error::State(format!("{} is a directory; move it away", hook.display())));
        }
    }
    let exe = exe
        .to_str()
        .filter(|s| !s.contains('\''))
        .ok_or_else(|| Error::State(format!("hrx's path {} cannot be written into a shell script", exe.display())))?;
    let script = format!(
        "#!/bin/sh\n{HOOK_MARK}: every push must verify from the record's root\n# and may only move {BRANCH} forward (hrx-repository(5), HUBS).\nexec '{exe}' hook pre-receive\n"
    );
    // Written aside and renamed: git never runs half a hook.
    let tmp = hooks.join(".pre-receive.hrx-new");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::remove_file(&tmp);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o755)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        f.write_all(script.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, &hook).map_err(|e| Error::io(&hook, e))?;
    let mut c = rec.repo.config()?;
    c.set_bool("receive.denyDeletes", true)?;
    c.set_bool("receive.denyNonFastForwards", true)?;
    if let Some(p) = patient {
        c.set_str(PATIENT_KEY, p)?;
    }
    rec.repo.set_head(BRANCH)?;
    Ok(Installed {
        hub: rec.git_dir().display().to_string(),
        hook: hook.display().to_string(),
        patient: patient.cloned().or_else(|| c.snapshot().ok()?.get_string(PATIENT_KEY).ok()),
        commits,
    })
}

/// Creates an empty bare repository at `dir` for a hub (see [`install`]).
pub fn create(dir: &Path, exe: &Path, patient: &Fpr, now: DateTime<Utc>) -> Result<Installed> {
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.next().is_some() {
        return Err(Error::State(format!(
            "{} exists and is not empty; --create makes a new hub (without it, the remote is only named)",
            dir.display()
        )));
    }
    let existed = dir.exists();
    let mut opts = git2::RepositoryInitOptions::new();
    opts.bare(true).initial_head("main").mkdir(true).mkpath(true);
    git2::Repository::init_opts(dir, &opts)?;
    // Never an unguarded hub left behind: made here, removed if it could
    // not be guarded.
    install(dir, exe, Some(patient), false, now).inspect_err(|_| {
        if !existed {
            let _ = std::fs::remove_dir_all(dir);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_updates_are_read_as_git_writes_them() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let u = parse_updates(&format!("{z} {a} refs/heads/main\n{a} {z} refs/heads/x\n")).unwrap();
        assert_eq!(u[0], Update { old: None, new: Some(Oid::from_str(&a).unwrap()), name: "refs/heads/main".into() });
        assert_eq!(u[1].new, None);
        assert!(parse_updates("nonsense\n").is_err());
        assert!(parse_updates(&format!("{z} {a}\n")).is_err());
        assert!(parse_updates(&format!("{z} xyz refs/heads/main\n")).is_err());
    }
}
