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
        let mut point = curve25519_dalek::montgomery::MontgomeryPoint(v).mul_clamped(r);
        let bytes: crypto::mem::Protected = point.as_bytes().to_vec().into();
        zeroize::Zeroize::zeroize(&mut point.0);
        // A low-order ephemeral point makes an all-zero secret (OpenSSL
        // refuses it too): whoever sent it knows the result.
        if bytes.iter().all(|b| *b == 0) {
            return Err(anyhow::anyhow!("the ephemeral key is a low-order point"));
        }
        Ok(bytes)
    })();
    Some(shared.and_then(|s| openpgp::crypto::ecdh::decrypt_unwrap(public, &s, ciphertext, plaintext_len)))
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
