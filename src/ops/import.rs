//! `hrx import fhir`: FHIR R4 bundles and resources into entries, in one
//! signed commit. Re-importing the same resources adds nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use crate::model::Kind;

use super::Context;
use super::add::{commit_entries, prepare_each, prepare_each_fitted};
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
    /// Modifier extensions hrx does not understand (kept in the entry and
    /// shown with it): `resource: url (value)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<String>,
    /// Fields left out of entries because they did not fit (a value
    /// outside a code list): `resource: field: value (why)`. The entry's
    /// original keeps them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<String>,
    /// Resources that do not fit the entry they map to, kept whole as a
    /// document (the resource as received) instead, and why.
    pub kept_whole: Vec<KeptWhole>,
    /// Resources that could not be kept at all (too large even as
    /// received, or no readable resource in a bundle entry), and why: the
    /// rest of the file imports.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<KeptWhole>,
}

/// A resource kept as received because its mapping did not validate.
#[derive(Debug, Serialize)]
pub struct KeptWhole {
    /// `Type/id` of the resource.
    pub resource: String,
    /// The field at fault and what was wrong with it.
    pub reason: String,
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
    let me = ctx.key_fpr().ok();
    let views = log(ctx, &Filter::default())?;
    let mut known: HashSet<String> = views
        .iter()
        .filter_map(|e| e.record.as_ref()?.get("source")?.get("reference")?.as_str().map(str::to_string))
        .collect();
    // Only what this importer itself imported may be referred to: anyone
    // with a write grant can write an entry that says it came from FHIR.
    let held: Vec<serde_json::Value> = views
        .into_iter()
        .filter(|e| me.as_deref() == Some(e.author.fingerprint.as_str()))
        .filter_map(|e| e.record)
        .filter(|r| r.get("source").and_then(|s| s.get("system")).and_then(serde_json::Value::as_str) == Some("fhir"))
        .collect();
    // The resources earlier imports read (each entry's original, and those
    // folded into it), for references to them: made once, when an input
    // refers to something it does not hold.
    let mut earlier: Option<Vec<crate::fhir::bundle::Resource>> = None;
    let earlier_of = |held: &[serde_json::Value]| -> Vec<crate::fhir::bundle::Resource> {
        let mut out = vec![];
        for s in held.iter().filter_map(|r| r.get("source")) {
            if let (Some(o), Some(r)) = (s["original"].as_str(), s["reference"].as_str()) {
                out.extend(crate::fhir::bundle::earlier_resource(o, r));
            }
            for rel in s.get("related").and_then(serde_json::Value::as_array).into_iter().flatten() {
                if let (Some(o), Some(r)) = (rel["original"].as_str(), rel["reference"].as_str()) {
                    out.extend(crate::fhir::bundle::earlier_resource(o, r));
                }
            }
        }
        out
    };
    let mut summaries = vec![];
    let mut items = vec![];
    for f in files {
        let text = crate::fsutil::read_input_text(
            f,
            crate::fhir::bundle::MAX_BYTES as u64,
            "a FHIR file is at most 64 MiB: split a larger bundle",
        )?;
        let mut parsed = parse(&text).map_err(|e| Error::Invalid(format!("{}: {e}", f.display())))?;
        let mut mapping = map_all(&parsed, lang);
        if !mapping.unresolved.is_empty() && !held.is_empty() {
            parsed.add_earlier(earlier.get_or_insert_with(|| earlier_of(&held)).clone());
            mapping = map_all(&parsed, lang);
        }
        let mut s = FileSummary {
            file: f.display().to_string(),
            bundle_type: parsed.bundle_type.clone(),
            duplicates: parsed.duplicates.len(),
            not_mapped: mapping.not_mapped,
            folded: mapping.folded,
            unresolved: mapping.unresolved,
            modifiers: mapping.modifiers,
            // Entries of the bundle that hold no readable resource: named,
            // and the rest of the file imports.
            skipped: parsed
                .unreadable
                .iter()
                .map(|(at, why)| KeptWhole { resource: at.clone(), reason: why.clone() })
                .collect(),
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
    // Validate everything before writing anything. Each resource on its
    // own: one that does not fit its entry's schema (a value outside a
    // code list, say) is kept whole as a document, and named; it never
    // costs the patient the rest of the summary.
    let (kinds, places): (Vec<Item>, Vec<Place>) = items.into_iter().map(|(k, b, f, id)| ((k, b), (f, id))).unzip();
    let originals: Vec<(Kind, Option<Value>)> = kinds.iter().map(|(k, b)| (*k, kept_as_document(b))).collect();
    let mut entries = vec![];
    let mut fallbacks = vec![];
    for ((r, (file, id)), (kind, doc)) in prepare_each_fitted(ctx, kinds)?.into_iter().zip(places).zip(originals) {
        match (r, doc) {
            (Ok((e, left_out)), _) => {
                if let Some(s) = summaries.iter_mut().find(|s| s.file == file) {
                    s.left_out.extend(left_out.into_iter().map(|l| format!("{id}: {l}")));
                }
                entries.push(e)
            }
            (Err(why), Some(doc)) => {
                if let Some(s) = summaries.iter_mut().find(|s| s.file == file) {
                    s.kept_whole.push(KeptWhole { resource: id.clone(), reason: one_line(&why) });
                    if let Some(n) = s.imported.get_mut(kind.name()) {
                        *n -= 1;
                    }
                    s.imported.retain(|_, n| *n > 0);
                    *s.imported.entry(Kind::Document.name().to_string()).or_default() += 1;
                }
                fallbacks.push((doc, file, id));
            }
            // A statement of an empty section has no original to keep:
            // skipped with the reason, never the file for it.
            (Err(why), None) => {
                let Some(s) = summaries.iter_mut().find(|s| s.file == file) else {
                    return Err(Error::Invalid(format!("{file}: {id} does not map to a valid entry: {why}")));
                };
                if let Some(n) = s.imported.get_mut(kind.name()) {
                    *n -= 1;
                }
                s.imported.retain(|_, n| *n > 0);
                s.skipped.push(KeptWhole { resource: id.clone(), reason: one_line(&why) });
            }
        }
    }
    let (docs, places): (Vec<Item>, Vec<Place>) =
        fallbacks.into_iter().map(|(d, f, id)| ((Kind::Document, d), (f, id))).unzip();
    for (r, (file, id)) in prepare_each(ctx, docs)?.into_iter().zip(places) {
        match r {
            Ok(e) => entries.push(e),
            // Never the bundle for one resource: said, and left out.
            Err(why) => {
                let Some(s) = summaries.iter_mut().find(|s| s.file == file) else {
                    return Err(Error::Invalid(format!("{file}: {id} cannot be kept even as received: {why}")));
                };
                s.kept_whole.retain(|k| k.resource != id);
                if let Some(n) = s.imported.get_mut(Kind::Document.name()) {
                    *n -= 1;
                }
                s.imported.retain(|_, n| *n > 0);
                s.skipped.push(KeptWhole { resource: id, reason: one_line(&why) });
            }
        }
    }
    let n = entries.len();
    if dry_run || entries.is_empty() {
        return Ok(Imported { files: summaries, commit: None, dry_run, entries: if dry_run { n } else { 0 } });
    }
    let added = commit_entries(ctx, &rec, entries, "hrx: import")?;
    Ok(Imported { files: summaries, commit: added.first().map(|a| a.commit.clone()), dry_run, entries: added.len() })
}

/// An entry to build: its kind and body.
type Item = (Kind, Value);
/// Where a resource came from: file and `Type/id`.
type Place = (String, String);

/// A mapped resource as a document entry holding the resource as
/// received (`application/fhir+json`), with the same `source` (so that a
/// re-import still knows it); `None` when the mapping kept no original.
fn kept_as_document(body: &Value) -> Option<Value> {
    let source = body.get("source")?;
    let original = source.get("original")?.as_str()?;
    let reference = source.get("reference")?.as_str()?;
    let kind = reference.split('/').next().unwrap_or("resource");
    let sha = crate::crypto::sha256_hex(original.as_bytes()).ok()?;
    let mut doc = serde_json::json!({
        "title": format!("FHIR {kind} as received (it did not fit hrx's entry)"),
        "attachment": crate::model::attachment::attachment(&format!("{kind}.json"), "application/fhir+json", original.as_bytes(), &sha),
        "source": {"system": "fhir", "reference": reference},
    });
    if let Some(l) = body.get("language") {
        doc["language"] = l.clone();
    }
    Some(doc)
}

/// A validation message (a heading and one line per field) on one line.
fn one_line(s: &str) -> String {
    s.lines().map(|l| l.trim().trim_start_matches("- ")).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}
