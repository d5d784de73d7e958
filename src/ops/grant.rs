//! `hrx grant`, `hrx revoke`, `hrx grants`, `hrx delegate`: the patient (or
//! a delegate) decides who reads and writes what, by appending statements.

use chrono::{DateTime, Utc};
use sequoia_openpgp::Cert;
use sequoia_openpgp::serialize::SerializeInto;
use serde::Serialize;

use super::add::new_id;
use super::write::Start;
use super::{Context, verified};
use crate::crypto::Identity;
use crate::crypto::cert::identity;
use crate::crypto::commit::parse_cert;
use crate::crypto::message::{recipient_keyids, wrap};
use crate::error::{Error, Result};
use crate::model::category::EMERGENCY;
use crate::model::statement::{Role, Scope};
use crate::model::{Fpr, Grant, Purpose, RepoPath, Right, Statement};
use crate::policy::{Change, GrantRecord};
use crate::verify::Verified;

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
    /// Role, for delegations.
    pub role: Option<Role>,
    /// Also give access to the existing entries in scope.
    pub include_past: bool,
}

impl GrantRequest {
    /// A plain treatment grant.
    pub fn new(grantee: Fpr, categories: Scope, rights: Vec<Right>) -> GrantRequest {
        GrantRequest {
            grantee,
            categories,
            rights,
            purpose: Purpose::Treatment,
            from: None,
            until: None,
            note: None,
            role: None,
            include_past: false,
        }
    }

    /// The emergency summary's scope, read-only, with the past entries in
    /// it, for break-glass access.
    pub fn emergency(grantee: Fpr) -> GrantRequest {
        let cats = EMERGENCY.iter().map(|c| c.parse().expect("known")).collect();
        // The summary must show the allergies recorded before the grant too.
        GrantRequest {
            purpose: Purpose::Emergency,
            include_past: true,
            ..GrantRequest::new(grantee, Scope::Some(cats), vec![Right::Read])
        }
    }
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
    /// Past entries the grantee can now read (with --include-past).
    pub past_entries_opened: usize,
    /// Past entries in scope the granter could not open, so not wrapped.
    pub past_entries_skipped: usize,
    /// Past entries in scope that did not decrypt and authenticate (a
    /// damaged or forged entry): never wrapped, listed by id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub past_entries_refused: Vec<String>,
    /// What to do about the grantee's certificate, if it expires within a
    /// month or before the grant ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// Reads a grantee given as a fingerprint (in the keystore) or a certificate
/// file; one read from a file is kept in the keystore.
pub fn resolve_grantee(ctx: &Context, grantee: &str) -> Result<Cert> {
    let (cert, from_file) = super::key::read_cert(ctx, grantee)?;
    if from_file {
        ctx.keystore.store_cert(&cert)?;
    }
    Ok(cert)
}

fn check_manager(v: &Verified, me: &str, now: DateTime<Utc>) -> Result<()> {
    if !v.policy.is_manager(me, now) {
        return Err(Error::Denied(format!(
            "only the patient ({}) or a delegate may change who has access to this record",
            v.policy.patient
        )));
    }
    Ok(())
}

/// Adds a grant, signed by the caller (the patient or a delegate), with
/// later access to past entries in scope if asked.
pub fn grant(ctx: &mut Context, req: GrantRequest) -> Result<Granted> {
    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let me = ctx.key_fpr()?;
    let cert = ctx.keystore.cert(&req.grantee)?;
    let from = req.from.unwrap_or(now);
    if req.until.is_some_and(|u| u <= from) {
        return Err(Error::Usage("--until must be after --from (or after now)".into()));
    }
    if req.rights.is_empty() {
        return Err(Error::Usage("a grant needs at least one right".into()));
    }
    if req.include_past && !req.rights.contains(&Right::Read) {
        return Err(Error::Usage("--include-past needs the read right".into()));
    }
    // Past entries are listed only for --include-past; otherwise the state
    // at the head is all a grant needs.
    let start = if req.include_past { Start::History } else { Start::Head };
    let (w, ()) = super::write::begin(ctx, &rec, start, None, |_, v| check_manager(v, &me, now))?;
    let v = &w.v;
    let id = new_id(now)?;
    let grant = Grant {
        grantee: req.grantee.clone(),
        categories: req.categories,
        rights: req.rights,
        purpose: req.purpose,
        from,
        until: req.until,
        note: req.note,
        role: req.role,
        include_past: req.include_past,
    };
    let st = Statement::Grant { id, issued_at: now, grant: grant.clone() };
    let mut files = vec![];
    let mut changes = vec![];
    let key_added = !v.policy.keys.contains(&req.grantee);
    if key_added {
        let armored = cert.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
        parse_cert(&armored).map_err(Error::Invalid)?;
        // The same rule verify applies: one key belongs to one participant.
        v.certs.check_new(&cert).map_err(|e| Error::Invalid(format!("refused: {e}")))?;
        files.push((RepoPath::Key(req.grantee.clone()).to_path(), armored));
        changes.push(Change::Key(req.grantee.clone()));
    }
    files.push((RepoPath::Statement(id).to_path(), st.to_yaml().into_bytes()));
    changes.push(Change::Statement(st));
    let (mut opened, mut skipped, mut refused) = (0, 0, vec![]);
    if grant.include_past {
        let in_scope: Vec<&crate::verify::EntryRef> = v
            .entries
            .iter()
            .filter(|e| grant.categories.covers(&e.category) && !v.access.contains_key(&(e.id, req.grantee.clone())))
            .collect();
        let wrapped = wrap_entries(&rec, v, &me, &w.unlocked.decryptors, &cert, &in_scope, now)?;
        files.extend(wrapped.files);
        changes.extend(wrapped.changes);
        (opened, skipped, refused) = (wrapped.opened, wrapped.skipped, wrapped.refused);
    }
    let commit = w.commit(ctx, &rec, &files, &changes, "hrx: grant")?;
    Ok(Granted {
        id: id.to_string(),
        commit: commit.to_string(),
        key_added,
        past_entries_opened: opened,
        past_entries_skipped: skipped,
        past_entries_refused: refused,
        warning: {
            let name = crate::model::text::printable(&identity(&cert).name).into_owned();
            let validity = crate::crypto::cert::validity(&cert, now);
            crate::crypto::cert::expiry_warning(&cert, &validity, &name, now, grant.until)
        },
    })
}

/// Later-access wraps made for one reader.
pub(crate) struct Wraps {
    /// The wrap files.
    pub files: Vec<(String, Vec<u8>)>,
    /// The changes they make.
    pub changes: Vec<Change>,
    /// Entries wrapped.
    pub opened: usize,
    /// Entries the caller cannot read (nothing to pass on).
    pub skipped: usize,
    /// Entries that are not authentic: never passed on.
    pub refused: Vec<String>,
}

/// Wraps the session keys of `entries` for certificate `cert` (the reader),
/// with the caller's (`me`) decryption keys, on every core; entries the
/// reader can already read are left alone, and so are void ones (they
/// count for nothing, and are never shared). A session key is passed on only
/// after it has decrypted and authenticated this very entry (integrity
/// check, inner signature by its committer, the id and category inside): a
/// PKESK copied from another entry must never be laundered into a wrap.
pub(crate) fn wrap_entries(
    rec: &crate::repo::Record,
    v: &Verified,
    me: &str,
    decryptors: &[crate::crypto::SecretKey],
    cert: &sequoia_openpgp::Cert,
    entries: &[&crate::verify::EntryRef],
    now: DateTime<Utc>,
) -> Result<Wraps> {
    let reader = crate::crypto::cert::fpr(cert);
    let signers = &v.certs;
    let reader_keyids: Vec<String> = cert.keys().map(|k| k.key().keyid().to_hex()).collect();
    let mut out = Wraps { files: vec![], changes: vec![], opened: 0, skipped: 0, refused: vec![] };
    // In batches: read (git is single-threaded), then open and wrap on
    // every core (each entry is decrypted in full: see above).
    for batch in entries.chunks(256) {
        let mut work = Vec::with_capacity(batch.len());
        for e in batch.iter().filter(|e| v.policy.void_of(e.commit).is_none()) {
            let bytes = rec.blob(e.blob)?;
            if recipient_keyids(&bytes)?.iter().any(|k| reader_keyids.contains(k)) {
                continue; // it can read it already
            }
            // The caller's own wrap, if that is how it reads the entry.
            let prefix = match v.access.get(&(e.id, me.to_string())) {
                Some(w) => Some(rec.blob(w.blob)?),
                None => None,
            };
            work.push((*e, bytes, prefix));
        }
        let results = on_every_core(&work, decryptors, |(e, bytes, prefix), keys| {
            match authentic_session_key(bytes, prefix.as_deref(), keys, signers, e, now) {
                Authentic::Key(algo, sk) => wrap(algo, &sk, cert, now).map(Some).map(Ok),
                Authentic::Unreadable => Ok(Ok(None)),
                Authentic::Not => Ok(Err(())),
            }
        });
        for ((e, _, _), r) in work.iter().zip(results) {
            match r? {
                Err(()) => out.refused.push(e.id.to_string()),
                Ok(None) => out.skipped += 1,
                Ok(Some(w)) => {
                    out.files.push((RepoPath::Access { entry: e.id, reader: reader.clone() }.to_path(), w));
                    out.changes.push(Change::Access {
                        entry: e.id,
                        category: e.category.clone(),
                        reader: reader.clone(),
                    });
                    out.opened += 1;
                }
            }
        }
    }
    Ok(out)
}

/// Runs `f` over `items` on every core, each thread with its own copy of
/// the decryption `keys`; results in the order of `items`.
fn on_every_core<T: Sync, R: Send>(
    items: &[T],
    keys: &[crate::crypto::SecretKey],
    f: impl Fn(&T, &mut [crate::crypto::SecretKey]) -> R + Sync,
) -> Vec<R> {
    let threads = crate::cores::count();
    let per = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per)
            .map(|chunk| {
                let mut keys = keys.to_vec();
                let f = &f;
                scope.spawn(move || chunk.iter().map(|t| f(t, &mut keys)).collect::<Vec<R>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker panicked")).collect()
    })
}

enum Authentic {
    Key(sequoia_openpgp::types::SymmetricAlgorithm, sequoia_openpgp::crypto::SessionKey),
    Unreadable,
    Not,
}

/// Opens entry `e` in full and returns its session key only if it is
/// authentic: it decrypts with integrity protection and a reader finds
/// nothing wrong with it (signed inside by its committer, its own id,
/// category, author and time inside).
fn authentic_session_key(
    bytes: &[u8],
    prefix: Option<&[u8]>,
    keys: &mut [crate::crypto::SecretKey],
    signers: &crate::crypto::commit::CertIndex,
    e: &crate::verify::EntryRef,
    now: DateTime<Utc>,
) -> Authentic {
    let opened = match crate::crypto::message::open(bytes, prefix, keys, signers, &e.certs_at, now) {
        Ok(Some(o)) => o,
        Ok(None) => return Authentic::Unreadable,
        Err(_) => return Authentic::Not,
    };
    let Ok(text) = std::str::from_utf8(&opened.plaintext) else { return Authentic::Not };
    // The same judgement a reader makes of it (see read::inconsistencies).
    let entry = crate::model::Entry::from_yaml(text);
    match opened.session_key {
        Some((algo, sk)) if super::read::inconsistencies(e, &opened.signature, &entry).is_empty() => {
            Authentic::Key(algo, sk)
        }
        _ => Authentic::Not,
    }
}

/// What `revoke` did.
#[derive(Debug, Serialize)]
pub struct Revoked {
    /// The grants revoked.
    pub revoked: Vec<String>,
    /// The commit.
    pub commit: String,
}

/// Revokes a grant by id, or every grant in force of a grantee.
pub fn revoke(ctx: &mut Context, what: &str) -> Result<Revoked> {
    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let me = ctx.key_fpr()?;
    let targets = |v: &Verified| -> Result<Vec<crate::id::Id>> {
        check_manager(v, &me, now)?;
        if let Ok(id) = what.parse::<crate::id::Id>() {
            return match v.policy.grants.get(&id) {
                None => Err(Error::NotFound(format!("no grant {id} in this record; `hrx grants --all` lists them"))),
                Some(g) if g.revoked.is_some() => Err(Error::State(format!("grant {id} is already revoked"))),
                Some(_) => Ok(vec![id]),
            };
        }
        let f = crate::model::parse_fpr(what)
            .ok_or_else(|| Error::Usage(format!("{what:?} is neither a grant id nor a fingerprint")))?;
        let ids: Vec<_> = v
            .policy
            .grants
            .values()
            .filter(|g| v.policy.holder(&g.grant.grantee) == f && g.revoked.is_none())
            .map(|g| g.id)
            .collect();
        if ids.is_empty() {
            return Err(Error::NotFound(format!("{f} holds no grant that is not already revoked")));
        }
        Ok(ids)
    };
    let (w, ids) = super::write::begin(ctx, &rec, Start::Head, None, |_, v| targets(v))?;
    let mut files = vec![];
    let mut changes = vec![];
    for (i, g) in ids.iter().enumerate() {
        // Distinct ids within the same millisecond.
        let rid = new_id(now + chrono::Duration::milliseconds(i as i64))?;
        let st = Statement::Revoke { id: rid, issued_at: now, revokes: *g };
        files.push((RepoPath::Statement(rid).to_path(), st.to_yaml().into_bytes()));
        changes.push(Change::Statement(st));
    }
    let commit = w.commit(ctx, &rec, &files, &changes, "hrx: revoke")?;
    Ok(Revoked { revoked: ids.iter().map(|i| i.to_string()).collect(), commit: commit.to_string() })
}

/// Where a grant stands now.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum GrantStatus {
    /// In force.
    Active,
    /// Not yet in force.
    Pending,
    /// Past its `until`.
    Expired,
    /// Revoked.
    Revoked,
    /// Made in a void commit (signed with a compromised key): never in force.
    Void,
    /// The grantee's key is revoked (compromised or retired): a revoked
    /// participant holds nothing, and nothing is encrypted to it.
    KeyRevoked,
    /// Made by a delegate whose delegation has ended (expired or revoked):
    /// grants made under a delegation fall with it.
    DelegationEnded,
}

/// A grant as `hrx grants` shows it.
#[derive(Debug, Serialize)]
pub struct GrantView {
    /// Its id.
    pub id: String,
    /// Where it stands.
    pub status: GrantStatus,
    /// Who holds it.
    pub grantee: Identity,
    /// Categories (`all` or a list).
    pub categories: Scope,
    /// Rights.
    pub rights: Vec<Right>,
    /// Purpose.
    pub purpose: Purpose,
    /// Role, for delegations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Valid from.
    pub from: DateTime<Utc>,
    /// Valid until.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Who issued it.
    pub granted_by: Identity,
    /// When.
    pub issued_at: DateTime<Utc>,
    /// When it was revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether it came with access to past entries.
    pub include_past: bool,
    /// The patient's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The grantee's certificate as the record knows it (`valid`,
    /// `expires-soon`, `expired`, `revoked`, `invalid`).
    pub certificate: &'static str,
    /// Until when entries can be encrypted to the grantee, if that ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryptable_until: Option<DateTime<Utc>>,
    /// What to do about the grantee's certificate, if anything: it cannot
    /// be encrypted to, or soon cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// The status of a grant at `now` under `policy`.
pub fn status(policy: &crate::policy::Policy, g: &GrantRecord, now: DateTime<Utc>) -> GrantStatus {
    if g.void {
        GrantStatus::Void
    } else if g.revoked.is_some() {
        GrantStatus::Revoked
    } else if policy.cert_revoked(policy.holder(&g.grant.grantee), now) {
        GrantStatus::KeyRevoked
    } else if g.grant.until.is_some_and(|u| now >= u) {
        GrantStatus::Expired
    } else if !g.issued_under.is_empty()
        && !g
            .issued_under
            .iter()
            .any(|d| policy.grants.get(d).is_some_and(|d| d.revoked.is_none() && d.grant.until.is_none_or(|u| now < u)))
    {
        GrantStatus::DelegationEnded
    } else if now < g.grant.from {
        GrantStatus::Pending
    } else {
        GrantStatus::Active
    }
}

/// The grants of the record; with `all`, expired and revoked ones too.
pub fn list(ctx: &mut Context, all: bool) -> Result<Vec<GrantView>> {
    let rec = ctx.record()?;
    let v = verified(ctx, &rec)?;
    Ok(views(&v, all, ctx.clock.now()))
}

/// The grants of a verified record as views.
pub fn views(v: &Verified, all: bool, now: DateTime<Utc>) -> Vec<GrantView> {
    v.policy
        .grants
        .values()
        .map(|g| {
            // The grantee's certificate (the one it handed over to, if it
            // rotated), judged once.
            let holder = v.policy.holder(&g.grant.grantee);
            let judged = v.certs.get(holder).map(|c| (c, crate::crypto::cert::validity(c, now)));
            let cert = judged.as_ref().map(|(c, val)| (*c, val));
            let grantee = v.certs.identity_or_unknown(holder);
            let name = crate::model::text::printable(&grantee.name).into_owned();
            GrantView {
                id: g.id.to_string(),
                status: status(&v.policy, g, now),
                categories: g.grant.categories.clone(),
                rights: g.grant.rights.clone(),
                purpose: g.grant.purpose,
                role: g.grant.role,
                from: g.grant.from,
                until: g.grant.until,
                granted_by: v.certs.identity_or_unknown(&g.issued_by),
                issued_at: g.issued_at,
                revoked_at: g.revoked.map(|r| r.1),
                include_past: g.grant.include_past,
                note: g.grant.note.clone(),
                certificate: cert.map(|(_, val)| val.status).unwrap_or("invalid"),
                encryptable_until: cert.and_then(|(_, val)| crate::crypto::cert::encryptable_until(val)),
                warning: cert.and_then(|(c, val)| {
                    let needed = g.grant.until.filter(|u| *u > now);
                    crate::crypto::cert::expiry_warning(c, val, &name, now, needed)
                }),
                grantee,
            }
        })
        .filter(|g| all || matches!(g.status, GrantStatus::Active | GrantStatus::Pending | GrantStatus::KeyRevoked))
        .collect()
}
