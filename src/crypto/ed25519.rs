//! Ed25519 arithmetic on curve25519-dalek, answered into Sequoia's
//! signature verification cache.
//!
//! Nearly every signature in a record (each commit's, and each entry's
//! inner one) is Ed25519. The OpenSSL backend Sequoia uses here checks one in
//! ~120 µs on this project's reference machine; dalek's vectorised
//! arithmetic does it in ~45 µs, and a `verify` from the root does two per
//! entry. Sequoia keeps a process-wide cache of verified signatures, keyed
//! on a hash of (signature, digest, key), which it consults before doing the
//! arithmetic and which it lets a program preload
//! ([`super::sigcache::preload`]). So hrx checks the arithmetic
//! first with dalek's *strict* verification and preloads the result;
//! Sequoia then runs every other check (policy, key validity and
//! capabilities at the signature time, versions, creation times) as always
//! and finds the arithmetic answered.
//!
//! Safety: only signatures dalek verified strictly are ever preloaded, and
//! the value binds the signature, the digest and the key, so a preloaded
//! value cannot vouch for anything else. If Sequoia changes how it computes
//! cache values, the preloaded values simply never match and Sequoia does
//! the arithmetic itself: slower, never wrong (a unit test notices).

use openpgp::crypto::mpi;
use openpgp::packet::Key;
use openpgp::packet::Signature;
use openpgp::packet::key::{PublicParts, UnspecifiedRole};
use openpgp::serialize::{Marshal, MarshalInto};
use openpgp::types::{Curve, HashAlgorithm};
use sequoia_openpgp as openpgp;

/// A signature found good, as Sequoia's cache knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Good([u8; 32]);

/// Checks an Ed25519 `sig` over `digest` (the hash the signature signs,
/// trailer included) with `key`. Returns `None` if either is not Ed25519 or
/// the signature does not check out; Sequoia then decides on its own.
pub fn check(sig: &Signature, digest: &[u8], key: &Key<PublicParts, UnspecifiedRole>) -> Option<Good> {
    arithmetic(sig, digest, key)?;
    cache_value(sig, digest, key).map(Good)
}

/// dalek's strict verification of an Ed25519 `sig` over `digest` with
/// `key`; `None` if either is not Ed25519 or it does not check out.
fn arithmetic(sig: &Signature, digest: &[u8], key: &Key<PublicParts, UnspecifiedRole>) -> Option<()> {
    let (public, rs): ([u8; 32], [u8; 64]) = match (key.mpis(), sig.mpis()) {
        (mpi::PublicKey::Ed25519 { a }, mpi::Signature::Ed25519 { s }) => (*a, **s),
        (mpi::PublicKey::EdDSA { curve: Curve::Ed25519, q }, mpi::Signature::EdDSA { r, s }) => {
            let (point, _) = q.decode_point(&Curve::Ed25519).ok()?;
            let mut rs = [0u8; 64];
            rs[..32].copy_from_slice(&r.value_padded(32).ok()?);
            rs[32..].copy_from_slice(&s.value_padded(32).ok()?);
            (point.try_into().ok()?, rs)
        }
        _ => return None,
    };
    verifying_key(&public)?.verify_strict(digest, &ed25519_dalek::Signature::from_bytes(&rs)).ok()
}

/// The public key as a curve point. Decompressing it costs a fifth of a
/// verification, and a record has few keys: kept per thread.
fn verifying_key(public: &[u8; 32]) -> Option<ed25519_dalek::VerifyingKey> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    thread_local! {
        static KEYS: RefCell<HashMap<[u8; 32], ed25519_dalek::VerifyingKey>> = RefCell::new(HashMap::new());
    }
    KEYS.with(|k| {
        let mut k = k.borrow_mut();
        if let Some(vk) = k.get(public) {
            return Some(*vk);
        }
        let vk = ed25519_dalek::VerifyingKey::from_bytes(public).ok()?;
        if k.len() >= 1024 {
            k.clear();
        }
        k.insert(*public, vk);
        Some(vk)
    })
}

/// The digest a document signature over `data` signs.
pub fn document_digest(sig: &Signature, data: &[u8]) -> Option<Vec<u8>> {
    use openpgp::crypto::hash::Hash;
    let mut h = sig.hash_algo().context().ok()?.for_signature(sig.version());
    if let Some(salt) = sig.salt() {
        h.update(salt);
    }
    h.update(data);
    sig.hash(&mut h).ok()?;
    h.into_digest().ok()
}

/// dalek's arithmetic for every Ed25519 self-signature among a
/// certificate's `packets` (as parsed, in order): direct-key signatures,
/// user id and attribute bindings, subkey bindings with their
/// back-signatures, and revocations. Sequoia verifies these lazily, one by
/// one at OpenSSL's cost, the first time a component is used (even listing
/// a component's self-signatures verifies them); `hrx verify` does them
/// here, on a worker ahead of its walk, and [`remember`]s the good ones.
/// Packets are taken as they come: a signature out of place, or not good,
/// is simply left to Sequoia.
pub fn self_signatures(packets: &[openpgp::Packet]) -> Vec<Good> {
    use openpgp::Packet;
    use openpgp::packet::key::{PrimaryRole, SubordinateRole};
    let Some(Packet::PublicKey(pk)) = packets.first() else { return vec![] };
    let pk: &Key<PublicParts, PrimaryRole> = pk;
    let primary = openpgp::KeyHandle::from(pk.fingerprint());
    let mut good = Vec::new();
    let mut one = |sig: &Signature, key: &Key<PublicParts, UnspecifiedRole>, digest: Option<Vec<u8>>| {
        if let Some(d) = digest
            && let Some(g) = check(sig, &d, key)
        {
            good.push(g);
        }
    };
    let hashed = |sig: &Signature, hash: &dyn Fn(&mut openpgp::crypto::hash::Context) -> openpgp::Result<()>| {
        let mut h = sig.hash_algo().context().ok()?.for_signature(sig.version());
        hash(&mut h).ok()?;
        h.into_digest().ok()
    };
    enum At<'a> {
        Primary,
        UserId(&'a openpgp::packet::UserID),
        Attribute(&'a openpgp::packet::UserAttribute),
        Subkey(&'a Key<PublicParts, SubordinateRole>),
        Other,
    }
    let mut at = At::Primary;
    for p in &packets[1..] {
        let sig = match p {
            Packet::UserID(u) => {
                at = At::UserId(u);
                continue;
            }
            Packet::UserAttribute(a) => {
                at = At::Attribute(a);
                continue;
            }
            Packet::PublicSubkey(k) => {
                at = At::Subkey(k);
                continue;
            }
            Packet::Signature(s) => s,
            Packet::Marker(_) | Packet::Trust(_) | Packet::Padding(_) => continue,
            _ => {
                at = At::Other;
                continue;
            }
        };
        // A third party's certification is not the certificate's own.
        if !sig.get_issuers().iter().any(|h| h.aliases(&primary)) {
            continue;
        }
        let by_primary = pk.role_as_unspecified();
        match &at {
            At::Primary => one(sig, by_primary, hashed(sig, &|h| sig.hash_direct_key(h, pk))),
            At::UserId(u) => one(sig, by_primary, hashed(sig, &|h| sig.hash_userid_binding(h, pk, u))),
            At::Attribute(a) => one(sig, by_primary, hashed(sig, &|h| sig.hash_user_attribute_binding(h, pk, a))),
            At::Subkey(k) => {
                one(sig, by_primary, hashed(sig, &|h| sig.hash_subkey_binding(h, pk, k)));
                for b in sig.embedded_signatures() {
                    one(b, k.role_as_unspecified(), hashed(b, &|h| b.hash_primary_key_binding(h, pk, k)));
                }
            }
            At::Other => {}
        }
    }
    good
}

/// Sequoia's cache key for (signature, digest, key): the first 32 bytes of
/// SHA-512 over a version byte (0), the length (u32, little endian) and
/// bytes of the signature's MPIs, the hash algorithm, the digest and the
/// key's MPIs.
fn cache_value(sig: &Signature, digest: &[u8], key: &Key<PublicParts, UnspecifiedRole>) -> Option<[u8; 32]> {
    let mut h = HashAlgorithm::SHA512.context().ok()?.for_digest();
    h.update(&[0]);
    h.update(&(sig.mpis().serialized_len() as u32).to_le_bytes());
    sig.mpis().export(&mut h).ok()?;
    h.update(&[u8::from(sig.hash_algo())]);
    h.update(digest);
    key.mpis().export(&mut h).ok()?;
    let full = h.into_digest().ok()?;
    full.get(..32)?.try_into().ok()
}

/// Sequoia's `Signature::verify_digest` with the arithmetic done here, for
/// one-off checks where preloading the cache (a thread per load) would cost
/// more than it saves: the same checks Sequoia makes before the arithmetic
/// (signature and key versions agree, a v6 signature's salt has the size
/// its hash needs, the signature is not older than the key), then dalek's
/// strict verification. `None` if the key is not Ed25519 or dalek does not
/// find the signature good: then Sequoia decides.
pub fn verify_digest(sig: &Signature, digest: &[u8], key: &Key<PublicParts, UnspecifiedRole>) -> Option<()> {
    if (sig.version() == 6) != (key.version() == 6) {
        return None;
    }
    if sig.version() == 6 && Some(sig.hash_algo().salt_size().ok()?) != sig.salt().map(|s| s.len()) {
        return None;
    }
    if sig.signature_creation_time()? < key.creation_time() {
        return None;
    }
    arithmetic(sig, digest, key)
}

/// Tells Sequoia's cache that these signatures are good, and returns once
/// it knows.
pub fn remember(good: Vec<Good>) {
    super::sigcache::preload(good.into_iter().map(|g| g.0).collect());
}

#[cfg(test)]
mod tests {
    use super::*;
    use openpgp::cert::CertBuilder;
    use openpgp::packet::signature::SignatureBuilder;
    use openpgp::policy::StandardPolicy;
    use openpgp::types::SignatureType;

    fn signer() -> (openpgp::Cert, openpgp::crypto::KeyPair) {
        let (cert, _) = CertBuilder::new().add_signing_subkey().generate().unwrap();
        let p = StandardPolicy::new();
        let k = cert.keys().with_policy(&p, None).for_signing().secret().next().unwrap();
        let pair = k.key().clone().into_keypair().unwrap();
        (cert, pair)
    }

    #[test]
    fn a_good_signature_is_good_and_a_changed_document_is_not() {
        let (_, mut pair) = signer();
        let key = pair.public().clone().role_into_unspecified();
        let sig = SignatureBuilder::new(SignatureType::Binary).sign_message(&mut pair, b"the record").unwrap();
        let d = document_digest(&sig, b"the record").unwrap();
        assert!(check(&sig, &d, &key).is_some());
        // Sequoia agrees on the digest.
        sig.verify_digest(&key, &d).unwrap();
        assert!(verify_digest(&sig, &d, &key).is_some());
        let other = document_digest(&sig, b"the recorD").unwrap();
        assert!(check(&sig, &other, &key).is_none());
        assert!(verify_digest(&sig, &other, &key).is_none());
    }

    /// Sequoia computes its cache values as `cache_value` does: a value
    /// preloaded for a signature that is *not* good makes Sequoia accept it
    /// without the arithmetic. (This is why only strictly verified
    /// signatures are ever preloaded.) If this fails after a Sequoia
    /// upgrade, preloading has stopped working: nothing is accepted wrongly,
    /// but verification is back to OpenSSL's speed.
    #[test]
    fn preloaded_values_are_the_ones_sequoia_looks_up() {
        let (_, mut pair) = signer();
        let key = pair.public().clone().role_into_unspecified();
        let sig = SignatureBuilder::new(SignatureType::Binary).sign_message(&mut pair, b"signed").unwrap();
        let digest = document_digest(&sig, b"preloaded, never signed").unwrap();
        assert!(sig.verify_digest(&key, &digest).is_err(), "the arithmetic fails");
        remember(vec![Good(cache_value(&sig, &digest, &key).unwrap())]);
        assert!(sig.verify_digest(&key, &digest).is_ok(), "Sequoia did not find the preloaded value");
    }

    /// Every self-signature of a certificate as hrx makes them is found
    /// good, with the digest Sequoia verifies it by; one whose user id was
    /// changed under it is not.
    #[test]
    fn self_signatures_are_found_good_and_a_moved_binding_is_not() {
        use openpgp::Packet;
        let (cert, _) = CertBuilder::new()
            .add_userid("Ana <ana@example.org>")
            .add_signing_subkey()
            .add_transport_encryption_subkey()
            .generate()
            .unwrap();
        // A direct-key signature, a user id binding, two subkey bindings
        // and the signing subkey's back-signature.
        let packets: Vec<Packet> = cert.into_packets().collect();
        assert_eq!(self_signatures(&packets).len(), 5);
        let moved: Vec<Packet> = packets
            .into_iter()
            .map(|p| match p {
                Packet::UserID(_) => Packet::UserID("Eve <eve@example.org>".into()),
                p => p,
            })
            .collect();
        assert_eq!(self_signatures(&moved).len(), 4);
    }
}
