//! `hrx key`: generate, import, export, list.

use crate::crypto::Identity;
use crate::crypto::cert::{NewCert, generate as gen_cert, identity};
use crate::crypto::keystore::{Imported, KeyInfo};
use crate::error::Result;
use sequoia_openpgp::crypto::Password;

use super::Context;

/// The largest key or certificate file read (a certificate with years of
/// updates is far smaller; a file larger is not one).
pub const MAX_KEY_FILE: u64 = 16 << 20;

/// Generates a key and stores it; returns who it is.
pub fn generate(ctx: &Context, new: &NewCert, password: Option<Password>) -> Result<Identity> {
    let cert = gen_cert(new, password, ctx.clock.now())?;
    ctx.keystore.store_secret(&cert)?;
    Ok(identity(&cert))
}

/// Lists the keystore.
pub fn list(ctx: &Context) -> Result<Vec<KeyInfo>> {
    ctx.keystore.list(ctx.clock.now())
}

/// Imports certificates and secret keys.
pub fn import(ctx: &Context, bytes: &[u8]) -> Result<Vec<Imported>> {
    ctx.keystore.import(bytes)
}

/// Exports a certificate (or secret key), armoured.
pub fn export(ctx: &Context, fpr: &str, secret: bool) -> Result<Vec<u8>> {
    let f = ctx.keystore.resolve(Some(fpr))?;
    ctx.keystore.export(&f, secret)
}

/// What `key update` did.
#[derive(Debug, serde::Serialize)]
pub struct Updated {
    /// Whose certificate.
    pub fingerprint: crate::model::Fpr,
    /// The update's id (`keys/FPR/ID.asc`).
    pub id: String,
    /// The commit.
    pub commit: String,
    /// Keys the update revokes, with the time from which they sign nothing.
    pub revokes: Vec<(crate::model::Fpr, chrono::DateTime<chrono::Utc>)>,
    /// The certificate's expiry and status as the record now knows it.
    pub validity: crate::crypto::cert::Validity,
}

/// Adds a newer version of a participant's certificate to the record, as
/// `keys/FPR/ID.asc`: `source` is a certificate file, or the fingerprint of
/// one in the keystore. Signed by the caller: the certificate's holder, the
/// patient or a delegate. Refused, writing nothing, when it brings nothing
/// new or breaks a rule of `verify`.
pub fn update(ctx: &mut Context, source: &str) -> Result<Updated> {
    let (cert, _) = read_cert(ctx, source)?;
    publish(ctx, cert)
}

/// A certificate named by `source`: a certificate file, or a fingerprint
/// (or unique prefix) of one in the keystore; and whether it came from a
/// file.
pub fn read_cert(ctx: &Context, source: &str) -> Result<(sequoia_openpgp::Cert, bool)> {
    use crate::error::Error;
    let path = std::path::Path::new(source);
    if crate::model::parse_fpr(source).is_none() && path.exists() {
        let bytes = crate::fsutil::read_input(path, MAX_KEY_FILE, "a certificate is at most 16 MiB")?;
        let cert = crate::crypto::commit::parse_cert(&bytes).map_err(|e| Error::Invalid(format!("{source}: {e}")))?;
        return Ok((cert, true));
    }
    let f = ctx.keystore.resolve(Some(source))?;
    Ok((ctx.keystore.cert(&f)?, false))
}

/// Adds `cert`, a newer version of a participant's certificate, to the
/// record; see [`update`].
fn publish(ctx: &mut Context, cert: sequoia_openpgp::Cert) -> Result<Updated> {
    publish_with(ctx, cert, None, None)
}

/// [`publish`], signing with `unlocked` if given, and adding `statement`
/// in the same commit if given.
fn publish_with(
    ctx: &mut Context,
    cert: sequoia_openpgp::Cert,
    unlocked: Option<crate::crypto::Unlocked>,
    statement: Option<crate::model::Statement>,
) -> Result<Updated> {
    use crate::error::Error;
    use crate::model::RepoPath;
    use crate::policy::Change;
    use sequoia_openpgp::serialize::SerializeInto;

    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let me = ctx.key_fpr()?;
    let cert = cert.strip_secret_key_material();
    let fpr = cert.fingerprint().to_hex();
    // The update as verify will judge it: the merged certificate and what
    // it revokes.
    let check = |v: &crate::verify::Verified| -> Result<(sequoia_openpgp::Cert, crate::crypto::commit::Revokes)> {
        if !v.policy.keys.contains(&fpr) {
            return Err(Error::Invalid(format!(
                "certificate {fpr} is not in this record; a new participant's certificate comes with a grant (hrx grant)"
            )));
        }
        let current = v.certs.get(&fpr).expect("participants have certificates");
        if current.clone().merge_public(cert.clone()).is_ok_and(|m| &m == current) {
            return Err(Error::Invalid(format!(
                "the record already has everything in this certificate of {fpr}; nothing to update (make the change in the key first, e.g. gpg --quick-set-expire, then export it)"
            )));
        }
        let (merged, _, revokes) = v
            .certs
            .check_update(&fpr, cert.clone(), now)
            .map_err(|(_, e)| Error::Invalid(format!("refused: the certificate {e}")))?;
        let id = crate::id::Id::from_parts(now, [0; 10]);
        let mut changes = vec![Change::KeyUpdate { fpr: fpr.clone(), id, revokes: revokes.clone() }];
        changes.extend(statement.clone().map(Change::Statement));
        super::judged(&v.policy, &me, &changes, now)?;
        Ok((merged, revokes))
    };
    let (w, (merged, revokes)) = super::write::begin(ctx, &rec, super::write::Start::Head, unlocked, |_, v| check(v))?;
    let v = &w.v;
    let id = super::add::new_id(now)?;
    // Only what the record lacks: an update's size (and every verifier's
    // work on it) does not grow with the certificate's history. Used
    // when it is judged exactly as the whole certificate is.
    let current = v.certs.get(&fpr).expect("checked: a participant");
    let update = match crate::crypto::cert::only_new(&cert, current) {
        Ok(u) => match v.certs.check_update(&fpr, u.clone(), now) {
            Ok((m, _, r)) if m == merged && r == revokes => u,
            _ => cert.clone(),
        },
        Err(_) => cert.clone(),
    };
    let armored = update.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
    let mut files = vec![(RepoPath::KeyUpdate { fpr: fpr.clone(), id }.to_path(), armored)];
    let mut changes = vec![Change::KeyUpdate { fpr: fpr.clone(), id, revokes: revokes.clone() }];
    if let Some(st) = &statement {
        files.push((RepoPath::Statement(st.id()).to_path(), st.to_yaml().into_bytes()));
        changes.push(Change::Statement(st.clone()));
    }
    let name = crate::crypto::cert::identity(&cert).name;
    let message = match statement {
        Some(_) => "hrx: revoke a key".to_string(),
        None => format!("hrx: update the certificate of {}", crate::model::text::printable(&name)),
    };
    let commit = w.commit(ctx, &rec, &files, &changes, &message)?;
    // The keystore learns the newer certificate too.
    ctx.keystore.store_cert(&cert)?;
    let validity = crate::crypto::cert::validity(&merged, now);
    Ok(Updated { fingerprint: fpr, id: id.to_string(), commit: commit.to_string(), revokes, validity })
}

/// What `key extend` did.
#[derive(Debug, serde::Serialize)]
pub struct Extended {
    /// The key.
    pub fingerprint: crate::model::Fpr,
    /// Its new expiry (None: it no longer expires).
    pub expires: Option<chrono::DateTime<chrono::Utc>>,
    /// The record update that published it, if run in a record the key
    /// takes part in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Updated>,
}

/// Sets when the caller's own key expires (extending an expired one
/// too), in the keystore, and publishes the refreshed certificate into the
/// record (when run in one the key takes part in), so that entries are
/// encrypted to it again.
pub fn extend(ctx: &mut Context, until: Option<chrono::DateTime<chrono::Utc>>) -> Result<Extended> {
    let f = ctx.key_fpr()?;
    let now = ctx.clock.now();
    let cert = ctx.keystore.set_expiry(&f, until, now, ctx.passphrase.as_mut())?;
    let participant = match ctx.record() {
        Ok(rec) => super::verified_head(ctx, &rec)?.policy.keys.contains(&f),
        Err(_) => false,
    };
    let published = if participant { Some(publish(ctx, cert)?) } else { None };
    Ok(Extended { fingerprint: f, expires: until, published })
}

/// What `key revoke` did.
#[derive(Debug, serde::Serialize)]
pub struct KeyRevoked {
    /// Whose key.
    pub fingerprint: crate::model::Fpr,
    /// compromised or retired.
    pub reason: crate::model::statement::KeyRevocationReason,
    /// For a compromised key: from when what it signed is void.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// The revocation statement (`policy/ID.yaml`), if one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The certificate update carrying the OpenPGP revocation, when the
    /// holder revoked its own key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<Updated>,
    /// The commit.
    pub commit: String,
    /// Commits the record holds that are void now, with why.
    pub void: Vec<(String, String)>,
}

/// Revokes a key: the caller's own (`target` None or its own fingerprint)
/// or, for the patient, any other participant's. `hard`: compromised, may
/// be in someone else's hands (with `since`: from when; what it signed
/// from then on is void); else retired. The caller's own key is revoked in
/// the keystore too and the OpenPGP revocation published as a certificate
/// update, so that other tools see it; a statement in `policy/` carries
/// the since time, or a revocation of someone else's key.
pub fn revoke(
    ctx: &mut Context,
    target: Option<&str>,
    hard: bool,
    since: Option<chrono::DateTime<chrono::Utc>>,
    note: &str,
) -> Result<KeyRevoked> {
    use crate::error::Error;
    use crate::model::statement::KeyRevocationReason;
    use crate::model::{RepoPath, Statement};
    let me = ctx.key_fpr()?;
    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let v = super::verified_head(ctx, &rec)?;
    let f = match target {
        None => me.clone(),
        Some(t) => participant(&v, t)?,
    };
    if !v.policy.keys.contains(&f) {
        return Err(Error::Invalid(format!(
            "your key {f} is not a participant of this record; run this in a record it takes part in"
        )));
    }
    if f == v.policy.patient {
        return Err(Error::Denied(format!(
            "{f} is the patient's key, which governs the record: it is never revoked (a lost or stolen patient key is replaced, see recovery)"
        )));
    }
    // A key handed over: what it held is its successor's now.
    if let Some(r) = v.policy.rotated.get(&f)
        && v.policy.holder(&f) != me
        && since.is_none_or(|s| s >= r.at)
    {
        let holder = v.policy.holder(&f);
        return Err(Error::Usage(format!(
            "the key {f} was handed over to {holder} on {} (a rotation): what it held is {holder}'s now. Revoke that key (hrx key revoke {holder} ...), or, if {f} was in other hands before the hand-over, name --since a time before it to void it",
            r.at.to_rfc3339()
        )));
    }
    if !hard && since.is_some() {
        return Err(Error::Usage(
            "--since is for --compromised: a retired key's past stays valid, it signs nothing from now on".into(),
        ));
    }
    if let Some(s) = since
        && s > now
    {
        return Err(Error::Usage(format!("--since {} is in the future", s.to_rfc3339())));
    }
    let reason = if hard { KeyRevocationReason::Compromised } else { KeyRevocationReason::Retired };
    let note = Some(note.to_string()).filter(|n| !n.is_empty());
    let own = f == me;
    let statement =
        |id| Statement::RevokeKey { id, issued_at: now, certificate: f.clone(), reason, since, note: note.clone() };
    let (commit, update, statement_id) = if own {
        // The holder: an OpenPGP revocation in a certificate update, and a
        // statement for the since time. Unlocked before the revocation: the
        // commit that carries it is signed with the key as it was (the
        // record judges it by its parent).
        let st = match since {
            Some(_) => Some(statement(super::add::new_id(now)?)),
            None => None,
        };
        let statement_id = st.as_ref().map(|s| s.id().to_string());
        let unlocked = ctx.unlock()?;
        let cert = ctx.keystore.revoke(&f, hard, note.as_deref().unwrap_or(""), now, ctx.passphrase.as_mut())?;
        let u = publish_with(ctx, cert, Some(unlocked), st)?;
        (u.commit.clone(), Some(u), statement_id)
    } else {
        // The patient, for someone else's key: a statement.
        let check = |v: &crate::verify::Verified, st: &Statement| -> Result<()> {
            super::judged(&v.policy, &me, &[crate::policy::Change::Statement(st.clone())], now).map(|_| ())
        };
        let (w, ()) = super::write::begin(ctx, &rec, super::write::Start::Head, None, |_, v| {
            check(v, &statement(crate::id::Id::from_parts(now, [0; 10])))
        })?;
        let st = statement(super::add::new_id(now)?);
        let files = vec![(RepoPath::Statement(st.id()).to_path(), st.to_yaml().into_bytes())];
        let commit =
            w.commit(ctx, &rec, &files, &[crate::policy::Change::Statement(st.clone())], "hrx: revoke a key")?;
        (commit.to_string(), None, Some(st.id().to_string()))
    };
    let after = super::verified_head(ctx, &rec)?;
    let void = after.policy.void.iter().map(|(c, why)| (c.clone(), why.clone())).collect();
    Ok(KeyRevoked { fingerprint: f, reason, since, statement: statement_id, update, commit, void })
}

/// The participant of the record `t` names: a whole fingerprint, or a
/// prefix only one participant's fingerprint starts with.
pub(crate) fn participant(v: &crate::verify::Verified, t: &str) -> Result<crate::model::Fpr> {
    use crate::error::Error;
    let t = t.trim().to_ascii_uppercase().replace(' ', "");
    let hits: Vec<_> = v.policy.keys.iter().filter(|k| k.starts_with(&t)).collect();
    match hits[..] {
        [one] if !t.is_empty() => Ok(one.clone()),
        [] | [_] => Err(Error::NotFound(format!(
            "no participant of this record has a fingerprint starting {t:?}; `hrx grants --all` lists them"
        ))),
        _ => Err(Error::Usage(format!(
            "{t:?} names {} participants ({}); give more of the fingerprint",
            hits.len(),
            hits.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// What `key rotate` did.
#[derive(Debug, serde::Serialize)]
pub struct Rotated {
    /// The key handed over.
    pub from: crate::model::Fpr,
    /// The new key (now the keystore's default).
    pub to: crate::model::Fpr,
    /// The commit.
    pub commit: String,
    /// Earlier entries the new key can now read through later-access wraps.
    pub wrapped: usize,
    /// Earlier entries the old key could not read either.
    pub skipped: usize,
    /// Entries that are not authentic, never passed on.
    pub refused: Vec<String>,
    /// For the patient's key with a recovery set-up: to how many trustees
    /// new shares went (None: no set-up, or too few trustees left for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_reissued: Option<usize>,
    /// For the patient's key with a recovery set-up that could not pass
    /// to the new key: why, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_warning: Option<String>,
}

/// Replaces the caller's key with a new one: the patient's or a
/// participant's place (its grants) passes to the new key in a statement
/// signed with the old one, in the commit that adds the new certificate and
/// wraps the session key of every earlier entry the old key reads for the
/// new one (no entry is rewritten). The old key signs nothing afterwards;
/// it stays in the keystore to read copies made before. The new key is
/// protected by `password` and becomes the default.
pub fn rotate(ctx: &mut Context, password: Option<Password>) -> Result<Rotated> {
    use crate::error::Error;
    use crate::model::{RepoPath, Statement};
    use crate::policy::Change;
    use sequoia_openpgp::serialize::SerializeInto;

    let me = ctx.key_fpr()?;
    let rec = ctx.record()?;
    let now = ctx.clock.now();
    let check = |v: &crate::verify::Verified| -> Result<()> {
        if !v.policy.keys.contains(&me) {
            return Err(Error::Invalid(format!(
                "your key {me} is not a participant of this record; run this in a record it takes part in"
            )));
        }
        // The judgement verify will make, with a stand-in for the new key.
        let st = Statement::RotateKey {
            id: crate::id::Id::from_parts(now, [0; 10]),
            issued_at: now,
            from: me.clone(),
            to: "0".repeat(40),
            consent: String::new(),
        };
        let changes = [Change::Key("0".repeat(40)), Change::Statement(st)];
        super::judged(&v.policy, &me, &changes, now).map(|_| ())
    };
    // Every entry is listed: the new key gets a wrap of each one the old
    // key reads.
    let (w, ()) = super::write::begin(ctx, &rec, super::write::Start::History, None, |_, v| check(v))?;
    let v = &w.v;
    let id = &w.unlocked.identity;
    let new = NewCert {
        name: id.name.clone(),
        email: id.email.clone(),
        organisation: id.organisation.clone(),
        country: id.country.clone(),
    };
    // Made unprotected, to sign its consent, then protected.
    let plain = gen_cert(&new, None, now)?;
    let cert = plain.clone().strip_secret_key_material();
    let to = crate::crypto::cert::fpr(&cert);
    let sid = super::add::new_id(now)?;
    let mut new_key = crate::crypto::keystore::unlock_at(plain.clone(), &mut crate::crypto::NoPassphrase, Some(now))?;
    let consent = {
        let text = Statement::rotation_consent(&sid, &me, &to);
        crate::crypto::commit::sign(text.as_bytes(), &mut new_key.signer, now)?
    };
    v.certs.check_new(&cert).map_err(|e| Error::Invalid(format!("refused: {e}")))?;
    let armored = cert.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
    let st = Statement::RotateKey { id: sid, issued_at: now, from: me.clone(), to: to.clone(), consent };
    let mut files = vec![
        (RepoPath::Key(to.clone()).to_path(), armored),
        (RepoPath::Statement(sid).to_path(), st.to_yaml().into_bytes()),
    ];
    let mut changes = vec![Change::Key(to.clone()), Change::Statement(st)];
    // The patient's recovery set-up passes to the new key in the same
    // commit: shares of a new secret, so the old ones open only the old key.
    let mut recovery_reissued = None;
    let mut recovery_warning = None;
    if v.policy.patient == me && v.policy.recovery.is_some() {
        match super::recovery::trustees_for_reissue(v, now) {
            Some((threshold, certs)) => {
                let rid = super::add::new_id(now)?;
                let r = super::recovery::sealed(v, rid, &plain, &new_key.signer, &certs, threshold, now)?;
                files.push((RepoPath::Statement(rid).to_path(), r.to_yaml().into_bytes()));
                changes.push(Change::Statement(r));
                recovery_reissued = Some(certs.len());
            }
            None => {
                recovery_warning = Some(
                    "your recovery set-up did not pass to the new key: too few of its trustees can still hold a share; set up recovery again (hrx recovery setup)".to_string(),
                )
            }
        }
    }
    let tsk = match &password {
        Some(pw) => crate::crypto::keystore::protect(plain, pw)?,
        None => plain,
    };
    let after = super::judged(&v.policy, &me, &changes, now)?;
    // What the new key may be given: entries in categories it reads
    // (wrap_entries leaves out void ones and those it reads already).
    let entries: Vec<&crate::verify::EntryRef> =
        v.entries.iter().filter(|e| after.allows(&to, crate::model::Right::Read, &e.category, now)).collect();
    let wrapped = super::grant::wrap_entries(&rec, v, &me, &w.unlocked.decryptors, &cert, &entries, now)?;
    files.extend(wrapped.files);
    changes.extend(wrapped.changes);
    // Judged before the new secret key is kept (commit judges again).
    super::judged(&v.policy, &me, &changes, now)?;
    // The new secret key is kept before the commit names it: a crash in
    // between leaves an unused key, never a record whose new key is lost.
    ctx.keystore.store_secret(&tsk)?;
    let commit = w.commit(ctx, &rec, &files, &changes, "hrx: rotate a key")?;
    ctx.keystore.set_default(&to)?;
    Ok(Rotated {
        from: me,
        to,
        commit: commit.to_string(),
        wrapped: wrapped.opened,
        skipped: wrapped.skipped,
        refused: wrapped.refused,
        recovery_reissued,
        recovery_warning,
    })
}

/// Takes certificates whose secret keys gpg-agent holds as the user's own
/// keys (see `Keystore::store_agent`).
pub fn import_agent(ctx: &Context, bytes: &[u8]) -> Result<Vec<Imported>> {
    let certs = crate::crypto::keystore::parse_certs(bytes)?;
    // Each is checked with the agent before it is kept.
    certs.iter().map(|c| ctx.keystore.store_agent(c, ctx.clock.now())).collect()
}

/// Changes the passphrase of the caller's key in the keystore to the one
/// `new` gives (None: stored without one). The current passphrase is
/// checked before `new` is asked. Returns the key.
pub fn passwd(
    ctx: &mut Context,
    new: impl FnOnce(&mut Context) -> Result<Option<Password>>,
) -> Result<crate::model::Fpr> {
    let f = ctx.key_fpr()?;
    if ctx.keystore.in_agent(&f) {
        return Err(crate::error::Error::Usage(format!(
            "the secret of {f} is held by gpg-agent; change its passphrase there: gpg --change-passphrase {f}"
        )));
    }
    ctx.keystore.unlock_at(&f, ctx.passphrase.as_mut(), ctx.clock.now())?;
    let new = new(ctx)?;
    ctx.keystore.passwd(&f, ctx.passphrase.as_mut(), new)?;
    Ok(f)
}

/// A paper backup of the caller's secret key, protected by `password`.
pub struct PaperBackup {
    /// Whose key.
    pub identity: Identity,
    /// The heading lines (who, when, how to restore).
    pub heading: Vec<String>,
    /// The protected secret key (binary OpenPGP), to print.
    pub data: Vec<u8>,
}

/// Makes a paper backup of the caller's key: its secret keys, unlocked
/// with the current passphrase in memory, protected by `password` (asked
/// of the caller after the current one is checked).
pub fn backup(ctx: &mut Context, password: impl FnOnce(&mut Context) -> Result<Password>) -> Result<PaperBackup> {
    use crate::error::Error;
    use sequoia_openpgp::serialize::SerializeInto;
    let f = ctx.key_fpr()?;
    if ctx.keystore.in_agent(&f) {
        return Err(Error::Usage(format!(
            "the secret of {f} is held by gpg-agent; back it up with GnuPG (gpg --export-secret-keys, paperkey)"
        )));
    }
    let plain = ctx.keystore.plain_secret(&f, ctx.passphrase.as_mut())?;
    let pw = password(ctx)?;
    let protected = crate::crypto::keystore::protect(crate::crypto::cert::minimal(plain)?, &pw)?;
    let data = protected.as_tsk().to_vec().map_err(|e| Error::crypto("serialising key", e))?;
    let who = identity(&protected);
    let heading = vec![
        "hrx paper backup of a secret key (format 1)".to_string(),
        format!("key:  {}", who.fingerprint),
        format!("name: {}", crate::model::text::printable(&who.name)),
        format!("made: {}", ctx.clock.now().format("%Y-%m-%d")),
        "Protected by the backup's passphrase. Restore: hrx key restore FILE (type the numbered lines and".to_string(),
        "the end line into FILE, or scan the code and save its text): each line's check finds a typo.".to_string(),
    ];
    Ok(PaperBackup { identity: who, heading, data })
}

/// Restores a key from a paper backup's text: checked line by line, then
/// unlocked with its passphrase (asked of the caller) to prove it whole,
/// and kept as it is, still protected by that passphrase.
pub fn restore(ctx: &mut Context, text: &str) -> Result<Identity> {
    use crate::error::Error;
    use sequoia_openpgp::parse::Parse;
    let bytes = crate::crypto::paper::read(text)?;
    let tsk = sequoia_openpgp::Cert::from_bytes(&bytes)
        .map_err(|e| Error::Invalid(format!("the backup's lines are all right but do not hold a key: {e}")))?;
    if !tsk.is_tsk() {
        return Err(Error::Invalid("the backup holds a certificate without its secret keys".into()));
    }
    if tsk.keys().secret().any(|k| k.key().has_unencrypted_secret()) {
        return Err(Error::Invalid("the backup holds an unprotected secret key; hrx never writes one".into()));
    }
    crate::crypto::keystore::unlock(tsk.clone(), ctx.passphrase.as_mut())?;
    ctx.keystore.store_secret(&tsk)?;
    Ok(identity(&tsk))
}
