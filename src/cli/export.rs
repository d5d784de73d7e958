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
        #[arg(long, default_value = "en", value_hint = clap::ValueHint::Other)]
        lang: String,
        /// Write to FILE instead of standard output (it holds health data in plain text)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// A de-identified export for research (the patient, or a holder of a research grant)
    #[command(after_help = "Writes DIR/entries.jsonl (one de-identified entry per line) and DIR/README.txt. \
Removed or changed: names, identifiers, addresses, phone numbers and e-mail addresses of the patient; the birth \
date (only the year is kept); entry ids (replaced by random ones); author names, organisations and fingerprints \
(only the author's country is kept); the original FHIR resources, narratives and attached files; free text \
(text, note, title and the text of coded terms) unless --keep-text; exact dates, shifted by one random number of \
days per export (intervals survive) or, with --dates year, cut to the year. Codes and values are kept. \
De-identification lowers the risk of re-identification; it does not remove it: rare conditions and small \
populations can still point to a person.")]
    Research {
        /// Directory to write (must not exist or be empty)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Keep free text (it may name people and places: only on explicit request)
        #[arg(long)]
        keep_text: bool,
        /// shift (default): move every date by one random offset; year: keep years only
        #[arg(long, default_value = "shift", value_parser = ["shift", "year"])]
        dates: String,
    },
    /// Everything you may read as a FHIR R4 collection Bundle (imported resources verbatim)
    Fhir {
        /// Write to FILE instead of standard output (it holds health data in plain text)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Says which entries an export left out, and why.
fn warn(left_out: &[crate::ops::export::LeftOut], out: &Out) {
    for l in left_out {
        out.info(&format!(
            "warning: entry {} was left out: it is not authentic ({}: {}); hrx verify names the commit",
            l.id, l.code, l.problem
        ));
    }
}

fn emit(done: &crate::ops::export::Exported, output: &Option<PathBuf>, out: &Out) -> Result<()> {
    warn(&done.left_out, out);
    let text = &done.document;
    match output {
        Some(p) => {
            crate::fsutil::write_private(p, text.as_bytes())?;
            if out.json {
                // The document is in the file: say what was written.
                let doc: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
                out.json(
                    "export",
                    &serde_json::json!({
                        "file": p,
                        "bytes": text.len(),
                        "resources": doc["entry"].as_array().map_or(0, |e| e.len()),
                        "left_out": done.left_out,
                    }),
                );
            } else {
                out.info(&format!("wrote {} (mode 0600)", p.display()));
            }
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
        ExportCommand::Research { out: dir, keep_text, dates } => {
            let done = crate::ops::export::research(ctx, dir, *keep_text, dates == "year")?;
            if out.json {
                out.json("research", &done);
            } else {
                out.line(&format!(
                    "wrote {} de-identified entries to {} (dates {})",
                    done.entries, done.dir, done.dates
                ));
            }
            warn(&done.left_out, out);
        }
    }
    Ok(super::exit::OK)
}
