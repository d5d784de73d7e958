//! `hrx emergency open`: break-glass access to the emergency summary.
//!
//! The emergency key is a recipient of the entries in the emergency scope
//! (it must be able to read them with no one else present), so what protects
//! the patient is accountability, not cryptography: hrx opens those entries
//! to an emergency-only reader only after it has appended a signed access
//! event that the patient sees in `hrx audit`. (Someone who extracts the key
//! and decrypts with other tools leaves no event: say so to patients.)

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::Context;
use super::add::new_id;
use super::read::{EntryView, Filter, log};
use super::write::Start;
use crate::error::{Error, Result};
use crate::model::{Purpose, RepoPath, Right, Statement};
use crate::policy::{Change, Policy};

/// How long an emergency access event opens the summary for.
pub const WINDOW_HOURS: i64 = 24;

/// Whether `who` may read an entry in `category` (recorded at `recorded`)
/// only by breaking the glass, and has not: it ever held an emergency grant
/// covering the category, held no ordinary read grant covering it when the
/// entry was recorded nor holds one now, and has no access event in the
/// last [`WINDOW_HOURS`] under an emergency grant in force now.
///
/// The seal never lifts by itself: not when the emergency grant is revoked
/// or expires (the key still decrypts), and not with an earlier clock.
pub fn sealed(
    p: &Policy,
    who: &str,
    category: &crate::model::Category,
    recorded: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    if who == p.patient {
        return false;
    }
    let reads = |g: &crate::policy::GrantRecord| {
        p.holder(&g.grant.grantee) == who
            && g.grant.rights.contains(&Right::Read)
            && g.grant.categories.covers(category)
    };
    let ordinary = p
        .grants
        .values()
        .filter(|g| reads(g) && g.grant.purpose != Purpose::Emergency)
        .any(|g| p.in_force(g, now) || p.was_in_force(g, recorded));
    if ordinary {
        return false;
    }
    let emergency: Vec<&crate::policy::GrantRecord> =
        p.grants.values().filter(|g| reads(g) && g.grant.purpose == Purpose::Emergency).collect();
    if emergency.is_empty() {
        return false;
    }
    let open = p.emergencies.iter().any(|e| {
        e.by == who
            && e.at <= now
            && now - e.at < Duration::hours(WINDOW_HOURS)
            && emergency.iter().any(|g| g.id == e.grant && p.in_force(g, now))
    });
    !open
}

/// What `emergency open` did and shows.
#[derive(Debug, Serialize)]
pub struct Opened {
    /// The access event's id.
    pub event: String,
    /// The commit recording it.
    pub commit: String,
    /// The emergency grant used.
    pub grant: String,
    /// The emergency summary: the entries in scope.
    pub entries: Vec<EntryView>,
}

/// Records a break-glass access by the caller and returns the emergency summary.
pub fn open(ctx: &mut Context, reason: Option<String>) -> Result<Opened> {
    if reason.as_ref().is_some_and(|r| r.len() > 1000) {
        return Err(Error::Usage(
            "--reason is over 1000 bytes; keep it short (it is visible to anyone with a copy)".into(),
        ));
    }
    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let me = ctx.key_fpr()?;
    let (w, (grant, scope)) = super::write::begin(ctx, &rec, Start::Head, None, |_, v| {
        v.policy
            .active_grants(&me, now)
            .find(|g| g.grant.purpose == Purpose::Emergency)
            .map(|g| (g.id, g.grant.categories.clone()))
            .ok_or_else(|| {
                Error::Denied(format!(
                    "your key {me} holds no emergency grant in force for this record; nothing was recorded"
                ))
            })
    })?;
    let id = new_id(now)?;
    let st = Statement::EmergencyAccess { id, issued_at: now, grant, reason };
    let files = vec![(RepoPath::Statement(id).to_path(), st.to_yaml().into_bytes())];
    let commit = w.commit(ctx, &rec, &files, &[Change::Statement(st)], "hrx: emergency access")?;
    let entries = log(ctx, &Filter::default())?
        .into_iter()
        .filter(|e| e.category.parse().is_ok_and(|c| scope.covers(&c)))
        .collect();
    Ok(Opened { event: id.to_string(), commit: commit.to_string(), grant: grant.to_string(), entries })
}
