//! `hrx init`.

use std::path::PathBuf;

use super::output::Out;
use crate::error::Result;
use crate::ops::{Context, init};

/// Arguments of `hrx init`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory to create the record in [default: the -C directory or .]
    // Its own id: sharing the global -C's id ("dir") made clap fill both.
    #[arg(id = "record_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The patient's certificate fingerprint (a key in your keystore) [default: your key]
    #[arg(long, value_name = "FPR")]
    pub patient: Option<String>,
}

/// Runs `hrx init`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let dir = match &a.dir {
        Some(d) if d.is_absolute() => d.clone(),
        Some(d) => ctx.dir.join(d),
        None => ctx.dir.clone(),
    };
    // Absolute, so that the record is made where it was asked for
    // (git resolves a relative work tree against the repository again).
    let dir = std::path::absolute(&dir).map_err(|e| crate::Error::io(&dir, e))?;
    let done = init::init(ctx, &dir, a.patient.as_deref())?;
    if out.json {
        out.json("record", &done);
    } else {
        out.line(&format!("created record in {}", done.path));
        out.line(&format!("patient (trust root): {}", done.patient));
        out.line(&format!("root commit:          {}", done.root));
    }
    Ok(super::exit::OK)
}
