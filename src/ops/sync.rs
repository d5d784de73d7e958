//! `hrx clone`, `hrx sync`, `hrx bundle`, `hrx remote`: exchanging a record
//! between copies. Incoming history waits in a quarantine ref until it has
//! been verified from the pinned root; only then does `main` move, by
//! fast-forward or by a signed merge. `main` never moves backwards, and a
//! remote whose history no longer contains what this device last verified
//! from it (a rollback or a rewrite) is refused.

use std::collections::HashMap;
use std::path::Path;

use git2::Oid;
use serde::Serialize;

use super::{Context, verified, verified_as_is};
use crate::error::{Error, Result};
use crate::fault;
use crate::model::Fpr;
use crate::model::Reason;
use crate::repo::transport::Progress;
use crate::repo::{Pin, Record};
use crate::verify::{Failure, Verified, verify};

/// Two signed lines of history by the same signer that do not contain each
/// other: evidence that a key signed on two copies (two devices offline, or
/// a stolen key). Reported, and merged like any other divergence.
#[derive(Debug, Clone, Serialize)]
pub struct Fork {
    /// The signer.
    pub signer: Fpr,
    /// Its name.
    pub name: String,
    /// Its newest commit on this side.
    pub local: String,
    /// Its newest commit on the other side.
    pub remote: String,
}

/// What integrating incoming history made of this copy's head (serialised
/// kebab-case: `up-to-date`, `fast-forward`, `merge`).
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Integration {
    /// Nothing new: the head stays.
    #[default]
    UpToDate,
    /// The head moved forward to what arrived.
    FastForward,
    /// Both had new commits: a signed merge commit joins them.
    Merge,
}

/// What integrating incoming history did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Integrated {
    /// Commits that were new to this copy.
    pub received: usize,
    /// Commits verified (the whole incoming history, from the root).
    pub verified: usize,
    /// What became of this copy's head.
    pub outcome: Integration,
    /// The merge commit, if one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merge: Option<String>,
    /// Forks found.
    pub forks: Vec<Fork>,
    /// New commits by signers whose grant had long ended when they arrived
    /// (accepted only with `--accept-late`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub late: Vec<Late>,
    /// The head afterwards.
    pub head: String,
}

impl Integrated {
    /// The integration in words, for people.
    pub fn describe(&self) -> String {
        let i = self;
        let mut s = match i.outcome {
            Integration::UpToDate => "up to date".to_string(),
            Integration::FastForward => format!("received {} commits (fast-forward)", i.received),
            Integration::Merge => format!(
                "received {} commits, merged with a signed merge commit {}",
                i.received,
                &i.merge.as_deref().unwrap_or("")[..12.min(i.merge.as_deref().unwrap_or("").len())]
            ),
        };
        if i.verified > 0 {
            s.push_str(&format!("; verified {} commits from the root", i.verified));
        }
        for l in &i.late {
            s.push_str(&format!(
                "\nLATE: commit {} by {} claims {}, after its grant ended {} (accepted with --accept-late)",
                &l.commit[..12],
                l.signer,
                l.signed_at.to_rfc3339(),
                l.grant_ended.to_rfc3339()
            ));
        }
        s
    }
}

/// How long after a signer's grant ended its commits may still arrive
/// unvouched. Offline writes are normal (a clinic without network for a
/// weekend); a signer claiming a time inside its window for a commit that
/// appears weeks after the window closed is what a backdating signer looks
/// like. The signature time cannot tell the two apart; arrival can.
pub const LATE_GRACE_DAYS: i64 = 7;

/// A commit that arrived late: see [`LATE_GRACE_DAYS`].
#[derive(Debug, Clone, Serialize)]
pub struct Late {
    /// The commit.
    pub commit: String,
    /// Its signer.
    pub signer: Fpr,
    /// The time it claims.
    pub signed_at: chrono::DateTime<chrono::Utc>,
    /// When the signer's grant for it ended.
    pub grant_ended: chrono::DateTime<chrono::Utc>,
}

/// New commits in `theirs` (not in `local`) whose authority ended more than
/// [`LATE_GRACE_DAYS`] before `now`, with no later commit by another
/// participant built on them.
fn late_commits(
    rec: &Record,
    theirs: &Verified,
    knowledge: &crate::policy::Policy,
    local: Oid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Late>> {
    let grace = chrono::Duration::days(LATE_GRACE_DAYS);
    let ended = |id: &crate::id::Id| -> Option<chrono::DateTime<chrono::Utc>> {
        let g = knowledge.grants.get(id)?;
        let own = g.ends()?;
        if g.issued_under.is_empty() {
            return Some(own);
        }
        // The latest end of the delegations it was made under.
        let mut under = None;
        for d in &g.issued_under {
            let e = knowledge.grants.get(d).and_then(|d| d.ends())?;
            under = Some(under.map_or(e, |u: chrono::DateTime<chrono::Utc>| u.max(e)));
        }
        Some(own.min(under.expect("non-empty")))
    };
    // Who may vouch for a commit by building on it: the patient, or someone
    // whose grant is in force now (not a key a revoked delegate just added).
    let may_vouch = |who: &str| who == knowledge.patient || knowledge.active_grants(who, now).next().is_some();
    let mut out = vec![];
    for (i, c) in theirs.commits.iter().enumerate() {
        // Each change stands on its own authority: the commit is late if any
        // of them ended long ago (the latest end among its alternatives).
        let mut end: Option<chrono::DateTime<chrono::Utc>> = None;
        for a in &c.needs {
            let mut latest: Option<chrono::DateTime<chrono::Utc>> = None;
            let mut open_ended = false;
            for id in a {
                match ended(id) {
                    Some(e) => latest = Some(latest.map_or(e, |x| x.max(e))),
                    None => open_ended = true,
                }
            }
            if let Some(l) = latest.filter(|_| !open_ended) {
                end = Some(end.map_or(l, |x| x.min(l)));
            }
        }
        let Some(end) = end else { continue };
        if end + grace >= now || c.time >= end {
            continue;
        }
        if c.oid == local || rec.is_descendant(local, c.oid)? {
            continue; // not new here
        }
        let mut vouched = false;
        for x in &theirs.commits[i + 1..] {
            if x.signer != c.signer && may_vouch(&x.signer) && rec.is_descendant(x.oid, c.oid)? {
                vouched = true;
                break;
            }
        }
        if !vouched {
            out.push(Late { commit: c.oid.to_string(), signer: c.signer.clone(), signed_at: c.time, grant_ended: end });
        }
    }
    Ok(out)
}

fn refuse(source: &str, f: Failure) -> Error {
    if f.code == Reason::RootRewritten {
        // Another root: not this record (a bundle or remote of another
        // patient's, most likely), which is an operator's mistake to tell
        // apart from history that fails to verify.
        return Error::State(format!(
            "{source} holds another record, not this one: its history starts at commit {}, this record's at its pinned root; nothing was taken in. To keep it, make a record of its own: `hrx clone SOURCE DIR`",
            f.commit.as_deref().map(|c| &c[..c.len().min(12)]).unwrap_or("?")
        ));
    }
    Error::Refused(Failure { reason: format!("{source} sent history that does not verify: {}", f.reason), ..f })
}

fn count_new(rec: &Record, incoming: Oid, local: Option<Oid>) -> Result<usize> {
    Ok(rec.commits_between(incoming, local)?.len())
}

/// Verifies `incoming` (from `source`; `name` for the high-water mark, None
/// for bundles) and integrates it into `main`. The caller holds the lock.
pub fn integrate(
    ctx: &mut Context,
    rec: &Record,
    source: &str,
    name: Option<&str>,
    incoming: Oid,
    accept_late: bool,
    progress: Progress,
) -> Result<Integrated> {
    let now = ctx.clock.now();
    let pin = super::device::pinned_or_seen(ctx, rec)?.ok_or_else(|| {
        Error::State("this device holds no trust root for this copy (it was not made here by hrx init or hrx clone, nor verified here before); check it with `hrx verify` (which remembers its root here) or clone the record with hrx clone".into())
    })?;
    // Never go backwards: the remote must still contain what we verified from it.
    if let Some(n) = name
        && let Some(mark) = rec.verified_mark(n)
        && mark != incoming
        && !rec.descends_from(incoming, mark)
    {
        return Err(Error::Refused(Failure {
            commit: Some(incoming.to_string()),
            code: Reason::RolledBack,
            reason: format!(
                "{source}'s main ({}) does not contain {}, the last head verified from it: its history was rolled back or rewritten; the local record is unchanged",
                &incoming.to_string()[..12],
                &mark.to_string()[..12]
            ),
        }));
    }
    let local = rec.head()?.ok_or_else(|| Error::State("the local record has no commits".into()))?;
    // Nothing new: what arrived is this copy's own history, verified with
    // all it knows before the sync began (the nightly case of most
    // records). Nothing to verify again, merge or refresh.
    if incoming == local || rec.descends_from(local, incoming) {
        mark_verified(rec, name, incoming)?;
        return Ok(Integrated { outcome: Integration::UpToDate, head: local.to_string(), ..Default::default() });
    }
    // What this copy knows counts against what arrives: a revocation it
    // holds ends the revoked signer's authority on the remote's lines too.
    let ours = verified_as_is(ctx, rec)?;
    let theirs =
        crate::verify::verify_from(rec, Some(incoming), Some(&pin), now, None, Some(&ours.policy), &mut |d, t| {
            progress("verifying commits", d, t)
        })
        .map_err(|f| {
            // A commit this copy already had that fails now: the copy was
            // changed here (an object swapped), not by what arrived.
            let ours_too =
                f.commit.as_deref().and_then(|c| Oid::from_str(c).ok()).is_some_and(|c| rec.descends_from(local, c));
            if ours_too { Error::Verification(f) } else { refuse(source, f) }
        })?;
    let mut knowledge = theirs.policy.clone();
    knowledge.merge(ours.policy.clone());
    let late = late_commits(rec, &theirs, &knowledge, local, now)?;
    if let Some(l) = late.first()
        && !accept_late
    {
        return Err(Error::Refused(Failure {
            commit: Some(l.commit.clone()),
            code: Reason::Late,
            reason: format!(
                "{source} sent {} commit(s) signed by {} that claim {}, but its grant ended at {} and they arrive only now, with nobody else's commit built on them: either written offline long ago, or backdated to slip under the end of the grant. Nothing was integrated; if you trust them, sync again with --accept-late",
                late.len(),
                l.signer,
                l.signed_at.to_rfc3339(),
                l.grant_ended.to_rfc3339()
            ),
        }));
    }
    // Counted once verified: libgit2's walk reads commits unbounded.
    let received = count_new(rec, incoming, Some(local))?;
    let mut out = Integrated { received, verified: theirs.commits.len(), late, ..Default::default() };
    if local == incoming || rec.is_descendant(local, incoming)? {
        out.outcome = Integration::UpToDate;
    } else if rec.is_descendant(incoming, local)? {
        rec.advance(Some(local), incoming, &format!("hrx: fast-forward from {source}"))?;
        out.outcome = Integration::FastForward;
    } else {
        // Knowledge flows both ways: this copy's own commits (verified
        // already) are judged by the revocations the remote knows (a revoked
        // signer writing on an old copy finds out here, before anything is
        // merged or pushed).
        crate::verify::check_revocations(rec, &ours.commits, &ours.policy, Some(&theirs.policy)).map_err(|f| {
            Error::Refused(Failure {
                reason: format!(
                    "this copy's history does not verify with what {source} knows: {}; nothing was merged",
                    f.reason
                ),
                ..f
            })
        })?;
        out.forks = forks(rec, &ours, &theirs, local, incoming)?;
        // One key handed over to two new keys: whoever merged would choose
        // who holds the place (a stolen key's thief, say).
        if let Some((f, mine, theirs)) = crate::verify::rotation_conflict(&ours.policy, &theirs.policy) {
            return Err(Error::Refused(Failure {
                commit: Some(incoming.to_string()),
                code: Reason::Conflict,
                reason: format!(
                    "{source} and this copy disagree: they hold two hand-overs of one key (of {f}: to {theirs} there, to {mine} here); nothing was merged"
                ),
            }));
        }
        let merge = merge(ctx, rec, &ours, local, incoming, source)?;
        fault::point("sync-before-merge-ref");
        // The merged history must verify as a whole before main moves.
        verify(rec, Some(merge), Some(&pin), now).map_err(Error::Refused)?;
        rec.advance(Some(local), merge, &format!("hrx: merge {source}"))?;
        out.outcome = Integration::Merge;
        out.merge = Some(merge.to_string());
    }
    mark_verified(rec, name, incoming)?;
    rec.refresh_worktree()?;
    super::remember(ctx, rec);
    out.head = rec.head()?.map(|h| h.to_string()).unwrap_or_default();
    Ok(out)
}

/// `incoming` is verified: it becomes the remote's high-water mark, and
/// its quarantine ref goes.
fn mark_verified(rec: &Record, name: Option<&str>, incoming: Oid) -> Result<()> {
    if let Some(n) = name {
        rec.set_verified_mark(n, incoming, "hrx: verified")?;
    }
    rec.drop_incoming(name.unwrap_or("bundle"));
    Ok(())
}

/// Signers who signed on both sides of a divergence.
fn forks(rec: &Record, ours: &Verified, theirs: &Verified, local: Oid, incoming: Oid) -> Result<Vec<Fork>> {
    let only = |a: Oid, b: Oid, v: &Verified| -> Result<HashMap<Fpr, Oid>> {
        let signer: HashMap<Oid, &Fpr> = v.commits.iter().map(|c| (c.oid, &c.signer)).collect();
        let mut newest = HashMap::new();
        // The walk yields newest first: keep the first per signer.
        for oid in rec.commits_between(a, Some(b))? {
            if let Some(s) = signer.get(&oid) {
                newest.entry((*s).clone()).or_insert(oid);
            }
        }
        Ok(newest)
    };
    let mine = only(local, incoming, ours)?;
    let other = only(incoming, local, theirs)?;
    Ok(mine
        .iter()
        .filter_map(|(s, l)| {
            other.get(s).map(|r| Fork {
                signer: s.clone(),
                name: ours.certs.identity(s).map(|i| i.name).unwrap_or_default(),
                local: l.to_string(),
                remote: r.to_string(),
            })
        })
        .collect())
}

/// A signed merge commit whose tree is the union of both sides. Every file
/// has a unique name, so a path with two different contents means someone
/// tampered: refuse rather than pick one.
fn merge(ctx: &mut Context, rec: &Record, ours: &Verified, local: Oid, incoming: Oid, source: &str) -> Result<Oid> {
    let me = ctx.key_fpr()?;
    if !ours.policy.keys.contains(&me) {
        return Err(Error::Denied(format!(
            "both copies have new commits, and merging them needs a participant's signature; your key {me} is not in this record"
        )));
    }
    let tree = rec.union(local, incoming)?.map_err(|p| {
        Error::Refused(Failure {
            commit: Some(incoming.to_string()),
            code: Reason::Conflict,
            reason: format!("{source} and this copy hold different content at {p}; nothing was merged"),
        })
    })?;
    let mut u = ctx.unlock()?;
    rec.merge(local, incoming, tree, &mut u.signer, &u.identity, ctx.clock.now())
}

/// One remote's sync.
#[derive(Debug, Serialize)]
pub struct Synced {
    /// The remote's name.
    pub remote: String,
    /// Its URL.
    pub url: String,
    /// What integrating did.
    #[serde(flatten)]
    pub integrated: Integrated,
    /// Whether anything was pushed.
    pub pushed: bool,
}

/// The configured remotes, by name.
pub fn remotes(rec: &Record) -> Result<Vec<(String, String)>> {
    rec.remotes()
}

/// Where this copy stands with a remote, as of the last sync.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RemoteStatus {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// The remote's head when this copy last verified it (or pushed to it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_head: Option<String>,
    /// That head's commit time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_head_time: Option<chrono::DateTime<chrono::Utc>>,
    /// Local commits the remote did not have then.
    pub ahead: usize,
    /// Remote commits not yet integrated here (0 after a sync).
    pub behind: usize,
}

/// The remotes and where this copy stands with each (no network).
pub fn status(rec: &Record) -> Result<Vec<RemoteStatus>> {
    let head = rec.head()?;
    let mut out = vec![];
    for (name, url) in remotes(rec)? {
        let mark = rec.verified_mark(&name);
        let (ahead, behind) = match (head, mark) {
            (Some(h), Some(m)) => rec.ahead_behind(h, m)?,
            (Some(h), None) => (count_new(rec, h, None)?, 0),
            _ => (0, 0),
        };
        let last_head_time = mark.and_then(|m| rec.commit_time(m));
        out.push(RemoteStatus { name, url, last_head: mark.map(|m| m.to_string()), last_head_time, ahead, behind });
    }
    Ok(out)
}

/// Syncs with one remote: fetch, verify, integrate, push.
pub fn sync_one(
    ctx: &mut Context,
    rec: &Record,
    name: &str,
    url: &str,
    accept_late: bool,
    progress: Progress,
) -> Result<Synced> {
    // A push the remote refused is tried again only if the remote moved
    // meanwhile (another copy pushed first): then its new commits are
    // fetched, verified and merged, and the push goes on top. A remote that
    // refuses though it stands where it stood (a hook's no) is not asked
    // again.
    let mut last: Option<(Error, Option<Oid>)> = None;
    for _attempt in 0..3 {
        let packs = rec.pack_files();
        let incoming = rec.fetch(name, url, progress).inspect_err(|_| rec.drop_packs_since(&packs))?;
        if let Some((e, before)) = last.take()
            && incoming == before
        {
            return Err(e);
        }
        fault::point("sync-after-fetch");
        let integrated = match incoming {
            Some(i) => {
                integrate(ctx, rec, &format!("remote {name}"), Some(name), i, accept_late, &mut *progress).inspect_err(
                    |_| {
                        // Refused: keep nothing unverified, referenced or not
                        // (repeated syncs would fill the copy with it).
                        rec.drop_incoming(name);
                        rec.drop_packs_since(&packs);
                    },
                )?
            }
            None => Integrated {
                outcome: Integration::UpToDate,
                head: rec.head()?.map(|h| h.to_string()).unwrap_or_default(),
                ..Default::default()
            },
        };
        let head = rec.head()?;
        let pushed = head.is_some() && head != incoming;
        if pushed {
            fault::point("sync-before-push");
            match rec.push(url, incoming, progress) {
                Ok(()) => {
                    rec.set_verified_mark(name, head.expect("checked"), "hrx: pushed")?;
                }
                Err(e @ Error::PushRejected(_)) => {
                    last = Some((e, incoming));
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        return Ok(Synced { remote: name.into(), url: url.into(), integrated, pushed });
    }
    Err(last.map(|(e, _)| e).unwrap_or_else(|| Error::State(format!("could not push to {name}"))))
}

/// One remote's result in a sync with several.
#[derive(Debug)]
pub struct Outcome {
    /// The remote's name.
    pub remote: String,
    /// Its URL.
    pub url: String,
    /// What happened there.
    pub result: Result<Synced>,
}

/// Syncs with the named remote, or with all of them. With several, one
/// remote that fails (unreachable, refused, rejecting the push) does not
/// stop the others: each has its outcome. A failure that puts the local
/// copy itself in doubt stops the whole sync, and so does any failure
/// when only one remote is synced.
pub fn sync(ctx: &mut Context, which: Option<&str>, accept_late: bool, progress: Progress) -> Result<Vec<Outcome>> {
    let rec = ctx.record()?;
    let all = remotes(&rec)?;
    if all.is_empty() {
        return Err(Error::State("this record has no remotes; add one with `hrx remote add NAME URL`".into()));
    }
    let chosen: Vec<(String, String)> = match which {
        Some(n) => vec![
            all.into_iter()
                .find(|(name, _)| name == n)
                .ok_or_else(|| Error::NotFound(format!("no remote {n}; `hrx remote list` shows them")))?,
        ],
        None => all,
    };
    let _lock = rec.lock()?;
    verified_as_is(ctx, &rec)?;
    let several = chosen.len() > 1;
    let mut out = vec![];
    for (name, url) in chosen {
        let result = sync_one(ctx, &rec, &name, &url, accept_late, progress);
        match result {
            Err(e) if !several || matches!(e, Error::Verification(_)) => return Err(e),
            result => out.push(Outcome { remote: name, url, result }),
        }
    }
    // What this device verified here before must be back by now.
    verified(ctx, &rec)?;
    Ok(out)
}

/// One record's result in a sync of many.
#[derive(Debug)]
pub struct RecordOutcome {
    /// The record's directory.
    pub dir: std::path::PathBuf,
    /// Its remotes' outcomes, or why it could not be synced at all.
    pub result: Result<Vec<Outcome>>,
}

impl RecordOutcome {
    /// The first failure: of the record, else of one of its remotes.
    pub fn failure(&self) -> Option<&Error> {
        match &self.result {
            Err(e) => Some(e),
            Ok(o) => o.iter().find_map(|x| x.result.as_ref().err()),
        }
    }
}

/// What [`records_in`] passed over, with why.
pub type PassedOver = Vec<(std::path::PathBuf, &'static str)>;

/// The records in `dir`: its subdirectories that hold a git repository
/// with a work tree (copies made by `hrx clone`), by name; and, by name
/// too, what looks like one there but is passed over, with why (a symbolic
/// link to a record is not followed: whoever can write to `dir` would
/// choose what is synced). Anything else there is passed over unsaid.
pub fn records_in(dir: &std::path::Path) -> Result<(Vec<std::path::PathBuf>, PassedOver)> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let (mut out, mut passed) = (vec![], vec![]);
    for e in rd.flatten() {
        let p = e.path();
        let git = std::fs::symlink_metadata(p.join(".git"));
        match e.file_type() {
            Ok(t) if t.is_dir() && git.as_ref().is_ok_and(|m| m.is_dir()) => out.push(p),
            Ok(t) if t.is_dir() && git.is_ok() => passed.push((p, "its .git is not a directory")),
            Ok(t) if t.is_symlink() && std::fs::metadata(p.join(".git")).is_ok() => {
                passed.push((p, "it is a symbolic link (not followed: name the record itself in --record-list)"))
            }
            _ => {}
        }
    }
    out.sort();
    passed.sort();
    Ok((out, passed))
}

/// Syncs each of `records` with all its remotes, `jobs` records at a time,
/// each with a context of its own made from `template`. One record's
/// failure (or a bug hrx panics on) never stops the others; `done` hears
/// of each record as it finishes, with how many have.
pub fn sync_many(
    template: &super::detached::Detached,
    records: &[std::path::PathBuf],
    jobs: usize,
    accept_late: bool,
    done: &mut dyn FnMut(RecordOutcome, usize),
) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<RecordOutcome>();
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, records.len().max(1)) {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(dir) = records.get(i) else { break };
                    let mut ctx = template.clone().at(dir.clone()).context();
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        sync(&mut ctx, None, accept_late, &mut |_, _, _| {})
                    }))
                    .unwrap_or_else(|_| {
                        Err(Error::State(
                            "hrx stopped on this record with an internal error (a bug: please report it); the others went on"
                                .into(),
                        ))
                    });
                    if tx.send(RecordOutcome { dir: dir.clone(), result }).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (n, o) in rx.iter().enumerate() {
            done(o, n + 1);
        }
    });
}

/// What `clone` made.
#[derive(Debug, Serialize)]
pub struct Cloned {
    /// Where.
    pub path: String,
    /// The patient (trust root): compare it out of band.
    pub patient: Fpr,
    /// The patient's name, from their certificate.
    pub patient_name: String,
    /// The root commit.
    pub root: String,
    /// Commits verified.
    pub commits: usize,
    /// Entries in the record.
    pub entries: usize,
}

/// Clones a record from a URL or a bundle file into `dir`, verifying it from
/// its root before it is usable. `trust_root` is the patient's fingerprint
/// or the root commit, as read out by the patient; without it the root is
/// taken on first use (and printed so it can be compared).
pub fn clone(
    ctx: &mut Context,
    source: &str,
    dir: &Path,
    trust_root: Option<&str>,
    progress: Progress,
) -> Result<Cloned> {
    // A trust root is the patient's whole fingerprint or the whole root
    // commit id: a short prefix can be ground in minutes (2^28 work for 7 digits).
    if let Some(t) = trust_root {
        let t = t.trim();
        let full = t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit()) || crate::model::parse_fpr(t).is_some();
        if !full {
            return Err(Error::Usage(format!(
                "--trust-root {t:?} is not a whole fingerprint or root commit id (40 hex digits); a prefix could belong to a record made to match it"
            )));
        }
    }
    let is_bundle = Path::new(source).is_file();
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.next().is_some() {
        return Err(Error::State(format!("{} already exists and is not empty; choose a new directory", dir.display())));
    }
    let created = !dir.exists();
    let result = (|| -> Result<Cloned> {
        let rec = Record::create(dir)?;
        let incoming = if is_bundle {
            rec.read_bundle(Path::new(source), "bundle")?
        } else {
            rec.fetch("origin", source, progress)?
                .ok_or_else(|| Error::NotFound(format!("{source} has no hrx record (no main branch)")))?
        };
        let now = ctx.clock.now();
        let v = crate::verify::verify_with_progress(&rec, Some(incoming), None, now, &mut |d, t| {
            progress("verifying commits", d, t)
        })
        .map_err(|f| refuse(source, f))?;
        if let Some(t) = trust_root {
            let t = t.trim();
            let by_fpr = crate::model::parse_fpr(t).is_some_and(|f| f == v.header.patient);
            let by_root = v.root.to_string() == t.to_lowercase();
            if !by_fpr && !by_root {
                return Err(Error::Refused(Failure {
                    commit: Some(v.root.to_string()),
                    code: Reason::TrustRoot,
                    reason: format!(
                        "this record's trust root is patient {} with root commit {}, not {t}; it is not the record you expected",
                        v.header.patient, v.root
                    ),
                }));
            }
        }
        rec.advance(None, incoming, "hrx: clone")?;
        super::device::pin(ctx, &rec, &Pin { root: v.root, patient: v.header.patient.clone() })?;
        if !is_bundle {
            rec.add_remote("origin", source)?;
            rec.set_verified_mark("origin", incoming, "hrx: verified")?;
        }
        rec.drop_incoming(if is_bundle { "bundle" } else { "origin" });
        rec.refresh_worktree()?;
        super::cache::store(&rec, &v, ctx.device_key().as_ref());
        super::device::mark_seen(ctx, dir, v.root, v.head, &v.header.patient, true);
        super::device::note_withdrawals(ctx, &v, false);
        Ok(Cloned {
            path: dir.display().to_string(),
            patient_name: v.certs.identity(&v.header.patient).map(|i| i.name).unwrap_or_default(),
            patient: v.header.patient.clone(),
            root: v.root.to_string(),
            commits: v.commits.len(),
            entries: v.entries.len(),
        })
    })();
    if result.is_err() {
        // Nothing unverified is left behind as if it were a record.
        if created {
            let _ = std::fs::remove_dir_all(dir);
        } else if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let _ =
                    if e.path().is_dir() { std::fs::remove_dir_all(e.path()) } else { std::fs::remove_file(e.path()) };
            }
        }
    }
    result
}

/// What `bundle create` wrote.
#[derive(Debug, Serialize)]
pub struct Bundled {
    /// The file.
    pub file: String,
    /// Its head.
    pub head: String,
    /// Commits in it.
    pub commits: usize,
}

/// Writes the record (or what is new since `since`) to a bundle file.
pub fn bundle_create(ctx: &mut Context, file: &Path, since: Option<&str>) -> Result<Bundled> {
    let rec = ctx.record()?;
    verified(ctx, &rec)?;
    let since = since.map(|s| rec.commit_named(s)).transpose().map_err(|e| Error::NotFound(format!("--since: {e}")))?;
    let (head, commits) = rec.write_bundle(file, since)?;
    Ok(Bundled { file: file.display().to_string(), head: head.to_string(), commits })
}

/// Imports a bundle: verified like a sync, then integrated.
pub fn bundle_import(ctx: &mut Context, file: &Path, accept_late: bool, progress: Progress) -> Result<Integrated> {
    let rec = ctx.record()?;
    let _lock = rec.lock()?;
    verified_as_is(ctx, &rec)?;
    let packs = rec.pack_files();
    let incoming = rec.read_bundle(file, "bundle")?;
    let done = integrate(ctx, &rec, &format!("bundle {}", file.display()), None, incoming, accept_late, progress)
        .inspect_err(|_| {
            rec.drop_packs_since(&packs);
            rec.drop_incoming("bundle");
        })?;
    verified(ctx, &rec)?;
    Ok(done)
}
