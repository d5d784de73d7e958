//! `hrx export ips|fhir`.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::output::Out;
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::ops::export::{fhir, ips};

/// Export subcommands.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// An International Patient Summary (FHIR R4 document Bundle) of everything you may read
    Ips {
        /// Display language of codes and narrative, where translations exist (en, de, fr, es, it, ...)
        #[arg(long, default_value = "en")]
        lang: String,
        /// Write to FILE instead of standard output (it holds health data in plain text)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Everything you may read as a FHIR R4 collection Bundle (imported resources verbatim)
    Fhir {
        /// Write to FILE instead of standard output (it holds health data in plain text)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

fn emit(text: &str, output: &Option<PathBuf>, out: &Out) -> Result<()> {
    match output {
        Some(p) => {
            crate::fsutil::write_private(p, text.as_bytes())?;
            out.info(&format!("wrote {} (mode 0600)", p.display()));
        }
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes()).and_then(|_| o.write_all(b"\n")).map_err(|e| Error::io("stdout", e))?;
        }
    }
    Ok(())
}

/// Runs an export subcommand.
pub fn run(ctx: &mut Context, cmd: &ExportCommand, out: &Out) -> Result<i32> {
    match cmd {
        ExportCommand::Ips { lang, output } => emit(&ips(ctx, lang)?, output, out)?,
        ExportCommand::Fhir { output } => emit(&fhir(ctx)?, output, out)?,
    }
    Ok(super::exit::OK)
}
