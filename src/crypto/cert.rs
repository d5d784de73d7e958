//! Certificates: generation and the identity they carry.

use chrono::{DateTime, Utc};
use openpgp::cert::prelude::*;
use openpgp::crypto::Password;
use openpgp::packet::UserID;
use openpgp::types::{Features, KeyFlags};
use openpgp::{Cert, Profile};
use sequoia_openpgp as openpgp;

use super::{policy, system_time};
use crate::error::{Error, Result};
use crate::model::Fpr;

/// Who a certificate belongs to, from its primary user id.
///
/// hrx writes user ids as `Name (Organisation, CC) <email>`: GnuPG shows them
/// as usual, and hrx reads the organisation and country back from the comment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    /// Fingerprint of the certificate.
    pub fingerprint: Fpr,
    /// Name.
    pub name: String,
    /// Email, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Organisation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// ISO 3166-1 alpha-2 country, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The upper-case hex fingerprint of a certificate.
pub fn fpr(cert: &Cert) -> Fpr {
    cert.fingerprint().to_hex()
}

/// What a new certificate is for and whose it is.
#[derive(Clone, Debug, Default)]
pub struct NewCert {
    /// Name (required).
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
}

/// Checks the parts of a user id before a certificate is made with them.
pub fn check_new(n: &NewCert) -> Result<()> {
    if n.name.trim().is_empty() {
        return Err(Error::Usage("--name must not be empty".into()));
    }
    for (what, v) in
        [("--name", Some(&n.name)), ("--email", n.email.as_ref()), ("--organisation", n.organisation.as_ref())]
    {
        if let Some(v) = v
            && v.contains(['(', ')', '<', '>', '\n'])
        {
            return Err(Error::Usage(format!("{what} {v:?} must not contain parentheses, angle brackets or newlines")));
        }
    }
    if let Some(c) = &n.country
        && !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(Error::Usage(format!(
            "--country {c:?} is not an ISO 3166-1 alpha-2 code (two capital letters, e.g. DE)"
        )));
    }
    Ok(())
}

fn userid_text(n: &NewCert) -> String {
    let mut s = n.name.trim().to_string();
    let comment: Vec<&str> = [n.organisation.as_deref(), n.country.as_deref()].into_iter().flatten().collect();
    if !comment.is_empty() {
        s.push_str(&format!(" ({})", comment.join(", ")));
    }
    if let Some(e) = &n.email {
        s.push_str(&format!(" <{e}>"));
    }
    s
}

/// Generates a certificate: Ed25519 primary (certification only), an
/// Ed25519 signing subkey and a Cv25519 encryption subkey, v4 (RFC 4880),
/// SEIPDv1 only, valid without expiry. `password` protects the secret keys.
pub fn generate(n: &NewCert, password: Option<Password>, t: DateTime<Utc>) -> Result<Cert> {
    check_new(n)?;
    let (cert, _rev) = CertBuilder::new()
        .set_cipher_suite(CipherSuite::Cv25519)
        .set_profile(Profile::RFC4880)
        .and_then(|b| b.set_features(Features::empty().set_seipdv1()))
        .map_err(|e| Error::crypto("configuring certificate", e))?
        .set_creation_time(system_time(t))
        .set_primary_key_flags(KeyFlags::empty().set_certification())
        .add_userid(UserID::from(userid_text(n)))
        .add_signing_subkey()
        .add_subkey(KeyFlags::empty().set_transport_encryption().set_storage_encryption(), None, None)
        .set_password(password)
        .generate()
        .map_err(|e| Error::crypto("generating certificate", e))?;
    Ok(cert)
}

/// Reads the identity of a certificate from its primary user id.
pub fn identity(cert: &Cert) -> Identity {
    let fingerprint = fpr(cert);
    let uid = cert
        .with_policy(policy(), None)
        .ok()
        .and_then(|v| v.primary_userid().ok().map(|u| u.userid().clone()))
        .or_else(|| cert.userids().next().map(|u| u.userid().clone()));
    let Some(uid) = uid else {
        return Identity { fingerprint, name: "(no user id)".into(), email: None, organisation: None, country: None };
    };
    let text = String::from_utf8_lossy(uid.value()).to_string();
    let email = uid.email().ok().flatten().map(|s| s.to_string());
    let name = uid.name().ok().flatten().map(|s| s.to_string()).unwrap_or_else(|| text.clone());
    let comment = uid.comment().ok().flatten().map(|s| s.to_string());
    let (mut organisation, mut country) = (None, None);
    if let Some(c) = comment {
        let mut parts: Vec<&str> = c.split(',').map(str::trim).collect();
        if let Some(last) = parts.last()
            && last.len() == 2
            && last.bytes().all(|b| b.is_ascii_uppercase())
        {
            country = Some(last.to_string());
            parts.pop();
        }
        if !parts.is_empty() && !parts.join(", ").is_empty() {
            organisation = Some(parts.join(", "));
        }
    }
    // What others wrote into their user ids is shown, never obeyed.
    let clean = |s: String| crate::model::text::printable(&s).into_owned();
    Identity {
        fingerprint,
        name: clean(name),
        email: email.map(clean),
        organisation: organisation.map(clean),
        country: country.map(clean),
    }
}

/// Days before a certificate's expiry from which hrx warns about it.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// What a certificate can do, and until when, as `hrx key list` shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Validity {
    /// When the certificate (its primary key) was made.
    pub created: DateTime<Utc>,
    /// When it expires, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// `valid`, `expires-soon` (within [`EXPIRY_WARNING_DAYS`]),
    /// `expired`, `revoked`, or `invalid` (no valid self-signature under
    /// the OpenPGP policy).
    pub status: &'static str,
    /// Its keys.
    pub keys: Vec<KeyValidity>,
}

/// One key of a certificate.
#[derive(Clone, Debug, serde::Serialize)]
pub struct KeyValidity {
    /// Its fingerprint.
    pub fingerprint: Fpr,
    /// Its algorithm (and curve).
    pub algorithm: String,
    /// What it may be used for: `certify`, `sign`, `encrypt`, `authenticate`.
    pub capabilities: Vec<&'static str>,
    /// When it expires, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// As for the certificate.
    pub status: &'static str,
}

/// A certificate's validity at `now`.
pub fn validity(cert: &Cert, now: DateTime<Utc>) -> Validity {
    use openpgp::types::RevocationStatus;
    let created: DateTime<Utc> = cert.primary_key().key().creation_time().into();
    let status = |revoked: bool, alive: bool, expires: Option<DateTime<Utc>>| {
        if revoked {
            "revoked"
        } else if !alive {
            "expired"
        } else if expires.is_some_and(|e| e - now < chrono::Duration::days(EXPIRY_WARNING_DAYS)) {
            "expires-soon"
        } else {
            "valid"
        }
    };
    let Ok(vc) = cert.with_policy(policy(), system_time(now)) else {
        return Validity { created, expires: None, status: "invalid", keys: vec![] };
    };
    let expires = vc.primary_key().key_expiration_time().map(DateTime::<Utc>::from);
    let revoked = matches!(vc.revocation_status(), RevocationStatus::Revoked(_));
    let keys = vc
        .keys()
        .map(|ka| {
            let mut capabilities = vec![];
            if ka.for_certification() {
                capabilities.push("certify");
            }
            if ka.for_signing() {
                capabilities.push("sign");
            }
            if ka.for_transport_encryption() || ka.for_storage_encryption() {
                capabilities.push("encrypt");
            }
            if ka.for_authentication() {
                capabilities.push("authenticate");
            }
            let algorithm = match ka.key().mpis() {
                openpgp::crypto::mpi::PublicKey::EdDSA { curve, .. }
                | openpgp::crypto::mpi::PublicKey::ECDH { curve, .. }
                | openpgp::crypto::mpi::PublicKey::ECDSA { curve, .. } => format!("{curve}"),
                _ => match ka.key().mpis().bits() {
                    Some(b) => format!("{} {b}", ka.key().pk_algo()),
                    None => ka.key().pk_algo().to_string(),
                },
            };
            let kexp = ka.key_expiration_time().map(DateTime::<Utc>::from);
            let krevoked = revoked || matches!(ka.revocation_status(), RevocationStatus::Revoked(_));
            KeyValidity {
                fingerprint: ka.key().fingerprint().to_hex(),
                algorithm,
                capabilities,
                expires: kexp,
                status: status(krevoked, ka.alive().is_ok() && vc.alive().is_ok(), kexp.or(expires)),
            }
        })
        .collect();
    Validity { created, expires, status: status(revoked, vc.alive().is_ok(), expires), keys }
}

/// Why entries cannot be encrypted to `cert` at `now`, saying since when if
/// that is known (its expiry or revocation), or None if they can.
pub fn encryption_problem(cert: &Cert, now: DateTime<Utc>) -> Option<String> {
    use openpgp::types::RevocationStatus;
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let Ok(vc) = cert.with_policy(policy(), system_time(now)) else {
        return Some("its certificate has no valid self-signature under the OpenPGP policy".into());
    };
    if let RevocationStatus::Revoked(sigs) = vc.revocation_status() {
        let since = sigs.iter().filter_map(|s| s.signature_creation_time()).min().map(DateTime::<Utc>::from);
        return Some(match since {
            Some(t) => format!("its certificate was revoked on {}", day(t)),
            None => "its certificate is revoked".into(),
        });
    }
    if vc.alive().is_err() {
        let exp = vc.primary_key().key_expiration_time().map(DateTime::<Utc>::from);
        return Some(match exp {
            Some(t) => format!("its certificate expired on {}", day(t)),
            None => "its certificate is not valid now".into(),
        });
    }
    let enc: Vec<_> = vc.keys().supported().for_storage_encryption().for_transport_encryption().collect();
    if enc.iter().any(|ka| ka.alive().is_ok() && !matches!(ka.revocation_status(), RevocationStatus::Revoked(_))) {
        return None;
    }
    let last = enc.iter().filter_map(|ka| ka.key_expiration_time()).max().map(DateTime::<Utc>::from);
    Some(match (enc.is_empty(), last) {
        (true, _) => "its certificate has no encryption key".into(),
        (false, Some(t)) => format!("its encryption key expired on {}", day(t)),
        (false, None) => "its encryption keys are revoked".into(),
    })
}

/// Until when entries can be encrypted to a certificate of validity `v`:
/// the earlier of its expiry and the last expiry of its encryption keys
/// (None: no end known).
pub fn encryptable_until(v: &Validity) -> Option<DateTime<Utc>> {
    let keys: Vec<&KeyValidity> = v.keys.iter().filter(|k| k.capabilities.contains(&"encrypt")).collect();
    let keys_until =
        if keys.iter().any(|k| k.expires.is_none()) { None } else { keys.iter().filter_map(|k| k.expires).max() };
    match (v.expires, keys_until) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A warning about `cert` (named `who`, of validity `v` at `now`) to show,
/// if entries cannot be encrypted to it or soon cannot: within
/// [`EXPIRY_WARNING_DAYS`], or before `needed_until`.
pub fn expiry_warning(
    cert: &Cert,
    v: &Validity,
    who: &str,
    now: DateTime<Utc>,
    needed_until: Option<DateTime<Utc>>,
) -> Option<String> {
    if let Some(why) = encryption_problem(cert, now) {
        return Some(format!(
            "entries cannot be encrypted to {who}: {why}; ask for the refreshed certificate and add it with `hrx key update FILE`"
        ));
    }
    let until = encryptable_until(v)?;
    let soon = until - now < chrono::Duration::days(EXPIRY_WARNING_DAYS);
    let before_needed = needed_until.is_none_or(|n| until < n);
    (soon || (before_needed && needed_until.is_some())).then(|| {
        format!(
            "the certificate of {who} expires on {} ({} days); ask them to extend it and add the refreshed certificate with `hrx key update FILE`",
            until.format("%Y-%m-%d"),
            (until - now).num_days()
        )
    })
}

/// `cert` without the signatures `known` has already (the same
/// certificate, as a record knows it): what an update must carry. Keys
/// and user ids stay, to hold the new signatures.
/// `cert` with only what a backup needs: each key and user id with its
/// newest self-signature of each kind and every revocation; superseded
/// self-signatures (an expiry extended, a binding renewed) and others'
/// certifications are left out. Each `hrx key extend` adds signatures:
/// without this a paper backup outgrew its QR code after one extension.
pub fn minimal(cert: Cert) -> Result<Cert> {
    use openpgp::Packet;
    use openpgp::types::SignatureType as T;
    let revocation = |t: T| matches!(t, T::KeyRevocation | T::SubkeyRevocation | T::CertificationRevocation);
    let mut out: Vec<Packet> = Vec::new();
    // The newest signature of each type for the component being read.
    let mut newest: Vec<openpgp::packet::Signature> = Vec::new();
    let flush = |out: &mut Vec<Packet>, newest: &mut Vec<openpgp::packet::Signature>| {
        out.extend(newest.drain(..).map(Packet::from));
    };
    let primary = cert.fingerprint();
    for p in cert.into_tsk().into_packets() {
        match p {
            Packet::Signature(sig) => {
                let own = sig.issuer_fingerprints().any(|f| *f == primary)
                    || sig.issuers().any(|k| openpgp::KeyID::from(&primary) == *k);
                if revocation(sig.typ()) {
                    if own {
                        out.push(Packet::Signature(sig));
                    }
                } else if own {
                    match newest.iter_mut().find(|n| n.typ() == sig.typ()) {
                        Some(n) if n.signature_creation_time() >= sig.signature_creation_time() => {}
                        Some(n) => *n = sig,
                        None => newest.push(sig),
                    }
                }
            }
            other => {
                flush(&mut out, &mut newest);
                out.push(other);
            }
        }
    }
    flush(&mut out, &mut newest);
    Cert::from_packets(out.into_iter()).map_err(|e| Error::crypto("making the backup's certificate", e))
}

pub fn only_new(cert: &Cert, known: &Cert) -> Result<Cert> {
    use sequoia_openpgp::Packet;
    use sequoia_openpgp::serialize::MarshalInto;
    let bytes = |p: &Packet| match p {
        Packet::Signature(s) => s.to_vec().ok(),
        _ => None,
    };
    let have: std::collections::HashSet<Vec<u8>> = known.clone().into_packets().filter_map(|p| bytes(&p)).collect();
    let packets = cert.clone().into_packets().filter(|p| bytes(p).is_none_or(|b| !have.contains(&b)));
    Cert::from_packets(packets).map_err(|e| Error::crypto("making a certificate update", e))
}
