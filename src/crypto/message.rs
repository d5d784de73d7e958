//! Entry messages: sign-then-encrypt, binary (not armoured) so that a
//! later-access PKESK can be prepended to an entry and still give a message
//! any OpenPGP implementation decrypts.

use std::io::Write;

use chrono::{DateTime, Utc};
use openpgp::crypto::SessionKey;

use super::SecretKey;
use openpgp::packet::{PKESK, SKESK};
use openpgp::parse::stream::*;
use openpgp::parse::{PacketParser, PacketParserResult, Parse};
use openpgp::serialize::stream::*;
use openpgp::types::{Features, SymmetricAlgorithm};
use openpgp::{Cert, KeyHandle, Packet};
use sequoia_openpgp as openpgp;

use super::commit::{CertIndex, SigError};
use super::{policy, system_time};
use crate::error::{Error, Result};
use crate::model::Fpr;

/// Signs `plaintext` with `signer` and encrypts it to every encryption key of
/// every certificate in `recipients`. Fails if a recipient has no usable
/// encryption key: hrx never silently drops a reader.
pub fn seal(plaintext: &[u8], signer: SecretKey, recipients: &[&Cert], t: DateTime<Utc>) -> Result<Vec<u8>> {
    let mut keys = Vec::new();
    for c in recipients {
        let vc = c
            .with_policy(policy(), system_time(t))
            .map_err(|e| Error::Key(format!("certificate {} is not valid now: {e}", c.fingerprint())))?;
        let before = keys.len();
        for ka in vc.keys().supported().alive().revoked(false).for_storage_encryption().for_transport_encryption() {
            keys.push(ka.key().clone());
        }
        if keys.len() == before {
            return Err(Error::Key(format!(
                "certificate {} has no usable encryption key at {}; the entry would not be readable by it",
                c.fingerprint(),
                t.to_rfc3339()
            )));
        }
    }
    // Force v3 PKESKs + SEIPDv1 for every recipient (see the module docs of crypto).
    let recips: Vec<Recipient> =
        keys.iter().map(|k| Recipient::new(Features::empty().set_seipdv1(), KeyHandle::from(k.keyid()), k)).collect();
    let mut out = Vec::new();
    let m = Message::new(&mut out);
    let m = Encryptor::for_recipients(m, recips)
        .symmetric_algo(SymmetricAlgorithm::AES256)
        .build()
        .map_err(|e| Error::crypto("encrypting", e))?;
    let m = Signer::new(m, signer)
        .map_err(|e| Error::crypto("signing", e))?
        .creation_time(system_time(t))
        .build()
        .map_err(|e| Error::crypto("signing", e))?;
    let mut w = LiteralWriter::new(m).build().map_err(|e| Error::crypto("writing", e))?;
    w.write_all(plaintext).map_err(|e| Error::crypto("writing", e))?;
    w.finalize().map_err(|e| Error::crypto("finishing message", e))?;
    Ok(out)
}

/// The key ids (16 hex digits) a message is encrypted to, read from its
/// PKESK packets without decrypting anything.
pub fn recipient_keyids(message: &[u8]) -> Result<Vec<String>> {
    entry_structure(message).map_err(Error::Invalid)
}

/// The most session-key packets an entry may carry. Each costs every
/// reader time on every read, for the record's life; a record with a
/// hundred readers of two keys each needs 200.
pub const MAX_PKESKS: usize = 1000;

/// The fewest bytes of encrypted data (after the SEIPD's version) any
/// message has: the random prefix of a 16-byte block cipher and its two
/// repeated bytes, and the 22-byte MDC packet.
pub const MIN_SEIPD_BODY: usize = 16 + 2 + 22;

/// Checks that an entry is a complete encrypted message as hrx writes it —
/// one or more PKESKs, then exactly one SEIPD packet (version 1), then
/// nothing — and returns the key ids the PKESKs name. Nothing is decrypted
/// or decompressed. (Whether the encrypted part is authentic only its
/// readers can tell: they check it when they open the entry.)
pub fn entry_structure(message: &[u8]) -> std::result::Result<Vec<String>, String> {
    use openpgp::parse::PacketParserBuilder;
    let mut ids = Vec::new();
    let mut pkesks = 0;
    let mut ppr = PacketParserBuilder::from_bytes(message)
        .and_then(|b| b.max_recursion_depth(0).dearmor(openpgp::parse::Dearmor::Disabled).build())
        .map_err(|e| format!("not an OpenPGP message: {e}"))?;
    let mut seip = false;
    while let PacketParserResult::Some(mut pp) = ppr {
        if seip {
            return Err(format!("holds a {} packet after the encrypted data", pp.packet.tag()));
        }
        match &pp.packet {
            Packet::PKESK(p) => {
                pkesks += 1;
                if pkesks > MAX_PKESKS {
                    return Err(format!(
                        "is encrypted to more than {MAX_PKESKS} keys; an entry goes to the patient, its author and the readers the grants name"
                    ));
                }
                // A hidden (wildcard) recipient would let a writer give an
                // entry to someone no verifier can see.
                match p.recipient() {
                    Some(h) if !openpgp::KeyID::from(h.clone()).is_wildcard() => {
                        ids.push(openpgp::KeyID::from(h).to_hex())
                    }
                    _ => return Err("is encrypted to a hidden recipient (a PKESK naming no key)".into()),
                }
            }
            Packet::SEIP(s) if s.version() == 1 => {
                if pkesks == 0 {
                    return Err("is not encrypted to anyone (no PKESK before the encrypted data)".into());
                }
                seip = true;
            }
            other => return Err(format!("is not an encrypted entry: it holds a {} packet", other.tag())),
        }
        if seip {
            // Every encrypted packet holds the cipher's random prefix and
            // the closing MDC packet. Sequoia 2.4 unwraps the read of the
            // prefix past a reserve for the MDC: a packet shorter than
            // both panicked whoever could decrypt it. Counted only as far
            // as the bound (an entry with its attachment may be 64 MiB).
            let mut seen = 0;
            let mut buf = [0u8; MIN_SEIPD_BODY];
            while seen < MIN_SEIPD_BODY {
                match std::io::Read::read(&mut pp, &mut buf[seen..]) {
                    Ok(0) => break,
                    Ok(n) => seen += n,
                    Err(e) => return Err(format!("malformed OpenPGP message: {e}")),
                }
            }
            if seen < MIN_SEIPD_BODY {
                return Err(format!(
                    "holds encrypted data of {seen} bytes, shorter than any encrypted message ({MIN_SEIPD_BODY})"
                ));
            }
        }
        ppr = pp.next().map_err(|e| format!("malformed OpenPGP message: {e}"))?.1;
    }
    if !seip {
        return Err("is not a complete encrypted message: it has no encrypted data".into());
    }
    Ok(ids)
}

/// The result of opening an entry.
pub struct Opened {
    /// The plaintext (YAML).
    pub plaintext: Vec<u8>,
    /// The signature on it.
    pub signature: SignatureStatus,
    /// The session key, for granting later access.
    pub session_key: Option<(SymmetricAlgorithm, SessionKey)>,
}

/// What the inner signature of an entry says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SignatureStatus {
    /// A good signature by this certificate.
    Good {
        /// Certificate fingerprint.
        signer: Fpr,
        /// Signature time.
        time: DateTime<Utc>,
    },
    /// A signature by a key hrx has no certificate for.
    UnknownSigner {
        /// The issuer as given in the signature.
        issuer: String,
    },
    /// A bad or missing signature.
    Bad {
        /// What is wrong.
        reason: String,
    },
}

struct Helper<'a> {
    keys: &'a mut [SecretKey],
    /// Whether the signature layer held something other than signatures
    /// to check (Sequoia is given no certificates, so every well-formed
    /// signature comes back as "missing key").
    malformed: bool,
    session_key: Option<(SymmetricAlgorithm, SessionKey)>,
    /// The signatures, checked by the caller against the record's
    /// certificates (see [`open`]).
    unchecked: Vec<openpgp::packet::Signature>,
    /// What the decryption found when it could not decrypt (the helper is
    /// gone by the time the error comes back).
    outcome: std::rc::Rc<std::cell::Cell<Outcome>>,
}

/// Why a message was not decrypted.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Outcome {
    #[default]
    Tried,
    /// None of the keys is a recipient.
    NoKey,
    /// A PKESK addressed to one of the keys gave a session key that does not
    /// fit the encrypted data: the entry is damaged, or its PKESK was copied
    /// from another entry.
    WrongSessionKey,
}

impl VerificationHelper for Helper<'_> {
    fn get_certs(&mut self, _ids: &[KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        // None: the caller checks the signatures with the record's
        // certificates, by the record's rules (see `open`).
        Ok(vec![])
    }
    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        for layer in structure.into_iter() {
            if let MessageLayer::SignatureGroup { results } = layer {
                for r in results {
                    match r {
                        Err(VerificationError::MissingKey { sig }) => self.unchecked.push(sig.clone()),
                        // With no certificates given, anything else is a
                        // signature Sequoia could not relate to the data.
                        _ => self.malformed = true,
                    }
                }
            }
        }
        Ok(())
    }
}

impl DecryptionHelper for Helper<'_> {
    fn decrypt(
        &mut self,
        pkesks: &[PKESK],
        _skesks: &[SKESK],
        sym_algo: Option<SymmetricAlgorithm>,
        decrypt: &mut dyn FnMut(Option<SymmetricAlgorithm>, &SessionKey) -> bool,
    ) -> openpgp::Result<Option<Cert>> {
        let mut wrong = false;
        for p in pkesks {
            for k in self.keys.iter_mut() {
                let matches = match p.recipient() {
                    Some(h) => h.aliases(KeyHandle::from(k.public().fingerprint())),
                    None => true,
                };
                if !matches {
                    continue;
                }
                if let Some((algo, sk)) = p.decrypt(k, sym_algo) {
                    if decrypt(algo, &sk) {
                        self.session_key = algo.map(|a| (a, sk));
                        return Ok(None);
                    }
                    wrong = true;
                }
            }
        }
        self.outcome.set(if wrong { Outcome::WrongSessionKey } else { Outcome::NoKey });
        Err(anyhow::anyhow!("no key to decrypt"))
    }
}

/// The message with a later-access wrap in front, if there is one.
fn with_prefix<'a>(message: &'a [u8], prefix: Option<&[u8]>) -> std::borrow::Cow<'a, [u8]> {
    match prefix {
        Some(p) => std::borrow::Cow::Owned([p, message].concat()),
        None => std::borrow::Cow::Borrowed(message),
    }
}

/// Decrypts and verifies an entry. `prefix` is an extra PKESK (a later-access
/// wrap) to put in front of the message. `certs` are the certificates that
/// may have signed it; the inner signature is judged by the same rules as a
/// commit signature (see [`CertIndex::verify_document`]). Returns `None` if
/// none of `keys` can decrypt it.
pub fn open(
    message: &[u8],
    prefix: Option<&[u8]>,
    keys: &mut [SecretKey],
    certs: &CertIndex,
    known: &[crate::id::Id],
    t: DateTime<Utc>,
) -> Result<Option<Opened>> {
    let bytes = with_prefix(message, prefix);
    // Verified entries cannot reach the parser's unwraps; one in a record
    // verified by an older hrx can.
    let Some(pass) = super::parser_guard("the entry's OpenPGP data", || decrypt_pass(&bytes, keys, t))? else {
        return Ok(None);
    };
    let mut opened = pass.opened;
    let bad = |reason: String| SignatureStatus::Bad { reason };
    let status = match pass.unchecked.as_slice() {
        _ if pass.malformed => bad("the entry's signature does not cover its content".into()),
        [] => bad("the entry is not signed".into()),
        // One signature, by its author; more would be judged in some order.
        [sig] => match sig.computed_digest() {
            None => bad("the signature's digest was not computed".into()),
            // The parser hashed what the signature covers.
            Some(digest) => match certs.verify_document(sig, digest, known, t) {
                Ok((signer, time)) => SignatureStatus::Good { signer, time },
                Err(SigError::UnknownKey(issuer)) => SignatureStatus::UnknownSigner { issuer },
                Err(SigError::Bad(m) | SigError::Weak(m) | SigError::Malformed(m) | SigError::Revoked(m)) => bad(m),
            },
        },
        many => bad(format!("the entry carries {} signatures; an entry is signed once, by its author", many.len())),
    };
    opened.signature = status;
    Ok(Some(opened))
}

struct Pass {
    opened: Opened,
    /// The signatures, for the caller to check.
    unchecked: Vec<openpgp::packet::Signature>,
    /// See `Helper::malformed`.
    malformed: bool,
}

/// Decrypts a message; its signatures are returned unchecked.
fn decrypt_pass(bytes: &[u8], keys: &mut [SecretKey], t: DateTime<Utc>) -> Result<Option<Pass>> {
    let outcome = std::rc::Rc::new(std::cell::Cell::new(Outcome::Tried));
    let helper = Helper { keys, malformed: false, session_key: None, unchecked: Vec::new(), outcome: outcome.clone() };
    let d = DecryptorBuilder::from_bytes(bytes)
        .map_err(|e| Error::Invalid(format!("malformed entry: {e}")))?
        .with_policy(policy(), system_time(t), helper);
    let mut d = match (d, outcome.get()) {
        (Ok(d), _) => d,
        (Err(_), Outcome::NoKey) => return Ok(None),
        (Err(_), Outcome::WrongSessionKey) => {
            return Err(Error::Invalid(
                "a session key addressed to you does not fit this entry's encrypted data: the entry is damaged or forged (its key may have been copied from another entry)".into(),
            ));
        }
        (Err(e), Outcome::Tried) => return Err(Error::Invalid(format!("entry does not decrypt: {e}"))),
    };
    // Bounded: a grantee could encrypt a compressed bomb to its readers.
    let mut plaintext = Vec::new();
    let limit = crate::model::entry::MAX_ENTRY_YAML as u64;
    std::io::copy(&mut std::io::Read::take(&mut d, limit + 1), &mut plaintext)
        .map_err(|e| Error::Invalid(format!("entry does not decrypt: {e}")))?;
    if plaintext.len() as u64 > limit {
        return Err(Error::Invalid(format!("entry is larger than {limit} bytes when decrypted; not read")));
    }
    let h = d.into_helper();
    Ok(Some(Pass {
        opened: Opened {
            plaintext,
            signature: SignatureStatus::Bad { reason: "the entry is not signed".into() },
            session_key: h.session_key,
        },
        unchecked: h.unchecked,
        malformed: h.malformed,
    }))
}

/// The fingerprint (hex) a key handle names, if it is a fingerprint.
pub fn handle_hex(h: &KeyHandle) -> String {
    match h {
        KeyHandle::Fingerprint(f) => f.to_hex(),
        KeyHandle::KeyID(k) => k.to_hex(),
    }
}

/// Recovers the session key of a message from its PKESKs (and those of a
/// later-access `prefix`) with one of `keys`, without decrypting the body.
pub fn session_key(
    message: &[u8],
    prefix: Option<&[u8]>,
    keys: &mut [SecretKey],
) -> Result<Option<(SymmetricAlgorithm, SessionKey)>> {
    let bytes = with_prefix(message, prefix);
    let bytes = &bytes[..];
    let mut ppr =
        PacketParser::from_bytes(bytes).map_err(|e| Error::Invalid(format!("not an OpenPGP message: {e}")))?;
    while let PacketParserResult::Some(pp) = ppr {
        match &pp.packet {
            Packet::PKESK(p) => {
                for k in keys.iter_mut() {
                    let matches = p.recipient().is_none_or(|h| h.aliases(KeyHandle::from(k.public().fingerprint())));
                    if !matches {
                        continue;
                    }
                    if let Some((Some(algo), sk)) = p.decrypt(k, None) {
                        return Ok(Some((algo, sk)));
                    }
                }
            }
            Packet::SEIP(_) => break,
            _ => {}
        }
        ppr = pp.next().map_err(|e| Error::Invalid(format!("malformed OpenPGP message: {e}")))?.1;
    }
    Ok(None)
}

/// Wraps a session key for every usable encryption key of `cert`: the
/// serialized v3 PKESK packets of a later-access file.
pub fn wrap(algo: SymmetricAlgorithm, sk: &SessionKey, cert: &Cert, t: DateTime<Utc>) -> Result<Vec<u8>> {
    use openpgp::packet::pkesk::PKESK3;
    use openpgp::serialize::Marshal;
    let vc = cert
        .with_policy(policy(), system_time(t))
        .map_err(|e| Error::Key(format!("certificate {} is not valid now: {e}", cert.fingerprint())))?;
    let mut out = Vec::new();
    for ka in vc.keys().supported().alive().revoked(false).for_storage_encryption().for_transport_encryption() {
        let p = PKESK3::for_recipient(algo, sk, ka.key()).map_err(|e| Error::crypto("wrapping session key", e))?;
        Packet::from(PKESK::from(p)).serialize(&mut out).map_err(|e| Error::crypto("wrapping session key", e))?;
    }
    if out.is_empty() {
        return Err(Error::Key(format!("certificate {} has no usable encryption key", cert.fingerprint())));
    }
    Ok(out)
}

/// What a message of [`seal_with_session_key`] starts with.
const SEALED: &[u8; 8] = b"hrx-rc1\n";

/// Encrypts `plaintext` with `key` (32 bytes) for data only the holder of
/// `key` writes and reads (the reader's cache, see `ops::readcache`):
/// AES-256-GCM with a random 96-bit nonce, through Sequoia's AEAD
/// primitives: `SEALED`, the nonce, then the ciphertext and its tag. Not
/// an OpenPGP message: nothing but hrx reads it, and it is read whole on
/// every `hrx log`, which OpenPGP's streaming decryption makes slow.
pub fn seal_with_session_key(plaintext: &[u8], key: &SessionKey) -> Result<Vec<u8>> {
    use openpgp::types::AEADAlgorithm;
    let bad = |e: anyhow::Error| Error::crypto("encrypting", e);
    let mut nonce = [0u8; 12];
    openpgp::crypto::random(&mut nonce).map_err(bad)?;
    let mut ctx = AEADAlgorithm::GCM
        .context(SymmetricAlgorithm::AES256, key, SEALED, &nonce)
        .and_then(|b| b.for_encryption())
        .map_err(bad)?;
    let mut out = Vec::with_capacity(SEALED.len() + nonce.len() + plaintext.len() + ctx.digest_size());
    out.extend_from_slice(SEALED);
    out.extend_from_slice(&nonce);
    let start = out.len();
    out.resize(start + plaintext.len() + ctx.digest_size(), 0);
    ctx.encrypt_seal(&mut out[start..], plaintext).map_err(bad)?;
    Ok(out)
}

/// Opens what [`seal_with_session_key`] made with `key`: the plaintext,
/// at most `max` bytes, or an error if it was made with another key or
/// changed (the tag).
pub fn open_with_session_key(message: &[u8], key: &SessionKey, max: usize) -> Result<Vec<u8>> {
    use openpgp::types::AEADAlgorithm;
    let bad = |e: &dyn std::fmt::Display| Error::Invalid(format!("does not open with its key: {e}"));
    let body = message.strip_prefix(SEALED.as_slice()).ok_or_else(|| bad(&"not a sealed file"))?;
    let (nonce, sealed) = body.split_at_checked(12).ok_or_else(|| bad(&"too short"))?;
    let mut ctx = AEADAlgorithm::GCM
        .context(SymmetricAlgorithm::AES256, key, SEALED, nonce)
        .and_then(|b| b.for_decryption())
        .map_err(|e| bad(&e))?;
    let len = sealed.len().checked_sub(ctx.digest_size()).ok_or_else(|| bad(&"too short"))?;
    if len > max {
        return Err(Error::Invalid(format!("is larger than {max} bytes")));
    }
    let mut plaintext = vec![0u8; len];
    ctx.decrypt_verify(&mut plaintext, sealed).map_err(|e| bad(&e))?;
    Ok(plaintext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::cert::CertBuilder;
    use openpgp::policy::StandardPolicy;

    /// A certificate that signs and encrypts, and its secret keys.
    fn party() -> (Cert, SecretKey, SecretKey) {
        let (cert, _) = CertBuilder::new()
            .add_signing_subkey()
            .add_transport_encryption_subkey()
            .set_creation_time(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
            .generate()
            .unwrap();
        let p = StandardPolicy::new();
        let key = |enc: bool| {
            let ka = cert.keys().with_policy(&p, None).secret();
            let ka = if enc { ka.for_transport_encryption().next() } else { ka.for_signing().next() };
            SecretKey::local(ka.unwrap().key().clone().into_keypair().unwrap())
        };
        let (s, d) = (key(false), key(true));
        (cert, s, d)
    }

    /// Sequoia 2.4's parser unwraps the read of an encrypted packet's
    /// first bytes: a SEIPD packet cut short after its header panicked
    /// the reader (found by properties::an_entry_with_packets_changed_never_opens_to_other_words).
    /// The entry is refused, by the verifier's structure check and by open.
    #[test]
    fn an_encrypted_packet_cut_short_is_refused_not_a_panic() {
        let (cert, signer, decryptor) = party();
        let t = DateTime::from_timestamp(1_700_000_100, 0).unwrap();
        let ct = seal(b"text: x\n", signer, &[&cert], t).unwrap();
        let certs = {
            let mut c = CertIndex::default();
            c.insert(cert.clone());
            c
        };
        assert!(open(&ct, None, &mut [decryptor.clone()], &certs, &[], t).unwrap().is_some());
        // The PKESK, then the SEIPD's header and a few bytes of its body.
        let pkesk_len = {
            use openpgp::parse::Parse;
            use openpgp::serialize::SerializeInto;
            let pile = openpgp::PacketPile::from_bytes(&ct[..]).unwrap();
            pile.into_children().next().unwrap().to_vec().unwrap().len()
        };
        for keep in 1..60 {
            let cut = &ct[..pkesk_len + keep];
            let r = std::panic::catch_unwind(|| open(cut, None, &mut [decryptor.clone()], &certs, &[], t));
            assert!(
                matches!(r, Ok(Err(_))),
                "cut to {keep} bytes of the encrypted packet: {:?}",
                r.map(|r| r.map(|o| o.is_some()))
            );
            assert!(entry_structure(cut).is_err(), "cut to {keep}");
        }
        // Whole packets (their length says so) as short: the genuine
        // prefix, so that the quick check passes, and less than an MDC.
        let seipd = &ct[pkesk_len..];
        // A new-format header: the length in one, two or five octets, or
        // a first partial chunk (long enough here) in one.
        let body = match seipd[1] {
            0..192 | 224..255 => &seipd[2..],
            192..224 => &seipd[3..],
            255 => &seipd[6..],
        };
        let mut said_short = 0;
        for n in 1 + 16 + 2..1 + MIN_SEIPD_BODY {
            let mut short = ct[..pkesk_len].to_vec();
            short.extend_from_slice(&[0xd2, n as u8]);
            short.extend_from_slice(&body[..n]);
            // (Sequoia takes some of these for packets of no version it
            // knows; those are refused as such.)
            let e = entry_structure(&short).unwrap_err();
            said_short += usize::from(e.contains("shorter than any encrypted message"));
            let r = std::panic::catch_unwind(|| open(&short, None, &mut [decryptor.clone()], &certs, &[], t));
            assert!(matches!(r, Ok(Err(_))), "{n} bytes: {:?}", r.map(|r| r.map(|o| o.is_some())));
        }
        assert!(said_short > 0, "the length itself is what refuses some: {said_short}");
        // What hrx writes passes.
        assert_eq!(entry_structure(&ct).unwrap().len(), 1);
    }
}
