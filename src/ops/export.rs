//! `hrx export fhir` and `hrx export ips`: what the caller may read, as
//! FHIR R4.

use base64::Engine;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::read::{Filter, log};
use super::{Context, verified};
use crate::error::{Error, Result};
use crate::fhir::export::{ips as build_ips, resource};
use crate::model::Reason;
use crate::model::entry::EnteredBy;
use crate::model::{Category, Entry, Kind};

/// Fresh `urn:uuid:` ids (version 4) for one export. The system's random
/// generator is asked once, for a 256-bit seed (a generator that fails is
/// an error, never a predictable id); each id is then the first 16 bytes
/// of SHA-256(seed, counter): unpredictable to others and never repeated.
struct Uuids {
    seed: [u8; 32],
    next: u64,
}

impl Uuids {
    fn new() -> Result<Self> {
        let mut seed = [0u8; 32];
        sequoia_openpgp::crypto::random(&mut seed).map_err(|e| Error::crypto("drawing random ids", e))?;
        Ok(Uuids { seed, next: 0 })
    }

    /// The next id, as `urn:uuid:...`.
    fn urn(&mut self) -> String {
        self.id().urn().to_string()
    }

    /// The next id, bare (a resource's `id`).
    fn bare(&mut self) -> String {
        self.id().hyphenated().to_string()
    }

    fn id(&mut self) -> uuid::Uuid {
        use sha2::Digest;
        let h = sha2::Sha256::new().chain_update(self.seed).chain_update(self.next.to_be_bytes()).finalize();
        self.next += 1;
        let mut b = [0u8; 16];
        b.copy_from_slice(&h[..16]);
        uuid::Builder::from_random_bytes(b).into_uuid()
    }
}

/// An entry an export left out because it is not authentic.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LeftOut {
    /// The entry.
    pub id: String,
    /// The reason code (as `hrx verify` gives it).
    pub code: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

/// An exported document and the entries it left out.
#[derive(Debug)]
pub struct Exported {
    /// The document (JSON).
    pub document: String,
    /// How many resources its Bundle holds.
    pub resources: usize,
    /// Entries the caller could read that were not authentic (forged,
    /// filed where their content says otherwise, not signed by their
    /// committer): never exported.
    pub left_out: Vec<LeftOut>,
}

/// What the caller can read and is authentic; an entry with any problem is
/// left out (a forged medication must never reach a summary), and listed.
/// Entries to export, each with who entered it.
type Exportable = Vec<(Entry, EnteredBy)>;

/// Which entries an export takes: all the caller reads, or only those of
/// some categories.
#[derive(Debug, Clone, Copy)]
enum Only<'a> {
    All,
    /// These categories, and who the patient is (the patient's own
    /// narrowed summary still says whose it is).
    AndPatient(&'a [Category]),
    /// These categories and nothing else (what a grantee may share).
    Just(&'a [Category]),
}

impl Only<'_> {
    fn takes(&self, e: &Entry) -> bool {
        match self {
            Only::All => true,
            Only::AndPatient(c) => e.kind == Kind::Patient || c.contains(&e.category),
            Only::Just(c) => c.contains(&e.category),
        }
    }
}

fn readable(ctx: &mut Context, only: Only) -> Result<(Exportable, Vec<LeftOut>)> {
    let (good, left_out, _) = readable_counted(ctx, only)?;
    Ok((good, left_out))
}

/// [`readable`], and how many entries the caller may not open.
fn readable_counted(ctx: &mut Context, only: Only) -> Result<(Exportable, Vec<LeftOut>, usize)> {
    let mut good = vec![];
    let mut left_out = vec![];
    let mut unreadable = 0;
    for v in log(ctx, &Filter::default())? {
        if let Some(e) = &v.entry
            && !only.takes(e)
        {
            continue;
        }
        if let Some(why) = &v.void {
            left_out.push(LeftOut { id: v.id.clone(), code: "void", problem: format!("the entry is void: {why}") });
            continue;
        }
        match (v.entry, v.problems.first()) {
            (Some(e), None) => good.push((e, v.entered_by.unwrap_or(EnteredBy::Clinician))),
            (_, Some(p)) => left_out.push(LeftOut {
                id: v.id.clone(),
                code: v.problem_code.unwrap_or(Reason::InnerSignature).as_str(),
                problem: p.clone(),
            }),
            (None, None) => unreadable += 1,
        }
    }
    Ok((good, left_out, unreadable))
}

/// The printable emergency summary of what the caller may read, in `lang`
/// (see [`crate::model::summary`]), and the entries it left out as not
/// authentic.
pub fn summary(ctx: &mut Context, lang: &str) -> Result<(crate::model::summary::Summary, Vec<LeftOut>)> {
    check_lang(lang)?;
    let rec = ctx.record()?;
    verified(ctx, &rec)?;
    let (entries, left_out, unreadable) = readable_counted(ctx, Only::All)?;
    let who = ctx.keystore.cert(&ctx.key_fpr()?).ok().map(|c| crate::crypto::cert::identity(&c).name);
    let entries: Vec<Entry> = entries.into_iter().map(|(e, _)| e).collect();
    let s = crate::model::summary::build(
        &entries,
        lang,
        ctx.clock.now(),
        &who.unwrap_or_else(|| "?".into()),
        left_out.len(),
        unreadable,
    );
    Ok((s, left_out))
}

/// Checks a `--lang` value: a two- or three-letter language code.
pub fn check_lang(lang: &str) -> Result<()> {
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(Error::Usage(format!("--lang {lang:?} is not a language code (e.g. en, de, es)")));
    }
    Ok(())
}

/// An International Patient Summary of everything the caller may read, in `lang`.
pub fn ips(ctx: &mut Context, lang: &str) -> Result<Exported> {
    ips_of(ctx, lang, None)
}

/// [`ips`] of the entries in `only` categories, if given. Who the patient
/// is goes with the patient's own narrowed summary; with another's only if
/// `only` holds its category (a grantee shares what a grant in force lets
/// it read now, and nothing it could read once).
pub fn ips_of(ctx: &mut Context, lang: &str, only: Option<&[Category]>) -> Result<Exported> {
    check_lang(lang)?;
    let rec = ctx.record()?;
    let v = verified(ctx, &rec)?;
    let only = match only {
        None => Only::All,
        Some(c) if ctx.key_fpr().is_ok_and(|me| me == v.policy.patient) => Only::AndPatient(c),
        Some(c) => Only::Just(c),
    };
    let (entries, left_out) = readable(ctx, only)?;
    let mut ids = Uuids::new()?;
    let bundle = build_ips(&entries, lang, ctx.clock.now(), &v.header.record, &mut || ids.urn());
    let resources = bundle["entry"].as_array().map_or(0, |e| e.len());
    Ok(Exported { document: serde_json::to_string_pretty(&bundle).expect("json"), resources, left_out })
}

/// A `collection` Bundle of everything the caller may read. Entries imported
/// from FHIR carry their original resource, written out byte for byte;
/// others are mapped to the closest FHIR resource (notes become
/// DocumentReferences with a text/plain attachment).
pub fn fhir(ctx: &mut Context) -> Result<Exported> {
    let (entries, left_out) = readable(ctx, Only::All)?;
    let mut ids = Uuids::new()?;
    let patient = entries
        .iter()
        .rfind(|(e, _)| e.kind == Kind::Patient)
        .and_then(|(e, _)| {
            e.record.get("source").and_then(|s| s.get("reference")).and_then(Value::as_str).map(str::to_string)
        })
        .unwrap_or_else(|| ids.urn());
    #[derive(serde::Serialize)]
    struct Item {
        /// Absent for a resource folded in that its bundle gave no
        /// fullUrl: a relative one (`Medication/m1`) is not a fullUrl.
        #[serde(rename = "fullUrl", skip_serializing_if = "String::is_empty")]
        full_url: String,
        resource: Box<RawValue>,
    }
    let mut folded = std::collections::HashSet::new();
    let mut items = vec![];
    let mut parties = crate::fhir::export::Parties::default();
    for (e, by) in &entries {
        let src = e.record.get("source");
        if let Some(orig) = src.and_then(|s| s.get("original")).and_then(Value::as_str) {
            let full = src
                .and_then(|s| s.get("reference"))
                .and_then(Value::as_str)
                .filter(|r| r.starts_with("urn:"))
                .map(str::to_string)
                .unwrap_or_else(|| ids.urn());
            let raw = RawValue::from_string(orig.to_string())
                .map_err(|e| Error::Invalid(format!("stored original is not JSON: {e}")))?;
            items.push(Item { full_url: full, resource: raw });
            // Resources folded into this one, under the reference the original uses.
            for rel in src.and_then(|s| s.get("related")).and_then(Value::as_array).into_iter().flatten() {
                let (Some(r), Some(o)) = (rel["reference"].as_str(), rel["original"].as_str()) else { continue };
                if !folded.insert(r.to_string()) || items.iter().any(|i| i.full_url == r) {
                    continue;
                }
                let raw = RawValue::from_string(o.to_string())
                    .map_err(|e| Error::Invalid(format!("stored original is not JSON: {e}")))?;
                // Referred to as it was in its bundle; a relative reference
                // finds it by its type and id.
                let full_url = if is_absolute(r) { r.to_string() } else { String::new() };
                items.push(Item { full_url, resource: raw });
            }
            continue;
        }
        if e.record.get("status").and_then(Value::as_str) == Some("section-empty") {
            continue; // a statement about a source document, not a resource
        }
        let id = ids.urn();
        let mapped = resource(e, *by, &id, &patient, "en", &mut || ids.urn(), &mut parties)
            .map(|(rs, _)| rs)
            .unwrap_or_else(|| vec![(id.clone(), note_or_document(e, &id, &patient))]);
        for (u, r) in mapped {
            items.push(Item {
                full_url: u,
                resource: RawValue::from_string(serde_json::to_string(&r).expect("json")).expect("json"),
            });
        }
    }
    // The practitioners and organisations the mapped resources name.
    for (u, r) in parties.resources {
        items.push(Item {
            full_url: u,
            resource: RawValue::from_string(serde_json::to_string(&r).expect("json")).expect("json"),
        });
    }
    #[derive(serde::Serialize)]
    struct Bundle {
        #[serde(rename = "resourceType")]
        resource_type: &'static str,
        id: String,
        #[serde(rename = "type")]
        kind: &'static str,
        timestamp: String,
        entry: Vec<Item>,
    }
    let b = Bundle {
        resource_type: "Bundle",
        id: ids.bare(),
        kind: "collection",
        timestamp: ctx.clock.now().to_rfc3339(),
        entry: items,
    };
    let resources = b.entry.len();
    Ok(Exported { document: serde_json::to_string_pretty(&b).expect("json"), resources, left_out })
}

/// Whether `r` can be a bundle entry's fullUrl: an absolute URL or a URN
/// (`urn:uuid:`, `urn:oid:`), not `Type/id`.
fn is_absolute(r: &str) -> bool {
    r.starts_with("urn:uuid:") || r.starts_with("urn:oid:") || r.starts_with("https://") || r.starts_with("http://")
}

fn note_or_document(e: &Entry, id: &str, patient: &str) -> Value {
    let r = &e.record;
    let att = match e.kind {
        Kind::Document => {
            let a = &r["attachment"];
            let mut o = json!({"contentType": a["content_type"]});
            for (f, t) in [("data", "data"), ("url", "url"), ("filename", "title")] {
                if let Some(v) = a.get(f) {
                    o[t] = v.clone();
                }
            }
            o
        }
        _ => {
            let text = r.get("text").and_then(Value::as_str).unwrap_or("");
            json!({"contentType": "text/plain", "data": base64::engine::general_purpose::STANDARD.encode(text), "title": r.get("title").and_then(Value::as_str).unwrap_or("Note")})
        }
    };
    json!({
        "resourceType": "DocumentReference",
        "id": id.trim_start_matches("urn:uuid:"),
        "status": "current",
        "subject": {"reference": patient},
        "date": e.recorded_at.to_rfc3339(),
        "content": [{"attachment": att}],
    })
}

/// What `export research` wrote.
#[derive(Debug, serde::Serialize)]
pub struct Research {
    /// The directory.
    pub dir: String,
    /// Entries exported.
    pub entries: usize,
    /// `shifted` or `year`.
    pub dates: &'static str,
    /// Entries left out because they are not authentic.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOut>,
}

/// A de-identified export of what the caller may read, for research: the
/// patient, or the holder of a research grant in force, may make one.
pub fn research(ctx: &mut Context, out: &std::path::Path, keep_text: bool, year_only: bool) -> Result<Research> {
    use crate::model::deidentify::{Dates, REMOVED, deidentify};
    let rec = ctx.record()?;
    let v = verified(ctx, &rec)?;
    let me = ctx.key_fpr()?;
    let now = ctx.clock.now();
    let allowed = me == v.policy.patient
        || v.policy.active_grants(&me, now).any(|g| g.grant.purpose == crate::model::Purpose::Research);
    if !allowed {
        return Err(Error::Denied(format!("a research export needs a research grant in force for your key {me}")));
    }
    if out.exists() && std::fs::read_dir(out).map_err(|e| Error::io(out, e))?.next().is_some() {
        return Err(Error::State(format!("{} exists and is not empty; choose a new directory", out.display())));
    }
    let dates = if year_only {
        Dates::Year
    } else {
        // One random offset per export, up to a year either way, never zero.
        let mut b = [0u8; 2];
        sequoia_openpgp::crypto::random(&mut b).map_err(|e| Error::crypto("random", e))?;
        let d = (u16::from_le_bytes(b) % 730) as i64 - 365;
        Dates::Shift(if d == 0 { 1 } else { d })
    };
    let (entries, left_out) = readable(ctx, Only::All)?;
    let mut ids = Uuids::new()?;
    let mut lines = String::new();
    for (e, _) in &entries {
        let mut d = deidentify(&e.record, dates, keep_text);
        // A fresh random id: the entry's own id would reveal when it was written.
        d["ref"] = json!(ids.bare());
        lines.push_str(&serde_json::to_string(&d).expect("json"));
        lines.push('\n');
    }
    crate::fsutil::private_dir(out)?;
    crate::fsutil::write_private(&out.join("entries.jsonl"), lines.as_bytes())?;
    let mut readme = String::from(
        "De-identified export of one hrx record, one JSON object per line in entries.jsonl.\n\nRemoved or changed:\n",
    );
    for r in REMOVED {
        readme.push_str(&format!("- {r}\n"));
    }
    readme.push_str(if year_only {
        "\nDates here are years only.\n"
    } else {
        "\nDates here are shifted by a random number of days, the same for every date in this export.\n"
    });
    crate::fsutil::write_private(&out.join("README.txt"), readme.as_bytes())?;
    Ok(Research {
        dir: out.display().to_string(),
        entries: entries.len(),
        dates: if year_only { "year" } else { "shifted" },
        left_out,
    })
}

#[cfg(test)]
mod tests {
    use super::Uuids;

    #[test]
    fn export_ids_are_version_4_urns_and_never_repeat() {
        let (mut a, mut b) = (Uuids::new().unwrap(), Uuids::new().unwrap());
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            for u in [a.urn(), b.urn()] {
                let id = uuid::Uuid::parse_str(u.strip_prefix("urn:uuid:").unwrap()).unwrap();
                assert_eq!(id.get_version_num(), 4, "{u}");
                assert_eq!(id.get_variant(), uuid::Variant::RFC4122, "{u}");
                assert!(seen.insert(id), "{u} repeated");
            }
        }
        let bare = a.bare();
        assert_eq!(bare.len(), 36);
        assert!(uuid::Uuid::parse_str(&bare).is_ok() && !bare.starts_with("urn:"));
    }
}
