//! `hrx revoke`.

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::grant::revoke;

/// Arguments of `hrx revoke`.
#[derive(clap::Args, Debug)]
#[command(after_help = "From the revocation on, new entries are not encrypted to the grantee and its writes are \
refused. What it already read or copied cannot be taken back.")]
pub struct Args {
    /// A grant id, or a grantee's fingerprint (revokes all its grants)
    pub what: String,
}

/// Runs `hrx revoke`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let done = revoke(ctx, &a.what)?;
    if out.json {
        out.json("revoke", &done);
    } else {
        for g in &done.revoked {
            out.line(&format!("revoked {g}"));
        }
    }
    Ok(super::exit::OK)
}
