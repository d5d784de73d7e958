//! `hrx status`: the caller's key and its standing in the record, with
//! what needs doing before it bites (an expiring key, a grantee's).

use serde::Serialize;

use super::Context;
use crate::crypto::keystore::KeyInfo;
use crate::error::{Error, Result};

/// Where the caller stands.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The caller's key (the default, or `--key`), if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyInfo>,
    /// The record, when run in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordStatus>,
    /// What needs doing, one line each.
    pub warnings: Vec<String>,
}

/// The record as the caller's copy has verified it.
#[derive(Debug, Serialize)]
pub struct RecordStatus {
    /// The root commit.
    pub root: String,
    /// The head verified.
    pub head: String,
    /// The patient now (after any rotation).
    pub patient: String,
    /// The caller's part: `patient`, `delegate`, `grantee`, `participant`
    /// (no grant in force) or `none`.
    pub role: &'static str,
    /// Grants in force.
    pub active_grants: usize,
    /// When this device first verified the head here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_since: Option<chrono::DateTime<chrono::Utc>>,
    /// When `hrx verify` last checked the whole history here (None: never
    /// on this device at this place).
    pub verified_from_root: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether this device pinned the record's root (made or cloned it
    /// here, or verified it here before).
    pub pinned: bool,
}

/// The caller's status; never fails for want of a key or a record.
pub fn status(ctx: &mut Context) -> Result<Status> {
    let now = ctx.clock.now();
    let mut warnings = vec![];
    let me = ctx.key_fpr().ok();
    let key = match &me {
        Some(f) => ctx.keystore.info(f, now)?,
        None => None,
    };
    match &key {
        None => warnings.push(
            "you have no key: make one with `hrx key generate --name NAME`, or import one (`hrx key import FILE`)"
                .into(),
        ),
        Some(k) => match (k.validity.status, k.validity.expires) {
            ("expires-soon", Some(e)) => warnings.push(format!(
                "your key expires on {} ({} days): extend it with `hrx key extend --for 2y`",
                e.format("%Y-%m-%d"),
                (e - now).num_days()
            )),
            ("expired", _) => warnings.push("your key has expired: extend it with `hrx key extend --for 2y`".into()),
            ("revoked", _) => {
                warnings.push("your key is revoked: it signs nothing; ask the patient for a grant to a new key".into())
            }
            _ => {}
        },
    }
    let record = match ctx.record() {
        // Outside a record, status is about the key alone; a copy that is
        // there but refused (unsafe to open) is said, not passed over.
        Err(Error::NotFound(_)) => None,
        Err(e) => return Err(e),
        Ok(rec) => {
            let v = super::verified_head(ctx, &rec)?;
            let p = &v.policy;
            let role = match &me {
                Some(f) if *f == p.patient => "patient",
                Some(f) if p.is_manager(f, now) => "delegate",
                Some(f) if p.active_grants(f, now).next().is_some() => "grantee",
                Some(f) if p.keys.contains(f) => "participant",
                _ => "none",
            };
            if let Some(f) = &me
                && p.cert_revoked(f, now)
            {
                warnings.push(match p.rotated.get(f) {
                    Some(r) => format!("your key was replaced in this record by {}: use that one (--key)", r.to),
                    None => "your key is revoked in this record: it signs nothing more here".into(),
                });
            }
            let views = super::grant::views(&v, false, now);
            if role == "patient" || role == "delegate" {
                for g in &views {
                    if let Some(w) = &g.warning {
                        warnings.push(format!("grant {}: {w}", g.id));
                    }
                }
            }
            let seen = super::device::seen(ctx, &ctx.dir).filter(|s| s.root == v.root);
            let pinned = super::device::pinned(ctx, &rec)?.is_some_and(|p| p.root == v.root);
            if !pinned {
                warnings.push(
                    "this device has not pinned this record's root: check it from the root with `hrx verify`".into(),
                );
            }
            Some(RecordStatus {
                head_since: seen.as_ref().filter(|s| s.head == v.head).and_then(|s| s.since),
                verified_from_root: seen.and_then(|s| s.full),
                pinned,
                root: v.root.to_string(),
                head: v.head.to_string(),
                patient: p.patient.clone(),
                role,
                active_grants: views.iter().filter(|g| g.status == super::grant::GrantStatus::Active).count(),
            })
        }
    };
    Ok(Status { key, record, warnings })
}
