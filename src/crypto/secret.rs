//! A secret key hrx can sign and decrypt with: decrypted in memory from the
//! keystore, or held by gpg-agent (an existing GnuPG key, an OpenPGP card),
//! which does the operation and never hands the secret over.

use std::sync::{Arc, Mutex};

use sequoia_openpgp as openpgp;

use openpgp::crypto::{self, KeyPair, SessionKey, mpi};
use openpgp::packet::Key;
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::types::{Curve, HashAlgorithm};

/// A secret key to sign or decrypt with.
#[derive(Clone)]
pub enum SecretKey {
    /// Decrypted from the keystore, in memory only.
    Local(KeyPair),
    /// An X25519 (Cv25519 ECDH) key decrypted from the keystore, its scalar
    /// taken out once: Sequoia's `KeyPair` undoes its in-memory protection
    /// and has OpenSSL import the key again for every decryption, which
    /// was a third of reading a record. The scalar stays in `Protected`
    /// memory (zeroed when the last clone goes).
    X25519 {
        /// The key pair (for everything but the arithmetic).
        pair: KeyPair,
        /// The scalar, little-endian as X25519 takes it.
        scalar: Arc<crypto::mem::Protected>,
    },
    /// Held by gpg-agent.
    Agent(AgentKey),
}

/// A key whose secret gpg-agent holds; clones share one handle (the agent
/// takes one operation at a time anyway).
#[derive(Clone)]
pub struct AgentKey {
    public: Key<PublicParts, UnspecifiedRole>,
    pair: Arc<Mutex<sequoia_gpg_agent::KeyPair>>,
}

impl AgentKey {
    /// The agent's key pair for `public`.
    pub fn new(public: Key<PublicParts, UnspecifiedRole>, pair: sequoia_gpg_agent::KeyPair) -> AgentKey {
        AgentKey { public, pair: Arc::new(Mutex::new(pair)) }
    }
}

impl SecretKey {
    /// A key decrypted from the keystore.
    pub fn local(pair: KeyPair) -> SecretKey {
        let scalar = match pair.public().mpis() {
            mpi::PublicKey::ECDH { curve: Curve::Cv25519, .. } => pair.secret().map(|s| match s {
                mpi::SecretKeyMaterial::ECDH { scalar } => {
                    // OpenPGP stores it big-endian, leading zeros possibly
                    // stripped: padded without a secret-dependent branch.
                    let mut r: crypto::mem::Protected = scalar.value_padded(32);
                    r.reverse();
                    Some(r)
                }
                _ => None,
            }),
            _ => None,
        };
        match scalar {
            Some(r) if r.len() == 32 => SecretKey::X25519 { pair, scalar: Arc::new(r) },
            _ => SecretKey::Local(pair),
        }
    }

    /// The public key.
    pub fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        match self {
            SecretKey::Local(k) | SecretKey::X25519 { pair: k, .. } => crypto::Signer::public(k),
            SecretKey::Agent(a) => &a.public,
        }
    }
}

/// X25519 decryption of a Cv25519 ECDH session key: the shared point with
/// curve25519-dalek, then OpenPGP's key derivation and unwrapping as
/// Sequoia does them. `None` if the ciphertext is not ECDH (Sequoia then
/// decides).
fn x25519_decrypt(
    public: &Key<PublicParts, UnspecifiedRole>,
    scalar: &[u8],
    ciphertext: &mpi::Ciphertext,
    plaintext_len: Option<usize>,
) -> Option<openpgp::Result<SessionKey>> {
    let mpi::Ciphertext::ECDH { e, .. } = ciphertext else { return None };
    let shared = (|| -> openpgp::Result<crypto::mem::Protected> {
        let (v, _) = e.decode_point(&Curve::Cv25519)?;
        let v: [u8; 32] = v.try_into().map_err(|_| anyhow::anyhow!("the ephemeral key is not an X25519 point"))?;
        let r: [u8; 32] = scalar.try_into().map_err(|_| anyhow::anyhow!("the X25519 scalar is not 32 bytes"))?;
        let bytes = shared_point(public, &r, &v)?;
        // A low-order ephemeral point makes an all-zero secret (OpenSSL
        // refuses it too): whoever sent it knows the result.
        if bytes.iter().all(|b| *b == 0) {
            return Err(anyhow::anyhow!("the ephemeral key is a low-order point"));
        }
        Ok(bytes)
    })();
    Some(shared.and_then(|s| openpgp::crypto::ecdh::decrypt_unwrap(public, &s, ciphertext, plaintext_len)))
}

/// The X25519 shared point of scalar `r` (little-endian) and point `v`,
/// with OpenSSL's assembly (about twice curve25519-dalek's speed here).
/// The key pair is imported with its public half, so that OpenSSL does not
/// derive it again (a second multiplication) as Sequoia's import makes it.
fn shared_point(
    public: &Key<PublicParts, UnspecifiedRole>,
    r: &[u8; 32],
    v: &[u8; 32],
) -> openpgp::Result<crypto::mem::Protected> {
    use ossl::pkey::{EccData, EvpPkey, EvpPkeyType, PkeyData};
    static CONTEXT: std::sync::OnceLock<Option<ossl::OsslContext>> = std::sync::OnceLock::new();
    let ctx = CONTEXT
        .get_or_init(|| ossl::OsslContext::new_lib_ctx_checked().ok())
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("OpenSSL has no library context to work in"))?;
    let mpi::PublicKey::ECDH { q, .. } = public.mpis() else {
        return Err(anyhow::anyhow!("the key is not an ECDH key"));
    };
    let (ours, _) = q.decode_point(&Curve::Cv25519)?;
    let import = |pubkey: &[u8], prikey: Option<&[u8]>| {
        EvpPkey::import(
            ctx,
            EvpPkeyType::X25519,
            PkeyData::Ecc(EccData { pubkey: Some(pubkey.to_vec()), prikey: prikey.map(ossl::OsslSecret::from_slice) }),
        )
    };
    let err = |e: ossl::Error| anyhow::anyhow!("X25519 failed: {e}");
    let mut theirs = import(v, None).map_err(err)?;
    let mut secret = import(ours, Some(r)).map_err(err)?;
    let mut deriver = ossl::derive::EcdhDerive::new(ctx, &mut secret).map_err(err)?;
    let mut shared: crypto::mem::Protected = vec![0; 32].into();
    deriver.derive(&mut theirs, &mut shared).map_err(err)?;
    Ok(shared)
}

fn agent_error<T>(e: std::sync::PoisonError<T>) -> anyhow::Error {
    anyhow::anyhow!("the gpg-agent handle is unusable: {e}")
}

impl crypto::Signer for SecretKey {
    fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        SecretKey::public(self)
    }

    fn sign(&mut self, hash_algo: HashAlgorithm, digest: &[u8]) -> openpgp::Result<mpi::Signature> {
        match self {
            SecretKey::Local(k) | SecretKey::X25519 { pair: k, .. } => k.sign(hash_algo, digest),
            SecretKey::Agent(a) => a.pair.lock().map_err(agent_error)?.sign(hash_algo, digest),
        }
    }
}

impl crypto::Decryptor for SecretKey {
    fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        SecretKey::public(self)
    }

    fn decrypt(&mut self, ciphertext: &mpi::Ciphertext, plaintext_len: Option<usize>) -> openpgp::Result<SessionKey> {
        match self {
            SecretKey::Local(k) => k.decrypt(ciphertext, plaintext_len),
            SecretKey::X25519 { pair, scalar } => x25519_decrypt(pair.public(), scalar, ciphertext, plaintext_len)
                .unwrap_or_else(|| pair.decrypt(ciphertext, plaintext_len)),
            SecretKey::Agent(a) => a.pair.lock().map_err(agent_error)?.decrypt(ciphertext, plaintext_len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::cert::CertBuilder;
    use openpgp::policy::StandardPolicy;

    /// The recipient key of a new Cv25519 certificate, its scalar as
    /// [`SecretKey::local`] takes it out.
    fn x25519_key() -> (Key<PublicParts, UnspecifiedRole>, [u8; 32]) {
        let (cert, _) = CertBuilder::new().add_transport_encryption_subkey().generate().unwrap();
        let policy = StandardPolicy::new();
        let key = cert.keys().with_policy(&policy, None).for_transport_encryption().secret().next();
        let pair = key.unwrap().key().clone().into_keypair().unwrap();
        let SecretKey::X25519 { pair, scalar } = SecretKey::local(pair) else { panic!("not X25519") };
        (pair.public().clone(), scalar[..].try_into().unwrap())
    }

    #[test]
    fn the_shared_point_is_the_curve25519_one() {
        let (public, r) = x25519_key();
        for i in 1..=8u8 {
            let v = curve25519_dalek::montgomery::MontgomeryPoint([i; 32].map(|b| b.wrapping_mul(37))).0;
            let ours = shared_point(&public, &r, &v).unwrap();
            let dalek = curve25519_dalek::montgomery::MontgomeryPoint(v).mul_clamped(r);
            assert_eq!(ours.as_ref(), dalek.as_bytes(), "point {i}");
        }
    }

    #[test]
    fn a_low_order_ephemeral_key_is_refused() {
        let (public, r) = x25519_key();
        // 0 and 1 are points of small order: the shared secret is all zeros.
        for point in [[0u8; 32], {
            let mut p = [0u8; 32];
            p[0] = 1;
            p
        }] {
            let e = mpi::MPI::new_compressed_point(&point);
            let ct = mpi::Ciphertext::ECDH { e, key: vec![0u8; 41].into_boxed_slice() };
            let r = x25519_decrypt(&public, &r, &ct, None).expect("ECDH");
            assert!(r.is_err(), "{point:?}");
        }
    }
}
