//! `hrx show ID`.

use super::output::Out;
use crate::crypto::message::SignatureStatus;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::read::show;

/// Arguments of `hrx show`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entry id (or a unique prefix)
    pub id: String,
}

/// Runs `hrx show`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let v = show(ctx, &a.id)?;
    if out.json {
        out.json("entry", &v);
        return Ok(super::exit::OK);
    }
    out.line(&format!("entry:      {}", v.id));
    out.line(&format!("recorded:   {}", v.date.to_rfc3339()));
    out.line(&format!("category:   {}", v.category));
    out.line(&format!(
        "committed:  {} by {} ({})",
        &v.commit[..12],
        v.author.name,
        v.author.fingerprint
    ));
    out.line(&format!(
        "encrypted to key ids: {}",
        v.recipients.join(", ")
    ));
    match &v.signature {
        Some(SignatureStatus::Good { signer, time }) => out.line(&format!(
            "signature:  good, by {signer} at {}",
            time.to_rfc3339()
        )),
        Some(other) => out.line(&format!("signature:  NOT GOOD: {other:?}")),
        None => {}
    }
    for p in &v.problems {
        out.line(&format!("WARNING:    {p}"));
    }
    match &v.entry {
        Some(e) => {
            out.line("---");
            out.line(e.to_yaml().trim_end());
        }
        None => out.line("(not readable with your keys: it is not encrypted to you)"),
    }
    Ok(super::exit::OK)
}
