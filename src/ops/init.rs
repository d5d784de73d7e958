//! `hrx init`: a new record whose root commit names the patient.

use std::path::Path;

use git2::Oid;
use sequoia_openpgp::serialize::SerializeInto;
use serde::Serialize;

use super::Context;
use crate::crypto::commit::parse_cert;
use crate::error::{Error, Result};
use crate::model::header::FORMAT;
use crate::model::{Fpr, Header, RepoPath};
use crate::repo::{Pin, Record};

/// What `init` made.
#[derive(Debug, Serialize)]
pub struct Initialised {
    /// Where.
    pub path: String,
    /// The root commit: the trust root, with the patient's certificate.
    pub root: String,
    /// The patient.
    pub patient: Fpr,
    /// The pseudonymous record id.
    pub record: String,
}

/// Creates a record in `dir` for `patient` (default: the caller's key),
/// signed by the patient's key.
pub fn init(ctx: &mut Context, dir: &Path, patient: Option<&str>) -> Result<Initialised> {
    let patient = match patient {
        Some(p) => ctx.keystore.resolve(Some(p))?,
        None => ctx.key_fpr()?,
    };
    // Check everything before touching the disk.
    // The secret is in the keystore or held by gpg-agent.
    let public = match ctx.keystore.in_agent(&patient) {
        true => ctx.keystore.cert(&patient)?,
        false => ctx.keystore.secret(&patient)?.strip_secret_key_material(),
    };
    let cert_bytes = public.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
    parse_cert(&cert_bytes).map_err(Error::Invalid)?;
    if dir.exists() && std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.next().is_some() {
        return Err(Error::State(format!("{} already exists and is not empty; choose a new directory", dir.display())));
    }
    let mut unlocked = ctx.keystore.unlock_at(&patient, ctx.passphrase.as_mut(), ctx.clock.now())?;
    let now = ctx.clock.now();
    let mut rid = [0u8; 16];
    sequoia_openpgp::crypto::random(&mut rid).map_err(|e| Error::crypto("random", e))?;
    let header = Header {
        format: FORMAT.into(),
        patient: patient.clone(),
        record: rid.iter().map(|b| format!("{b:02x}")).collect(),
        created: now,
    };
    let files = vec![
        (RepoPath::Header.to_path(), header.to_yaml().into_bytes()),
        (RepoPath::Key(patient.clone()).to_path(), cert_bytes),
    ];
    let rec = Record::create(dir)?;
    let root = (|| -> Result<Oid> {
        let root = rec.append(None, &files, "hrx: create record", &mut unlocked.signer, &unlocked.identity, now)?;
        let pin = Pin { root, patient: patient.clone() };
        super::device::pin(ctx, &rec, &pin)?;
        rec.refresh_worktree()?;
        let _ = super::cache::verified_head(&rec, Some(&pin), now, true, ctx.device_key().as_ref());
        // A new record in this place: what was here before is no more.
        super::device::mark_seen(ctx, dir, root, root, &patient, true);
        Ok(root)
    })();
    let root = match root {
        Ok(r) => r,
        Err(e) => {
            // Leave nothing half-made behind.
            let _ = std::fs::remove_dir_all(dir);
            return Err(e);
        }
    };
    Ok(Initialised { path: dir.display().to_string(), root: root.to_string(), patient, record: header.record })
}
