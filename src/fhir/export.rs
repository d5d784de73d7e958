//! Building FHIR R4 output from entries: a `collection` Bundle of everything
//! (original resources verbatim where the entry came from FHIR), and an
//! International Patient Summary `document` Bundle. Pure: ids and the time
//! are passed in.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::i18n::translate;
use crate::model::{Entry, Kind};

/// The FHIR URI of an hrx code system name.
pub fn system_uri(s: &str) -> String {
    match s {
        "snomed" => "http://snomed.info/sct",
        "loinc" => "http://loinc.org",
        "atc" => "http://www.whocc.no/atc",
        "icd10" => "http://hl7.org/fhir/sid/icd-10",
        "icd11" => "http://id.who.int/icd/release/11/mms",
        "ucum" => "http://unitsofmeasure.org",
        "edqm" => "http://standardterms.edqm.eu",
        "cvx" => "http://hl7.org/fhir/sid/cvx",
        "rxnorm" => "http://www.nlm.nih.gov/research/umls/rxnorm",
        "unii" => "http://fdasis.nlm.nih.gov",
        "hl7" => "http://terminology.hl7.org",
        other => other,
    }
    .to_string()
}

/// The display of a coding in `lang`: the record's own translation, then the
/// built-in table, then whatever the record has (never dropped).
fn display(c: &Value, lang: &str) -> Option<String> {
    let own = c.get("display");
    if let Some(Value::Object(m)) = own
        && let Some(d) = m.get(lang).and_then(Value::as_str)
    {
        return Some(d.to_string());
    }
    if let Some(code) = c.get("code").and_then(Value::as_str)
        && let Some(t) = translate(code, lang)
    {
        return Some(t.to_string());
    }
    match own {
        Some(Value::Object(m)) => m.get("en").or_else(|| m.values().next()).and_then(Value::as_str).map(str::to_string),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn coding(c: &Value, lang: &str) -> Value {
    let mut o = json!({"system": system_uri(c["system"].as_str().unwrap_or("")), "code": c["code"]});
    if let Some(v) = c.get("version").and_then(Value::as_str) {
        o["version"] = json!(v);
    }
    if let Some(d) = display(c, lang) {
        o["display"] = json!(d);
    }
    if let Some(u) = c.get("user_selected").and_then(Value::as_bool) {
        o["userSelected"] = json!(u);
    }
    o
}

/// An hrx concept as a CodeableConcept.
pub fn codeable(v: &Value, lang: &str) -> Value {
    let mut o = Map::new();
    let codings: Vec<Value> = match v.get("coding").and_then(Value::as_array) {
        Some(cs) => cs.iter().map(|c| coding(c, lang)).collect(),
        None if v.get("code").is_some() => vec![coding(v, lang)],
        None => vec![],
    };
    if !codings.is_empty() {
        o.insert("coding".into(), json!(codings));
    }
    if let Some(t) = v.get("text").and_then(Value::as_str) {
        o.insert("text".into(), json!(t));
    }
    Value::Object(o)
}

/// The text a person reads for a concept, in `lang`.
pub fn concept_text(v: &Value, lang: &str) -> String {
    if let Some(c) = v.get("coding").and_then(Value::as_array).and_then(|a| a.first())
        && let Some(d) = display(c, lang)
    {
        return d;
    }
    display(v, lang).or_else(|| v.get("text").and_then(Value::as_str).map(str::to_string)).unwrap_or_else(|| "?".into())
}

fn status_cc(system: &str, code: &str) -> Value {
    json!({"coding": [{"system": system, "code": code}]})
}

fn put_effective(o: &mut Map<String, Value>, r: &Value, prefix: &str) {
    match r.get("effective") {
        Some(Value::String(d)) => {
            o.insert(format!("{prefix}DateTime"), json!(d));
        }
        Some(Value::Object(p)) => {
            o.insert(format!("{prefix}Period"), Value::Object(p.clone()));
        }
        _ => {}
    }
}

fn one_of(v: Option<&Value>, allowed: &[&str], default: &str) -> Value {
    json!(v.and_then(Value::as_str).filter(|s| allowed.contains(s)).unwrap_or(default))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// An entry as a FHIR resource (for entries that did not come from FHIR, and
/// for the IPS, whose references must all resolve inside the bundle).
/// Returns the resources (a device use needs its device too) and a line of
/// narrative. `patient` is the Patient's fullUrl.
pub fn resource(
    e: &Entry,
    id: &str,
    patient: &str,
    lang: &str,
    extra_id: &mut dyn FnMut() -> String,
) -> Option<(Vec<(String, Value)>, String)> {
    let r = &e.record;
    let subject = json!({"reference": patient});
    let mut o = Map::new();
    let line;
    match e.kind {
        Kind::Allergy => {
            o.insert("resourceType".into(), json!("AllergyIntolerance"));
            let clinical = one_of(r.get("clinical_status"), &["active", "inactive", "resolved"], "active");
            o.insert(
                "clinicalStatus".into(),
                status_cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", clinical.as_str()?),
            );
            if let Some(v) = r.get("verification_status").and_then(Value::as_str) {
                o.insert(
                    "verificationStatus".into(),
                    status_cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", v),
                );
            }
            if let Some(t) = r.get("type") {
                o.insert("type".into(), t.clone());
            }
            if let Some(c) = r.get("criticality") {
                o.insert("criticality".into(), c.clone());
            }
            o.insert("code".into(), codeable(&r["substance"], lang));
            o.insert("patient".into(), subject);
            put_effective(&mut o, r, "onset");
            if let Some(rs) = r.get("reactions").and_then(Value::as_array) {
                let rs: Vec<Value> = rs
                    .iter()
                    .filter_map(|x| {
                        let mut m = json!({"manifestation": [codeable(x.get("manifestation")?, lang)]});
                        if let Some(s) = x.get("severity") {
                            m["severity"] = s.clone();
                        }
                        Some(m)
                    })
                    .collect();
                if !rs.is_empty() {
                    o.insert("reaction".into(), json!(rs));
                }
            }
            let crit = r
                .get("criticality")
                .and_then(Value::as_str)
                .and_then(|c| translate(c, lang))
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            line = format!("{}{crit}", concept_text(&r["substance"], lang));
        }
        Kind::Condition => {
            o.insert("resourceType".into(), json!("Condition"));
            let clinical = one_of(
                r.get("clinical_status"),
                &["active", "recurrence", "relapse", "inactive", "remission", "resolved"],
                "active",
            );
            o.insert(
                "clinicalStatus".into(),
                status_cc("http://terminology.hl7.org/CodeSystem/condition-clinical", clinical.as_str()?),
            );
            o.insert("code".into(), codeable(&r["code"], lang));
            o.insert("subject".into(), subject);
            put_effective(&mut o, r, "onset");
            let st = translate(clinical.as_str()?, lang).unwrap_or(clinical.as_str()?).to_string();
            line = format!("{} ({st})", concept_text(&r["code"], lang));
        }
        Kind::Medication => {
            o.insert("resourceType".into(), json!("MedicationStatement"));
            o.insert(
                "status".into(),
                one_of(
                    r.get("status"),
                    &[
                        "active",
                        "completed",
                        "entered-in-error",
                        "intended",
                        "stopped",
                        "on-hold",
                        "unknown",
                        "not-taken",
                    ],
                    "active",
                ),
            );
            o.insert("medicationCodeableConcept".into(), codeable(&r["medication"], lang));
            o.insert("subject".into(), subject);
            put_effective(&mut o, r, "effective");
            let dose = r.get("dosage").and_then(|d| d.get("text")).and_then(Value::as_str);
            if let Some(t) = dose {
                o.insert("dosage".into(), json!([{"text": t}]));
            }
            line = format!(
                "{}{}",
                concept_text(&r["medication"], lang),
                dose.map(|d| format!(": {d}")).unwrap_or_default()
            );
        }
        Kind::Immunization => {
            o.insert("resourceType".into(), json!("Immunization"));
            o.insert("status".into(), json!("completed"));
            o.insert("vaccineCode".into(), codeable(&r["vaccine"], lang));
            o.insert("patient".into(), subject);
            match r.get("effective").and_then(Value::as_str) {
                Some(d) => o.insert("occurrenceDateTime".into(), json!(d)),
                None => o.insert("occurrenceString".into(), json!("unknown")),
            };
            if let Some(l) = r.get("lot_number") {
                o.insert("lotNumber".into(), l.clone());
            }
            if let Some(n) = r.get("dose_number") {
                o.insert("protocolApplied".into(), json!([{"doseNumberPositiveInt": n}]));
            }
            line = concept_text(&r["vaccine"], lang);
        }
        Kind::Observation => {
            o.insert("resourceType".into(), json!("Observation"));
            o.insert(
                "status".into(),
                one_of(
                    r.get("status"),
                    &["registered", "preliminary", "final", "amended", "corrected", "cancelled"],
                    "final",
                ),
            );
            if let Some(c) = r.get("observation_category").and_then(Value::as_str).filter(|c| *c != "other") {
                o.insert(
                    "category".into(),
                    json!([status_cc("http://terminology.hl7.org/CodeSystem/observation-category", c)]),
                );
            }
            o.insert("code".into(), codeable(&r["code"], lang));
            o.insert("subject".into(), subject);
            put_effective(&mut o, r, "effective");
            let mut shown = String::new();
            match r.get("value") {
                Some(Value::Object(q)) if q.contains_key("value") => {
                    let mut v = json!({"value": q["value"]});
                    if let Some(u) = q.get("unit").and_then(Value::as_str) {
                        v["unit"] = json!(u);
                        v["system"] = json!("http://unitsofmeasure.org");
                        v["code"] = json!(u);
                    }
                    if let Some(c) = q.get("comparator") {
                        v["comparator"] = c.clone();
                    }
                    shown = format!("{} {}", q["value"], q.get("unit").and_then(Value::as_str).unwrap_or(""));
                    o.insert("valueQuantity".into(), v);
                }
                Some(c @ Value::Object(_)) => {
                    shown = concept_text(c, lang);
                    o.insert("valueCodeableConcept".into(), codeable(c, lang));
                }
                Some(Value::String(s)) => {
                    shown = s.clone();
                    o.insert("valueString".into(), json!(s));
                }
                Some(Value::Bool(b)) => {
                    shown = b.to_string();
                    o.insert("valueBoolean".into(), json!(b));
                }
                _ => {}
            }
            line = format!("{}: {}", concept_text(&r["code"], lang), shown.trim());
        }
        Kind::Procedure => {
            o.insert("resourceType".into(), json!("Procedure"));
            o.insert("status".into(), json!("completed"));
            o.insert("code".into(), codeable(&r["code"], lang));
            o.insert("subject".into(), subject);
            put_effective(&mut o, r, "performed");
            line = concept_text(&r["code"], lang);
        }
        Kind::Device => {
            let did = extra_id();
            let device = json!({"resourceType": "Device", "id": did.trim_start_matches("urn:uuid:"), "type": codeable(&r["device_type"], lang)});
            o.insert("resourceType".into(), json!("DeviceUseStatement"));
            o.insert("status".into(), json!("active"));
            o.insert("subject".into(), subject);
            o.insert("device".into(), json!({"reference": did}));
            o.insert("id".into(), json!(id.trim_start_matches("urn:uuid:")));
            carry_modifiers(&mut o, r);
            line = concept_text(&r["device_type"], lang);
            return Some((vec![(id.to_string(), Value::Object(o)), (did, device)], line));
        }
        Kind::AdvanceDirective => {
            o.insert("resourceType".into(), json!("Consent"));
            o.insert("status".into(), json!("active"));
            o.insert("scope".into(), status_cc("http://terminology.hl7.org/CodeSystem/consentscope", "adr"));
            o.insert("category".into(), json!([codeable(&r["directive"], lang)]));
            o.insert("patient".into(), subject);
            if let Some(d) = r.get("decision").and_then(Value::as_str) {
                o.insert("provision".into(), json!({"type": d}));
            }
            line = concept_text(&r["directive"], lang);
        }
        Kind::Patient => {
            o.insert("resourceType".into(), json!("Patient"));
            let n = &r["name"];
            let mut name = Map::new();
            for (f, t) in [("family", "family"), ("given", "given"), ("text", "text")] {
                if let Some(v) = n.get(f) {
                    name.insert(t.into(), v.clone());
                }
            }
            o.insert("name".into(), json!([name]));
            for (f, t) in [("gender", "gender"), ("birth_date", "birthDate")] {
                if let Some(v) = r.get(f) {
                    o.insert(t.into(), v.clone());
                }
            }
            if let Some(ids) = r.get("identifiers").and_then(Value::as_array) {
                o.insert(
                    "identifier".into(),
                    json!(ids.iter().map(|i| json!({"system": i["system"], "value": i["value"]})).collect::<Vec<_>>()),
                );
            }
            line = String::new();
        }
        Kind::Note | Kind::Document => return None,
    }
    o.insert("id".into(), json!(id.trim_start_matches("urn:uuid:")));
    carry_modifiers(&mut o, r);
    Some((vec![(id.to_string(), Value::Object(o))], line))
}

/// The source resource's own `modifierExtension`s, verbatim, on the
/// resource rebuilt from the entry: a summary without them could say the
/// opposite of the source (a medication taken that was stopped). Those
/// inside the resource's elements are in the entry's `modifiers` (and in
/// the original kept with it) but have no place in the rebuilt resource.
fn carry_modifiers(o: &mut Map<String, Value>, r: &Value) {
    let modifiers = r.get("modifiers").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let at = |m: &Value| m.get("at").and_then(Value::as_str).unwrap_or("").to_string();
    // The import noted every modifier extension: the original is read only
    // for an entry that had some at its root.
    if modifiers.iter().any(|m| at(m).is_empty())
        && let Some(orig) = r.get("source").and_then(|s| s.get("original")).and_then(Value::as_str)
        && let Ok(Value::Object(src)) = serde_json::from_str::<Value>(orig)
        && let Some(m) = src.get("modifierExtension").filter(|m| m.as_array().is_some_and(|a| !a.is_empty()))
    {
        o.insert("modifierExtension".into(), m.clone());
    }
    // Those inside the source's elements have no place in the rebuilt
    // resource: a note says them, so that no reader takes it at face value.
    let nested: Vec<String> = modifiers
        .iter()
        .filter(|m| !at(m).is_empty())
        .map(|m| {
            let value = m.get("value").and_then(Value::as_str).map(|v| format!(" = {v}")).unwrap_or_default();
            format!(
                "The source carried a modifier extension this summary does not understand (it may change the meaning): {}{value}, at {}",
                m.get("url").and_then(Value::as_str).unwrap_or(""),
                at(m)
            )
        })
        .collect();
    let has_note = [
        "AllergyIntolerance",
        "Condition",
        "MedicationStatement",
        "Immunization",
        "Observation",
        "Procedure",
        "DeviceUseStatement",
    ]
    .contains(&o.get("resourceType").and_then(Value::as_str).unwrap_or(""));
    if !nested.is_empty() && has_note {
        let notes = o.entry("note").or_insert_with(|| json!([]));
        if let Value::Array(a) = notes {
            a.extend(nested.into_iter().map(|t| json!({ "text": t })));
        }
    }
}

/// The IPS sections: LOINC code, the kinds in it, and whether it is required.
const SECTIONS: &[(&str, &[Kind], bool)] = &[
    ("48765-2", &[Kind::Allergy], true),
    ("11450-4", &[Kind::Condition], true),
    ("10160-0", &[Kind::Medication], true),
    ("11369-6", &[Kind::Immunization], false),
    ("30954-2", &[Kind::Observation], false),
    ("47519-4", &[Kind::Procedure], false),
    ("46264-8", &[Kind::Device], false),
    ("42348-3", &[Kind::AdvanceDirective], false),
];

/// An International Patient Summary of `entries` in `lang`. `new_id` makes
/// `urn:uuid:` ids; `record` is the pseudonymous record id.
pub fn ips(
    entries: &[Entry],
    lang: &str,
    now: DateTime<Utc>,
    record: &str,
    new_id: &mut dyn FnMut() -> String,
) -> Value {
    let t = |k: &str| translate(k, lang).or_else(|| translate(k, "en")).unwrap_or(k).to_string();
    let patient_url = new_id();
    let patient = entries
        .iter()
        .rfind(|e| e.kind == Kind::Patient)
        .and_then(|e| resource(e, &patient_url, &patient_url, lang, &mut || String::new()))
        .map(|(mut rs, _)| rs.remove(0).1)
        .unwrap_or_else(|| {
            json!({"resourceType": "Patient", "id": patient_url.trim_start_matches("urn:uuid:"),
                   "identifier": [{"system": "urn:hrx:record", "value": record}]})
        });
    let mut resources: Vec<(String, Value)> = vec![(patient_url.clone(), patient)];
    let mut sections = vec![];
    for (code, kinds, required) in SECTIONS {
        let mut refs = vec![];
        let mut lines = vec![];
        let mut empty_reason = None;
        for e in entries.iter().filter(|e| kinds.contains(&e.kind)) {
            if e.record.get("status").and_then(Value::as_str) == Some("section-empty") {
                // A statement of absence: the section says why it is empty.
                let field = ["substance", "code", "medication", "vaccine"].iter().find_map(|f| e.record.get(*f));
                empty_reason = field.map(|c| codeable(c, lang));
                continue;
            }
            let id = new_id();
            if let Some((rs, line)) = resource(e, &id, &patient_url, lang, new_id) {
                refs.push(json!({"reference": id}));
                lines.push(line);
                resources.extend(rs);
            }
        }
        if refs.is_empty() && !required {
            continue;
        }
        let title = t(code);
        let mut s = json!({
            "title": title,
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": translate(code, "en").unwrap_or(code)}]},
        });
        if refs.is_empty() {
            let reason = empty_reason.unwrap_or_else(|| {
                json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": "unavailable", "display": t("unavailable")}]})
            });
            let why = reason
                .get("coding")
                .and_then(|c| c.get(0))
                .and_then(|c| c.get("display"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| t("unavailable"));
            s["text"] = json!({"status": "generated", "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>{}</p></div>", escape(&why))});
            s["emptyReason"] = reason;
        } else {
            let items: String = lines.iter().map(|l| format!("<li>{}</li>", escape(l))).collect();
            s["text"] = json!({"status": "generated", "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\"><ul>{items}</ul></div>")});
            s["entry"] = json!(refs);
        }
        sections.push(s);
    }
    let comp_url = new_id();
    let composition = json!({
        "resourceType": "Composition",
        "id": comp_url.trim_start_matches("urn:uuid:"),
        "language": lang,
        "status": "final",
        "type": {"coding": [{"system": "http://loinc.org", "code": "60591-5", "display": "Patient summary Document"}]},
        "subject": {"reference": patient_url},
        "date": now.to_rfc3339(),
        "author": [{"reference": patient_url}],
        "title": t("60591-5"),
        "confidentiality": "N",
        "section": sections,
    });
    let mut all = vec![json!({"fullUrl": comp_url, "resource": composition})];
    all.extend(resources.into_iter().map(|(u, r)| json!({"fullUrl": u, "resource": r})));
    let bundle_id = new_id();
    json!({
        "resourceType": "Bundle",
        "id": bundle_id.trim_start_matches("urn:uuid:"),
        "language": lang,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": bundle_id},
        "type": "document",
        "timestamp": now.to_rfc3339(),
        "entry": all,
    })
}
