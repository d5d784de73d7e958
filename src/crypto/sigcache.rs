//! Sequoia's process-wide cache of verified signatures, and keeping the
//! part of it a record's certificates need from one process to the next.
//!
//! Every command that starts from the verified-state cache (`ops::cache`)
//! parses the record's certificates, and Sequoia verifies their
//! self-signatures lazily, each at the OpenSSL backend's full cost: on a
//! record with a few dozen certificate updates that was most of an `hrx add`.
//! The values Sequoia looks up (a hash binding signature, digest and key;
//! see [`super::ed25519`]) are kept next to that state, with the same trust:
//! local derived state that `hrx verify` never reads.

use std::sync::mpsc;

use sequoia_openpgp::packet::signature::cache::SignatureVerificationCache;

/// One cache value.
pub type Value = [u8; 32];

/// Tells Sequoia's cache that these signatures are good, and returns once
/// it knows (the cache loads them on a thread of its own).
pub fn preload(values: Vec<Value>) {
    if values.is_empty() {
        return;
    }
    let (tx, rx) = mpsc::channel();
    SignatureVerificationCache::restore(values.into_iter().map(|v| v.to_vec()), move || {
        let _ = tx.send(());
    });
    let _ = rx.recv();
}

/// The values this process used or found (at most `max`), if it verified
/// any signature the cache did not already know; `None` if nothing changed.
pub fn used(max: usize) -> Option<Vec<Value>> {
    if SignatureVerificationCache::insertions() == 0 {
        return None;
    }
    SignatureVerificationCache::clear_insertions();
    Some(
        SignatureVerificationCache::dump()
            .into_iter()
            .filter(|e| e.inserted() || e.accessed())
            .filter_map(|e| e.value().try_into().ok())
            .take(max)
            .collect(),
    )
}
