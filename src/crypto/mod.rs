//! OpenPGP with Sequoia: certificates, the keystore, entry messages and
//! commit signatures.
//!
//! Interoperability policy: hrx makes RFC 4880 (v4) certificates that
//! advertise SEIPDv1 only, and always writes v3 PKESKs with SEIPDv1 (with
//! MDC), even for recipients whose certificates advertise SEIPDv2, so that
//! every recipient can read every entry with GnuPG 2.2 or later.

pub mod cert;
pub mod commit;
pub mod ed25519;
pub mod keystore;
pub mod message;
pub mod secret;

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use sequoia_openpgp::policy::StandardPolicy;

pub use cert::Identity;
pub use keystore::{Keystore, NoPassphrase, PassphraseProvider, Unlocked};
pub use secret::SecretKey;

/// The OpenPGP policy hrx judges certificates and signatures by.
pub fn policy() -> &'static StandardPolicy<'static> {
    static P: OnceLock<StandardPolicy<'static>> = OnceLock::new();
    P.get_or_init(StandardPolicy::new)
}

/// A chrono time as the `SystemTime` Sequoia takes.
pub fn system_time(t: DateTime<Utc>) -> std::time::SystemTime {
    t.into()
}

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> crate::Result<String> {
    use sequoia_openpgp::types::HashAlgorithm;
    let mut h = HashAlgorithm::SHA256.context().map_err(|e| crate::Error::crypto("SHA-256", e))?.for_digest();
    h.update(bytes);
    let d = h.into_digest().map_err(|e| crate::Error::crypto("SHA-256", e))?;
    Ok(d.iter().map(|b| format!("{b:02x}")).collect())
}
