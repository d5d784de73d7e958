//! `hrx verify`: the history from its root, and the inner signatures of
//! every entry the caller can read.

use serde::Serialize;

use super::Context;
use super::read::{Reader, unlock_reader, views};
use crate::error::{Error, Result};
use crate::model::Fpr;
use crate::model::Reason;
use crate::verify::{Failure, verify as verify_history};

/// What `verify` found.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The head verified.
    pub head: String,
    /// The root commit.
    pub root: String,
    /// The patient (trust root), as the root commit names her.
    pub patient: Fpr,
    /// The patient's key now, when she has handed her first key over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_now: Option<Fpr>,
    /// Whether this device had pinned the root (init/clone); if not, the
    /// root was taken from the repository itself.
    pub pinned: bool,
    /// What `--accept-rollback` gave up: the history this device had
    /// verified here before, no longer in this copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gave_up: Option<super::device::GaveUp>,
    /// Commits verified.
    pub commits: usize,
    /// Entries in the record.
    pub entries: usize,
    /// Entries whose inner signature was checked (those the caller can read).
    pub inner_checked: usize,
    /// Why the rest were not checked, if they were not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inner_skipped: Option<String>,
    /// Commits the record holds that count for nothing (signed with a key
    /// after it was compromised, or drawing their authority from such a
    /// commit): (commit, why).
    pub void: Vec<(String, String)>,
}

/// Verifies the record; `inner` also decrypts what the caller can read to
/// check that each entry's inner signature is its committer's.
pub fn verify(ctx: &mut Context, inner: bool, accept_rollback: bool) -> Result<Report> {
    let rec = ctx.record()?;
    // From the root means every file: a copy may hide a FIFO among the
    // objects, where only a lookup of that object would find it.
    crate::repo::files::check_all(rec.git_dir())?;
    super::is_a_record(ctx, &rec)?;
    let pin = super::device::pinned(ctx, &rec)?;
    let now = ctx.clock.now();
    let v = verify_history(&rec, None, pin.as_ref(), now)?;
    let gave_up = if accept_rollback {
        super::device::accept_rollback(ctx, &rec, &v)?
    } else {
        super::device::check_not_rolled_back(ctx, &rec, &v)?;
        None
    };
    // A full verification from the root: later commands may continue from it.
    super::cache::store(&rec, &v, ctx.device_key().as_ref());
    let mut report = Report {
        head: v.head.to_string(),
        root: v.root.to_string(),
        patient: v.header.patient.clone(),
        patient_now: Some(v.policy.patient.clone()).filter(|p| *p != v.header.patient),
        pinned: pin.is_some(),
        gave_up,
        commits: v.commits.len(),
        entries: v.entries.len(),
        inner_checked: 0,
        inner_skipped: None,
        void: v.policy.void.iter().map(|(c, why)| (c.clone(), why.clone())).collect(),
    };
    if inner {
        check_inner(ctx, &rec, &v, &mut report)?;
    } else {
        report.inner_skipped = Some("not asked for (--no-decrypt)".into());
    }
    // Passed: this place's history was checked from the root now.
    super::device::mark_seen(ctx, &ctx.dir, v.root, v.head, &v.header.patient, true);
    Ok(report)
}

/// Decrypts what the caller can read to check each entry's inner signature.
fn check_inner(
    ctx: &mut Context,
    rec: &crate::repo::Record,
    v: &crate::verify::Verified,
    report: &mut Report,
) -> Result<()> {
    let now = ctx.clock.now();
    let mut reader = match unlock_reader(ctx) {
        Ok(Some(u)) => Reader::with(Some(u)),
        Ok(None) => {
            report.inner_skipped = Some("no secret key in the keystore".into());
            return Ok(());
        }
        Err(Error::Key(m)) => {
            report.inner_skipped = Some(m);
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let all: Vec<&crate::verify::EntryRef> = v.entries.iter().collect();
    // A thousand at a time: what is decrypted is checked and dropped, so
    // memory does not grow with the record.
    for part in all.chunks(1024) {
        for (e, view) in part.iter().zip(views(rec, v, part, &mut reader, now)?) {
            if let Some(p) = view.problems.first() {
                return Err(Error::Verification(Failure {
                    commit: Some(e.commit.to_string()),
                    code: view.problem_code.unwrap_or(Reason::InnerSignature),
                    reason: format!("entry {}: {p}", e.id),
                }));
            }
            if view.readable {
                report.inner_checked += 1;
            }
        }
    }
    Ok(())
}
