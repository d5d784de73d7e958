//! `hrx add`: validate, sign, encrypt and commit one entry.

use serde::Serialize;
use serde_json::Value;

use super::{Context, verified};
use crate::crypto::cert::identity;
use crate::crypto::message::seal;
use crate::error::{Error, Result};
use crate::id::Id;
use crate::model::{Author, Entry, Fpr, Kind, RepoPath, Right};
use crate::policy::Change;

/// What `add` did.
#[derive(Debug, Serialize)]
pub struct Added {
    /// The new entry's id.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// Its category.
    pub category: String,
    /// The commit.
    pub commit: String,
    /// Who it is encrypted to.
    pub recipients: Vec<Fpr>,
}

/// Makes a fresh id for `now`.
pub fn new_id(now: chrono::DateTime<chrono::Utc>) -> Result<Id> {
    let mut r = [0u8; 10];
    sequoia_openpgp::crypto::random(&mut r).map_err(|e| Error::crypto("random", e))?;
    Ok(Id::from_parts(now, r))
}

/// Adds an entry of `kind` from `input` (the record's fields, without the
/// ones hrx fills in). Nothing is written unless every check passes.
pub fn add(ctx: &mut Context, kind: Kind, input: Value) -> Result<Added> {
    let rec = ctx.record()?;
    let author_fpr = ctx.key_fpr()?;
    let who = identity(&ctx.keystore.cert(&author_fpr)?);
    let now = ctx.clock.now();
    let id = new_id(now)?;
    let author = Author {
        fingerprint: author_fpr.clone(),
        name: who.name.clone(),
        organisation: who.organisation.clone(),
        country: who.country.clone(),
    };
    let entry = Entry::new(kind, input, id, author, now).map_err(|e| Error::Invalid(e.to_string()))?;
    // Quick policy check before asking for a passphrase; repeated under the lock.
    let v = verified(ctx, &rec)?;
    check_write(&v.policy, &author_fpr, &entry, now)?;
    let mut unlocked = ctx.unlock()?;

    let _lock = rec.lock()?;
    let v = verified(ctx, &rec)?;
    check_write(&v.policy, &author_fpr, &entry, now)?;
    v.policy
        .judge_commit(&author_fpr, &[Change::Entry(entry.category.clone(), id)], now)
        .map_err(|(_, r)| Error::Denied(format!("not allowed: this {r}")))?;
    let recipients = v.policy.recipients(&entry.category, &author_fpr, now);
    let certs = recipients
        .iter()
        .map(|f| v.certs.get(f).ok_or_else(|| Error::State(format!("certificate {f} is not in keys/ of the record"))))
        .collect::<Result<Vec<_>>>()?;
    let ciphertext = seal(entry.to_yaml().as_bytes(), unlocked.signer.clone(), &certs, now)?;
    let path = RepoPath::Entry { category: entry.category.clone(), id }.to_path();
    let commit = rec.append(
        Some(v.head),
        &[(path, ciphertext)],
        "hrx: add entry",
        &mut unlocked.signer,
        &unlocked.identity,
        now,
    )?;
    rec.refresh_worktree()?;
    Ok(Added {
        id: id.to_string(),
        kind: kind.name().into(),
        category: entry.category.to_string(),
        commit: commit.to_string(),
        recipients: recipients.into_iter().collect(),
    })
}

fn check_write(
    policy: &crate::policy::Policy,
    who: &str,
    entry: &Entry,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if !policy.keys.contains(who) {
        return Err(Error::Denied(format!(
            "your key {who} is not a participant of this record; the patient must grant you access first (hrx grant)"
        )));
    }
    if !policy.allows(who, Right::Write, &entry.category, now) {
        return Err(Error::Denied(format!(
            "you hold no write grant for category {} in force now; ask the patient for one (hrx grant --rights read,write)",
            entry.category
        )));
    }
    Ok(())
}
