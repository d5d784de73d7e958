//! `hrx bundle create|import`.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::sync::{bundle_create, bundle_import};

/// Bundle subcommands.
#[derive(Subcommand, Debug)]
pub enum BundleCommand {
    /// Write the record (or what is new since REF) to one file, e.g. on a USB stick
    Create {
        /// The bundle file to write
        file: PathBuf,
        /// Only what is new since this commit (the receiver must have it)
        #[arg(long, value_name = "REF")]
        since: Option<String>,
    },
    /// Verify a bundle and integrate it, like a sync
    Import {
        /// The bundle file
        file: PathBuf,
        /// Accept commits that arrive more than 7 days after their signer's grant ended
        #[arg(long)]
        accept_late: bool,
    },
}

/// Runs a bundle subcommand.
pub fn run(ctx: &mut Context, cmd: &BundleCommand, out: &Out) -> Result<i32> {
    match cmd {
        BundleCommand::Create { file, since } => {
            let done = bundle_create(ctx, file, since.as_deref())?;
            if out.json {
                out.json("bundle", &done);
            } else {
                out.line(&format!("wrote {} commits to {} (head {})", done.commits, done.file, &done.head[..12]));
            }
        }
        BundleCommand::Import { file, accept_late } => {
            let mut p = super::progress::Progress::new(out.quiet || out.json);
            let done = bundle_import(ctx, file, *accept_late, &mut |w, d, t| p.report(w, d, t))?;
            drop(p);
            if out.json {
                out.json("import", &done);
            } else {
                out.line(&done.describe());
            }
        }
    }
    Ok(super::exit::OK)
}
