//! The cryptography of key recovery: a random secret split into shares
//! (Shamir's scheme over GF(256), any `threshold` of which rebuild it and
//! fewer tell nothing), and the patient's secret key encrypted with that
//! secret as an OpenPGP password, so that `gpg --decrypt` with the secret
//! in hex opens it too.

use std::io::Write;

use openpgp::crypto::{Password, SessionKey};
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::Parse;
use openpgp::parse::stream::{DecryptionHelper, DecryptorBuilder, MessageStructure, VerificationHelper};
use openpgp::serialize::stream::{Armorer, Encryptor, LiteralWriter, Message};
use openpgp::types::SymmetricAlgorithm;
use openpgp::{Cert, KeyHandle};
use sequoia_openpgp as openpgp;

use crate::error::{Error, Result};

/// The length of the shared secret, bytes.
pub const SECRET_LEN: usize = 32;

/// The largest secret key a recovery set-up holds (decrypted), bytes.
const MAX_SECRET_KEY: u64 = 64 << 10;

/// A fresh random secret.
pub fn new_secret() -> Result<[u8; SECRET_LEN]> {
    let mut s = [0u8; SECRET_LEN];
    openpgp::crypto::random(&mut s).map_err(|e| Error::crypto("drawing a random secret", e))?;
    Ok(s)
}

/// Splits `secret` into `n` shares, any `threshold` of which rebuild it.
/// Each share is its x coordinate followed by one y byte per secret byte.
pub fn split(secret: &[u8], threshold: u8, n: usize) -> Vec<Vec<u8>> {
    let sharks = blahaj::Sharks(threshold);
    sharks.dealer(secret).take(n).map(|s| Vec::from(&s)).collect()
}

/// Rebuilds the secret from `threshold` or more distinct shares. With
/// shares of different set-ups the result is some other value: callers
/// check it (the secret key it opens is authenticated).
pub fn combine(threshold: u8, shares: &[Vec<u8>]) -> Result<Vec<u8>> {
    let shares: Vec<blahaj::Share> = shares
        .iter()
        .map(|b| blahaj::Share::try_from(b.as_slice()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Invalid(format!("a recovery share is malformed: {e}")))?;
    blahaj::Sharks(threshold)
        .recover(shares.as_slice())
        .map_err(|e| Error::Invalid(format!("the shares do not rebuild the secret: {e}")))
}

/// The OpenPGP password a secret stands for: its hex, so that a person can
/// type it into GnuPG.
fn password(secret: &[u8]) -> Password {
    Password::from(secret.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Encrypts `plaintext` (a secret key) with `secret` as the password; an
/// armoured message. Nothing is written anywhere but the returned buffer.
pub fn seal_with_secret(plaintext: &[u8], secret: &[u8]) -> Result<String> {
    let mut out = Vec::new();
    {
        let m = Message::new(&mut out);
        let m =
            Armorer::new(m).kind(openpgp::armor::Kind::Message).build().map_err(|e| Error::crypto("armouring", e))?;
        let m = Encryptor::with_passwords(m, Some(password(secret)))
            .symmetric_algo(SymmetricAlgorithm::AES256)
            .build()
            .map_err(|e| Error::crypto("encrypting the secret key", e))?;
        let mut lw = LiteralWriter::new(m).build().map_err(|e| Error::crypto("writing", e))?;
        lw.write_all(plaintext).map_err(|e| Error::crypto("writing", e))?;
        lw.finalize().map_err(|e| Error::crypto("finishing message", e))?;
    }
    String::from_utf8(out).map_err(|e| Error::crypto("armouring", e))
}

/// Decrypts what [`seal_with_secret`] made; a wrong secret (shares of
/// another set-up, too few of them, a tampered one) is an error.
pub fn open_with_secret(armoured: &str, secret: &[u8]) -> Result<Vec<u8>> {
    super::parser_guard("the recovery set-up's secret key", || open_with_secret_unguarded(armoured, secret))
}

fn open_with_secret_unguarded(armoured: &str, secret: &[u8]) -> Result<Vec<u8>> {
    struct H {
        password: Password,
    }
    impl VerificationHelper for H {
        fn get_certs(&mut self, _: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
            Ok(vec![])
        }
        fn check(&mut self, _: MessageStructure) -> openpgp::Result<()> {
            // Not signed: the secret key inside is checked by its owner's
            // fingerprint, and the set-up by the commit's signature.
            Ok(())
        }
    }
    impl DecryptionHelper for H {
        fn decrypt(
            &mut self,
            _: &[PKESK],
            skesks: &[SKESK],
            _: Option<SymmetricAlgorithm>,
            decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
        ) -> openpgp::Result<Option<Cert>> {
            for s in skesks {
                if let Ok((algo, sk)) = s.decrypt(&self.password)
                    && decrypt(algo, &sk)
                {
                    return Ok(None);
                }
            }
            Err(anyhow::anyhow!("the secret does not open it"))
        }
    }
    let wrong = || {
        Error::Invalid(
            "the approvals do not open the recovery set-up's secret key: the shares are of different set-ups, or one was altered"
                .into(),
        )
    };
    let mut d = DecryptorBuilder::from_bytes(armoured.as_bytes())
        .map_err(|e| Error::Invalid(format!("the recovery set-up's secret key is malformed: {e}")))?
        .with_policy(super::policy(), None, H { password: password(secret) })
        .map_err(|_| wrong())?;
    let mut plain = Vec::new();
    std::io::copy(&mut std::io::Read::take(&mut d, MAX_SECRET_KEY + 1), &mut plain).map_err(|_| wrong())?;
    if plain.len() as u64 > MAX_SECRET_KEY {
        return Err(Error::Invalid("the recovery set-up's secret key is too large; not read".into()));
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_of_the_shares_rebuild_the_secret_and_fewer_do_not() {
        let secret = new_secret().unwrap();
        let shares = split(&secret, 2, 3);
        assert_eq!(shares.len(), 3);
        assert_eq!(combine(2, &[shares[0].clone(), shares[2].clone()]).unwrap(), secret);
        assert_eq!(combine(2, &[shares[2].clone(), shares[1].clone()]).unwrap(), secret);
        assert!(combine(2, &[shares[1].clone()]).is_err());
        // Two of another set-up's shares rebuild another value.
        let other = split(&new_secret().unwrap(), 2, 3);
        assert_ne!(combine(2, &[shares[0].clone(), other[1].clone()]).unwrap_or_default(), secret);
    }

    #[test]
    fn a_sealed_secret_key_opens_with_its_secret_only() {
        let secret = new_secret().unwrap();
        let sealed = seal_with_secret(b"secret key bytes", &secret).unwrap();
        assert!(sealed.starts_with("-----BEGIN PGP MESSAGE-----"));
        assert!(!sealed.contains("secret key bytes"));
        assert_eq!(open_with_secret(&sealed, &secret).unwrap(), b"secret key bytes");
        let wrong = new_secret().unwrap();
        assert!(open_with_secret(&sealed, &wrong).is_err());
    }
}
