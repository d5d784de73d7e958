//! `hrx add`: validate, sign, encrypt and commit one entry.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::Context;
use super::write::Start;
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
    /// Readers left out because their certificate cannot be encrypted to
    /// (only with `--skip-unusable-recipients`): (fingerprint, why).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<(Fpr, String)>,
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
    prepare_each(ctx, items)?.into_iter().map(|r| r.map_err(Error::Invalid)).collect()
}

/// [`prepare`], each item on its own: why an item does not validate is
/// its result, so that one bad item need not fail the others (an import).
pub fn prepare_each(ctx: &Context, items: Vec<(Kind, Value)>) -> Result<Vec<std::result::Result<Entry, String>>> {
    prepare_with(ctx, items, Entry::new)
}

/// One item of [`prepare_each_fitted`]: the entry and what was left out of
/// it, or why it is not valid even so.
pub type Fitted = std::result::Result<(Entry, Vec<String>), String>;

/// [`prepare_each`] for data from elsewhere: fields that do not fit are left
/// out (see [`Entry::new_fitted`]); each result says what was.
pub fn prepare_each_fitted(ctx: &Context, items: Vec<(Kind, Value)>) -> Result<Vec<Fitted>> {
    prepare_with(ctx, items, Entry::new_fitted)
}

/// Each item made into an entry by `make`, authored by the caller now.
fn prepare_with<T>(
    ctx: &Context,
    items: Vec<(Kind, Value)>,
    make: impl Fn(Kind, Value, Id, Author, DateTime<Utc>) -> std::result::Result<T, crate::model::entry::Invalid>,
) -> Result<Vec<std::result::Result<T, String>>> {
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
        .map(|(kind, input)| Ok(make(kind, input, new_id(now)?, author.clone(), now).map_err(|e| e.to_string())))
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
    let (w, ()) = super::write::begin(ctx, rec, Start::Head, None, |_, v| {
        entries.iter().try_for_each(|e| check_write(&v.policy, &author_fpr, e, now))
    })?;
    let v = &w.v;
    let changes: Vec<Change> = entries.iter().map(|e| Change::Entry(e.category.clone(), e.id)).collect();
    // Before anything is encrypted.
    super::judged(&v.policy, &author_fpr, &changes, now)?;
    let mut files = Vec::with_capacity(entries.len());
    let mut out = Vec::with_capacity(entries.len());
    for e in &entries {
        let mut recipients = v.policy.recipients(&e.category, &author_fpr, now);
        let skipped = unusable(ctx, v, &recipients, &author_fpr, now)?;
        recipients.retain(|r| !skipped.iter().any(|(s, _)| s == r));
        let certs = recipients
            .iter()
            .map(|f| {
                v.certs.get(f).ok_or_else(|| Error::State(format!("certificate {f} is not in keys/ of the record")))
            })
            .collect::<Result<Vec<_>>>()?;
        let ciphertext = seal(e.to_yaml().as_bytes(), w.unlocked.signer.clone(), &certs, now)?;
        files.push((RepoPath::Entry { category: e.category.clone(), id: e.id }.to_path(), ciphertext));
        out.push(Added {
            id: e.id.to_string(),
            kind: e.kind.name().into(),
            category: e.category.to_string(),
            commit: String::new(),
            recipients: recipients.into_iter().collect(),
            skipped,
        });
    }
    let commit = w.commit(ctx, rec, &files, &changes, message)?;
    for a in &mut out {
        a.commit = commit.to_string();
    }
    Ok(out)
}

/// The readers among `recipients` whose certificate cannot be encrypted to
/// now, if the caller asked to write without them; otherwise an error
/// naming each, since when, and what to do. The patient and the author are
/// never left out.
fn unusable(
    ctx: &Context,
    v: &crate::verify::Verified,
    recipients: &std::collections::BTreeSet<Fpr>,
    author: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(Fpr, String)>> {
    let mut out = vec![];
    for f in recipients {
        let Some(cert) = v.certs.get(f) else { continue };
        if let Some(why) = crate::crypto::cert::encryption_problem(cert, now) {
            out.push((f.clone(), why));
        }
    }
    if out.is_empty() {
        return Ok(out);
    }
    let name = |f: &str| {
        let who = v.certs.identity(f).map(|i| crate::model::text::printable(&i.name).into_owned()).unwrap_or_default();
        format!("{who} ({f})")
    };
    let list = out.iter().map(|(f, why)| format!("{}: {why}", name(f))).collect::<Vec<_>>().join("; ");
    let essential = out.iter().find(|(f, _)| *f == v.policy.patient || f == author);
    if let Some((f, _)) = essential {
        let whose = if *f == v.policy.patient { "the patient's" } else { "your own" };
        return Err(Error::Key(format!(
            "cannot encrypt to {whose} certificate, {list}; the entry would not be readable by it. Extend the key (hrx key extend, or gpg --quick-set-expire) and add the refreshed certificate with `hrx key update FILE`"
        )));
    }
    if ctx.skip_unusable_recipients {
        return Ok(out);
    }
    Err(Error::Key(format!(
        "cannot encrypt to {list}; the entry would not be readable by it. Either add its refreshed certificate (`hrx key update FILE`, after the holder extends it, e.g. gpg --quick-set-expire), or revoke its grant (`hrx revoke FPR`), or write to the others only with --skip-unusable-recipients"
    )))
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
    if policy.cert_revoked(who, now) {
        return Err(Error::Key(format!(
            "your key {who} is revoked in this record: it signs nothing more here; a new key is granted anew by the patient"
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
