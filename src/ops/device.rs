//! What this device remembers about the records it has held, kept in the
//! hrx home and never in a record: whoever can write to a record's
//! directory (a USB stick in a clinic's computer) can change anything in
//! it, `.git/config` included.
//!
//! - `roots/ROOT`: the trust roots this device pinned (`hrx init`, `hrx
//!   clone`): the root commit and the patient it names. A record's
//!   `.git/config` (`hrx.root`) only says which of them to look for; a
//!   root the device never pinned is not believed because a copy says so.
//! - `seen/PLACE`: per place (a record's directory), the root and head
//!   this device last verified there, since when, and when the history
//!   was last verified from the root. A place's history that no longer
//!   holds that head was rolled back; another root there is another
//!   record.

use chrono::{DateTime, Utc};
use git2::Oid;
use serde::Serialize;

use super::Context;
use crate::error::{Error, Result};
use crate::model::Fpr;
use crate::model::Reason;
use crate::repo::{Pin, Record};
use crate::verify::{Failure, Verified};

/// What this device last verified at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The root commit of the record there.
    pub root: Oid,
    /// The head verified there.
    pub head: Oid,
    /// The patient the root names (unknown in marks of hrx before 0.12).
    pub patient: Option<Fpr>,
    /// When this head was first verified there.
    pub since: Option<DateTime<Utc>>,
    /// When `hrx verify` last checked the whole history there.
    pub full: Option<DateTime<Utc>>,
}

/// What a place's device-seen head says about the history there.
#[derive(Debug, Clone, Serialize)]
pub struct GaveUp {
    /// The head this device had verified at the place.
    pub head: String,
    /// The root of the record there, when another record was there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_root: Option<String>,
    /// How many of its commits the history here no longer holds (None:
    /// the commits are not in this copy at all, so not even counted).
    pub commits: Option<usize>,
    /// The newest of them, as "commit subject" lines (at most five).
    pub newest: Vec<String>,
}

/// Where this device keeps what it last verified at `place` (a record's
/// directory as the user names it). By the place, not by where git finds
/// the repository from there: that is the directory's contents (a gitfile,
/// a link, a `.git` moved to the parent), which the same person controls.
/// Kept under two names: the path as named (made absolute, `.` and `..`
/// taken away, no link followed: a link put where the record was is not
/// the record), and the path with every link resolved (so `rec`, `./rec`
/// and a link the user made to it are one place). Each also as the
/// directory above it that git finds the record in (`rec` for `rec/.git`
/// and `rec/sub`): the same record reached from inside is the same place.
fn seen_files(ctx: &Context, place: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut named = std::env::current_dir().unwrap_or_default();
    for c in place.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                named.pop();
            }
            other => named.push(other.as_os_str()),
        }
    }
    let resolved = std::fs::canonicalize(place).unwrap_or_else(|_| named.clone());
    let mut out = vec![];
    for p in [&named, &resolved].into_iter().flat_map(|p| places_of(p)) {
        if let Ok(d) = crate::crypto::sha256_hex(p.as_os_str().as_encoded_bytes()) {
            let f = ctx.keystore.home().join("seen").join(&d[..32]);
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// `dir`, and the directory above it holding the repository git finds
/// from there (one with a `.git`, or a bare repository; a `.git` itself
/// counts as its parent), if it is another. By what is there, read with
/// stat alone.
fn places_of(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    for a in dir.ancestors() {
        if a.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if std::fs::symlink_metadata(a.join(".git")).is_ok() || crate::repo::files::is_bare(a) {
            if a != dir {
                out.push(a.to_path_buf());
            }
            break;
        }
    }
    out
}

/// What the history withdraws (grants revoked, keys revoked in updates or
/// as compromised, keys handed over), as lines: a copy older than one this
/// device verified lacks some, wherever it is found.
fn withdrawals(p: &crate::policy::Policy) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    out.extend(p.grants.values().filter(|g| g.revoked.is_some()).map(|g| format!("revoked grant {}", g.id)));
    out.extend(p.revoked_keys.keys().map(|k| format!("revoked key {k}")));
    out.extend(p.compromises.keys().map(|c| format!("compromise {c}")));
    out.extend(p.rotated.keys().map(|k| format!("handed over key {k}")));
    out
}

/// Whether a withdrawal seen before holds in `p` by other means: a key
/// handed over whose hand-over a compromise then voided is withdrawn by
/// the compromise (the record undoes the thief's rotation, and takes the
/// key away for good).
fn still_withdrawn(w: &str, p: &crate::policy::Policy) -> bool {
    let key_gone = |k: &str| p.revoked_keys.contains_key(k) || p.compromises.values().any(|c| c.cert == k);
    match w.strip_prefix("handed over key ") {
        Some(k) => key_gone(k),
        None => false,
    }
}

/// Writes one of the device's files (0600, in a 0700 directory made if
/// need be).
fn write_home_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        crate::fsutil::private_dir(dir)?;
    }
    crate::fsutil::write_private(path, bytes)
}

fn withdrawn_file(ctx: &Context, root: Oid) -> std::path::PathBuf {
    ctx.keystore.home().join("withdrawn").join(root.to_string())
}

/// What this device has seen withdrawn from the record with `root`.
fn withdrawn(ctx: &Context, root: Oid) -> std::collections::BTreeSet<String> {
    crate::fsutil::read_small(&withdrawn_file(ctx, root), 16 << 20, "a list of withdrawals")
        .map(|b| String::from_utf8_lossy(&b).lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Remembers what `v` withdraws (with what was seen before, unless
/// `reset`: an older history accepted on purpose).
pub(crate) fn note_withdrawals(ctx: &Context, v: &Verified, reset: bool) {
    let now = withdrawals(&v.policy);
    let mut all = if reset { Default::default() } else { withdrawn(ctx, v.root) };
    if !reset && now.is_subset(&all) {
        return;
    }
    all.extend(now);
    let text: String = all.iter().map(|l| format!("{l}\n")).collect();
    let _ = write_home_file(&withdrawn_file(ctx, v.root), text.as_bytes());
}

fn root_file(ctx: &Context, root: Oid) -> std::path::PathBuf {
    ctx.keystore.home().join("roots").join(root.to_string())
}

/// What this device last verified at `place`, if anything (under either
/// of its names; see [`seen_files`]).
pub fn seen(ctx: &Context, place: &std::path::Path) -> Option<Seen> {
    seen_files(ctx, place).iter().find_map(|f| read_seen(f))
}

fn read_seen(file: &std::path::Path) -> Option<Seen> {
    let b = crate::fsutil::read_small(file, 1000, "a head mark").ok()?;
    let text = String::from_utf8_lossy(&b);
    let mut words = text.split_whitespace();
    let root = Oid::from_str(words.next()?).ok()?;
    let head = Oid::from_str(words.next()?).ok()?;
    let mut s = Seen { root, head, patient: None, since: None, full: None };
    for w in words {
        let time = |t: &str| DateTime::parse_from_rfc3339(t).ok().map(|t| t.with_timezone(&Utc));
        if let Some(p) = w.strip_prefix("patient=") {
            s.patient = crate::model::parse_fpr(p);
        } else if let Some(t) = w.strip_prefix("since=") {
            s.since = time(t);
        } else if let Some(t) = w.strip_prefix("full=") {
            s.full = time(t);
        }
    }
    Some(s)
}

fn write_seen_file(path: &std::path::Path, s: &Seen) {
    let mut line = format!("{} {}", s.root, s.head);
    if let Some(p) = &s.patient {
        line.push_str(&format!(" patient={p}"));
    }
    for (k, t) in [("since", s.since), ("full", s.full)] {
        if let Some(t) = t {
            line.push_str(&format!(" {k}={}", t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
        }
    }
    let _ = write_home_file(path, format!("{line}\n").as_bytes());
}

/// Notes that this device verified `head` of the record with `root` (of
/// `patient`) at `place` (best effort); `full`: from the root, by `hrx
/// verify`.
pub fn mark_seen(ctx: &Context, place: &std::path::Path, root: Oid, head: Oid, patient: &Fpr, full: bool) {
    let files = seen_files(ctx, place);
    let old = files.iter().find_map(|f| read_seen(f));
    write_marks(ctx, &files, old, root, head, patient, full);
}

/// Writes the mark of `head` to `files`, from the `old` one.
fn write_marks(
    ctx: &Context,
    files: &[std::path::PathBuf],
    old: Option<Seen>,
    root: Oid,
    head: Oid,
    patient: &Fpr,
    full: bool,
) {
    let now = ctx.clock.now();
    let old = old.filter(|s| s.root == root);
    let since = match &old {
        Some(s) if s.head == head => s.since,
        _ => Some(now),
    };
    let full = if full { Some(now) } else { old.and_then(|s| s.full) };
    let s = Seen { root, head, patient: Some(patient.clone()), since, full };
    for f in files {
        write_seen_file(f, &s);
    }
}

/// Pins the trust root of `rec` on this device (init, clone), and names it
/// in the record's `.git/config` so that the copy finds it wherever it is
/// moved.
pub fn pin(ctx: &Context, rec: &Record, pin: &Pin) -> Result<()> {
    write_home_file(&root_file(ctx, pin.root), format!("{}\n", pin.patient).as_bytes())?;
    rec.pin(pin)
}

/// The patient of a root this device pinned, if it did.
fn pinned_root(ctx: &Context, root: Oid) -> Option<Fpr> {
    let b = crate::fsutil::read_small(&root_file(ctx, root), 200, "a pinned root").ok()?;
    crate::model::parse_fpr(String::from_utf8_lossy(&b).trim())
}

/// The trust root this device holds for `rec`: a root it pinned that the
/// copy's `.git/config` names, or the one it names if this device verified
/// that record at this place before (a mark of an older hrx). None: the
/// device never pinned this record, and its root will be taken from the
/// history itself. Another root at a place this device knows is not
/// judged here but by [`check_not_rolled_back`], which says so.
pub fn pinned(ctx: &Context, rec: &Record) -> Result<Option<Pin>> {
    let Some(named) = rec.pinned().ok().flatten() else { return Ok(None) };
    if pinned_root(ctx, named.root).is_some_and(|p| p == named.patient) {
        return Ok(Some(named));
    }
    // A mark of session 11's hrx (it holds no patient) stood for the pin
    // then; a mark of this one is only what was verified here, and pins
    // nothing (whoever made a copy wrote its `.git/config`).
    Ok(seen(ctx, &ctx.dir).filter(|s| s.root == named.root && s.patient.is_none()).map(|_| named))
}

/// [`pinned`], or else the root this device verified at this place before
/// (a copy made with plain git and checked here with `hrx verify`).
pub fn pinned_or_seen(ctx: &Context, rec: &Record) -> Result<Option<Pin>> {
    if let Some(p) = pinned(ctx, rec)? {
        return Ok(Some(p));
    }
    Ok(seen(ctx, &ctx.dir).and_then(|s| Some(Pin { root: s.root, patient: s.patient? })))
}

/// Refuses a history that no longer holds the head this device verified
/// at this place before (its branch reset to an older commit, or
/// replaced), or another record in its place: either could bring a
/// revoked grant back into force, and the patient's next entry would go
/// to its grantee. Then remembers the head.
pub fn check_not_rolled_back(ctx: &Context, rec: &Record, v: &Verified) -> Result<()> {
    let way_out = "`hrx sync` brings removed commits back from a remote; if an old backup or another record was put here on purpose, `hrx verify --accept-rollback` accepts the history as it is (and says what it gives up)";
    let files = seen_files(ctx, &ctx.dir);
    let marks: Vec<Option<Seen>> = files.iter().map(|f| read_seen(f)).collect();
    for s in marks.iter().flatten() {
        check_mark(rec, v, s, way_out)?;
    }
    // Wherever the copy is found (a link put where the record was, another
    // name for the stick): it must hold every withdrawal this device has
    // seen in this record, or a revoked grant is back in force.
    let seen_withdrawn = withdrawn(ctx, v.root);
    let now_withdrawn = withdrawals(&v.policy);
    let missing: Vec<String> = seen_withdrawn
        .iter()
        .filter(|w| !now_withdrawn.contains(*w) && !still_withdrawn(w, &v.policy))
        .cloned()
        .collect();
    if !missing.is_empty() {
        // A writer may have withdrawn meanwhile, after this process read
        // the branch: the branch moved on, not back.
        if rec.head()?.is_some_and(|n| n != v.head) {
            return Ok(());
        }
        return Err(Error::Verification(Failure {
            commit: Some(v.head.to_string()),
            code: Reason::RolledBack,
            reason: format!(
                "this copy is older than one this device verified: it lacks what was withdrawn since ({}{}), so what was revoked would be in force again; {way_out}",
                missing.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                if missing.len() > 3 { format!(", and {} more", missing.len() - 3) } else { String::new() }
            ),
        }));
    }
    note_withdrawals(ctx, v, false);
    if marks.iter().any(|m| m.as_ref().is_none_or(|s| s.head != v.head || s.root != v.root)) {
        let old = marks.into_iter().flatten().next();
        write_marks(ctx, &files, old, v.root, v.head, &v.header.patient, false);
    }
    Ok(())
}

/// [`check_not_rolled_back`] against one mark.
fn check_mark(rec: &Record, v: &Verified, s: &Seen, way_out: &str) -> Result<()> {
    if s.root != v.root {
        return Err(Error::Verification(Failure {
            commit: Some(v.root.to_string()),
            code: Reason::RootRewritten,
            reason: format!(
                "another record is in this place: its root commit is {}, the record this device verified here before had root {}; {way_out}",
                &v.root.to_string()[..12],
                &s.root.to_string()[..12]
            ),
        }));
    }
    if !rec.contains(v.head, s.head) {
        // Another process may have written meanwhile (and marked its
        // head after this one read the branch): that is the branch
        // moving on, not back. Only a branch that still lacks the mark
        // was rolled back.
        let now = rec.head()?;
        if now.is_some_and(|n| n == s.head || rec.descends_from(n, s.head)) {
            return Ok(());
        }
        let lost = gave_up(rec, s, v.head);
        return Err(Error::Verification(Failure {
            commit: Some(v.head.to_string()),
            code: Reason::RolledBack,
            reason: format!(
                "this copy was rolled back: its history no longer holds commit {}, which this device verified here{}; {}; {way_out}",
                &s.head.to_string()[..12],
                s.since.map(|t| format!(" on {}", t.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default(),
                describe(&lost)
            ),
        }));
    }
    Ok(())
}

/// What a history at `head` lacks of what this device verified at the
/// place (`s`).
fn gave_up(rec: &Record, s: &Seen, head: Oid) -> GaveUp {
    let mut g = GaveUp { head: s.head.to_string(), other_root: None, commits: None, newest: vec![] };
    if rec.repo.find_commit(s.head).is_err() {
        return g;
    }
    let Ok(mut walk) = rec.repo.revwalk() else { return g };
    if walk.push(s.head).is_err() || walk.hide(head).is_err() {
        return g;
    }
    let mut n = 0;
    for oid in walk.flatten() {
        n += 1;
        if g.newest.len() < 5
            && let Ok(c) = rec.repo.find_commit(oid)
        {
            let subject = String::from_utf8_lossy(c.message_bytes()).lines().next().unwrap_or("").to_string();
            g.newest.push(format!("{} {}", &oid.to_string()[..12], crate::model::text::printable(&subject)));
        }
    }
    g.commits = Some(n);
    g
}

/// One phrase for what a rollback lost.
pub fn describe(g: &GaveUp) -> String {
    if let Some(r) = &g.other_root {
        return format!(
            "the record this device verified here before (root {}, head {}) is no longer here",
            &r[..12.min(r.len())],
            &g.head[..12.min(g.head.len())]
        );
    }
    match g.commits {
        None => "its commits are not in this copy, so what they held is unknown here".into(),
        Some(n) => format!(
            "{n} commit{} this device verified here {} missing (newest: {})",
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" },
            g.newest.join("; ")
        ),
    }
}

/// Accepts the history `v` at this place as it is (`hrx verify
/// --accept-rollback`): forgets what this device verified here before,
/// remembers `v` and pins its root; returns what was given up, if the
/// device had seen more here.
pub fn accept_rollback(ctx: &Context, rec: &Record, v: &Verified) -> Result<Option<GaveUp>> {
    let lost = match seen(ctx, &ctx.dir) {
        Some(s) if s.root != v.root => Some(GaveUp {
            head: s.head.to_string(),
            other_root: Some(s.root.to_string()),
            commits: None,
            newest: vec![],
        }),
        Some(s) if !rec.contains(v.head, s.head) => Some(gave_up(rec, &s, v.head)),
        _ => None,
    };
    for path in seen_files(ctx, &ctx.dir) {
        let _ = std::fs::remove_file(path);
    }
    note_withdrawals(ctx, v, true);
    pin(ctx, rec, &Pin { root: v.root, patient: v.header.patient.clone() })?;
    mark_seen(ctx, &ctx.dir, v.root, v.head, &v.header.patient, true);
    Ok(lost)
}
