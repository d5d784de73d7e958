//! Commit signatures: an armoured, detached OpenPGP signature over the
//! unsigned commit object, in git's `gpgsig` header, so that
//! `git verify-commit` and `git log --show-signature` check it with GnuPG.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use openpgp::armor::{Kind, Writer};
use openpgp::packet::Key;
use openpgp::packet::Signature;
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::packet::signature::SignatureBuilder;
use openpgp::parse::Parse;
use openpgp::policy::Policy as _;
use openpgp::serialize::Marshal;
use openpgp::types::SignatureType;
use openpgp::{Cert, KeyHandle, Packet};
use sequoia_openpgp as openpgp;

use super::{policy, system_time};
use crate::error::{Error, Result};
use crate::id::Id;
use crate::model::Fpr;
use crate::model::Reason;

/// Makes the `gpgsig` value for a commit buffer.
pub fn sign(buffer: &[u8], signer: &mut super::SecretKey, t: DateTime<Utc>) -> Result<String> {
    let sig = SignatureBuilder::new(SignatureType::Binary)
        .set_signature_creation_time(system_time(t))
        .map_err(|e| Error::crypto("signing commit", e))?
        .sign_message(signer, buffer)
        .map_err(|e| Error::crypto("signing commit", e))?;
    let mut w = Writer::new(Vec::new(), Kind::Signature).map_err(|e| Error::crypto("armouring", e))?;
    Packet::from(sig).serialize(&mut w).map_err(|e| Error::crypto("armouring", e))?;
    let out = w.finalize().map_err(|e| Error::crypto("armouring", e))?;
    Ok(String::from_utf8(out).expect("armour is ASCII"))
}

/// Why a commit signature is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    /// Not a parsable single signature.
    Malformed(String),
    /// Made by a key none of the known certificates has.
    UnknownKey(String),
    /// The maths does not check out, or the key could not sign then.
    Bad(String),
    /// Made with an algorithm the OpenPGP policy rejects (SHA-1, MD5, ...).
    Weak(String),
    /// Made by a key its holder had revoked (in a certificate update) by then.
    Revoked(String),
}

/// The certificates a history's commits may be signed by, indexed by every
/// key they hold, so that each signature is checked against exactly one key.
///
/// A certificate is its `keys/FPR.asc` merged with the updates
/// (`keys/FPR/ID.asc`) a history holds. A commit is judged with the updates
/// on its own line of history ([`Known`]); everything else (readers,
/// writers, inner signatures) uses all of them.
#[derive(Default)]
pub struct CertIndex {
    /// Every certificate with every update merged, revocations included.
    certs: HashMap<Fpr, Cert>,
    /// Each certificate as it entered the record.
    base: HashMap<Fpr, Cert>,
    /// The updates of each certificate: self-signatures only, without
    /// revocations (those are in `revokes`, judged by hrx's rule).
    updates: HashMap<Fpr, std::collections::BTreeMap<Id, Update>>,
    by_key: HashMap<String, Fpr>,
    // Mutexes, not cells: readers open entries on every core.
    signing: std::sync::Mutex<SigningCache>,
    identities: std::sync::Mutex<HashMap<Fpr, super::Identity>>,
    /// Views already built ([`CertIndex::view`]), by certificate and the
    /// updates merged: each commit's line knows one more update than the
    /// last, so a view is its predecessor plus one merge, and Sequoia's
    /// lazily verified self-signatures stay verified in it. Bounded.
    views: std::sync::Mutex<HashMap<(Fpr, Vec<Id>), Cert>>,
}

/// The most views kept (each at most a certificate's size).
const MAX_VIEWS: usize = 512;

impl Clone for CertIndex {
    /// A copy with what is memoised so far (a clone is cheaper than
    /// parsing the certificates again: see `ops::cache`).
    fn clone(&self) -> Self {
        fn copy<T: Clone>(m: &std::sync::Mutex<T>) -> std::sync::Mutex<T> {
            std::sync::Mutex::new(m.lock().unwrap_or_else(|e| e.into_inner()).clone())
        }
        CertIndex {
            certs: self.certs.clone(),
            base: self.base.clone(),
            updates: self.updates.clone(),
            by_key: self.by_key.clone(),
            signing: copy(&self.signing),
            identities: copy(&self.identities),
            views: copy(&self.views),
        }
    }
}

/// Signing keys with their windows, by certificate, then by the updates
/// merged into it (looked up without allocating: this is on every commit).
type SigningCache = HashMap<Fpr, HashMap<Vec<Id>, Vec<Epoch>>>;

/// (key fingerprint, from when) for each key a certificate update revokes.
pub type Revokes = Vec<(Fpr, DateTime<Utc>)>;

/// One certificate update, as the verifier uses it.
#[derive(Clone)]
struct Update {
    /// Its self-signatures (bindings, direct-key signatures), no revocations.
    clean: Cert,
    /// (key fingerprint, from when) for each key it revokes.
    revokes: Revokes,
}

/// Which certificate updates (and the key revocations in them) count for
/// one signature: those its commit's parent knew. A signature is never
/// judged with what was added to the record after it.
#[derive(Clone, Copy)]
pub enum Known<'a> {
    /// What a line of history holds: its policy's updates and revoked keys.
    Line {
        /// Updates by certificate.
        updates: &'a std::collections::BTreeMap<Fpr, std::collections::BTreeSet<Id>>,
        /// Revoked keys.
        revoked: &'a std::collections::BTreeMap<Fpr, crate::policy::KeyRevocation>,
    },
    /// These updates of the signer's certificate (an entry's inner
    /// signature: those its commit's parent knew, see `EntryRef::certs_at`).
    Updates(&'a [Id]),
}

impl<'a> Known<'a> {
    /// What the line of history whose policy is `p` holds.
    pub fn line(p: &'a crate::policy::Policy) -> Known<'a> {
        Known::Line { updates: &p.key_updates, revoked: &p.revoked_keys }
    }
}

impl CertIndex {
    /// Whether `cert` may join: none of its keys (by fingerprint or key id)
    /// may belong to another certificate already here. A certificate that
    /// claims someone else's subkey (an authentication subkey needs no
    /// back-signature) would otherwise take over that key's signatures.
    pub fn check_new(&self, cert: &Cert) -> Result<(), String> {
        let f = cert.fingerprint().to_hex();
        for k in cert.keys() {
            for h in [k.key().fingerprint().to_hex(), k.key().keyid().to_hex()] {
                if let Some(owner) = self.by_key.get(&h)
                    && *owner != f
                {
                    return Err(format!(
                        "certificate {f} holds key {h}, which belongs to participant {owner}; one key belongs to one certificate"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds a certificate, refusing one that claims another's key.
    pub fn add(&mut self, cert: Cert) -> Result<(), String> {
        self.check_new(&cert)?;
        self.insert(cert);
        Ok(())
    }

    /// Adds a certificate (already checked with [`CertIndex::check_new`]).
    pub fn insert(&mut self, cert: Cert) {
        let f = cert.fingerprint().to_hex();
        self.index_keys(&f, &cert);
        self.base.insert(f.clone(), cert.clone());
        self.certs.insert(f, cert);
    }

    /// Notes that every key of `cert` (by fingerprint and key id) is `f`'s.
    fn index_keys(&mut self, f: &str, cert: &Cert) {
        for k in cert.keys() {
            self.by_key.insert(k.key().fingerprint().to_hex(), f.to_string());
            self.by_key.insert(k.key().keyid().to_hex(), f.to_string());
        }
    }

    /// Adds an update of certificate `fpr` brought by a commit signed at
    /// `at`. Refused: another certificate's fingerprint, and a key that
    /// belongs to another participant. Whatever it says, it cannot change
    /// the past: signatures are judged with the updates their commit's
    /// parent knew ([`Known`]). Revocations in it take effect at their own
    /// time, but never before `at`. Returns (key, from when) for each key
    /// it revokes.
    pub fn add_update(
        &mut self,
        fpr: &str,
        id: Id,
        update: Cert,
        at: DateTime<Utc>,
    ) -> Result<Revokes, (Reason, String)> {
        let (merged, clean, revokes) = self.check_update(fpr, update, at)?;
        self.insert_update(fpr, id, merged, clean, revokes.clone());
        Ok(revokes)
    }

    /// The rule of [`CertIndex::add_update`], without adding: the merged
    /// certificate, the update's clean part and what it revokes from when.
    pub fn check_update(
        &self,
        fpr: &str,
        update: Cert,
        at: DateTime<Utc>,
    ) -> Result<(Cert, Cert, Revokes), (Reason, String)> {
        if update.fingerprint().to_hex() != fpr {
            return Err((
                Reason::BadKey,
                format!("holds certificate {}, not an update of {fpr}", update.fingerprint()),
            ));
        }
        if !self.base.contains_key(fpr) {
            return Err((Reason::BadKey, format!("is an update of certificate {fpr}, which is not in keys/")));
        }
        let (clean, revokes) = split_update(&update).map_err(|e| (Reason::BadKey, e))?;
        let merged = self.certs[fpr].clone().merge_public(update).map_err(|e| (Reason::BadKey, e.to_string()))?;
        check_parts(&merged).map_err(|e| (Reason::BadKey, format!("merged with the certificate, {e}")))?;
        self.check_new(&merged).map_err(|e| (Reason::KeyConflict, e))?;
        let revokes: Revokes =
            revokes.into_iter().map(|(k, t)| (k, if t == HARD { HARD } else { t.max(at) })).collect();
        Ok((merged, clean, revokes))
    }

    /// Adds an update already judged (by a verification whose result was
    /// kept): `revoked_at` says from when each key it revokes is refused.
    pub fn restore_update(
        &mut self,
        fpr: &str,
        id: Id,
        update: Cert,
        revoked_at: &dyn Fn(&str) -> Option<DateTime<Utc>>,
    ) -> Result<(), String> {
        let (clean, revokes) = split_update(&update)?;
        let revokes = revokes.into_iter().filter_map(|(k, _)| Some((k.clone(), revoked_at(&k)?))).collect();
        let merged = self
            .certs
            .get(fpr)
            .ok_or("no such certificate")?
            .clone()
            .merge_public(update)
            .map_err(|e| e.to_string())?;
        self.insert_update(fpr, id, merged, clean, revokes);
        Ok(())
    }

    fn insert_update(&mut self, fpr: &str, id: Id, merged: Cert, clean: Cert, revokes: Revokes) {
        self.index_keys(fpr, &merged);
        self.certs.insert(fpr.to_string(), merged);
        self.updates.entry(fpr.to_string()).or_default().insert(id, Update { clean, revokes });
        self.identities.lock().unwrap_or_else(|e| e.into_inner()).remove(fpr);
    }

    /// The certificate as a line of history knowing updates `ids` sees it,
    /// for judging signatures: the base merged with those updates' clean parts.
    fn view(&self, fpr: &str, ids: &[Id]) -> Cert {
        let key = |n: usize| (fpr.to_string(), ids[..n].to_vec());
        let mut views = self.views.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = views.get(&key(ids.len())) {
            return c.clone();
        }
        // The longest prefix already built, then one merge per update.
        let start = (1..ids.len()).rev().find(|n| views.contains_key(&key(*n))).unwrap_or(0);
        let mut c = if start == 0 { self.base[fpr].clone() } else { views[&key(start)].clone() };
        let us = self.updates.get(fpr);
        for (n, id) in ids.iter().enumerate().skip(start) {
            if let Some(u) = us.and_then(|us| us.get(id)) {
                c = c.clone().merge_public(u.clean.clone()).unwrap_or(c);
            }
            if views.len() >= MAX_VIEWS {
                views.clear();
            }
            views.insert(key(n + 1), c.clone());
        }
        c
    }

    /// Whether key `key` of certificate `f` may sign at `t` as a line of
    /// history that knows `known` judges it; if not, why.
    pub fn can_sign(&self, f: &str, key: &str, known: Known, t: DateTime<Utc>) -> Result<(), String> {
        if !self.base.contains_key(f) {
            return Err(format!("certificate {f} is not in the record"));
        }
        let ids = self.known_ids(f, Some(known));
        let ks = self.signing_keys(f, &ids, system_time(t)).map_err(|e| match e {
            SigError::Bad(m)
            | SigError::Malformed(m)
            | SigError::Weak(m)
            | SigError::Revoked(m)
            | SigError::UnknownKey(m) => m,
        })?;
        let k = ks
            .iter()
            .find(|k| k.key.fingerprint().to_hex() == key && k.valid_at(system_time(t)))
            .ok_or_else(|| format!("key {key} of certificate {f} cannot sign at {} as the record knows the certificate (expired, or not a signing key in it)", t.to_rfc3339()))?;
        match self.revoked_from(f, &k.key.fingerprint().to_hex(), Some(known)) {
            Some(r) if r <= t => Err(format!("key {key} was revoked by its holder, in effect from {}", r.to_rfc3339())),
            _ => Ok(()),
        }
    }

    /// Every update of `fpr` in the record.
    pub fn update_ids(&self, fpr: &str) -> Vec<Id> {
        self.known_ids(fpr, None)
    }

    /// The updates of `fpr` a signature is judged with: those `known`
    /// names, or all of them.
    fn known_ids(&self, fpr: &str, known: Option<Known>) -> Vec<Id> {
        let mine = self.updates.get(fpr);
        match known {
            Some(Known::Line { updates, .. }) => {
                updates.get(fpr).map(|s| s.iter().copied().collect()).unwrap_or_default()
            }
            Some(Known::Updates(ids)) => {
                ids.iter().copied().filter(|i| mine.is_some_and(|m| m.contains_key(i))).collect()
            }
            None => mine.map(|u| u.keys().copied().collect()).unwrap_or_default(),
        }
    }

    /// From when key `key` of `fpr` (or its whole certificate) is revoked
    /// by an update `known` holds (or any update), if it is.
    fn revoked_from(&self, fpr: &str, key: &str, known: Option<Known>) -> Option<DateTime<Utc>> {
        let hit = |k: &str| match known {
            Some(Known::Line { revoked, .. }) => revoked.get(k).filter(|r| r.cert == fpr).map(|r| r.at),
            _ => {
                let us = self.updates.get(fpr)?;
                self.known_ids(fpr, known)
                    .iter()
                    .filter_map(|i| us.get(i))
                    .flat_map(|u| &u.revokes)
                    .filter(|(r, _)| r == k)
                    .map(|(_, t)| *t)
                    .min()
            }
        };
        match (hit(fpr), hit(key)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A certificate by its fingerprint.
    pub fn get(&self, f: &str) -> Option<&Cert> {
        self.certs.get(f)
    }

    /// The certificate holding the key with this key id or fingerprint (hex).
    pub fn owner(&self, key: &str) -> Option<&Cert> {
        self.by_key.get(key).and_then(|f| self.certs.get(f))
    }

    /// Who holds certificate `f` (computed once per certificate), as its
    /// certificate said when it entered the record: a user id added by a
    /// later update never renames a participant (nor what it did before).
    pub fn identity(&self, f: &str) -> Option<super::Identity> {
        if let Some(i) = self.identities.lock().unwrap_or_else(|e| e.into_inner()).get(f) {
            return Some(i.clone());
        }
        let i = super::cert::identity(self.base.get(f)?);
        self.identities.lock().unwrap_or_else(|e| e.into_inner()).insert(f.to_string(), i.clone());
        Some(i)
    }

    /// [`CertIndex::identity`], or "(unknown)" with the fingerprint for a
    /// certificate the record does not hold.
    pub fn identity_or_unknown(&self, f: &str) -> super::Identity {
        self.identity(f).unwrap_or_else(|| super::Identity {
            fingerprint: f.to_string(),
            name: "(unknown)".into(),
            email: None,
            organisation: None,
            country: None,
        })
    }

    /// All certificates.
    pub fn all(&self) -> impl Iterator<Item = &Cert> {
        self.certs.values()
    }

    /// Checks a `gpgsig` value over `data`. `allowed` restricts which
    /// certificates count as known (those in `keys/` at the parent). Returns
    /// the signing certificate's fingerprint and the signature time.
    pub fn verify(
        &self,
        sig: &[u8],
        data: &[u8],
        allowed: &dyn Fn(&str) -> bool,
        known: Option<Known>,
    ) -> Result<(Fpr, DateTime<Utc>), SigError> {
        self.verify_parsed(&single_signature(sig)?, data, allowed, known).map(|(f, t, _)| (f, t))
    }

    /// [`CertIndex::verify`] for a signature already parsed with
    /// [`single_signature`]. `known` is what the commit's line of history
    /// knows of certificate updates (default: all of them). Also returns
    /// the fingerprint of the key that made it.
    pub fn verify_parsed(
        &self,
        sig: &Signature,
        data: &[u8],
        allowed: &dyn Fn(&str) -> bool,
        known: Option<Known>,
    ) -> Result<(Fpr, DateTime<Utc>, Fpr), SigError> {
        self.verify_checked(sig, &|| Some(data.to_vec()), allowed, known, None)
    }

    /// [`CertIndex::verify_parsed`] for a signature whose arithmetic over
    /// `data` already checked out with key `checked` (by [`check_ahead`]'s
    /// workers): if the key the rules choose is that key, the arithmetic is
    /// not done again. Every other rule is applied as always.
    pub fn verify_checked(
        &self,
        sig: &Signature,
        data: &dyn Fn() -> Option<Vec<u8>>,
        allowed: &dyn Fn(&str) -> bool,
        known: Option<Known>,
        checked: Option<&PublicKey>,
    ) -> Result<(Fpr, DateTime<Utc>, Fpr), SigError> {
        self.verify_with(sig, allowed, known, &|k| {
            if checked.is_some_and(|c| c == k) {
                return Ok(());
            }
            let data = data().ok_or_else(|| anyhow::anyhow!("the signed commit could not be read again"))?;
            sig.verify_message(k, data)
        })
    }

    /// Checks a signature over a document (an entry's inner signature)
    /// whose digest the packet parser computed, by the rules of commit
    /// signatures: a key of a certificate here that could sign at the
    /// signature time, under the OpenPGP policy. `now` bounds its creation
    /// time and expiry.
    pub fn verify_document(
        &self,
        sig: &Signature,
        digest: &[u8],
        known: &[Id],
        now: DateTime<Utc>,
    ) -> Result<(Fpr, DateTime<Utc>), SigError> {
        if !matches!(sig.typ(), SignatureType::Binary | SignatureType::Text) {
            return Err(SigError::Bad(format!("a {} signature does not sign a document", sig.typ())));
        }
        sig.signature_alive(system_time(now), std::time::Duration::from_secs(crate::policy::CLOCK_SKEW_SECS as u64))
            .map_err(|e| SigError::Bad(e.to_string()))?;
        self.verify_with(sig, &|_| true, Some(Known::Updates(known)), &|k| match super::ed25519::verify_digest(
            sig, digest, k,
        ) {
            Some(()) => Ok(()),
            None => sig.verify_digest(k, digest),
        })
        .map(|(f, t, _)| (f, t))
    }

    /// The certificate and time of a signature whose arithmetic `check`
    /// does with a key.
    fn verify_with(
        &self,
        sig: &Signature,
        allowed: &dyn Fn(&str) -> bool,
        known: Option<Known>,
        check: &dyn Fn(&Key<PublicParts, UnspecifiedRole>) -> openpgp::Result<()>,
    ) -> Result<(Fpr, DateTime<Utc>, Fpr), SigError> {
        // Only a signature over a document signs one: a commit, an entry,
        // a consent. (Sequoia's verify_message refuses the other types; a
        // signature whose arithmetic a worker did is judged here alone.)
        if !matches!(sig.typ(), SignatureType::Binary | SignatureType::Text) {
            return Err(SigError::Bad(format!("a {} signature does not sign a document", sig.typ())));
        }
        let t = sig
            .signature_creation_time()
            .ok_or_else(|| SigError::Malformed("signature has no creation time".into()))?;
        // An expiring signature would turn a verified record bad by itself
        // one day, on every copy (and GnuPG would call it expired).
        if sig.signature_validity_period().is_some_and(|d| !d.is_zero()) {
            return Err(SigError::Bad(
                "the signature carries an expiry (a signature expiration time); a record's signatures must stay valid as long as the record".into(),
            ));
        }
        let issuers = sig.get_issuers();
        let cert_fpr = issuers
            .iter()
            .find_map(|h| self.by_key.get(&super::message::handle_hex(h)))
            .filter(|f| allowed(f))
            .ok_or_else(|| {
                SigError::UnknownKey(
                    issuers.first().map(super::message::handle_hex).unwrap_or_else(|| "(no issuer)".into()),
                )
            })?;
        let ids = self.known_ids(cert_fpr, known);
        let keys = self.signing_keys(cert_fpr, &ids, t)?;
        let mut last = SigError::Bad("no signing-capable key matches the issuer".into());
        let when: DateTime<Utc> = t.into();
        for k in keys.iter().filter(|k| k.valid_at(t)) {
            if !issuers.iter().any(|h| h.aliases(KeyHandle::from(k.key.fingerprint()))) {
                continue;
            }
            if let Some(r) = self.revoked_from(cert_fpr, &k.key.fingerprint().to_hex(), known)
                && r <= when
            {
                last = SigError::Revoked(format!(
                    "key {} was revoked by its holder, in effect from {}, and this signature is dated {}",
                    k.key.fingerprint(),
                    r.to_rfc3339(),
                    when.to_rfc3339()
                ));
                continue;
            }
            match check(&k.key) {
                Ok(()) => {
                    policy()
                        .signature(sig, openpgp::policy::HashAlgoSecurity::CollisionResistance)
                        .map_err(|e| SigError::Weak(format!("{e} ({:?})", sig.hash_algo())))?;
                    return Ok((cert_fpr.clone(), t.into(), k.key.fingerprint().to_hex()));
                }
                Err(e) => last = SigError::Bad(e.to_string()),
            }
        }
        Err(last)
    }
}

/// A signing key of a certificate with the window in which it may sign.
#[derive(Clone)]
struct SigningKey {
    key: Key<PublicParts, UnspecifiedRole>,
    from: std::time::SystemTime,
    until: Option<std::time::SystemTime>,
}

impl SigningKey {
    fn valid_at(&self, t: std::time::SystemTime) -> bool {
        self.from <= t && self.until.is_none_or(|u| t < u)
    }
}

impl CertIndex {
    /// The signing keys of `f` (as known with updates `ids`) at `t`, each
    /// with its window. Validating a certificate checks several binding
    /// signatures, so the result is kept for the whole epoch it holds in:
    /// from the newest self-signature dated at or before `t` to the next
    /// one after it (a binding, revocation or expiry change dated later
    /// changes the answer from its date on, whatever order signatures are
    /// checked in).
    fn signing_keys(&self, f: &str, ids: &[Id], t: std::time::SystemTime) -> Result<Vec<SigningKey>, SigError> {
        if let Some(epochs) = self.signing.lock().unwrap_or_else(|e| e.into_inner()).get(f).and_then(|v| v.get(ids))
            && let Some(e) = epochs.iter().find(|e| e.from <= t && e.until.is_none_or(|u| t < u))
        {
            return Ok(e.keys.clone());
        }
        let view = if ids.is_empty() { None } else { Some(self.view(f, ids)) };
        let cert = view.as_ref().unwrap_or(&self.base[f]);
        let vc = cert
            .with_policy(policy(), t)
            .map_err(|e| SigError::Bad(format!("certificate {f} was not valid at the signature time: {e}")))?;
        if vc.revocation_status() != sequoia_openpgp::types::RevocationStatus::NotAsFarAsWeKnow {
            return Err(SigError::Bad(format!("certificate {f} is revoked")));
        }
        // A key cannot sign past its certificate's own expiry either.
        let cert_until = vc.primary_key().key_expiration_time();
        let ks: Vec<SigningKey> = vc
            .keys()
            .for_signing()
            .alive()
            .revoked(false)
            .map(|ka| {
                let binding = ka.binding_signature().signature_creation_time().unwrap_or(std::time::UNIX_EPOCH);
                SigningKey {
                    key: ka.key().clone().role_into_unspecified(),
                    from: binding.max(ka.key().creation_time()),
                    until: match (ka.key_expiration_time(), cert_until) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    },
                }
            })
            .collect();
        let times = self_signature_times(cert);
        let epoch = Epoch {
            from: times.iter().copied().filter(|x| *x <= t).max().unwrap_or(std::time::UNIX_EPOCH),
            until: times.iter().copied().filter(|x| *x > t).min(),
            keys: ks.clone(),
        };
        let mut cache = self.signing.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(f.to_string()).or_default().entry(ids.to_vec()).or_default().push(epoch);
        Ok(ks)
    }
}

/// A span of time in which a certificate's self-signatures give one answer.
#[derive(Clone)]
struct Epoch {
    from: std::time::SystemTime,
    until: Option<std::time::SystemTime>,
    keys: Vec<SigningKey>,
}

/// The creation times of every self-signature and self-revocation of a
/// certificate, of every component, valid or not (an invalid one changes
/// nothing, so counting it only splits an epoch).
fn self_signature_times(c: &Cert) -> Vec<std::time::SystemTime> {
    let primary = c.primary_key();
    let uids = c.userids().flat_map(|u| u.self_signatures().chain(u.self_revocations()).collect::<Vec<_>>());
    let uas = c.user_attributes().flat_map(|u| u.self_signatures().chain(u.self_revocations()).collect::<Vec<_>>());
    let subs = c.keys().subkeys().flat_map(|k| k.self_signatures().chain(k.self_revocations()).collect::<Vec<_>>());
    primary
        .self_signatures()
        .chain(primary.self_revocations())
        .chain(uids)
        .chain(uas)
        .chain(subs)
        .filter_map(|s| s.signature_creation_time())
        .collect()
}

/// Parses and checks many commit signatures on other cores while the
/// caller walks the history: `item(state, i)` gives the `i`th of `count`
/// commits' `gpgsig` and the bytes it signs, each once (the walk keeps only
/// what it needs of each commit, so memory does not grow with their
/// signatures; with the worker's `state` it may read a commit again). `walk` gets a function that returns, for item `i` (waiting for
/// it; items are done in order), the parsed signature (or the parse error),
/// the key of `keys` its arithmetic checked out with, if one did, and, if
/// that key's certificate the walk has already `accepted` into the record,
/// what `prepare` made of the item on the worker (with the worker's own
/// `state`, made once per worker by `state`; the walk does it itself
/// otherwise). `early(i)` is what [`SignerKeys::check`] found of item `i`'s
/// key if it was done before.
///
/// The walk still decides everything (which certificate may sign, when,
/// with which key: see [`CertIndex::verify_checked`]); the workers only do
/// the expensive part early, on raw bytes, and prepare only what a known
/// key signed.
#[allow(clippy::too_many_arguments)]
pub fn check_ahead<S, T: Send, R>(
    keys: &SignerKeys,
    count: usize,
    item: impl Fn(&mut S, usize) -> Option<(Vec<u8>, Vec<u8>)> + Sync,
    early: impl Fn(usize) -> Option<Option<(Fpr, PublicKey)>> + Sync,
    accepted: &Accepted,
    state: impl Fn() -> S + Sync,
    prepare: impl Fn(&mut S, usize) -> T + Sync,
    walk: impl FnOnce(&mut dyn FnMut(usize) -> Ahead<T>) -> R,
) -> R {
    use std::sync::mpsc;
    // Consecutive items go to one worker, so what one commit read (its
    // trees) is at hand for the next.
    const CHUNK: usize = 32;
    let workers = crate::cores::count();
    let (state, prepare, early, item) = (&state, &prepare, &early, &item);
    std::thread::scope(|scope| {
        let mut rx = Vec::new();
        for w in 0..workers {
            // Bounded, so a walk that stops early stops the workers too.
            let (tx, r) = mpsc::sync_channel::<Ahead<T>>(16);
            rx.push(r);
            scope.spawn(move || {
                let mut st = state();
                for chunk in (w * CHUNK..count).step_by(workers * CHUNK) {
                    let group = chunk..(chunk + CHUNK).min(count);
                    let checked: Vec<_> = group
                        .clone()
                        .map(|i| match (item(&mut st, i), early(i)) {
                            (None, _) => (Err(SigError::Malformed("the commit could not be read again".into())), None),
                            // The arithmetic was done; the parse is cheap
                            // (and parsed signatures are not kept for long).
                            (Some((sig, _)), Some(key)) => (single_signature(&sig), key),
                            (Some((sig, signed)), None) => keys.check(&sig, &signed),
                        })
                        .collect();
                    for (i, (signature, signer)) in group.zip(checked) {
                        // Only for a certificate the walk has accepted into
                        // the record: anyone can sign, and put a certificate
                        // in the head they send.
                        let key = signer.map(|(_, k)| k);
                        let prepared = key
                            .as_ref()
                            .filter(|k| accepted.holds_by(&k.fingerprint().to_hex(), i))
                            .map(|_| prepare(&mut st, i));
                        if tx.send(Ahead { signature, key, prepared }).is_err() {
                            return;
                        }
                    }
                }
            });
        }
        let _ends = WalkEnds(accepted);
        let mut next = |i: usize| -> Ahead<T> {
            accepted.walking(i);
            rx[(i / CHUNK) % workers].recv().unwrap_or_else(|_| Ahead {
                signature: Err(SigError::Malformed("signature check stopped".into())),
                key: None,
                prepared: None,
            })
        };
        let out = walk(&mut next);
        drop(rx);
        out
    })
}

/// The keys (by fingerprint) of the certificates a walk has accepted into
/// the record so far, as the record holds them, and how far the walk has
/// come, shared with [`check_ahead`]'s workers (which prepare only what
/// these keys signed: a certificate in a hostile head can name any key its
/// own).
#[derive(Default)]
pub struct Accepted {
    state: std::sync::Mutex<AcceptedState>,
    changed: std::sync::Condvar,
}

#[derive(Default)]
struct AcceptedState {
    keys: std::collections::HashSet<Fpr>,
    /// The item the walk waits for (all before it are judged); `usize::MAX`
    /// once it has stopped.
    at: usize,
}

impl Accepted {
    fn lock(&self) -> std::sync::MutexGuard<'_, AcceptedState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes that the walk accepted the keys of `cert` (as the record holds it).
    pub fn add(&self, cert: &Cert) {
        let mut st = self.lock();
        for k in cert.keys() {
            st.keys.insert(k.key().fingerprint().to_hex());
        }
        drop(st);
        self.changed.notify_all();
    }

    /// Notes that the walk waits for item `i`.
    fn walking(&self, i: usize) {
        self.lock().at = i;
        self.changed.notify_all();
    }

    /// Whether the walk has accepted key `f` by the time it judges item `i`:
    /// waits while it may still (it has not reached `i`). A certificate
    /// joins the record in one commit and signs the next ones: the workers
    /// run ahead of the walk, and would otherwise leave all those commits
    /// to the walk itself.
    fn holds_by(&self, f: &str, i: usize) -> bool {
        let mut st = self.lock();
        while !st.keys.contains(f) && st.at < i {
            st = self.changed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
        st.keys.contains(f)
    }
}

/// Tells the workers that the walk has stopped, however it stops (a
/// worker waiting in [`Accepted::holds_by`] would otherwise wait for ever,
/// and the scope with it).
struct WalkEnds<'a>(&'a Accepted);

impl Drop for WalkEnds<'_> {
    fn drop(&mut self) {
        self.0.walking(usize::MAX);
    }
}

/// Keys by fingerprint and key id (hex), with their certificate's.
type Keys = HashMap<String, Vec<(Fpr, PublicKey)>>;

/// The keys of some certificates, by fingerprint and key id, for checking
/// signatures' arithmetic ahead of the walk that judges them.
pub struct SignerKeys(Keys);

impl SignerKeys {
    /// The keys of `certs` (every key, whatever its flags or validity: the
    /// walk judges those).
    pub fn new(certs: &[Cert]) -> SignerKeys {
        let mut keys: Keys = HashMap::new();
        for c in certs {
            let f = c.fingerprint().to_hex();
            for k in c.keys() {
                let key = k.key().clone().role_into_unspecified();
                keys.entry(key.fingerprint().to_hex()).or_default().push((f.clone(), key.clone()));
                keys.entry(key.keyid().to_hex()).or_default().push((f.clone(), key));
            }
        }
        SignerKeys(keys)
    }

    /// Parses `gpgsig` value `sig` and does its arithmetic over `data`
    /// with the keys it names (Ed25519 ones on dalek, others by Sequoia;
    /// see [`check_ahead`]). Only a document signature is checked: the walk
    /// refuses the others.
    pub fn check(&self, sig: &[u8], data: &[u8]) -> Checked {
        let parsed = single_signature(sig);
        let mut signer = None;
        if let Ok(s) = &parsed
            && matches!(s.typ(), SignatureType::Binary | SignatureType::Text)
            && let Some(ks) = s.get_issuers().iter().find_map(|h| self.0.get(&super::message::handle_hex(h)))
            && let Some(digest) = super::ed25519::document_digest(s, data)
        {
            signer = ks
                .iter()
                .find(|(_, k)| match super::ed25519::verify_digest(s, &digest, k) {
                    Some(()) => true,
                    None => s.verify_digest(k, &digest).is_ok(),
                })
                .cloned();
        }
        (parsed, signer)
    }
}

/// A parsed signature (or why it is not one) and, if its arithmetic checked
/// out with one of the keys given, that key and its certificate.
pub type Checked = (Result<Signature, SigError>, Option<(Fpr, PublicKey)>);

/// A public key of any role.
type PublicKey = Key<PublicParts, UnspecifiedRole>;

/// What [`check_ahead`]'s workers found for one item.
pub struct Ahead<T> {
    /// The parsed signature, or why it is not one.
    pub signature: Result<Signature, SigError>,
    /// The key its arithmetic checked out with, if one of the keys given.
    pub key: Option<PublicKey>,
    /// What was prepared, if the signature's arithmetic checked out with a
    /// known key.
    pub prepared: Option<T>,
}

/// Parses a `gpgsig` value: exactly one signature packet, nothing else.
/// Nothing is decompressed or descended into: a signature is checked before
/// anything else in a commit is looked at, so this is all an unauthenticated
/// commit gets parsed.
fn single_signature(bytes: &[u8]) -> Result<Signature, SigError> {
    use openpgp::parse::{PacketParserBuilder, PacketParserResult};
    let bad = |m: String| SigError::Malformed(m);
    if bytes.len() > crate::repo::object::MAX_SIGNATURE {
        return Err(bad(format!("the signature is {} bytes; one signature is under 1 KiB", bytes.len())));
    }
    // The armour git stores is simple; undo it directly (Sequoia's armour
    // reader costs as much as the rest of the parse), else let Sequoia try.
    let binary = dearmor_signature(bytes);
    let mut ppr = match &binary {
        Some(b) => PacketParserBuilder::from_bytes(b.as_slice())
            .and_then(|b| b.dearmor(openpgp::parse::Dearmor::Disabled).max_recursion_depth(0).build()),
        None => PacketParserBuilder::from_bytes(bytes).and_then(|b| b.max_recursion_depth(0).build()),
    }
    .map_err(|e| bad(e.to_string()))?;
    let mut found = None;
    while let PacketParserResult::Some(pp) = ppr {
        if found.is_some() {
            return Err(bad("expected exactly one signature packet, found more packets".into()));
        }
        let (packet, next) = pp.next().map_err(|e| bad(e.to_string()))?;
        match packet {
            Packet::Signature(s) => found = Some(s),
            other => return Err(bad(format!("expected one signature packet, found a {} packet", other.tag()))),
        }
        ppr = next;
    }
    found.ok_or_else(|| bad("no signature packet".into()))
}

/// The binary packets of an ASCII-armoured signature as git stores it
/// (`-----BEGIN PGP SIGNATURE-----`, optional headers, a blank line,
/// base64, an optional `=` checksum line, the end line), or None if it is
/// not in that form.
fn dearmor_signature(bytes: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.lines().map(str::trim_end);
    if lines.next()? != "-----BEGIN PGP SIGNATURE-----" {
        return None;
    }
    // Headers, if any, end with a blank line; without headers the blank
    // line comes first.
    let mut body = String::new();
    let mut in_headers = true;
    for l in lines.by_ref() {
        if in_headers {
            if l.is_empty() {
                in_headers = false;
            } else if !l.contains(": ") {
                return None;
            }
            continue;
        }
        if l == "-----END PGP SIGNATURE-----" {
            return base64::engine::general_purpose::STANDARD.decode(body).ok();
        }
        if l.starts_with('=') {
            continue; // the CRC-24 checksum; the packet parser checks the content
        }
        body.push_str(l);
    }
    None
}

/// An update's self-signatures as a certificate (no third-party
/// signatures, no revocations), and the keys it revokes with the
/// revocation times: (key fingerprint, time); the primary key's is the
/// certificate's.
fn split_update(u: &Cert) -> Result<(Cert, Revokes), String> {
    let mut packets: Vec<Packet> = vec![Packet::PublicKey(u.primary_key().key().clone())];
    packets.extend(u.primary_key().self_signatures().cloned().map(Packet::from));
    for ua in u.userids() {
        packets.push(ua.userid().clone().into());
        packets.extend(ua.self_signatures().cloned().map(Packet::from));
    }
    for ua in u.user_attributes() {
        packets.push(ua.user_attribute().clone().into());
        packets.extend(ua.self_signatures().cloned().map(Packet::from));
    }
    let mut revokes = Vec::new();
    // A hard revocation (compromised, or no reason given) counts from the
    // beginning of time: see HARD.
    let time = |s: &Signature| -> DateTime<Utc> {
        let hard =
            s.reason_for_revocation().is_none_or(|(r, _)| r.revocation_type() == openpgp::types::RevocationType::Hard);
        if hard { HARD } else { s.signature_creation_time().map(Into::into).unwrap_or_default() }
    };
    if let Some(r) = u.primary_key().self_revocations().map(time).min() {
        revokes.push((u.fingerprint().to_hex(), r));
    }
    for ka in u.keys().subkeys() {
        packets.push(Packet::PublicSubkey(ka.key().clone()));
        packets.extend(ka.self_signatures().cloned().map(Packet::from));
        if let Some(r) = ka.self_revocations().map(time).min() {
            revokes.push((ka.key().fingerprint().to_hex(), r));
        }
    }
    let clean = Cert::from_packets(packets.into_iter()).map_err(|e| e.to_string())?;
    Ok((clean, revokes))
}

pub use crate::policy::HARD;

/// The largest certificate file accepted in `keys/`.
pub const MAX_CERT: usize = 256 << 10;

/// Parses a certificate in armoured or binary `bytes`, for `keys/` files.
/// Bounded: at most [`MAX_CERT`] bytes, and only packets a certificate is
/// made of (no compressed or encrypted data, which could hide a bomb).
pub fn parse_cert(bytes: &[u8]) -> Result<Cert, String> {
    cert_of(cert_packets(bytes)?)
}

/// [`parse_cert`], with dalek's arithmetic for the certificate's
/// self-signatures done (see [`super::ed25519::self_signatures`]): the good
/// ones, for Sequoia's cache.
pub fn parse_cert_checked(bytes: &[u8]) -> (Result<Cert, String>, Vec<super::ed25519::Good>) {
    match cert_packets(bytes) {
        Ok(packets) => {
            let good = super::ed25519::self_signatures(&packets);
            (cert_of(packets), good)
        }
        Err(e) => (Err(e), vec![]),
    }
}

/// The packets of a certificate file, each checked to belong in one.
fn cert_packets(bytes: &[u8]) -> Result<Vec<Packet>, String> {
    use openpgp::parse::{PacketParserBuilder, PacketParserResult};
    if bytes.len() > MAX_CERT {
        return Err(format!("is {} bytes; a certificate over {MAX_CERT} bytes is not accepted", bytes.len()));
    }
    let mut ppr = PacketParserBuilder::from_bytes(bytes)
        .and_then(|b| b.max_recursion_depth(0).build())
        .map_err(|e| e.to_string())?;
    // One pass: each packet is checked and kept, then the certificate is
    // made of them (not parsed a second time).
    let mut packets = Vec::new();
    while let PacketParserResult::Some(pp) = ppr {
        match &pp.packet {
            Packet::PublicKey(_)
            | Packet::PublicSubkey(_)
            | Packet::UserID(_)
            | Packet::UserAttribute(_)
            | Packet::Signature(_)
            | Packet::Marker(_)
            | Packet::Trust(_)
            | Packet::Padding(_) => {}
            Packet::SecretKey(_) | Packet::SecretSubkey(_) => return Err("contains secret key material".into()),
            other => return Err(format!("holds a {} packet, which has no place in a certificate", other.tag())),
        }
        let (packet, next) = pp.next().map_err(|e| e.to_string())?;
        packets.push(packet);
        ppr = next;
    }
    Ok(packets)
}

/// The certificate `packets` make, if they make one hrx accepts.
fn cert_of(packets: Vec<Packet>) -> Result<Cert, String> {
    let c = Cert::from_packets(packets.into_iter()).map_err(|e| e.to_string())?;
    if c.is_tsk() {
        return Err("contains secret key material".into());
    }
    check_parts(&c)?;
    Ok(c)
}

/// The most keys (primary and subkeys), and the most user ids and
/// attributes, a certificate in a record may have, updates merged: each
/// one costs every verification of every copy time, for the record's life.
pub const MAX_CERT_PARTS: usize = 64;

/// Refuses a certificate with more than [`MAX_CERT_PARTS`] keys or names.
fn check_parts(c: &Cert) -> Result<(), String> {
    let keys = c.keys().count();
    let names = c.userids().count() + c.user_attributes().count();
    if keys > MAX_CERT_PARTS || names > MAX_CERT_PARTS {
        return Err(format!(
            "has {keys} keys and {names} user ids; a certificate in a record has at most {MAX_CERT_PARTS} of each"
        ));
    }
    Ok(())
}
