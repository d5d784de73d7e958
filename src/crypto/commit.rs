//! Commit signatures: an armoured, detached OpenPGP signature over the
//! unsigned commit object, in git's `gpgsig` header, so that
//! `git verify-commit` and `git log --show-signature` check it with GnuPG.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use openpgp::armor::{Kind, Writer};
use openpgp::crypto::KeyPair;
use openpgp::packet::Signature;
use openpgp::packet::signature::SignatureBuilder;
use openpgp::parse::Parse;
use openpgp::serialize::Marshal;
use openpgp::types::SignatureType;
use openpgp::{Cert, KeyHandle, Packet, PacketPile};
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
}

/// The certificates a history's commits may be signed by, indexed by every
/// key they hold, so that each signature is checked against exactly one key.
#[derive(Default)]
pub struct CertIndex {
    certs: HashMap<Fpr, Cert>,
    by_key: HashMap<String, Fpr>,
}

impl CertIndex {
    /// Adds a certificate.
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
        let pile = PacketPile::from_bytes(sig).map_err(|e| SigError::Malformed(e.to_string()))?;
        let sigs: Vec<&Signature> =
            pile.descendants().filter_map(|p| if let Packet::Signature(s) = p { Some(s) } else { None }).collect();
        let [sig] = sigs.as_slice() else {
            return Err(SigError::Malformed(format!("expected one signature, found {}", sigs.len())));
        };
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
        let cert = &self.certs[cert_fpr];
        let vc = cert
            .with_policy(policy(), t)
            .map_err(|e| SigError::Bad(format!("certificate {cert_fpr} was not valid at the signature time: {e}")))?;
        let mut last = String::from("no signing-capable key matches the issuer");
        for ka in vc.keys().for_signing().alive().revoked(false) {
            if !issuers.iter().any(|h| h.aliases(KeyHandle::from(ka.key().fingerprint()))) {
                continue;
            }
            match sig.verify_message(ka.key(), data) {
                Ok(()) => return Ok((cert_fpr.clone(), t.into())),
                Err(e) => last = e.to_string(),
            }
        }
        Err(SigError::Bad(last))
    }
}

/// Parses every certificate in armoured or binary `bytes`, for `keys/` files.
pub fn parse_cert(bytes: &[u8]) -> Result<Cert, String> {
    let c = Cert::from_bytes(bytes).map_err(|e| e.to_string())?;
    if c.is_tsk() {
        return Err("contains secret key material".into());
    }
    Ok(c)
}
