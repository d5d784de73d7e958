//! `hrx import fhir`: FHIR R4 bundles and resources into entries, in one
//! signed commit. Re-importing the same resources adds nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use super::Context;
use super::add::{commit_entries, prepare};
use super::read::{Filter, log};
use crate::error::{Error, Result};
use crate::fhir::{map_all, parse};

/// What importing one file did (or would do, with --dry-run).
#[derive(Debug, Serialize, Default)]
pub struct FileSummary {
    /// The file.
    pub file: String,
    /// `document`, `transaction`, `collection`, ..., or `resource`.
    pub bundle_type: String,
    /// Entries imported, by kind.
    pub imported: BTreeMap<String, usize>,
    /// Resources skipped because the record (or the file) has them already.
    pub duplicates: usize,
    /// Resources of types hrx does not map, by type.
    pub not_mapped: BTreeMap<String, usize>,
    /// Resources folded into the entries that refer to them, by type.
    pub folded: BTreeMap<String, usize>,
    /// References that point nowhere in the file.
    pub unresolved: Vec<String>,
}

/// What `import` did.
#[derive(Debug, Serialize)]
pub struct Imported {
    /// Per file.
    pub files: Vec<FileSummary>,
    /// The commit, unless nothing was new or it was a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Entries added.
    pub entries: usize,
}

/// Imports FHIR files. `lang` is the display language assumed when a file
/// names none.
pub fn import_fhir(ctx: &mut Context, files: &[PathBuf], dry_run: bool, lang: &str) -> Result<Imported> {
    let rec = ctx.record()?;
    // What this record already holds, by FHIR identity (from the entries the
    // importer can read, which include everything it imported before).
    let mut known: HashSet<String> = log(ctx, &Filter::default())?
        .into_iter()
        .filter_map(|e| e.record?.get("source")?.get("reference")?.as_str().map(str::to_string))
        .collect();
    let mut summaries = vec![];
    let mut items = vec![];
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
        let parsed = parse(&text).map_err(|e| Error::Invalid(format!("{}: {e}", f.display())))?;
        let mapping = map_all(&parsed, lang);
        let mut s = FileSummary {
            file: f.display().to_string(),
            bundle_type: parsed.bundle_type.clone(),
            duplicates: parsed.duplicates.len(),
            not_mapped: mapping.not_mapped,
            folded: mapping.folded,
            unresolved: mapping.unresolved,
            ..Default::default()
        };
        for m in mapping.entries {
            if !known.insert(m.identity.clone()) {
                s.duplicates += 1;
                continue;
            }
            *s.imported.entry(m.kind.name().to_string()).or_default() += 1;
            items.push((m.kind, m.body, f.display().to_string(), m.identity));
        }
        summaries.push(s);
    }
    // Validate everything before writing anything.
    let where_: Vec<String> = items.iter().map(|(_, _, f, id)| format!("{f}: {id}")).collect();
    let entries = prepare(ctx, items.into_iter().map(|(k, b, _, _)| (k, b)).collect()).map_err(|e| match e {
        Error::Invalid(m) => {
            Error::Invalid(format!("a resource does not map to a valid entry ({}): {m}", where_.join(", ")))
        }
        other => other,
    })?;
    let n = entries.len();
    if dry_run || entries.is_empty() {
        return Ok(Imported { files: summaries, commit: None, dry_run, entries: if dry_run { n } else { 0 } });
    }
    let added = commit_entries(ctx, &rec, entries, "hrx: import")?;
    Ok(Imported { files: summaries, commit: added.first().map(|a| a.commit.clone()), dry_run, entries: added.len() })
}
