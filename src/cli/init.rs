//! `hrx init`.

use std::path::PathBuf;

use super::output::Out;
use crate::error::Result;
use crate::ops::{Context, init};

/// Arguments of `hrx init`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory to create the record in [default: the -C directory or .]
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
