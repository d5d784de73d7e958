//! `hrx grant`: the patient gives a participant rights on categories.

use chrono::{DateTime, Utc};
use sequoia_openpgp::serialize::SerializeInto;
use serde::Serialize;

use super::add::new_id;
use super::{Context, verified};
use crate::crypto::commit::parse_cert;
use crate::error::{Error, Result};
use crate::model::statement::Scope;
use crate::model::{Fpr, Grant, Purpose, RepoPath, Right, Statement};

/// What to grant.
#[derive(Debug, Clone)]
pub struct GrantRequest {
    /// The grantee's fingerprint (its certificate in the keystore).
    pub grantee: Fpr,
    /// Categories.
    pub categories: Scope,
    /// Rights.
    pub rights: Vec<Right>,
    /// Purpose.
    pub purpose: Purpose,
    /// From (default now).
    pub from: Option<DateTime<Utc>>,
    /// Until.
    pub until: Option<DateTime<Utc>>,
    /// Note.
    pub note: Option<String>,
}

/// What `grant` did.
#[derive(Debug, Serialize)]
pub struct Granted {
    /// The grant id.
    pub id: String,
    /// The commit.
    pub commit: String,
    /// Whether the grantee's certificate was added to keys/ with it.
    pub key_added: bool,
}

/// Adds a grant, signed by the caller, who must be the patient.
pub fn grant(ctx: &mut Context, req: GrantRequest) -> Result<Granted> {
    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let me = ctx.key_fpr()?;
    let cert = ctx.keystore.cert(&req.grantee)?;
    let from = req.from.unwrap_or(now);
    if req.until.is_some_and(|u| u <= from) {
        return Err(Error::Usage("--until must be after --from (or after now)".into()));
    }
    let v = verified(ctx, &rec)?;
    if me != v.policy.patient {
        return Err(Error::Denied(format!("only the patient ({}) may grant access to this record", v.policy.patient)));
    }
    let mut unlocked = ctx.unlock()?;
    let _lock = rec.lock()?;
    let v = verified(ctx, &rec)?;
    let id = new_id(now)?;
    let st = Statement::Grant {
        id,
        issued_at: now,
        grant: Grant {
            grantee: req.grantee.clone(),
            categories: req.categories,
            rights: req.rights,
            purpose: req.purpose,
            from,
            until: req.until,
            note: req.note,
        },
    };
    let mut files = vec![];
    let key_added = !v.policy.keys.contains(&req.grantee);
    if key_added {
        let armored = cert.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
        parse_cert(&armored).map_err(Error::Invalid)?;
        files.push((RepoPath::Key(req.grantee.clone()).to_path(), armored));
    }
    files.push((RepoPath::Statement(id).to_path(), st.to_yaml().into_bytes()));
    let commit = rec.append(Some(v.head), &files, "hrx: grant", &mut unlocked.signer, &unlocked.identity, now)?;
    rec.refresh_worktree()?;
    Ok(Granted { id: id.to_string(), commit: commit.to_string(), key_added })
}
