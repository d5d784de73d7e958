//! Mapping FHIR R4 resources to hrx entries: every coding is kept (system,
//! code, display), the narrative and the original resource JSON too.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::bundle::{Parsed, Resource};
use crate::model::Kind;

/// Resource types that become entries of their own.
pub const MAPPED: &[&str] = &[
    "Patient",
    "AllergyIntolerance",
    "Condition",
    "MedicationStatement",
    "MedicationRequest",
    "Immunization",
    "Observation",
    "Procedure",
    "Encounter",
    "DiagnosticReport",
    "DocumentReference",
    "Device",
    "DeviceUseStatement",
    "Consent",
    "Flag",
    "CarePlan",
];

/// Resource types folded into the entries that refer to them.
pub const FOLDED: &[&str] = &["Medication", "Composition", "Practitioner", "PractitionerRole", "Organization"];

/// One resource mapped to an entry body (without the fields hrx fills in).
#[derive(Debug, Clone)]
pub struct Mapped {
    /// The entry kind.
    pub kind: Kind,
    /// The entry's fields.
    pub body: Value,
    /// The resource identity (`source.reference`), for re-imports.
    pub identity: String,
}

/// What a whole input maps to.
#[derive(Debug, Default)]
pub struct Mapping {
    /// The entries.
    pub entries: Vec<Mapped>,
    /// Resources of types hrx does not map, by type.
    pub not_mapped: BTreeMap<String, usize>,
    /// Resources folded into others (Medication, Composition), by type.
    pub folded: BTreeMap<String, usize>,
    /// References that point nowhere in the input.
    pub unresolved: Vec<String>,
    /// Modifier extensions hrx does not understand, as `resource: url
    /// (value)`: they can change what a resource means (a medication
    /// "definitively stopped"), so they are carried in the entry and shown.
    pub modifiers: Vec<String>,
}

/// Every `modifierExtension` in `v` (at any depth, contained resources
/// included), as `{url, at, value}`: where it sits and its value as text.
/// hrx understands none of them, so each is surfaced: dropping one could
/// turn "stopped" into "taking".
fn modifier_extensions(v: &Value, at: &str, out: &mut Vec<Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                if k == "modifierExtension" {
                    for ext in x.as_array().into_iter().flatten() {
                        let url = ext.get("url").and_then(Value::as_str).unwrap_or("(no url)");
                        let mut o = Map::new();
                        o.insert("url".into(), json!(url));
                        o.insert("at".into(), json!(at));
                        if let Some(t) = extension_value(ext) {
                            o.insert("value".into(), json!(t));
                        }
                        out.push(Value::Object(o));
                    }
                } else {
                    modifier_extensions(x, &here, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                modifier_extensions(x, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// An extension's `value[x]` as short text: a string, code, number or
/// boolean as written, a CodeableConcept or Coding by its display (or code).
fn extension_value(ext: &Value) -> Option<String> {
    let (_, v) = ext.as_object()?.iter().find(|(k, _)| k.starts_with("value"))?;
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Object(o) => {
            let coding = o.get("coding").and_then(Value::as_array).and_then(|a| a.first()).or(Some(v));
            o.get("text")
                .or_else(|| coding.and_then(|c| c.get("display")))
                .or_else(|| coding.and_then(|c| c.get("code")))
                .and_then(Value::as_str)?
                .to_string()
        }
        _ => return None,
    };
    Some(text.chars().take(200).collect())
}

/// The short hrx name of a FHIR code system URI, or the URI itself.
pub fn system(uri: &str) -> String {
    match uri {
        "http://snomed.info/sct" => "snomed",
        "http://loinc.org" => "loinc",
        "http://www.whocc.no/atc" | "urn:oid:2.16.840.1.113883.6.73" => "atc",
        "http://hl7.org/fhir/sid/icd-10" | "urn:oid:2.16.840.1.113883.6.3" => "icd10",
        "http://unitsofmeasure.org" => "ucum",
        "http://standardterms.edqm.eu" | "urn:oid:0.4.0.127.0.16.1.1.2.1" => "edqm",
        "http://hl7.org/fhir/sid/cvx" => "cvx",
        "http://www.nlm.nih.gov/research/umls/rxnorm" => "rxnorm",
        "http://fdasis.nlm.nih.gov" => "unii",
        u if u.starts_with("http://") || u.starts_with("https://") || u.starts_with("urn:") => u,
        _ => return format!("urn:hrx:system:{}", uri.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "-")),
    }
    .to_string()
}

struct Ctx<'a> {
    parsed: &'a Parsed,
    lang: String,
    unresolved: Vec<String>,
}

impl Ctx<'_> {
    fn coding(&self, c: &Value) -> Option<Value> {
        let code = c.get("code").and_then(Value::as_str)?;
        let sys =
            c.get("system").and_then(Value::as_str).map(system).unwrap_or_else(|| "urn:hrx:system:unknown".into());
        let mut out = json!({"system": sys, "code": code});
        if let Some(d) = c.get("display").and_then(Value::as_str).filter(|d| !d.is_empty()) {
            out["display"] = json!({ &self.lang: d });
        }
        if let Some(v) = c.get("version").and_then(Value::as_str) {
            out["version"] = json!(v);
        }
        if let Some(u) = c.get("userSelected").and_then(Value::as_bool) {
            out["user_selected"] = json!(u);
        }
        Some(out)
    }

    /// A CodeableConcept as an hrx concept (None if it carries nothing).
    fn concept(&self, cc: Option<&Value>) -> Option<Value> {
        let cc = cc?;
        let codings: Vec<Value> = cc
            .get("coding")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|c| self.coding(c)).collect())
            .unwrap_or_default();
        let text = cc.get("text").and_then(Value::as_str).filter(|t| !t.is_empty());
        match (codings.len(), text) {
            (0, None) => None,
            (1, None) => codings.into_iter().next(),
            (0, Some(t)) => Some(json!({"text": t})),
            (_, t) => {
                let mut o = json!({"coding": codings});
                if let Some(t) = t {
                    o["text"] = json!(t);
                }
                Some(o)
            }
        }
    }

    /// An array of CodeableConcepts as one concept holding every coding (and
    /// the first text), so that no coding is lost.
    fn first_concept(&self, v: Option<&Value>) -> Option<Value> {
        match v? {
            Value::Array(a) if a.len() > 1 => {
                let codings: Vec<Value> = a
                    .iter()
                    .flat_map(|x| x.get("coding").and_then(Value::as_array).cloned().unwrap_or_default())
                    .collect();
                let text = a.iter().find_map(|x| x.get("text").and_then(Value::as_str));
                let mut merged = json!({"coding": codings});
                if let Some(t) = text {
                    merged["text"] = json!(t);
                }
                self.concept(Some(&merged))
            }
            Value::Array(a) => a.first().and_then(|x| self.concept(Some(x))),
            other => self.concept(Some(other)),
        }
    }

    fn resolve(&mut self, from: &Resource, reference: Option<&Value>) -> Option<&Resource> {
        let reference = reference?;
        let found = self.parsed.resolve_reference(from, reference);
        if found.is_none() {
            let r = match reference.get("reference").and_then(Value::as_str) {
                Some(r) => r.to_string(),
                None => match reference.get("identifier") {
                    Some(i) => format!(
                        "identifier {}|{}",
                        i.get("system").and_then(Value::as_str).unwrap_or(""),
                        i.get("value").and_then(Value::as_str).unwrap_or("")
                    ),
                    None => return None,
                },
            };
            self.unresolved.push(format!("{} -> {r}", from.identity()));
        }
        found
    }
}

fn quantity(q: &Value) -> Option<Value> {
    let v = q.get("value")?.as_f64()?;
    let mut o = json!({"value": v});
    if let Some(u) = q.get("code").or_else(|| q.get("unit")).and_then(Value::as_str) {
        o["unit"] = json!(u);
    }
    if let Some(c) = q.get("comparator").and_then(Value::as_str) {
        o["comparator"] = json!(c);
    }
    Some(o)
}

/// When what a resource records happened, as FHIR gives it (with its
/// precision: a year stays a year): the clinical times first (effective,
/// onset, occurrence, performed, as a date-time, instant or period; a
/// period), then when it was issued, authored, asserted or recorded. A
/// date that does not exist is passed over (the original keeps it), never
/// a reason to lose the resource.
fn effective(r: &Value) -> Option<Value> {
    let point = |k: &str| r.get(k).and_then(Value::as_str).map(|d| json!(d));
    let period = |k: &str| {
        let p = r.get(k)?;
        let mut o = Map::new();
        for e in ["start", "end"] {
            if let Some(d) = p.get(e).and_then(Value::as_str) {
                o.insert(e.into(), json!(d));
            }
        }
        (!o.is_empty()).then_some(Value::Object(o))
    };
    let mut found = vec![];
    for base in ["effective", "onset", "occurrence", "performed"] {
        found.push(point(&format!("{base}DateTime")));
        found.push(point(&format!("{base}Instant")));
        found.push(period(&format!("{base}Period")));
    }
    found.push(period("period"));
    found.push(period("createdPeriod"));
    // A specimen's time is when it was collected.
    if let Some(col) = r.get("collection") {
        found.push(col.get("collectedDateTime").and_then(Value::as_str).map(|d| json!(d)));
    }
    for k in [
        "started",
        "authored",
        "createdDateTime",
        "startDate",
        "issued",
        "authoredOn",
        "dateAsserted",
        "recordedDate",
        "date",
        "birthDate",
    ] {
        found.push(point(k));
    }
    found.into_iter().flatten().find(|v| crate::model::ClinicalTime::parse(v).is_ok())
}

/// A status code as FHIR gives it (a code, or a CodeableConcept's first
/// code), normalised: FHIR's status codes are lower case, and "REFUTED" or
/// " Active" from a lax system means the same (the original keeps it).
fn status_code(r: &Value, field: &str) -> Option<String> {
    let code = match r.get(field)? {
        Value::String(s) => s.clone(),
        cc => cc.get("coding")?.as_array()?.iter().find_map(|c| c.get("code")?.as_str().map(str::to_string))?,
    };
    Some(code.trim().to_lowercase())
}

fn narrative(r: &Value) -> Option<String> {
    r.get("text")?.get("div")?.as_str().map(str::to_string)
}

fn first_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Array(a) => a.iter().find_map(|x| first_text(Some(x))),
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("text").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// An entry's `attachment` from a FHIR Attachment: the data inline when it
/// comes inline (an entry is bounded as a whole: one too large is left out
/// of the import, which says so, and the bundle's other resources import),
/// else where it is.
fn attachment_of(att: Option<&Value>) -> Value {
    let mut a = Map::new();
    let ct = att.and_then(|x| x.get("contentType")).and_then(Value::as_str).unwrap_or("application/octet-stream");
    a.insert("content_type".into(), json!(ct));
    if let Some(d) = att.and_then(|x| x.get("data")).and_then(Value::as_str) {
        a.insert("data".into(), json!(d));
        use base64::Engine;
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(d) {
            a.insert("size".into(), json!(bytes.len()));
        }
    }
    if let Some(u) = att.and_then(|x| x.get("url")).and_then(Value::as_str) {
        a.insert("url".into(), json!(u));
    }
    Value::Object(a)
}

/// A text file as an entry's `attachment`.
fn text_attachment(text: &str) -> Value {
    use base64::Engine;
    json!({
        "content_type": "text/plain; charset=utf-8",
        "data": base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
        "size": text.len(),
    })
}

/// A QuestionnaireResponse's answers, one "question: answer" line each,
/// nested items indented.
fn answers(items: Option<&Value>, depth: usize, out: &mut Vec<String>) {
    for item in items.and_then(Value::as_array).into_iter().flatten() {
        let q = item.get("text").or_else(|| item.get("linkId")).and_then(Value::as_str).unwrap_or("?");
        let given: Vec<String> = item
            .get("answer")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| {
                a.as_object()?.iter().find(|(k, _)| k.starts_with("value")).map(|(_, v)| match v {
                    Value::String(s) => s.clone(),
                    Value::Object(o) => o
                        .get("display")
                        .or_else(|| o.get("code"))
                        .or_else(|| o.get("value"))
                        .map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string()))
                        .unwrap_or_else(|| v.to_string()),
                    other => other.to_string(),
                })
            })
            .collect();
        out.push(format!(
            "{}{q}: {}",
            "  ".repeat(depth),
            if given.is_empty() { "-".into() } else { given.join(", ") }
        ));
        answers(item.get("item"), depth + 1, out);
        for a in item.get("answer").and_then(Value::as_array).into_iter().flatten() {
            answers(a.get("item"), depth + 1, out);
        }
    }
}

/// Title, text and code of a note for a resource that gives a patient's
/// context (a goal, a family member's history, an assessment, a specimen,
/// an imaging study): what a clinician reads first, the original keeping
/// everything.
fn context_note(c: &Ctx, r: &Resource) -> (String, String, Option<Value>) {
    let j = &r.json;
    let shown = |v: Option<Value>| v.as_ref().and_then(|x| crate::model::entry::display_of(x, None));
    let texts = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|x| shown(c.concept(Some(x))).or_else(|| shown(c.concept(x.get("code")))))
            .collect()
    };
    match r.kind.as_str() {
        "Goal" => {
            let code = c.concept(j.get("description"));
            let what = shown(code.clone()).unwrap_or_else(|| "(not described)".into());
            let mut text = what.clone();
            for t in j.get("target").and_then(Value::as_array).into_iter().flatten() {
                let measure = shown(c.concept(t.get("measure")));
                let detail =
                    t.as_object().and_then(|o| o.iter().find(|(k, _)| k.starts_with("detail"))).map(|(_, v)| match v {
                        Value::Object(q) if q.contains_key("value") => {
                            format!(
                                "{} {}",
                                q["value"],
                                q.get("unit").or(q.get("code")).and_then(Value::as_str).unwrap_or("")
                            )
                        }
                        Value::String(s) => s.clone(),
                        other => shown(c.concept(Some(other))).unwrap_or_else(|| other.to_string()),
                    });
                let due = t.get("dueDate").and_then(Value::as_str);
                let parts: Vec<String> =
                    [measure, detail.map(|d| d.trim().to_string()), due.map(|d| format!("by {d}"))]
                        .into_iter()
                        .flatten()
                        .collect();
                if !parts.is_empty() {
                    text.push_str(&format!("\ntarget: {}", parts.join(" ")));
                }
            }
            (format!("Goal: {what}"), text, code)
        }
        "FamilyMemberHistory" => {
            let who = shown(c.concept(j.get("relationship")))
                .or_else(|| j.get("name").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| "family member".into());
            let conditions = texts(j.get("condition"));
            let code = j
                .get("condition")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(|x| c.concept(x.get("code")));
            let mut text = if conditions.is_empty() {
                format!("{who}: no condition given")
            } else {
                format!("{who}: {}", conditions.join(", "))
            };
            if j.get("deceasedBoolean").and_then(Value::as_bool) == Some(true) || j.get("deceasedDate").is_some() {
                text.push_str(" (deceased)");
            }
            (format!("Family history: {who}"), text, code)
        }
        "ClinicalImpression" => {
            let code = c.concept(j.get("code"));
            let what = shown(code.clone()).unwrap_or_else(|| "assessment".into());
            let mut text = j
                .get("summary")
                .or_else(|| j.get("description"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| what.clone());
            let findings: Vec<String> = j
                .get("finding")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|f| shown(c.concept(f.get("itemCodeableConcept"))))
                .collect();
            if !findings.is_empty() {
                text.push_str(&format!("\nfindings: {}", findings.join(", ")));
            }
            (format!("Clinical impression: {what}"), text, code)
        }
        "Specimen" => {
            let code = c.concept(j.get("type"));
            let what = shown(code.clone()).unwrap_or_else(|| "specimen".into());
            let mut text = what.clone();
            if let Some(col) = j.get("collection") {
                if let Some(site) = shown(c.concept(col.get("bodySite"))) {
                    text.push_str(&format!(", from {site}"));
                }
                if let Some(t) = col.get("collectedDateTime").and_then(Value::as_str) {
                    text.push_str(&format!(", collected {t}"));
                }
            }
            (format!("Specimen: {what}"), text, code)
        }
        _ => {
            // ImagingStudy.
            let code = c.first_concept(j.get("procedureCode")).or_else(|| {
                j.get("modality")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(|m| c.concept(Some(&json!({"coding": [m]}))))
            });
            let what = shown(code.clone()).unwrap_or_else(|| "imaging study".into());
            let modalities: Vec<String> = j
                .get("modality")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.get("code").and_then(Value::as_str).map(str::to_string))
                .collect();
            let mut text =
                j.get("description").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| what.clone());
            let series = j
                .get("numberOfSeries")
                .and_then(Value::as_u64)
                .or(j.get("series").and_then(Value::as_array).map(|a| a.len() as u64));
            let instances = j.get("numberOfInstances").and_then(Value::as_u64);
            let mut facts = vec![];
            if !modalities.is_empty() {
                facts.push(format!("modality {}", modalities.join(", ")));
            }
            if let Some(n) = series {
                facts.push(format!("{n} series"));
            }
            if let Some(n) = instances {
                facts.push(format!("{n} images"));
            }
            if !facts.is_empty() {
                text.push_str(&format!(" ({})", facts.join("; ")));
            }
            (format!("Imaging study: {what}"), text, code)
        }
    }
}

/// Where a resource names who performed, recorded, asserted, reported,
/// requested or wrote it: (role, field, whether the field is a list of
/// `{actor: Reference}` rather than of references).
/// The most parties an entry keeps as its attribution.
const MAX_PARTIES: usize = 16;

const ATTRIBUTION: &[(&str, &str, bool)] = &[
    ("performer", "performer", false),
    ("recorder", "recorder", false),
    ("asserter", "asserter", false),
    ("informant", "informationSource", false),
    ("informant", "source", false),
    ("requester", "requester", false),
    ("author", "author", false),
    ("performer", "participant", true),
];

/// Who a resource says performed, recorded, asserted, reported, requested
/// or wrote it, each resolved to a party (practitioner with their
/// organisation and role, organisation, the patient, a related person, a
/// device) as far as the input says; plus the resources resolved, kept
/// with the entry so an export can carry them again. A Composition's
/// authors (`document_authors`) wrote every entry of the document.
fn attribution(c: &mut Ctx, r: &Resource, document_authors: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let j = &r.json;
    let mut refs: Vec<(&str, Value)> = vec![];
    for (role, field, nested) in ATTRIBUTION {
        // A Device's `source` or an Observation's `performer` are
        // references; an Encounter's participant holds one as `individual`,
        // a Procedure's or Immunization's performer as `actor`.
        let items: Vec<&Value> = match j.get(*field) {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
            None => vec![],
        };
        for it in items {
            let reference = if *nested { it.get("individual") } else { it.get("actor").or(Some(it)) };
            if let Some(x) =
                reference.filter(|x| ["reference", "identifier", "display"].iter().any(|k| x.get(*k).is_some()))
            {
                refs.push((role, x.clone()));
            }
        }
    }
    if r.kind != "Patient" && refs.iter().all(|(role, _)| *role != "author") {
        refs.extend(document_authors.iter().take(MAX_PARTIES).map(|a| ("author", a.clone())));
    }
    // Bounded: a resource naming thousands of performers (or a document
    // thousands of authors) costs no more than a few.
    refs.truncate(MAX_PARTIES);
    let mut out: Vec<Value> = vec![];
    let mut related: Vec<Value> = vec![];
    for (role, x) in refs {
        let mut party = Map::new();
        party.insert("role".into(), json!(role));
        let text = x.get("reference").and_then(Value::as_str).unwrap_or("");
        let resolved = c.resolve(r, Some(&x)).cloned();
        let kind = resolved.as_ref().map(|t| t.kind.clone()).unwrap_or_else(|| {
            // Unresolved: the reference's type, if it says one.
            x.get("type").and_then(Value::as_str).unwrap_or_else(|| text.rsplit('/').nth(1).unwrap_or("")).to_string()
        });
        // Context only: a patient or a device is an entry of its own.
        let mut keep = |t: &Resource| {
            let context = ["Practitioner", "PractitionerRole", "Organization", "RelatedPerson", "CareTeam"];
            // Under the reference the input gave it (its fullUrl), so that
            // the originals that refer to it still resolve in an export.
            let known_as = t.full_url.clone().unwrap_or_else(|| t.identity());
            if context.contains(&t.kind.as_str()) && !related.iter().any(|v| v["reference"] == known_as.as_str()) {
                related.push(json!({"reference": known_as, "original": t.original}));
            }
        };
        if let Some(t) = &resolved {
            keep(t);
        }
        let name_of = |v: &Value| -> Option<String> {
            if let Some(n) = v.get("name") {
                if let Some(s) = n.as_str() {
                    return Some(s.to_string());
                }
                let n = n.as_array().and_then(|a| a.first())?;
                if let Some(t) = n.get("text").and_then(Value::as_str) {
                    return Some(t.to_string());
                }
                let words: Vec<&str> = ["prefix", "given"]
                    .iter()
                    .flat_map(|k| n.get(*k).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str))
                    .chain(n.get("family").and_then(Value::as_str))
                    .collect();
                return (!words.is_empty()).then(|| words.join(" "));
            }
            None
        };
        let party_kind = match kind.as_str() {
            "Practitioner" | "PractitionerRole" => "practitioner",
            "Organization" => "organization",
            "Patient" => "patient",
            "RelatedPerson" => "related-person",
            "Device" => "device",
            "CareTeam" => "care-team",
            _ => "other",
        };
        party.insert("party".into(), json!(party_kind));
        let mut name = None;
        let mut organization = None;
        let mut identifier = None;
        if let Some(t) = &resolved {
            match t.kind.as_str() {
                "PractitionerRole" => {
                    if let Some(p) = c.resolve(t, t.json.get("practitioner")).cloned() {
                        name = name_of(&p.json);
                        identifier = p.json.get("identifier").and_then(|i| i.get(0)).cloned();
                        keep(&p);
                    }
                    if let Some(o) = c.resolve(t, t.json.get("organization")).cloned() {
                        organization = name_of(&o.json);
                        keep(&o);
                    }
                    if let Some(q) =
                        c.first_concept(t.json.get("specialty")).or_else(|| c.first_concept(t.json.get("code")))
                    {
                        party.insert("qualification".into(), q);
                    }
                }
                "RelatedPerson" => {
                    name = name_of(&t.json);
                    if let Some(q) = c.first_concept(t.json.get("relationship")) {
                        party.insert("qualification".into(), q);
                    }
                }
                "Patient" => {}
                _ => {
                    name = name_of(&t.json);
                    identifier = t.json.get("identifier").and_then(|i| i.get(0)).cloned();
                    if let Some(q) =
                        t.json.get("qualification").and_then(|q| q.get(0)).and_then(|q| c.concept(q.get("code")))
                    {
                        party.insert("qualification".into(), q);
                    }
                }
            }
        }
        if name.is_none() && party_kind != "patient" {
            name = x.get("display").and_then(Value::as_str).map(str::to_string);
        }
        if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
            party.insert("name".into(), json!(n));
        }
        if let Some(o) = organization.filter(|n| !n.trim().is_empty()) {
            party.insert("organization".into(), json!(o));
        }
        if let Some(v) = identifier.as_ref().and_then(|i| i.get("value")).and_then(Value::as_str) {
            let mut id = json!({"value": v});
            if let Some(s) = identifier.as_ref().and_then(|i| i.get("system")).and_then(Value::as_str) {
                id["system"] = json!(s);
            }
            party.insert("identifier".into(), id);
        }
        let party = Value::Object(party);
        if !out.contains(&party) {
            out.push(party);
        }
    }
    (out, related)
}

fn map_one(c: &mut Ctx, r: &Resource) -> Option<(Kind, Map<String, Value>)> {
    let j = &r.json;
    let mut b = Map::new();
    let kind = match r.kind.as_str() {
        "Patient" => map_patient(c, j, &mut b)?,
        "AllergyIntolerance" => map_allergy(c, j, &mut b)?,
        "Condition" => map_condition(c, j, &mut b)?,
        "MedicationStatement" | "MedicationRequest" => map_medication(c, r, j, &mut b)?,
        "Immunization" => map_immunization(c, j, &mut b)?,
        "Observation" => map_observation(c, j, &mut b)?,
        "Procedure" => map_procedure(c, j, &mut b)?,
        "Encounter" | "DiagnosticReport" | "Flag" | "CarePlan" => map_narrated_note(c, r, j, &mut b)?,
        "Goal" | "FamilyMemberHistory" | "ClinicalImpression" | "Specimen" | "ImagingStudy" => {
            map_summarised_note(c, r, j, &mut b)?
        }
        "QuestionnaireResponse" => map_questionnaire_response(j, &mut b)?,
        "Media" => map_media(c, j, &mut b)?,
        "DocumentReference" => map_document_reference(c, j, &mut b)?,
        "Device" | "DeviceUseStatement" => map_device(c, r, j, &mut b)?,
        "Consent" => map_consent(c, j, &mut b)?,
        _ => return None,
    };
    if let Some(s) = status_code(j, "status") {
        b.insert("status".into(), json!(s));
    }
    if let Some(e) = effective(j) {
        b.insert("effective".into(), e);
    }
    if let Some(n) = j
        .get("note")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|x| x.get("text"))
        .and_then(Value::as_str)
        && kind != Kind::Note
    {
        b.insert("note".into(), json!(n));
    }
    if let Some(cat) = c.first_concept(j.get("category")) {
        b.insert("classification".into(), cat);
    }
    if let Some(n) = narrative(j) {
        b.insert("narrative".into(), json!(n));
    }
    Some((kind, b))
}

/// The body of a FHIR Patient resource, and the kind of entry it becomes.
fn map_patient(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let mut name = Map::new();
    if let Some(n) = j.get("name").and_then(Value::as_array).and_then(|a| a.first()) {
        if let Some(g) = n.get("given").and_then(Value::as_array) {
            name.insert("given".into(), json!(g.iter().filter_map(Value::as_str).collect::<Vec<_>>()));
        }
        if let Some(f) = n.get("family").and_then(Value::as_str) {
            name.insert("family".into(), json!(f));
        }
        if let Some(t) = n.get("text").and_then(Value::as_str) {
            name.insert("text".into(), json!(t));
        }
    }
    if name.is_empty() {
        name.insert("text".into(), json!("(no name given)"));
    }
    b.insert("name".into(), Value::Object(name));
    if let Some(d) = j.get("birthDate").and_then(Value::as_str) {
        b.insert("birth_date".into(), json!(d));
    }
    if let Some(g) = j.get("gender").and_then(Value::as_str) {
        b.insert("gender".into(), json!(g));
    }
    let ids: Vec<Value> = j
        .get("identifier")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|i| Some(json!({"system": i.get("system").and_then(Value::as_str).unwrap_or("unknown"), "value": i.get("value")?.as_str()?})))
                .collect()
        })
        .unwrap_or_default();
    if !ids.is_empty() {
        b.insert("identifiers".into(), json!(ids));
    }
    let addrs: Vec<Value> = j
        .get("address")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| {
                    let mut o = Map::new();
                    if let Some(l) = x.get("line").and_then(Value::as_array) {
                        o.insert("lines".into(), json!(l.iter().filter_map(Value::as_str).collect::<Vec<_>>()));
                    }
                    for (f, t) in [("city", "city"), ("postalCode", "postal_code")] {
                        if let Some(v) = x.get(f).and_then(Value::as_str) {
                            o.insert(t.into(), json!(v));
                        }
                    }
                    if let Some(cn) = x
                        .get("country")
                        .and_then(Value::as_str)
                        .filter(|s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()))
                    {
                        o.insert("country".into(), json!(cn));
                    }
                    Value::Object(o)
                })
                .collect()
        })
        .unwrap_or_default();
    if !addrs.is_empty() {
        b.insert("address".into(), json!(addrs));
    }
    let tel = telecoms(j.get("telecom"));
    if !tel.is_empty() {
        b.insert("telecom".into(), json!(tel));
    }
    let contacts: Vec<Value> = j
        .get("contact")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let mut o = Map::new();
                    if let Some(n) = x.get("name").and_then(human_name) {
                        o.insert("name".into(), json!(n));
                    }
                    if let Some(r) = c.first_concept(x.get("relationship")) {
                        o.insert("relationship".into(), r);
                    }
                    let tel = telecoms(x.get("telecom"));
                    if !tel.is_empty() {
                        o.insert("telecom".into(), json!(tel));
                    }
                    // A contact with neither a name nor a way to reach them says nothing.
                    (o.contains_key("name") || o.contains_key("telecom")).then_some(Value::Object(o))
                })
                .collect()
        })
        .unwrap_or_default();
    if !contacts.is_empty() {
        b.insert("contacts".into(), json!(contacts));
    }
    Some(Kind::Patient)
}

/// The body of a FHIR AllergyIntolerance resource, and the kind of entry it becomes.
fn map_allergy(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    b.insert("substance".into(), c.concept(j.get("code")).unwrap_or(json!({"text": "(no substance given)"})));
    if let Some(t) = j.get("type").and_then(Value::as_str) {
        b.insert("type".into(), json!(t));
    }
    if let Some(t) = j.get("criticality").and_then(Value::as_str) {
        b.insert("criticality".into(), json!(t.trim().to_lowercase()));
    }
    if let Some(s) = status_code(j, "clinicalStatus") {
        b.insert("clinical_status".into(), json!(s));
    }
    if let Some(s) = status_code(j, "verificationStatus") {
        b.insert("verification_status".into(), json!(s));
    }
    let reactions: Vec<Value> = j
        .get("reaction")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|x| {
                    let mut o = Map::new();
                    if let Some(m) = c.first_concept(x.get("manifestation")) {
                        o.insert("manifestation".into(), m);
                    }
                    if let Some(s) = x.get("severity").and_then(Value::as_str) {
                        o.insert("severity".into(), json!(s.trim().to_lowercase()));
                    }
                    Value::Object(o)
                })
                .collect()
        })
        .unwrap_or_default();
    if !reactions.is_empty() {
        b.insert("reactions".into(), json!(reactions));
    }
    Some(Kind::Allergy)
}

/// The body of a FHIR Condition resource, and the kind of entry it becomes.
fn map_condition(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    b.insert("code".into(), c.concept(j.get("code")).unwrap_or(json!({"text": "(no code given)"})));
    if let Some(s) = status_code(j, "clinicalStatus") {
        b.insert("clinical_status".into(), json!(s));
    }
    if let Some(s) = c.concept(j.get("severity")) {
        b.insert("severity".into(), s);
    }
    if let Some(s) = c.first_concept(j.get("bodySite")) {
        b.insert("body_site".into(), s);
    }
    Some(Kind::Condition)
}

/// The body of a FHIR MedicationStatement or MedicationRequest resource, and the kind of entry it becomes.
fn map_medication(c: &mut Ctx, r: &Resource, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let mut med = c.concept(j.get("medicationCodeableConcept"));
    if med.is_none() {
        let resolved = c
            .resolve(r, j.get("medicationReference"))
            .map(|m| (m.json.clone(), m.original.clone(), m.full_url.clone()));
        if let Some((m, original, full_url)) = resolved {
            // Keep the folded Medication too, so an export can carry
            // it again: under its fullUrl, as the input knew it.
            let reference =
                full_url.map(Value::String).unwrap_or_else(|| j["medicationReference"]["reference"].clone());
            b.insert("source_related".into(), json!([{"reference": reference, "original": original}]));
            med = c.concept(m.get("code"));
            if let Some(f) = c.concept(m.get("form")) {
                b.insert("dose_form".into(), f);
            }
        }
    }
    b.insert("medication".into(), med.unwrap_or(json!({"text": "(medication not given)"})));
    b.insert("intent".into(), json!(if r.kind == "MedicationRequest" { "prescription" } else { "statement" }));
    let dosage =
        j.get("dosage").or_else(|| j.get("dosageInstruction")).and_then(Value::as_array).and_then(|a| a.first());
    if let Some(d) = dosage {
        let mut o = Map::new();
        if let Some(t) = d.get("text").and_then(Value::as_str) {
            o.insert("text".into(), json!(t));
        }
        if let Some(q) = d
            .get("doseAndRate")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(|x| x.get("doseQuantity"))
            .and_then(quantity)
        {
            o.insert("dose".into(), q);
        }
        if let Some(rt) = c.concept(d.get("route")) {
            o.insert("route".into(), rt);
        }
        if !o.is_empty() {
            b.insert("dosage".into(), Value::Object(o));
        }
    }
    Some(Kind::Medication)
}

/// The body of a FHIR Immunization resource, and the kind of entry it becomes.
fn map_immunization(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    b.insert("vaccine".into(), c.concept(j.get("vaccineCode")).unwrap_or(json!({"text": "(vaccine not given)"})));
    if let Some(l) = j.get("lotNumber").and_then(Value::as_str) {
        b.insert("lot_number".into(), json!(l));
    }
    if let Some(n) = j
        .get("protocolApplied")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|p| p.get("doseNumberPositiveInt"))
        .and_then(Value::as_u64)
    {
        b.insert("dose_number".into(), json!(n.max(1)));
    }
    Some(Kind::Immunization)
}

/// The body of a FHIR Observation resource, and the kind of entry it becomes.
fn map_observation(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    b.insert("code".into(), c.concept(j.get("code")).unwrap_or(json!({"text": "(no code given)"})));
    let cat = j
        .get("category")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find_map(|x| x.get("coding")?.as_array()?.first()?.get("code")?.as_str()))
        .unwrap_or("other");
    let known = ["laboratory", "vital-signs", "social-history", "imaging", "exam", "survey", "pregnancy"];
    b.insert("observation_category".into(), json!(if known.contains(&cat) { cat } else { "other" }));
    if let Some(q) = j.get("valueQuantity").and_then(quantity) {
        b.insert("value".into(), q);
    } else if let Some(cc) = c.concept(j.get("valueCodeableConcept")) {
        b.insert("value".into(), cc);
    } else if let Some(s) = j.get("valueString").and_then(Value::as_str) {
        b.insert("value".into(), json!(s));
    } else if let Some(v) = j.get("valueBoolean").and_then(Value::as_bool) {
        b.insert("value".into(), json!(v));
    } else if let Some(comps) = j.get("component").and_then(Value::as_array) {
        // Blood pressure and the like: the components as text; the original keeps them whole.
        let parts: Vec<String> = comps
            .iter()
            .filter_map(|x| {
                let name = crate::model::entry::display_of(&c.concept(x.get("code"))?, None)?;
                let q = x.get("valueQuantity")?;
                Some(format!("{name} {} {}", q.get("value")?, q.get("unit").and_then(Value::as_str).unwrap_or("")))
            })
            .collect();
        if !parts.is_empty() {
            b.insert("value".into(), json!(parts.join("; ").trim()));
        }
    }
    if let Some(i) = c.first_concept(j.get("interpretation")) {
        b.insert("interpretation".into(), i);
    }
    Some(Kind::Observation)
}

/// The body of a FHIR Procedure resource, and the kind of entry it becomes.
fn map_procedure(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    b.insert("code".into(), c.concept(j.get("code")).unwrap_or(json!({"text": "(no code given)"})));
    if let Some(s) = c.first_concept(j.get("bodySite")) {
        b.insert("body_site".into(), s);
    }
    if let Some(o) = c.concept(j.get("outcome")) {
        b.insert("outcome".into(), o);
    }
    Some(Kind::Procedure)
}

/// The body of a FHIR Encounter or DiagnosticReport or Flag or CarePlan resource, and the kind of entry it becomes.
fn map_narrated_note(c: &mut Ctx, r: &Resource, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let code = match r.kind.as_str() {
        "Encounter" => c.first_concept(j.get("type")).or_else(|| c.first_concept(j.get("reasonCode"))),
        "CarePlan" => c.first_concept(j.get("category")),
        _ => c.concept(j.get("code")),
    };
    let described = code.as_ref().and_then(|x| crate::model::entry::display_of(x, None));
    let text = j
        .get("conclusion")
        .or_else(|| j.get("description"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or(described.clone())
        .unwrap_or_else(|| r.kind.clone());
    b.insert(
        "title".into(),
        json!(match (&r.kind[..], &described) {
            ("Encounter", Some(d)) => format!("Encounter: {d}"),
            ("Flag", Some(d)) => format!("Alert: {d}"),
            (k, Some(d)) => format!("{k}: {d}"),
            (k, None) => k.to_string(),
        }),
    );
    b.insert("text".into(), json!(text));
    if let Some(code) = code {
        b.insert("code".into(), code);
    }
    if r.kind == "Encounter" {
        let mut enc = Map::new();
        if let Some(cl) = j.get("class").and_then(|x| x.get("code")).and_then(Value::as_str) {
            let class = match cl {
                "AMB" => "ambulatory",
                "EMER" => "emergency",
                "IMP" | "ACUTE" | "NONAC" => "inpatient",
                "HH" => "home",
                "VR" => "virtual",
                _ => "other",
            };
            enc.insert("class".into(), json!(class));
        }
        if let Some(rc) = c.first_concept(j.get("reasonCode")) {
            enc.insert("reason".into(), rc);
        }
        if !enc.is_empty() {
            b.insert("encounter".into(), Value::Object(enc));
        }
    }
    if r.kind == "DiagnosticReport" {
        b.insert("category".into(), json!("results"));
    }
    Some(Kind::Note)
}

/// The body of a FHIR Goal or FamilyMemberHistory or ClinicalImpression or Specimen or ImagingStudy resource, and the kind of entry it becomes.
fn map_summarised_note(c: &mut Ctx, r: &Resource, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let (title, text, code) = context_note(c, r);
    b.insert("title".into(), json!(title));
    b.insert("text".into(), json!(text));
    if let Some(code) = code {
        b.insert("code".into(), code);
    }
    if r.kind == "Goal"
        && let Some(s) = status_code(j, "lifecycleStatus")
    {
        b.insert("status".into(), json!(s));
    }
    Some(Kind::Note)
}

/// The body of a FHIR QuestionnaireResponse resource, and the kind of entry it becomes.
fn map_questionnaire_response(j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    // Kept as a document: the answers as text any reader can show,
    // the resource itself in the original.
    let mut lines = vec![];
    answers(j.get("item"), 0, &mut lines);
    let title = j
        .get("questionnaire")
        .and_then(Value::as_str)
        .map(|q| format!("Questionnaire response: {}", q.rsplit('/').next().unwrap_or(q)))
        .unwrap_or_else(|| "Questionnaire response".into());
    let text = if lines.is_empty() { "(no answers given)".to_string() } else { lines.join("\n") };
    b.insert("title".into(), json!(title));
    b.insert("attachment".into(), text_attachment(&text));
    Some(Kind::Document)
}

/// The body of a FHIR Media resource, and the kind of entry it becomes.
fn map_media(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let a = attachment_of(j.get("content"));
    if let Some(t) = j.get("content").and_then(|x| x.get("title")).and_then(Value::as_str) {
        b.insert("title".into(), json!(t));
    }
    b.insert("attachment".into(), a);
    if let Some(t) = c.concept(j.get("type")).or_else(|| c.concept(j.get("modality"))) {
        b.insert("type".into(), t);
    }
    Some(Kind::Document)
}

/// The body of a FHIR DocumentReference resource, and the kind of entry it becomes.
fn map_document_reference(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let att = j.get("content").and_then(Value::as_array).and_then(|a| a.first()).and_then(|x| x.get("attachment"));
    if let Some(t) = att.and_then(|x| x.get("title")).and_then(Value::as_str) {
        b.insert("title".into(), json!(t));
    }
    b.insert("attachment".into(), attachment_of(att));
    if let Some(t) = c.concept(j.get("type")) {
        b.insert("type".into(), t);
    }
    Some(Kind::Document)
}

/// The body of a FHIR Device or DeviceUseStatement resource, and the kind of entry it becomes.
fn map_device(c: &mut Ctx, r: &Resource, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let dev = if r.kind == "DeviceUseStatement" {
        c.resolve(r, j.get("device")).map(|d| d.json.clone())
    } else {
        Some(j.clone())
    };
    let ty = dev.as_ref().and_then(|d| c.concept(d.get("type"))).or_else(|| {
        dev.as_ref().and_then(|d| {
            first_text(d.get("deviceName"))
                .or_else(|| first_text(d.get("deviceName").and_then(|n| n.get(0)).and_then(|n| n.get("name"))))
                .map(|t| json!({"text": t}))
        })
    });
    b.insert("device_type".into(), ty.unwrap_or(json!({"text": "(device not described)"})));
    if let Some(u) = dev
        .as_ref()
        .and_then(|d| d.get("udiCarrier"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|x| x.get("deviceIdentifier"))
        .and_then(Value::as_str)
    {
        b.insert("udi".into(), json!(u));
    }
    if let Some(m) = dev.as_ref().and_then(|d| d.get("manufacturer")).and_then(Value::as_str) {
        b.insert("manufacturer".into(), json!(m));
    }
    Some(Kind::Device)
}

/// The body of a FHIR Consent resource, and the kind of entry it becomes.
fn map_consent(c: &mut Ctx, j: &Value, b: &mut Map<String, Value>) -> Option<Kind> {
    let d = c
        .first_concept(j.get("category"))
        .or_else(|| c.concept(j.get("scope")))
        .unwrap_or(json!({"text": "Advance directive"}));
    b.insert("directive".into(), d);
    if let Some(t) = j.get("provision").and_then(|p| p.get("type")).and_then(Value::as_str) {
        b.insert("decision".into(), json!(t));
    }
    Some(Kind::AdvanceDirective)
}

/// Section codes of an IPS Composition and the kind an empty section's
/// statement of absence becomes.
fn section_kind(loinc: &str) -> Option<Kind> {
    match loinc {
        "48765-2" => Some(Kind::Allergy),
        "11450-4" => Some(Kind::Condition),
        "10160-0" => Some(Kind::Medication),
        "11369-6" => Some(Kind::Immunization),
        _ => None,
    }
}

/// Maps every resource of a parsed input. `lang` is the language of displays
/// when the input names none.
pub fn map_all(p: &Parsed, lang: &str) -> Mapping {
    let lang = p
        .language
        .clone()
        .map(|l| l.split(['-', '_']).next().unwrap_or("und").to_lowercase())
        .unwrap_or_else(|| lang.to_string());
    let mut c = Ctx { parsed: p, lang: lang.clone(), unresolved: vec![] };
    let mut out = Mapping::default();
    let document_authors: Vec<Value> = p
        .resources
        .iter()
        .find(|r| r.kind == "Composition")
        .and_then(|r| r.json.get("author"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for r in &p.resources {
        if FOLDED.contains(&r.kind.as_str()) {
            *out.folded.entry(r.kind.clone()).or_default() += 1;
            if r.kind == "Composition" {
                // "No information" (emptyReason) is recorded, so it stays distinct from "none known".
                for (i, s) in r.json.get("section").and_then(Value::as_array).into_iter().flatten().enumerate() {
                    let Some(reason) = c.concept(s.get("emptyReason")) else { continue };
                    let code = s
                        .get("code")
                        .and_then(|x| x.get("coding"))
                        .and_then(Value::as_array)
                        .and_then(|a| a.first())
                        .and_then(|x| x.get("code"))
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let Some(kind) = section_kind(code) else { continue };
                    let field = match kind {
                        Kind::Allergy => "substance",
                        Kind::Medication => "medication",
                        Kind::Immunization => "vaccine",
                        _ => "code",
                    };
                    let mut b = Map::new();
                    b.insert(field.into(), reason);
                    b.insert("status".into(), json!("section-empty"));
                    if let Some(t) = s.get("title").and_then(Value::as_str) {
                        b.insert("note".into(), json!(format!("{t}: section empty in the source document")));
                    }
                    let identity = format!("{}#section-{i}", r.identity());
                    b.insert("source".into(), json!({"system": "fhir", "reference": identity}));
                    b.insert("language".into(), json!(lang));
                    out.entries.push(Mapped { kind, body: Value::Object(b), identity });
                }
            }
            continue;
        }
        match map_one(&mut c, r) {
            Some((kind, mut b)) => {
                let mut mods = vec![];
                modifier_extensions(&r.json, "", &mut mods);
                for m in &mods {
                    let value = m.get("value").and_then(Value::as_str).map(|v| format!(" ({v})")).unwrap_or_default();
                    out.modifiers.push(format!("{}: {}{value}", r.identity(), m["url"].as_str().unwrap_or("")));
                }
                if !mods.is_empty() {
                    b.insert("modifiers".into(), Value::Array(mods));
                }
                let (attributed, by) = attribution(&mut c, r, &document_authors);
                if !attributed.is_empty() {
                    b.insert("attributed".into(), Value::Array(attributed));
                }
                let mut source = json!({"system": "fhir", "reference": r.identity(), "original": r.original});
                let mut related = match b.remove("source_related") {
                    Some(Value::Array(a)) => a,
                    _ => vec![],
                };
                related.extend(by.into_iter().filter(|x| x["reference"] != json!(r.identity())));
                if !related.is_empty() {
                    source["related"] = Value::Array(related);
                }
                b.insert("source".into(), source);
                b.insert("language".into(), json!(lang));
                out.entries.push(Mapped { kind, body: Value::Object(b), identity: r.identity() });
            }
            None => *out.not_mapped.entry(r.kind.clone()).or_default() += 1,
        }
    }
    out.unresolved = c.unresolved;
    out
}

/// FHIR ContactPoints as a record's `telecom`.
fn telecoms(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|t| {
                    let sys = match t.get("system").and_then(Value::as_str) {
                        Some("phone") => "phone",
                        Some("email") => "email",
                        _ => "other",
                    };
                    Some(json!({"system": sys, "value": t.get("value")?.as_str()?}))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A FHIR HumanName as one line: its text, else given and family names.
fn human_name(n: &Value) -> Option<String> {
    if let Some(t) = n.get("text").and_then(Value::as_str).filter(|t| !t.trim().is_empty()) {
        return Some(t.trim().to_string());
    }
    let mut parts: Vec<&str> = n
        .get("given")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(f) = n.get("family").and_then(Value::as_str) {
        parts.push(f);
    }
    let s = parts.join(" ");
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}
