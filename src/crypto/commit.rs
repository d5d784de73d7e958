//! Commit signatures: an armoured, detached OpenPGP signature over the
//! unsigned commit object, in git's `gpgsig` header, so that
//! `git verify-commit` and `git log --show-signature` check it with GnuPG.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use openpgp::armor::{Kind, Writer};
use openpgp::crypto::KeyPair;
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
use crate::model::Fpr;

/// Makes the `gpgsig` value for a commit buffer.
pub fn sign(buffer: &[u8], signer: &mut KeyPair, t: DateTime<Utc>) -> Result<String> {
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
}

/// The certificates a history's commits may be signed by, indexed by every
/// key they hold, so that each signature is checked against exactly one key.
#[derive(Default)]
pub struct CertIndex {
    certs: HashMap<Fpr, Cert>,
    by_key: HashMap<String, Fpr>,
    // Mutexes, not cells: readers open entries on every core.
    signing: std::sync::Mutex<HashMap<Fpr, Vec<SigningKey>>>,
    identities: std::sync::Mutex<HashMap<Fpr, super::Identity>>,
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
        for k in cert.keys() {
            self.by_key.insert(k.key().fingerprint().to_hex(), f.clone());
            self.by_key.insert(k.key().keyid().to_hex(), f.clone());
        }
        self.certs.insert(f, cert);
    }

    /// A certificate by its fingerprint.
    pub fn get(&self, f: &str) -> Option<&Cert> {
        self.certs.get(f)
    }

    /// The certificate holding the key with this key id or fingerprint (hex).
    pub fn owner(&self, key: &str) -> Option<&Cert> {
        self.by_key.get(key).and_then(|f| self.certs.get(f))
    }

    /// Who holds certificate `f` (computed once per certificate).
    pub fn identity(&self, f: &str) -> Option<super::Identity> {
        if let Some(i) = self.identities.lock().unwrap_or_else(|e| e.into_inner()).get(f) {
            return Some(i.clone());
        }
        let i = super::cert::identity(self.certs.get(f)?);
        self.identities.lock().unwrap_or_else(|e| e.into_inner()).insert(f.to_string(), i.clone());
        Some(i)
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
    ) -> Result<(Fpr, DateTime<Utc>), SigError> {
        self.verify_parsed(&single_signature(sig)?, data, allowed)
    }

    /// [`CertIndex::verify`] for a signature already parsed with
    /// [`single_signature`].
    pub fn verify_parsed(
        &self,
        sig: &Signature,
        data: &[u8],
        allowed: &dyn Fn(&str) -> bool,
    ) -> Result<(Fpr, DateTime<Utc>), SigError> {
        self.verify_with(sig, allowed, &|k| sig.verify_message(k, data))
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
        now: DateTime<Utc>,
    ) -> Result<(Fpr, DateTime<Utc>), SigError> {
        if !matches!(sig.typ(), SignatureType::Binary | SignatureType::Text) {
            return Err(SigError::Bad(format!("a {} signature does not sign a document", sig.typ())));
        }
        sig.signature_alive(system_time(now), std::time::Duration::from_secs(crate::policy::CLOCK_SKEW_SECS as u64))
            .map_err(|e| SigError::Bad(e.to_string()))?;
        self.verify_with(sig, &|_| true, &|k| match super::ed25519::verify_digest(sig, digest, k) {
            Some(()) => Ok(()),
            None => sig.verify_digest(k, digest),
        })
    }

    /// The certificate and time of a signature whose arithmetic `check`
    /// does with a key.
    fn verify_with(
        &self,
        sig: &Signature,
        allowed: &dyn Fn(&str) -> bool,
        check: &dyn Fn(&Key<PublicParts, UnspecifiedRole>) -> openpgp::Result<()>,
    ) -> Result<(Fpr, DateTime<Utc>), SigError> {
        let t = sig
            .signature_creation_time()
            .ok_or_else(|| SigError::Malformed("signature has no creation time".into()))?;
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
        let keys = self.signing_keys(cert_fpr, t)?;
        let mut last = String::from("no signing-capable key matches the issuer");
        for k in keys.iter().filter(|k| k.valid_at(t)) {
            if !issuers.iter().any(|h| h.aliases(KeyHandle::from(k.key.fingerprint()))) {
                continue;
            }
            match check(&k.key) {
                Ok(()) => {
                    policy()
                        .signature(sig, openpgp::policy::HashAlgoSecurity::CollisionResistance)
                        .map_err(|e| SigError::Weak(format!("{e} ({:?})", sig.hash_algo())))?;
                    return Ok((cert_fpr.clone(), t.into()));
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(SigError::Bad(last))
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
    /// The signing keys of `f` valid at `t`. Validating a certificate checks
    /// several binding signatures, so the result is kept and reused for any
    /// later time inside the keys' windows (certificates in `keys/` never
    /// change: the record is append-only).
    fn signing_keys(&self, f: &str, t: std::time::SystemTime) -> Result<Vec<SigningKey>, SigError> {
        if let Some(ks) = self.signing.lock().unwrap_or_else(|e| e.into_inner()).get(f)
            && ks.iter().any(|k| k.valid_at(t))
        {
            return Ok(ks.clone());
        }
        let cert = &self.certs[f];
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
        // A certificate carrying a revocation is judged afresh at each time.
        let revocations = cert.primary_key().self_revocations().count()
            + cert.keys().subkeys().map(|k| k.self_revocations().count()).sum::<usize>();
        if revocations == 0 {
            self.signing.lock().unwrap_or_else(|e| e.into_inner()).insert(f.to_string(), ks.clone());
        }
        Ok(ks)
    }
}

/// Parses and checks many commit signatures on other cores while the
/// caller walks the history: `items[i]` is a `gpgsig` and the bytes it
/// signs. `walk` gets a function that returns, for item `i` (waiting for
/// it; items are done in order), the parsed signature (or the parse error)
/// and, if the signature's arithmetic checked out with a key of `certs`
/// whose certificate the walk has already `accepted` into the record, what
/// `prepare` made of the item on the worker (with the worker's own `state`,
/// made once per worker by `state`; the walk does it itself otherwise).
///
/// Sequoia keeps a process-wide cache of the signatures it has verified
/// (keyed on the signature, the digest of the data and the key), so when
/// the walk checks a signature with [`CertIndex::verify_parsed`] the
/// arithmetic is already done (by [`super::ed25519`] for Ed25519 keys) and
/// costs a lookup. The walk still decides everything (which certificate
/// may sign, when, with which key); the workers only do the expensive part
/// early, on raw bytes, with the keys of `certs` that the signatures name,
/// and prepare only what a known key signed.
pub fn check_ahead<S, T: Send, R>(
    certs: &[Cert],
    items: &[(&[u8], &[u8])],
    accepted: &Accepted,
    state: impl Fn() -> S + Sync,
    prepare: impl Fn(&mut S, usize) -> T + Sync,
    walk: impl FnOnce(&mut dyn FnMut(usize) -> Ahead<T>) -> R,
) -> R {
    use std::sync::mpsc;
    // Consecutive items go to one worker, so what one commit read (its
    // trees) is at hand for the next.
    const CHUNK: usize = 32;
    let mut keys: Keys = HashMap::new();
    for c in certs {
        let f = c.fingerprint().to_hex();
        for k in c.keys() {
            let key = k.key().clone().role_into_unspecified();
            keys.entry(key.fingerprint().to_hex()).or_default().push((f.clone(), key.clone()));
            keys.entry(key.keyid().to_hex()).or_default().push((f.clone(), key));
        }
    }
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let (keys, state, prepare) = (&keys, &state, &prepare);
    std::thread::scope(|scope| {
        let mut rx = Vec::new();
        for w in 0..workers {
            // Bounded, so a walk that stops early stops the workers too.
            let (tx, r) = mpsc::sync_channel::<Ahead<T>>(256);
            rx.push(r);
            scope.spawn(move || {
                let mut st = state();
                for chunk in (w * CHUNK..items.len()).step_by(workers * CHUNK) {
                    let group = chunk..(chunk + CHUNK).min(items.len());
                    let mut good = Vec::new();
                    let checked: Vec<_> =
                        items[group.clone()].iter().map(|(sig, data)| check_one(sig, data, keys, &mut good)).collect();
                    super::ed25519::remember(good);
                    for (i, (signature, signer)) in group.zip(checked) {
                        // Only for a certificate the walk has accepted into
                        // the record: anyone can sign, and put a certificate
                        // in the head they send.
                        let prepared = signer.filter(|f| accepted.holds(f)).map(|_| prepare(&mut st, i));
                        if tx.send(Ahead { signature, prepared }).is_err() {
                            return;
                        }
                    }
                }
            });
        }
        let mut next = |i: usize| -> Ahead<T> {
            rx[(i / CHUNK) % workers].recv().unwrap_or_else(|_| Ahead {
                signature: Err(SigError::Malformed("signature check stopped".into())),
                prepared: None,
            })
        };
        let out = walk(&mut next);
        drop(rx);
        out
    })
}

/// The certificates a walk has accepted into the record so far, shared with
/// [`check_ahead`]'s workers (which prepare only what these signed).
#[derive(Default)]
pub struct Accepted(std::sync::RwLock<std::collections::HashSet<Fpr>>);

impl Accepted {
    /// Notes that the walk accepted certificate `f`.
    pub fn add(&self, f: &str) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).insert(f.to_string());
    }

    /// Whether the walk has accepted certificate `f`.
    pub fn holds(&self, f: &str) -> bool {
        self.0.read().unwrap_or_else(|e| e.into_inner()).contains(f)
    }
}

/// Keys by fingerprint and key id (hex), with their certificate's.
type Keys = HashMap<String, Vec<(Fpr, Key<PublicParts, UnspecifiedRole>)>>;

/// Parses one `gpgsig` and does its arithmetic with the keys it names
/// (Ed25519 ones on dalek, noted in `good` for Sequoia's cache; others by
/// Sequoia itself). Returns the parsed signature and the certificate whose
/// key it checked out with, if any.
fn check_one(
    sig: &[u8],
    data: &[u8],
    keys: &Keys,
    good: &mut Vec<super::ed25519::Good>,
) -> (Result<Signature, SigError>, Option<Fpr>) {
    let parsed = single_signature(sig);
    let mut signer = None;
    if let Ok(s) = &parsed
        && let Some(ks) = s.get_issuers().iter().find_map(|h| keys.get(&super::message::handle_hex(h)))
        && let Some(digest) = super::ed25519::document_digest(s, data)
    {
        for (f, k) in ks {
            let ok = match super::ed25519::check(s, &digest, k) {
                Some(g) => {
                    good.push(g);
                    true
                }
                None => s.verify_digest(k, &digest).is_ok(),
            };
            if ok {
                signer = Some(f.clone());
            }
        }
    }
    (parsed, signer)
}

/// What [`check_ahead`]'s workers found for one item.
pub struct Ahead<T> {
    /// The parsed signature, or why it is not one.
    pub signature: Result<Signature, SigError>,
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

/// The largest certificate file accepted in `keys/`.
pub const MAX_CERT: usize = 256 << 10;

/// Parses a certificate in armoured or binary `bytes`, for `keys/` files.
/// Bounded: at most [`MAX_CERT`] bytes, and only packets a certificate is
/// made of (no compressed or encrypted data, which could hide a bomb).
pub fn parse_cert(bytes: &[u8]) -> Result<Cert, String> {
    use openpgp::parse::{PacketParserBuilder, PacketParserResult};
    if bytes.len() > MAX_CERT {
        return Err(format!("is {} bytes; a certificate over {MAX_CERT} bytes is not accepted", bytes.len()));
    }
    let mut ppr = PacketParserBuilder::from_bytes(bytes)
        .and_then(|b| b.max_recursion_depth(0).build())
        .map_err(|e| e.to_string())?;
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
        ppr = pp.next().map_err(|e| e.to_string())?.1;
    }
    let c = Cert::from_bytes(bytes).map_err(|e| e.to_string())?;
    if c.is_tsk() {
        return Err("contains secret key material".into());
    }
    Ok(c)
}
