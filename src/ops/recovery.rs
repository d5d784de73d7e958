//! `hrx recovery`: k-of-n recovery of the patient's key by trustees.
//!
//! Set-up puts the patient's secret key into the record encrypted with a
//! random secret, and that secret split into shares, one encrypted to each
//! trustee (`recovery` statement). On a new device holding only a copy of
//! the record, `start` makes a one-time key and a request naming it; each
//! trustee `approve`s on their own copy by decrypting their share and
//! encrypting it, signed, to the one-time key; `finish` rebuilds the secret
//! from `threshold` approvals, opens the secret key and keeps it in the
//! keystore. Nothing secret is ever written unencrypted. See
//! `hrx-repository(5)`, RECOVERY.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sequoia_openpgp::crypto::Password;
use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::serialize::SerializeInto;
use serde::{Deserialize, Serialize};

use super::Context;
use crate::crypto::cert::{NewCert, fpr, generate as gen_cert, identity};
use crate::crypto::keystore::unlock_at;
use crate::crypto::message::{SignatureStatus, open, recipient_keyids, seal};
use crate::crypto::{NoPassphrase, armour_message, dearmor, recovery as shamir};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::model::statement::{MAX_TRUSTEES, TrusteeShare};
use crate::model::{Fpr, RepoPath, Statement};
use crate::policy::{Change, RecoverySetup};
use crate::verify::Verified;

/// The largest request or approval file read.
pub const MAX_FILE: usize = 64 << 10;

/// What a trustee's share says (inside its encryption).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharePayload {
    /// Always 1.
    hrx_recovery_share: u8,
    record: String,
    recovery: Id,
    key: Fpr,
    trustee: Fpr,
    share: String,
}

/// A recovery request, as `start` writes it: public, sent to each trustee.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestFile {
    /// Always 1.
    hrx_recovery_request: u8,
    record: String,
    recovery: Id,
    key: Fpr,
    /// The one-time key's certificate, armoured.
    certificate: String,
}

/// What an approval says (inside its encryption, signed by the trustee).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalPayload {
    /// Always 1.
    hrx_recovery_approval: u8,
    record: String,
    recovery: Id,
    request: Fpr,
    trustee: Fpr,
    share: String,
}

/// The short code people compare to tell a request is the one they made:
/// the first 16 hex digits of its one-time key, in groups of four.
pub fn request_code(request: &str) -> String {
    request
        .chars()
        .take(16)
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What `recovery setup` did.
#[derive(Debug, Serialize)]
pub struct SetUp {
    /// The statement.
    pub id: Id,
    /// The key it recovers.
    pub key: Fpr,
    /// Approvals needed.
    pub threshold: u8,
    /// The trustees.
    pub trustees: Vec<crate::crypto::Identity>,
    /// The commit.
    pub commit: String,
    /// An earlier set-up of the same key, whose trustees' shares still
    /// open it (they are in the history): until the key is rotated.
    pub earlier_still_opens: bool,
}

/// Sets up recovery of the caller's key, which must be the patient's:
/// `trustees` (fingerprints or unique prefixes, of participants or of
/// certificates in the keystore, added to the record) each get one share;
/// any `threshold` of them can recover the key. A later set-up replaces
/// the earlier one.
pub fn setup(ctx: &mut Context, trustees: &[String], threshold: u8) -> Result<SetUp> {
    let me = ctx.key_fpr()?;
    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let v = super::verified_head(ctx, &rec)?;
    if v.policy.patient != me {
        return Err(Error::Denied(format!(
            "only the patient sets up recovery of her key; your key {me} is not the patient's ({})",
            v.policy.patient
        )));
    }
    if ctx.keystore.in_agent(&me) {
        return Err(Error::Key(format!(
            "the secret of {me} is held by gpg-agent, so hrx cannot put it in trustees' hands; back it up with GnuPG (gpg --export-secret-keys) instead"
        )));
    }
    if trustees.len() > MAX_TRUSTEES {
        return Err(Error::Usage(format!("{} trustees named; at most {MAX_TRUSTEES} hold shares", trustees.len())));
    }
    // Each trustee's certificate: the record's, else the keystore's (added).
    let mut certs = vec![];
    let mut new_keys = vec![];
    for t in trustees {
        let c = match super::key::participant(&v, t) {
            Ok(f) => v.certs.get(&f).cloned().ok_or_else(|| Error::NotFound(format!("no certificate {f}")))?,
            Err(Error::NotFound(_)) => {
                let f = ctx.keystore.resolve(Some(t))?;
                let c = ctx.keystore.cert(&f)?;
                v.certs.check_new(&c).map_err(|e| Error::Invalid(format!("trustee {f}: refused: {e}")))?;
                new_keys.push(c.clone());
                c
            }
            Err(e) => return Err(e),
        };
        certs.push(c);
    }
    let id = super::add::new_id(now)?;
    let trustee_fprs: Vec<Fpr> = certs.iter().map(fpr).collect();
    // The judgement verify will make (shares aside), before any secret is touched.
    let stand_in = |shares: Vec<TrusteeShare>, secret: String| Statement::Recovery {
        id,
        issued_at: now,
        key: me.clone(),
        threshold,
        trustees: shares,
        secret,
    };
    let plain_shares =
        trustee_fprs.iter().map(|f| TrusteeShare { certificate: f.clone(), share: String::new() }).collect();
    let mut changes: Vec<Change> = new_keys.iter().map(|c| Change::Key(fpr(c))).collect();
    changes.push(Change::Statement(stand_in(plain_shares, String::new())));
    super::judged(&v.policy, &me, &changes, now)?;

    // The secret key, decrypted in memory only, sealed with a fresh secret.
    let plain = ctx.keystore.plain_secret(&me, ctx.passphrase.as_mut())?;
    let unlocked = unlock_at(plain.clone(), &mut NoPassphrase, Some(now))?;
    let (w, ()) = super::write::begin(ctx, &rec, super::write::Start::Head, Some(unlocked), |_, v| {
        super::judged(&v.policy, &me, &changes, now).map(|_| ())
    })?;
    let v = &w.v;
    let st = sealed(v, id, &plain, &w.unlocked.signer, &certs, threshold, now)?;
    let mut files = vec![];
    let mut changes = vec![];
    for c in &new_keys {
        let armored = c.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
        files.push((RepoPath::Key(fpr(c)).to_path(), armored));
        changes.push(Change::Key(fpr(c)));
    }
    files.push((RepoPath::Statement(id).to_path(), st.to_yaml().into_bytes()));
    changes.push(Change::Statement(st));
    let earlier_still_opens = v.policy.recovery.as_ref().is_some_and(|r| r.key == me);
    let commit = w.commit(ctx, &rec, &files, &changes, "hrx: set up recovery")?;
    Ok(SetUp {
        id,
        key: me,
        threshold,
        trustees: certs.iter().map(identity).collect(),
        commit: commit.to_string(),
        earlier_still_opens,
    })
}

/// The recovery statement `id` for key `plain` (its secret keys
/// unprotected, in memory): the key sealed with a fresh random secret, and
/// that secret split among `certs`, each share signed by `signer` (the
/// key's own signing key) and encrypted to its trustee alone.
pub(crate) fn sealed(
    v: &Verified,
    id: Id,
    plain: &sequoia_openpgp::Cert,
    signer: &crate::crypto::SecretKey,
    certs: &[sequoia_openpgp::Cert],
    threshold: u8,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Statement> {
    let key = fpr(plain);
    let secret = shamir::new_secret()?;
    let tsk = plain.as_tsk().to_vec().map_err(|e| Error::crypto("serialising key", e))?;
    let sealed = shamir::seal_with_secret(&tsk, &secret)?;
    let parts = shamir::split(&secret, threshold, certs.len());
    let mut shares = vec![];
    for (c, part) in certs.iter().zip(parts) {
        let payload = SharePayload {
            hrx_recovery_share: 1,
            record: v.header.record.clone(),
            recovery: id,
            key: key.clone(),
            trustee: fpr(c),
            share: B64.encode(part),
        };
        let json = serde_json::to_vec(&payload).expect("serialises");
        let msg = seal(&json, signer.clone(), &[c], now).map_err(|e| Error::Key(format!("trustee {}: {e}", fpr(c))))?;
        shares.push(TrusteeShare { certificate: fpr(c), share: armour_message(&msg)? });
    }
    Ok(Statement::Recovery { id, issued_at: now, key, threshold, trustees: shares, secret: sealed })
}

/// For a rotation of the patient's key: the current set-up's trustees
/// that can still hold a share (certificates neither revoked nor
/// replaced), if they are enough for its threshold.
pub(crate) fn trustees_for_reissue(
    v: &Verified,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(u8, Vec<sequoia_openpgp::Cert>)> {
    let s = v.policy.recovery.as_ref()?;
    let certs: Vec<_> = s
        .trustees
        .iter()
        // A trustee that replaced its key gets the share at its new one.
        .map(|t| v.policy.holder(t))
        .filter(|t| !v.policy.cert_revoked(t, now))
        .filter_map(|t| v.certs.get(t).cloned())
        .collect();
    (certs.len() >= usize::from(s.threshold)).then_some((s.threshold, certs))
}

/// One trustee, as `recovery status` shows it.
#[derive(Debug, Serialize)]
pub struct Trustee {
    /// Who.
    #[serde(flatten)]
    pub identity: crate::crypto::Identity,
    /// Why this trustee cannot approve now, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The record's recovery set-up, as `recovery status` shows it.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Its statement.
    pub id: Id,
    /// When it was made.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The key it recovers.
    pub key: Fpr,
    /// Approvals needed.
    pub threshold: u8,
    /// The trustees.
    pub trustees: Vec<Trustee>,
    /// Whether it recovers the patient's current key with enough trustees
    /// able to approve.
    pub current: bool,
    /// What makes it not current.
    pub problems: Vec<String>,
}

/// The record's recovery set-up, if any, and whether it is current.
pub fn status(ctx: &Context) -> Result<Option<Status>> {
    let rec = ctx.record()?;
    let v = super::verified_head(ctx, &rec)?;
    let now = ctx.clock.now();
    let Some(s) = &v.policy.recovery else { return Ok(None) };
    let mut problems = vec![];
    if s.key != v.policy.patient {
        problems.push(format!(
            "it recovers {}, which is no longer the patient's key ({}): set up recovery again",
            s.key, v.policy.patient
        ));
    }
    let trustees: Vec<Trustee> = s
        .trustees
        .iter()
        .map(|t| Trustee { identity: v.certs.identity_or_unknown(t), problem: unable(&v, t, now) })
        .collect();
    let able = trustees.iter().filter(|t| t.problem.is_none()).count();
    if able < usize::from(s.threshold) {
        problems.push(format!(
            "only {able} trustees can approve and {} must: set up recovery again with other trustees",
            s.threshold
        ));
    }
    Ok(Some(Status {
        id: s.id,
        at: s.at,
        key: s.key.clone(),
        threshold: s.threshold,
        trustees,
        current: problems.is_empty(),
        problems,
    }))
}

/// The current set-up, or why there is none.
fn current(v: &Verified) -> Result<&RecoverySetup> {
    v.policy.recovery.as_ref().ok_or_else(|| {
        Error::NotFound(
            "this record has no recovery set-up (the patient makes one with hrx recovery setup); if your copy is old, sync it first"
                .into(),
        )
    })
}

/// The current set-up, if it recovers the patient's current key (after a
/// rotation it recovers a retired one).
fn usable(v: &Verified) -> Result<&RecoverySetup> {
    let s = current(v)?;
    if s.key != v.policy.patient {
        return Err(Error::Invalid(format!(
            "the record's recovery set-up recovers {}, which is no longer the patient's key; it cannot be used",
            s.key
        )));
    }
    Ok(s)
}

/// The statement of the current set-up, as stored.
fn statement(rec: &crate::repo::Record, v: &Verified, s: &RecoverySetup) -> Result<Statement> {
    let tree = rec.repo.find_commit(v.head)?.tree()?;
    let bytes = rec
        .read(&tree, &RepoPath::Statement(s.id).to_path())?
        .ok_or_else(|| Error::NotFound(format!("the recovery statement {} is not in the tree", s.id)))?;
    // Verified already: it parses.
    Statement::from_yaml(&bytes).map_err(Error::Invalid)
}

/// Every key update the record holds: what signatures are judged with.
fn known(v: &Verified) -> Vec<Id> {
    v.policy.key_updates.values().flatten().copied().collect()
}

/// What `recovery start` did.
#[derive(Debug, Serialize)]
pub struct Started {
    /// The request file's text, to send to the trustees.
    #[serde(skip)]
    pub request: String,
    /// The one-time key (kept in the keystore until `finish`).
    pub one_time_key: Fpr,
    /// The code trustees compare before approving.
    pub code: String,
    /// The key being recovered.
    pub key: Fpr,
    /// Approvals needed.
    pub threshold: u8,
    /// Who can approve.
    pub trustees: Vec<crate::crypto::Identity>,
}

/// Starts a recovery on this device: a one-time key (kept in the keystore,
/// protected by `password`) and the request naming it, for the trustees.
pub fn start(ctx: &mut Context, password: Option<Password>) -> Result<Started> {
    let rec = ctx.record()?;
    let v = super::verified_head(ctx, &rec)?;
    let now = ctx.clock.now();
    let s = usable(&v)?;
    let able: Vec<&Fpr> = s.trustees.iter().filter(|t| unable(&v, t, now).is_none()).collect();
    if able.len() < usize::from(s.threshold) {
        return Err(Error::Invalid(format!(
            "only {} of the set-up's trustees can approve and {} must: the set-up cannot be used (hrx recovery status says why)",
            able.len(),
            s.threshold
        )));
    }
    let new = NewCert { name: REQUEST_NAME.into(), email: None, organisation: None, country: None };
    let cert = gen_cert(&new, password, now)?;
    ctx.keystore.store_secret(&cert)?;
    let public = cert.strip_secret_key_material();
    let one = fpr(&public);
    let armored = String::from_utf8(public.armored().to_vec().map_err(|e| Error::crypto("serialising", e))?)
        .map_err(|e| Error::crypto("serialising", e))?;
    let req = RequestFile {
        hrx_recovery_request: 1,
        record: v.header.record.clone(),
        recovery: s.id,
        key: s.key.clone(),
        certificate: armored,
    };
    let text = format!(
        "# hrx recovery request: send this file to the trustees; tell them the code {} by phone or in person\n{}",
        request_code(&one),
        serde_yaml_ng::to_string(&req).expect("serialises")
    );
    Ok(Started {
        request: text,
        code: request_code(&one),
        one_time_key: one,
        key: s.key.clone(),
        threshold: s.threshold,
        trustees: able.iter().map(|t| v.certs.identity_or_unknown(t)).collect(),
    })
}

/// What `recovery approve` did.
#[derive(Debug, Serialize)]
pub struct Approved {
    /// The approval, armoured: for the requester only.
    #[serde(skip)]
    pub approval: String,
    /// The request's code, to compare with what the patient says.
    pub code: String,
    /// The key being recovered.
    pub key: Fpr,
    /// The trustee (the caller).
    pub trustee: Fpr,
}

/// Approves a recovery request as a trustee: the caller's share, decrypted
/// with its key, is encrypted to the request's one-time key and signed.
/// Refused when the request is not for this record's current set-up or the
/// caller is not one of its trustees.
pub fn approve(ctx: &mut Context, request: &[u8]) -> Result<Approved> {
    if request.len() > MAX_FILE {
        return Err(Error::Invalid(format!("the request is larger than {MAX_FILE} bytes; not a recovery request")));
    }
    let req: RequestFile = crate::model::yaml::check(request, MAX_FILE)
        .and_then(|_| serde_yaml_ng::from_slice(request).map_err(|e| e.to_string()))
        .map_err(|e| Error::Invalid(format!("not a recovery request (hrx recovery start writes one): {e}")))?;
    let me = ctx.key_fpr()?;
    let rec = ctx.record()?;
    let v = super::verified_head(ctx, &rec)?;
    let now = ctx.clock.now();
    let s = current(&v)?;
    if req.hrx_recovery_request != 1 || req.record != v.header.record {
        return Err(Error::Invalid("the request is for another record than this one".into()));
    }
    if req.recovery != s.id || req.key != s.key {
        return Err(Error::Invalid(format!(
            "the request is for recovery set-up {} of key {}, but this copy's current set-up is {} of {}: sync your copy, or ask for a new request",
            req.recovery, req.key, s.id, s.key
        )));
    }
    if !s.trustees.contains(&me) {
        let old = s.trustees.iter().find(|t| v.policy.holder(t) == me);
        return Err(Error::Denied(match old {
            Some(o) => format!(
                "your share is for your old key {o}, which you replaced by {me} and which signs nothing now; ask the patient to rotate her key or set up recovery again, which gives your new key a share"
            ),
            None => format!(
                "your key {me} is not a trustee of this record's recovery set-up (trustees: {})",
                s.trustees.join(", ")
            ),
        }));
    }
    if let Some(why) = unable(&v, &me, now) {
        return Err(Error::Denied(format!("you cannot approve: {why}")));
    }
    let one_time = crate::crypto::keystore::parse_certs(req.certificate.as_bytes())?;
    let [one_time] = &one_time[..] else {
        return Err(Error::Invalid("the request must hold exactly one certificate".into()));
    };
    // Only a one-time key: never a participant's own (the approval would
    // go to it), nor anything else than what start makes.
    if v.certs.get(&fpr(one_time)).is_some()
        || one_time.keys().any(|k| v.certs.owner(&k.key().keyid().to_hex()).is_some())
    {
        return Err(Error::Invalid(format!(
            "the request names {}, a participant's key, not a one-time key of hrx recovery start; do not approve it",
            fpr(one_time)
        )));
    }
    if !is_request_key(one_time) {
        return Err(Error::Invalid(
            "the request's key is not a one-time key of hrx recovery start; do not approve it".into(),
        ));
    }
    let Statement::Recovery { trustees, .. } = statement(&rec, &v, s)? else {
        return Err(Error::Invalid(format!("statement {} is not a recovery set-up", s.id)));
    };
    let mine = trustees.iter().find(|t| t.certificate == me).expect("a trustee, checked above");
    let mut unlocked = ctx.unlock()?;
    let bytes = dearmor(mine.share.as_bytes())?;
    let opened = open(&bytes, None, &mut unlocked.decryptors, &v.certs, &known(&v), now)?
        .ok_or_else(|| Error::Key(format!("your key {me} does not open your share")))?;
    match &opened.signature {
        SignatureStatus::Good { signer, .. } if *signer == s.key => {}
        other => return Err(Error::Invalid(format!("your share is not signed by the patient's key: {}", said(other)))),
    }
    let share: SharePayload = serde_json::from_slice(&opened.plaintext)
        .map_err(|e| Error::Invalid(format!("your share is malformed: {e}")))?;
    if share.recovery != s.id || share.trustee != me || share.record != v.header.record {
        return Err(Error::Invalid("your share names another set-up, trustee or record".into()));
    }
    let payload = ApprovalPayload {
        hrx_recovery_approval: 1,
        record: v.header.record.clone(),
        recovery: s.id,
        request: fpr(one_time),
        trustee: me.clone(),
        share: share.share,
    };
    let json = serde_json::to_vec(&payload).expect("serialises");
    let msg = seal(&json, unlocked.signer.clone(), &[one_time], now)?;
    Ok(Approved {
        approval: armour_message(&msg)?,
        code: request_code(&fpr(one_time)),
        key: s.key.clone(),
        trustee: me,
    })
}

/// What `recovery finish` did.
#[derive(Debug, Serialize)]
pub struct Finished {
    /// The recovered key (now the keystore's default).
    pub key: Fpr,
    /// The trustees whose approvals were used.
    pub approved_by: Vec<Fpr>,
}

/// Finishes a recovery: opens each approval with the one-time key it is
/// for, checks it is signed by a trustee of the current set-up, rebuilds
/// the secret from `threshold` of them, opens the patient's secret key and
/// keeps it in the keystore protected by `password` (the one-time key's
/// passphrase is asked to open the approvals). The one-time key is removed.
pub fn finish(ctx: &mut Context, approvals: &[Vec<u8>], password: Option<Password>) -> Result<Finished> {
    let rec = ctx.record()?;
    let v = super::verified_head(ctx, &rec)?;
    let now = ctx.clock.now();
    let s = usable(&v)?.clone();
    let known = known(&v);
    let mut shares: Vec<(Fpr, Vec<u8>)> = vec![];
    let mut one_time: Option<Fpr> = None;
    let mut unlocked: Option<(Fpr, crate::crypto::Unlocked)> = None;
    for (i, a) in approvals.iter().enumerate() {
        let n = i + 1;
        if a.len() > MAX_FILE {
            return Err(Error::Invalid(format!("approval {n} is larger than {MAX_FILE} bytes; not an approval")));
        }
        let bytes = dearmor(a).map_err(|e| Error::Invalid(format!("approval {n}: {e}")))?;
        let ids =
            recipient_keyids(&bytes).map_err(|e| Error::Invalid(format!("approval {n}: not an approval: {e}")))?;
        let Some(key) = request_key(ctx, &v, &ids)? else {
            return Err(Error::Key(format!(
                "approval {n} is for a request this device did not make (no one-time key of hrx recovery start here opens it)"
            )));
        };
        if one_time.as_ref().is_some_and(|o| *o != key) {
            return Err(Error::Invalid(format!("approval {n} answers another request than the others")));
        }
        if unlocked.as_ref().is_none_or(|(k, _)| *k != key) {
            unlocked = Some((key.clone(), ctx.keystore.unlock_at(&key, ctx.passphrase.as_mut(), now)?));
        }
        let keys = &mut unlocked.as_mut().expect("set above").1;
        let opened = open(&bytes, None, &mut keys.decryptors, &v.certs, &known, now)?
            .ok_or_else(|| Error::Key(format!("approval {n} does not open with the one-time key {key}")))?;
        let signer = match &opened.signature {
            SignatureStatus::Good { signer, .. } => signer.clone(),
            other => {
                return Err(Error::Invalid(format!(
                    "approval {n} is not signed by a participant of this record ({}); it is refused",
                    said(other)
                )));
            }
        };
        let p: ApprovalPayload = serde_json::from_slice(&opened.plaintext)
            .map_err(|e| Error::Invalid(format!("approval {n} is malformed: {e}")))?;
        if !s.trustees.contains(&signer) {
            return Err(Error::Invalid(format!(
                "approval {n} is signed by {signer}, who is not a trustee of the current set-up; it is refused"
            )));
        }
        if p.trustee != signer {
            return Err(Error::Invalid(format!(
                "approval {n} is signed by trustee {signer} but says it is {}'s; it is refused",
                p.trustee
            )));
        }
        if let Some(why) = unable(&v, &signer, now) {
            return Err(Error::Invalid(format!("approval {n} (by {signer}) does not count: {why}")));
        }
        if p.recovery != s.id || p.record != v.header.record || p.request != key {
            return Err(Error::Invalid(format!(
                "approval {n} (by {signer}) is for set-up {} of another request or record, not this record's current set-up {}: ask the trustee to sync and approve again",
                p.recovery, s.id
            )));
        }
        let part = B64.decode(&p.share).map_err(|e| Error::Invalid(format!("approval {n}: bad share: {e}")))?;
        if !shares.iter().any(|(t, _)| *t == signer) {
            shares.push((signer, part));
        }
        one_time = Some(key);
    }
    let need = usize::from(s.threshold);
    if shares.len() < need {
        let names: Vec<String> = shares.iter().map(|(t, _)| name(&v, t)).collect();
        return Err(Error::Invalid(format!(
            "{need} trustees must approve and {} did{}; ask another of: {}",
            shares.len(),
            if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) },
            s.trustees
                .iter()
                .filter(|t| !shares.iter().any(|(u, _)| u == *t))
                .map(|t| name(&v, t))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let secret = shamir::combine(s.threshold, &shares.iter().map(|(_, b)| b.clone()).collect::<Vec<_>>())?;
    let Statement::Recovery { secret: sealed, .. } = statement(&rec, &v, &s)? else {
        return Err(Error::Invalid(format!("statement {} is not a recovery set-up", s.id)));
    };
    let tsk = shamir::open_with_secret(&sealed, &secret)?;
    let tsk = sequoia_openpgp::Cert::from_bytes(&tsk)
        .map_err(|e| Error::Invalid(format!("the recovered secret key is malformed: {e}")))?;
    if fpr(&tsk) != s.key || !tsk.is_tsk() {
        return Err(Error::Invalid(format!("the recovered key is not the patient's key {}", s.key)));
    }
    let tsk = match &password {
        Some(pw) => crate::crypto::keystore::protect(tsk, pw)?,
        None => tsk,
    };
    ctx.keystore.store_secret(&tsk)?;
    ctx.keystore.set_default(&s.key)?;
    if let Some(k) = one_time {
        ctx.keystore.remove(&k)?;
    }
    Ok(Finished { key: s.key.clone(), approved_by: shares.into_iter().map(|(t, _)| t).collect() })
}

/// The one-time key in the keystore a message with these recipients is
/// for.
fn request_key(ctx: &Context, v: &Verified, ids: &[String]) -> Result<Option<Fpr>> {
    for k in ctx.keystore.list(ctx.clock.now())? {
        if !k.secret {
            continue;
        }
        let Ok(c) = ctx.keystore.cert(&k.identity.fingerprint) else { continue };
        // Only one-time keys: finish removes the key it used.
        if is_request_key(&c)
            && !v.policy.keys.contains(&k.identity.fingerprint)
            && c.keys().any(|ka| ids.contains(&ka.key().keyid().to_hex()))
        {
            return Ok(Some(k.identity.fingerprint));
        }
    }
    Ok(None)
}

/// A participant's name and fingerprint, for messages.
fn name(v: &Verified, f: &str) -> String {
    match v.certs.identity(f) {
        Some(i) => format!("{} ({f})", i.name),
        None => f.to_string(),
    }
}

/// Why trustee `t` cannot approve now (its key revoked or replaced), if so.
fn unable(v: &Verified, t: &str, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
    if v.policy.rotated.contains_key(t) {
        Some(format!(
            "the trustee replaced its key by {}; its share is for the old key, which signs nothing now: the patient's next key rotation re-issues the share to the new key, or she sets up recovery again",
            v.policy.holder(t)
        ))
    } else if v.policy.cert_revoked(t, now) {
        Some("the trustee's key is revoked: the patient sets up recovery again with another trustee".to_string())
    } else {
        None
    }
}

/// What a signature status says, for a message.
fn said(s: &SignatureStatus) -> String {
    match s {
        SignatureStatus::Good { signer, .. } => format!("signed by {signer}"),
        SignatureStatus::UnknownSigner { issuer } => format!("signed by key {issuer}, which the record does not know"),
        SignatureStatus::Bad { reason } => reason.clone(),
    }
}

/// The user id of a one-time key made by `start`.
const REQUEST_NAME: &str = "hrx recovery request";

/// Whether `c` is a one-time key as `start` makes them: that one user id.
fn is_request_key(c: &sequoia_openpgp::Cert) -> bool {
    let ids: Vec<_> = c.userids().map(|u| u.userid().value().to_vec()).collect();
    ids.len() == 1 && ids[0] == REQUEST_NAME.as_bytes()
}
