//! `hrx key`: generate, import, export, list.

use crate::crypto::Identity;
use crate::crypto::cert::{NewCert, generate as gen_cert, identity};
use crate::crypto::keystore::{Imported, KeyInfo};
use crate::error::Result;
use sequoia_openpgp::crypto::Password;

use super::Context;

/// Generates a key and stores it; returns who it is.
pub fn generate(ctx: &Context, new: &NewCert, password: Option<Password>) -> Result<Identity> {
    let cert = gen_cert(new, password, ctx.clock.now())?;
    ctx.keystore.store_secret(&cert)?;
    Ok(identity(&cert))
}

/// Lists the keystore.
pub fn list(ctx: &Context) -> Result<Vec<KeyInfo>> {
    ctx.keystore.list(ctx.clock.now())
}

/// Imports certificates and secret keys.
pub fn import(ctx: &Context, bytes: &[u8]) -> Result<Vec<Imported>> {
    ctx.keystore.import(bytes)
}

/// Exports a certificate (or secret key), armoured.
pub fn export(ctx: &Context, fpr: &str, secret: bool) -> Result<Vec<u8>> {
    let f = ctx.keystore.resolve(Some(fpr))?;
    ctx.keystore.export(&f, secret)
}
