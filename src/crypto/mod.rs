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
pub mod jwe;
pub mod keystore;
pub mod message;
pub mod paper;
pub mod recovery;
pub mod secret;
pub mod sigcache;

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

/// Runs `decrypt`, a decryption of untrusted data through Sequoia's
/// parser, which unwraps some of its reads (see
/// [`message::MIN_SEIPD_BODY`]): a panic there is an error about `what`,
/// not a crash of the reader.
pub(crate) fn parser_guard<T>(
    what: &str,
    decrypt: impl FnOnce() -> crate::error::Result<T>,
) -> crate::error::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decrypt))
        .unwrap_or_else(|_| Err(crate::error::Error::Invalid(format!("{what} is malformed: the parser failed on it"))))
}

/// `bytes` in lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// The SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> crate::Result<String> {
    use sequoia_openpgp::types::HashAlgorithm;
    let mut h = HashAlgorithm::SHA256.context().map_err(|e| crate::Error::crypto("SHA-256", e))?.for_digest();
    h.update(bytes);
    let d = h.into_digest().map_err(|e| crate::Error::crypto("SHA-256", e))?;
    Ok(hex(&d))
}

/// The binary form of ASCII-armoured OpenPGP data (binary input passes).
pub fn dearmor(bytes: &[u8]) -> crate::Result<Vec<u8>> {
    use sequoia_openpgp::armor::{Reader, ReaderMode};
    let mut r = Reader::from_bytes(bytes, ReaderMode::Tolerant(None));
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut r, &mut out)
        .map_err(|e| crate::Error::Invalid(format!("not ASCII-armoured OpenPGP data: {e}")))?;
    Ok(out)
}

/// `bytes` (an OpenPGP message) ASCII-armoured.
pub fn armour_message(bytes: &[u8]) -> crate::Result<String> {
    let mut out = Vec::new();
    {
        let mut w = sequoia_openpgp::armor::Writer::new(&mut out, sequoia_openpgp::armor::Kind::Message)
            .map_err(|e| crate::Error::crypto("armouring", e))?;
        std::io::Write::write_all(&mut w, bytes).map_err(|e| crate::Error::crypto("armouring", e))?;
        w.finalize().map_err(|e| crate::Error::crypto("armouring", e))?;
    }
    String::from_utf8(out).map_err(|e| crate::Error::crypto("armouring", e))
}
