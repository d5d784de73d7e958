//! `hrx export ips|fhir`.

use std::io::{IsTerminal, Write};
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
Removed or changed: names, identifiers, addresses, phone numbers and e-mail addresses of the patient, and the people to contact for the patient; the birth \
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
    /// A one-page emergency summary to print or show: allergies first, problems, medications, contacts
    #[command(after_help = "Who the patient is as recorded; allergies, the most critical first; active problems; \
current medications with their dose; immunisations; advance directives; emergency contacts; when it was made \
and what it leaves out. Section titles and coded terms are in --lang where hrx has a translation, and every \
code is shown (SNOMED CT, LOINC, ATC, ICD-10), so that a doctor who reads neither language can look it up. \
Written as text, as one HTML page (no scripts, nothing fetched) to print from a browser, or as a PDF \
(A4, its text in an embedded font: Latin, Greek and Cyrillic names print as recorded, and stay searchable).")]
    Summary {
        /// Language of titles and terms (en, de, fr, es, it)
        #[arg(long, default_value = "en", value_hint = clap::ValueHint::Other)]
        lang: String,
        /// Write to FILE (.txt, .html or .pdf) instead of standard output (it holds health data in plain text)
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// text, html or pdf [default: from the file's extension, else text]
        #[arg(long, value_parser = ["text", "html", "pdf"])]
        format: Option<String>,
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
                out.json(
                    "export",
                    &serde_json::json!({
                        "file": p,
                        "bytes": text.len(),
                        "resources": done.resources,
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
        ExportCommand::Summary { lang, output, format } => {
            let ext = output.as_ref().and_then(|p| p.extension()).and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            let form = match (format.as_deref(), ext.as_deref()) {
                (Some(f), _) => f.to_string(),
                (None, Some("html" | "htm")) => "html".into(),
                (None, Some("pdf")) => "pdf".into(),
                (None, Some("txt" | "text") | None) => "text".into(),
                (None, Some(other)) => {
                    return Err(Error::Usage(format!(
                        "-o: a summary is written as .txt, .html or .pdf, not .{other} (or say --format text|html|pdf)"
                    )));
                }
            };
            if form == "pdf" && output.is_none() && std::io::stdout().is_terminal() {
                return Err(Error::Usage(
                    "a PDF is not for the terminal: write it to a file with -o summary.pdf (or redirect standard output)"
                        .into(),
                ));
            }
            if let Some(p) = output {
                crate::fsutil::refuse_existing(p)?;
            }
            let (summary, left_out) = crate::ops::export::summary(ctx, lang)?;
            warn(&left_out, out);
            let text = match form.as_str() {
                "html" => summary.to_html().into_bytes(),
                "pdf" => summary.to_pdf(),
                _ => summary.to_text().into_bytes(),
            };
            match output {
                Some(p) => {
                    crate::fsutil::write_private(p, &text)?;
                    if out.json {
                        out.json("export", &serde_json::json!({ "file": p, "bytes": text.len(), "resources": 0, "left_out": left_out }));
                    } else {
                        out.info(&format!("wrote {} (mode 0600)", p.display()));
                    }
                }
                None => {
                    let mut o = std::io::stdout().lock();
                    o.write_all(&text).map_err(|e| Error::io("stdout", e))?;
                }
            }
        }
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
