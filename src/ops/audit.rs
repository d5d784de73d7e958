//! `hrx audit`: the trail a patient reads. Every commit with its signer and
//! what it did, and whether it verified.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Context;
use crate::crypto::Identity;
use crate::error::{Error, Result};
use crate::model::Reason;
use crate::model::Statement;
use crate::model::statement::Scope;
use crate::policy::Change;
use crate::verify::Failure;

/// One thing a commit did: a stable code for scripts, and the text a
/// person reads.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    /// `create-record`, `add-certificate`, `update-certificate`, `grant`,
    /// `revoke-grant`, `revoke-key`, `rotate-key`, `set-up-recovery`,
    /// `emergency-access`, `add-entry`, `give-access`, `merge`, or `commit`
    /// (a commit of a history that does not verify, by its subject).
    pub code: &'static str,
    /// What it did, said for a person (printable).
    pub text: String,
}

fn act(code: &'static str, text: String) -> Action {
    Action { code, text }
}

/// Where a commit of the trail stands (serialised kebab-case).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It verified.
    Verified,
    /// It verified, but is signed with a compromised key or draws its
    /// authority from such a commit: it counts for nothing.
    Void,
    /// The first commit that does not verify.
    Failed,
    /// After the failed one: not judged.
    Unverified,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Verified => "verified",
            Status::Void => "void",
            Status::Failed => "failed",
            Status::Unverified => "unverified",
        })
    }
}

/// One commit in the trail.
#[derive(Debug, Serialize)]
pub struct AuditEvent {
    /// The commit.
    pub commit: String,
    /// Its signature time (or commit time when unverified).
    pub time: DateTime<Utc>,
    /// The signer, if the commit verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<Identity>,
    /// What it did, one each.
    pub actions: Vec<Action>,
    /// Where the commit stands.
    pub status: Status,
    /// Whether this is a break-glass access.
    pub emergency: bool,
    /// Why it failed, for the failed commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Suspicious timing that verification cannot decide (see
    /// [`lateness`]): a grantee's commit written on a copy that was behind,
    /// or beside a revocation of its grant that it did not know.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// How much later than the history it was written on a grantee's commit
/// may be before the trail points it out.
pub const STALE_AFTER_HOURS: i64 = 24;

/// The commits of a verified history by time, built once per trail.
pub struct Timeline<'v> {
    by_time: Vec<&'v crate::verify::CommitInfo>,
    time_of: std::collections::HashMap<git2::Oid, DateTime<Utc>>,
}

impl<'v> Timeline<'v> {
    /// Indexes `v`'s commits.
    pub fn new(v: &'v crate::verify::Verified) -> Timeline<'v> {
        let mut by_time: Vec<&crate::verify::CommitInfo> = v.commits.iter().collect();
        by_time.sort_by_key(|c| c.time);
        Timeline { by_time, time_of: v.commits.iter().map(|c| (c.oid, c.time)).collect() }
    }

    /// The commits signed strictly between `a` and `b`.
    fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> &[&'v crate::verify::CommitInfo] {
        let from = self.by_time.partition_point(|c| c.time <= a);
        let to = self.by_time.partition_point(|c| c.time < b);
        &self.by_time[from..to.max(from)]
    }
}

/// Timing a patient should see, for one verified commit `c`: time is what
/// the signer claims, so an old copy (a device offline, or a revoked
/// provider writing on a copy from before its revocation and setting its
/// clock back) shows only in how the commit sits among the others.
pub fn lateness(
    rec: &crate::repo::Record,
    v: &crate::verify::Verified,
    line: &Timeline,
    c: &crate::verify::CommitInfo,
) -> Vec<String> {
    let mut out = vec![];
    if c.needs.is_empty() {
        return out; // the patient's own commits
    }
    let contains = |a: git2::Oid, b: git2::Oid| rec.contains(a, b);
    // Revocations of the grants it used, on lines it did not contain.
    for a in &c.needs {
        for id in a {
            let Some(g) = v.policy.grants.get(id) else { continue };
            if let (Some((_, rt)), Some(r)) =
                (g.revoked, g.revoked_in.as_deref().and_then(|r| git2::Oid::from_str(r).ok()))
                && c.time < rt
                && !contains(r, c.oid)
                && !contains(c.oid, r)
            {
                out.push(format!(
                    "written beside the revocation of grant {id} ({}), on a copy that did not have it: \
                     before it by the signer's clock",
                    rt.to_rfc3339()
                ));
            }
        }
    }
    // Commits by others it did not contain, made between its parent and it.
    if let Ok(commit) = rec.repo.find_commit(c.oid)
        && let Some(pt) = commit.parent_ids().filter_map(|p| line.time_of.get(&p)).max()
        && c.time - *pt > chrono::Duration::hours(STALE_AFTER_HOURS)
    {
        let missed =
            line.between(*pt, c.time).iter().filter(|x| x.signer != c.signer && !contains(c.oid, x.oid)).count();
        if missed > 0 {
            out.push(format!(
                "written on a copy {} days behind: {missed} commit(s) by others made meanwhile were not in it",
                (c.time - *pt).num_days()
            ));
        }
    }
    out
}

/// The whole trail, oldest first, and the verification failure if any.
#[derive(Debug, Serialize)]
pub struct Audit {
    /// Every commit.
    pub events: Vec<AuditEvent>,
    /// Whether the whole history verified.
    pub verified: bool,
    /// The first problem, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

fn scope(s: &Scope) -> String {
    match s {
        Scope::All(_) => "all categories".into(),
        Scope::Some(cs) => cs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "),
    }
}

/// Builds the audit trail.
pub fn audit(ctx: &mut Context) -> Result<Audit> {
    let rec = ctx.record()?;
    let pin = super::device::pinned(ctx, &rec)?;
    let now = ctx.clock.now();
    // As every command: a copy rolled back (a revocation undone) is told,
    // not audited as if it were the record.
    let checked = super::cache::verified(&rec, pin.as_ref(), now, false, ctx.device_key().as_ref()).and_then(|v| {
        match super::device::check_not_rolled_back(ctx, &rec, &v) {
            Ok(()) => Ok(v),
            Err(Error::Verification(f)) => Err(f),
            Err(e) => Err(crate::verify::Failure { commit: None, code: Reason::Git, reason: e.to_string() }),
        }
    });
    match checked {
        Ok(v) => {
            let name = |f: &str| v.certs.identity(f).map(|i| i.name).unwrap_or_else(|| f.to_string());
            let line = Timeline::new(&v);
            let events = v
                .commits
                .iter()
                .map(|c| {
                    let mut actions = Vec::new();
                    let mut emergency = false;
                    let mut wraps: Vec<(String, usize)> = Vec::new();
                    if c.oid == v.root {
                        actions.push(act("create-record", "created the record".to_string()));
                    }
                    for ch in &c.changes {
                        match ch {
                            Change::Key(f) => {
                                actions.push(act("add-certificate", format!("added the certificate of {}", name(f))))
                            }
                            Change::KeyUpdate { fpr, revokes, .. } => actions.push(act(
                                "update-certificate",
                                if revokes.is_empty() {
                                    format!("updated the certificate of {}", name(fpr))
                                } else {
                                    format!(
                                        "updated the certificate of {}, revoking {} key(s)",
                                        name(fpr),
                                        revokes.len()
                                    )
                                },
                            )),
                            Change::Statement(Statement::Grant { id, grant, .. }) => actions.push(act(
                                "grant",
                                format!(
                                    "granted {} {} on {} for {}{} (grant {id})",
                                    name(&grant.grantee),
                                    grant
                                        .rights
                                        .iter()
                                        .map(|r| format!("{r:?}").to_lowercase())
                                        .collect::<Vec<_>>()
                                        .join("+"),
                                    scope(&grant.categories),
                                    format!("{:?}", grant.purpose).to_lowercase(),
                                    grant.until.map(|u| format!(" until {}", u.date_naive())).unwrap_or_default()
                                ),
                            )),
                            Change::Statement(Statement::Revoke { revokes, .. }) => {
                                let g =
                                    v.policy.grants.get(revokes).map(|g| name(&g.grant.grantee)).unwrap_or_default();
                                actions.push(act("revoke-grant", format!("revoked grant {revokes} of {g}")))
                            }
                            Change::Statement(Statement::RevokeKey { certificate, reason, since, .. }) => {
                                actions.push(act(
                                    "revoke-key",
                                    format!(
                                        "revoked the key of {} as {}{}",
                                        name(certificate),
                                        reason.as_str(),
                                        since.map(|s| format!(" since {}", s.to_rfc3339())).unwrap_or_default()
                                    ),
                                ))
                            }
                            Change::Statement(Statement::RotateKey { from, to, .. }) => actions.push(act(
                                "rotate-key",
                                format!("handed the place of {} ({from}) over to a new key {to}", name(from)),
                            )),
                            Change::Statement(Statement::Recovery { threshold, trustees, .. }) => actions.push(act(
                                "set-up-recovery",
                                format!(
                                    "set up recovery of the patient's key: any {threshold} of {} trustees ({})",
                                    trustees.len(),
                                    trustees.iter().map(|t| name(&t.certificate)).collect::<Vec<_>>().join(", ")
                                ),
                            )),
                            Change::Statement(Statement::ShareAccess {
                                share, accessed_at, recipient, files, ..
                            }) => actions.push(act(
                                "share-access",
                                format!(
                                    "shared link {share} opened by {} on {} ({files} file{})",
                                    crate::model::text::printable(recipient),
                                    accessed_at.format("%Y-%m-%d %H:%M UTC"),
                                    if *files == 1 { "" } else { "s" }
                                ),
                            )),
                            Change::Statement(Statement::EmergencyAccess { reason, .. }) => {
                                emergency = true;
                                actions.push(act(
                                    "emergency-access",
                                    format!(
                                        "EMERGENCY ACCESS to the emergency summary{}",
                                        reason
                                            .as_ref()
                                            .map(|r| format!(": {}", crate::model::text::printable(r)))
                                            .unwrap_or_default()
                                    ),
                                ))
                            }
                            Change::Entry(cat, id) => {
                                actions.push(act("add-entry", format!("added entry {id} ({cat})")))
                            }
                            Change::Access { reader, .. } => match wraps.iter_mut().find(|(r, _)| r == reader) {
                                Some((_, n)) => *n += 1,
                                None => wraps.push((reader.clone(), 1)),
                            },
                        }
                    }
                    for (r, n) in wraps {
                        actions.push(act("give-access", format!("gave {} access to {n} earlier entries", name(&r))));
                    }
                    if c.parents > 1 && actions.is_empty() {
                        actions.push(act("merge", "merged two copies of the record".into()));
                    }
                    let void = v.policy.void_of(c.oid);
                    let mut warnings = lateness(&rec, &v, &line, c);
                    if let Some(why) = void {
                        warnings.insert(0, format!("VOID: counts for nothing: {why}"));
                    }
                    AuditEvent {
                        commit: c.oid.to_string(),
                        time: c.time,
                        signer: v.certs.identity(&c.signer),
                        actions,
                        status: if void.is_some() { Status::Void } else { Status::Verified },
                        emergency,
                        problem: None,
                        warnings,
                    }
                })
                .collect();
            Ok(Audit { events, verified: true, failure: None })
        }
        Err(f) => {
            // List what is there; commits up to the bad one passed (verify
            // walks in this order), the rest were not judged.
            // Read with the verifier's bounds: this history is not authentic.
            let listed = match rec.head()? {
                Some(h) => crate::verify::commits_bounded(&rec, h).unwrap_or_default(),
                None => vec![],
            };
            let mut status = Status::Verified;
            let mut events = Vec::new();
            for (oid, time, summary) in listed {
                let bad = f.commit.as_deref() == Some(oid.to_string().as_str());
                if bad {
                    status = Status::Failed;
                }
                events.push(AuditEvent {
                    commit: oid.to_string(),
                    time,
                    signer: None,
                    actions: vec![act("commit", crate::model::text::printable(&summary).into_owned())],
                    status,
                    emergency: false,
                    problem: bad.then(|| f.reason.clone()),
                    warnings: vec![],
                });
                if bad {
                    status = Status::Unverified;
                }
            }
            Ok(Audit { events, verified: false, failure: Some(f) })
        }
    }
}
