//! A secret key hrx can sign and decrypt with: decrypted in memory from the
//! keystore, or held by gpg-agent (an existing GnuPG key, an OpenPGP card),
//! which does the operation and never hands the secret over.

use std::sync::{Arc, Mutex};

use sequoia_openpgp as openpgp;

use openpgp::crypto::{self, KeyPair, SessionKey, mpi};
use openpgp::packet::Key;
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::types::HashAlgorithm;

/// A secret key to sign or decrypt with.
#[derive(Clone)]
pub enum SecretKey {
    /// Decrypted from the keystore, in memory only.
    Local(KeyPair),
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
    /// The public key.
    pub fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        match self {
            SecretKey::Local(k) => crypto::Signer::public(k),
            SecretKey::Agent(a) => &a.public,
        }
    }
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
            SecretKey::Local(k) => k.sign(hash_algo, digest),
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
            SecretKey::Agent(a) => a.pair.lock().map_err(agent_error)?.decrypt(ciphertext, plaintext_len),
        }
    }
}
