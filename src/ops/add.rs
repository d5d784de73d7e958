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
    let mut v = add_many(ctx, vec![(kind, input)], "hrx: add entry")?;
    Ok(v.remove(0))
}

/// Builds the entries for `items` as the caller's key would write them now:
/// validated, with fresh ids. Nothing is written.
pub fn prepare(ctx: &Context, items: Vec<(Kind, Value)>) -> Result<Vec<Entry>> {
    let author_fpr = ctx.key_fpr()?;
    let who = identity(&ctx.keystore.cert(&author_fpr)?);
    let now = ctx.clock.now();
    let author = Author {
        fingerprint: author_fpr.clone(),
        name: who.name.clone(),
        organisation: who.organisation.clone(),
        country: who.country.clone(),
    };
    items
        .into_iter()
        .map(|(kind, input)| {
            Entry::new(kind, input, new_id(now)?, author.clone(), now).map_err(|e| Error::Invalid(e.to_string()))
        })
        .collect()
}

/// Adds several entries in one signed commit (an import is one commit).
/// Nothing is written unless every entry validates and the policy allows all.
pub fn add_many(ctx: &mut Context, items: Vec<(Kind, Value)>, message: &str) -> Result<Vec<Added>> {
    let rec = ctx.record()?;
    let entries = prepare(ctx, items)?;
    commit_entries(ctx, &rec, entries, message)
}

/// Signs, encrypts and commits prepared entries in one commit.
pub fn commit_entries(
    ctx: &mut Context,
    rec: &crate::repo::Record,
    entries: Vec<Entry>,
    message: &str,
) -> Result<Vec<Added>> {
    let author_fpr = ctx.key_fpr()?;
    let now = ctx.clock.now();
    // Quick policy check before asking for a passphrase; repeated under the lock.
    let v = verified(ctx, rec)?;
    for e in &entries {
        check_write(&v.policy, &author_fpr, e, now)?;
    }
    let mut unlocked = ctx.unlock()?;

    let _lock = rec.lock()?;
    let v = verified(ctx, rec)?;
    let changes: Vec<Change> = entries.iter().map(|e| Change::Entry(e.category.clone(), e.id)).collect();
    for e in &entries {
        check_write(&v.policy, &author_fpr, e, now)?;
    }
    v.policy
        .judge_commit_checked(&author_fpr, &changes, now)
        .map_err(|(_, r)| Error::Denied(format!("not allowed: this {r}")))?;
    let mut files = Vec::with_capacity(entries.len());
    let mut out = Vec::with_capacity(entries.len());
    for e in &entries {
        let recipients = v.policy.recipients(&e.category, &author_fpr, now);
        let certs = recipients
            .iter()
            .map(|f| {
                v.certs.get(f).ok_or_else(|| Error::State(format!("certificate {f} is not in keys/ of the record")))
            })
            .collect::<Result<Vec<_>>>()?;
        let ciphertext = seal(e.to_yaml().as_bytes(), unlocked.signer.clone(), &certs, now)?;
        files.push((RepoPath::Entry { category: e.category.clone(), id: e.id }.to_path(), ciphertext));
        out.push(Added {
            id: e.id.to_string(),
            kind: e.kind.name().into(),
            category: e.category.to_string(),
            commit: String::new(),
            recipients: recipients.into_iter().collect(),
        });
    }
    let commit = rec.append(Some(v.head), &files, message, &mut unlocked.signer, &unlocked.identity, now)?;
    rec.refresh_worktree()?;
    super::remember(ctx, rec);
    for a in &mut out {
        a.commit = commit.to_string();
    }
    Ok(out)
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
