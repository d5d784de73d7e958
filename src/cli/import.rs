//! `hrx import fhir`.

use std::path::PathBuf;

use clap::Subcommand;

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::import::import_fhir;

/// Import subcommands.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import HL7 FHIR R4 JSON: Bundles (document/IPS, transaction, collection, searchset) or single resources
    #[command(after_help = "Every file becomes entries of the right kind and category in one signed commit. Each \
entry keeps every coding, the narrative, and the original resource JSON byte for byte (source.original). \
Re-importing the same resources adds nothing; the summary says what was imported, skipped as duplicate, \
folded into other entries (Medication, Composition; Practitioner, PractitionerRole and Organization as who \
performed, recorded or reported an entry: its `attributed` field, shown by hrx show and exported again) and not \
mapped. Goals, family history, clinical impressions, specimens and imaging studies become notes; questionnaire \
responses and Media documents. A resource whose values do not fit its \
entry (a code outside the code list, say) does not fail the file: it is kept whole, as a document holding the \
resource as received (application/fhir+json), and the summary names it and the field at fault.")]
    Fhir {
        /// FHIR JSON files
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Show what would be imported, and write nothing
        #[arg(long)]
        dry_run: bool,
        /// Language of displays when a file names none
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

/// Runs an import subcommand.
pub fn run(ctx: &mut Context, cmd: &ImportCommand, out: &Out) -> Result<i32> {
    match cmd {
        ImportCommand::Fhir { files, dry_run, lang } => {
            let done = import_fhir(ctx, files, *dry_run, lang)?;
            if out.json {
                out.json("import", &done);
                return Ok(super::exit::OK);
            }
            // Every line is one line: what the sender's file names (its
            // resource types, bundle type, references) is shown escaped.
            let say = |line: String| out.line(&crate::model::text::printable(&line));
            for f in &done.files {
                let kinds: Vec<String> = f.imported.iter().map(|(k, n)| format!("{n} {k}")).collect();
                say(format!(
                    "{} ({}): {} {}",
                    f.file,
                    f.bundle_type,
                    if done.dry_run { "would import" } else { "imported" },
                    if kinds.is_empty() { "nothing new".to_string() } else { kinds.join(", ") }
                ));
                if f.duplicates > 0 {
                    say(format!("  skipped as duplicate: {}", f.duplicates));
                }
                for (t, n) in &f.folded {
                    say(format!("  folded into other entries: {n} {t}"));
                }
                for (t, n) in &f.not_mapped {
                    say(format!("  not mapped: {n} {t}"));
                }
                for u in &f.unresolved {
                    say(format!("  unresolved reference: {u}"));
                }
                for l in &f.left_out {
                    say(format!("  left out (does not fit; the original keeps it): {l}"));
                }
                for m in &f.modifiers {
                    say(format!(
                        "  warning: a modifier extension hrx does not understand (it may change the meaning; kept and shown with the entry): {}",
                        m
                    ));
                }
                for k in &f.kept_whole {
                    say(format!("  kept as received (a document): {}: {}", k.resource, k.reason));
                }
                for k in &f.skipped {
                    say(format!("  skipped: {}: {}", k.resource, k.reason));
                }
            }
            if let Some(c) = &done.commit {
                out.info(&format!("{} entries in commit {}", done.entries, &c[..12]));
            }
        }
    }
    Ok(super::exit::OK)
}
