//! Building FHIR R4 output from entries: a `collection` Bundle of everything
//! (original resources verbatim where the entry came from FHIR), and an
//! International Patient Summary `document` Bundle. Pure: ids and the time
//! are passed in.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::i18n::translate;
use crate::model::entry::EnteredBy;
use crate::model::{Entry, Kind};

/// The parties exported resources name as their performers, recorders and
/// informants, each once in the bundle: a Practitioner (with a
/// PractitionerRole when the record knows their organisation or role, and
/// the Organization), or an Organization.
#[derive(Default)]
pub struct Parties {
    known: std::collections::HashMap<String, String>,
    /// The resources made, with their fullUrls, for the bundle.
    pub resources: Vec<(String, Value)>,
}

impl Parties {
    /// A reference to `party` (an entry's `attributed` item, or one made
    /// from its author): the patient's own resource, or one of these.
    fn reference(
        &mut self,
        party: &Value,
        patient: &str,
        new_id: &mut dyn FnMut() -> String,
    ) -> Option<(&'static str, Value)> {
        let kind = party["party"].as_str()?;
        if kind == "patient" {
            return Some(("Patient", json!({"reference": patient})));
        }
        let name = party["name"].as_str();
        let org = party["organization"].as_str();
        let key = serde_json::to_string(&json!([kind, name, org, party.get("qualification"), party.get("identifier")]))
            .ok()?;
        let display = name.or(org).map(str::to_string);
        let with_display = |url: &str| {
            let mut r = json!({"reference": url});
            if let Some(d) = &display {
                r["display"] = json!(d);
            }
            r
        };
        let (ty, url) = match kind {
            "practitioner" => {
                let ty = if org.is_some() || party.get("qualification").is_some() {
                    "PractitionerRole"
                } else {
                    "Practitioner"
                };
                if let Some(url) = self.known.get(&key) {
                    return Some((ty, with_display(url)));
                }
                let pract = new_id();
                let mut p = json!({"resourceType": "Practitioner", "id": pract.trim_start_matches("urn:uuid:")});
                if let Some(n) = name {
                    p["name"] = json!([{"text": n}]);
                }
                if let Some(i) = party.get("identifier") {
                    p["identifier"] = json!([i]);
                }
                self.resources.push((pract.clone(), p));
                if ty == "Practitioner" {
                    (ty, pract)
                } else {
                    let role = new_id();
                    let mut r = json!({"resourceType": "PractitionerRole", "id": role.trim_start_matches("urn:uuid:"),
                                       "practitioner": {"reference": pract}});
                    if let Some(o) = org {
                        let o_url = self.organization(o, new_id);
                        r["organization"] = json!({"reference": o_url, "display": o});
                    }
                    if let Some(q) = party.get("qualification") {
                        r["code"] = json!([codeable(q, "en")]);
                    }
                    self.resources.push((role.clone(), r));
                    (ty, role)
                }
            }
            "organization" => {
                let o = name.or(org)?;
                ("Organization", self.organization(o, new_id))
            }
            "related-person" => {
                if let Some(url) = self.known.get(&key) {
                    return Some(("RelatedPerson", with_display(url)));
                }
                let url = new_id();
                let mut r = json!({"resourceType": "RelatedPerson", "id": url.trim_start_matches("urn:uuid:"),
                                   "patient": {"reference": patient}});
                if let Some(n) = name {
                    r["name"] = json!([{"text": n}]);
                }
                if let Some(q) = party.get("qualification") {
                    r["relationship"] = json!([codeable(q, "en")]);
                }
                self.resources.push((url.clone(), r));
                ("RelatedPerson", url)
            }
            _ => return None,
        };
        self.known.insert(key, url.clone());
        Some((ty, with_display(&url)))
    }

    fn organization(&mut self, name: &str, new_id: &mut dyn FnMut() -> String) -> String {
        let key = format!("organization\0{name}");
        if let Some(u) = self.known.get(&key) {
            return u.clone();
        }
        let url = new_id();
        self.resources.push((
            url.clone(),
            json!({"resourceType": "Organization", "id": url.trim_start_matches("urn:uuid:"), "name": name}),
        ));
        self.known.insert(key, url.clone());
        url
    }
}

/// Who an exported resource names as having performed, recorded, asserted
/// or reported it: the source's attribution if the entry carries one, else
/// whoever signed it in (the patient, or a provider by the name and
/// organisation of their certificate). Patient-entered data stays so: a
/// patient-reported immunisation says it is not from a primary source.
fn attribute(
    o: &mut Map<String, Value>,
    e: &Entry,
    by: EnteredBy,
    patient: &str,
    parties: &mut Parties,
    new_id: &mut dyn FnMut() -> String,
) {
    let mut attributed: Vec<Value> = e.record.get("attributed").and_then(Value::as_array).cloned().unwrap_or_default();
    if attributed.is_empty() {
        let author = &e.record["author"];
        attributed.push(match by {
            EnteredBy::Patient => json!({"role": "recorder", "party": "patient"}),
            _ => {
                let mut p = json!({"role": "recorder", "party": "practitioner", "name": author["name"]});
                if let Some(org) = author.get("organisation") {
                    p["organization"] = org.clone();
                }
                if let Some(fpr) = author["fingerprint"].as_str() {
                    p["identifier"] = json!({"system": "urn:hrx:openpgp-fingerprint", "value": fpr});
                }
                p
            }
        });
    }
    let ty = o.get("resourceType").and_then(Value::as_str).unwrap_or("").to_string();
    let first = |roles: &[&str]| -> Option<Value> {
        roles.iter().find_map(|r| attributed.iter().find(|a| a["role"] == *r)).cloned()
    };
    let entering = ["recorder", "author", "informant", "asserter"];
    // (field, the roles it takes, the resource types it may name)
    let fields: &[(&str, &[&str], &[&str])] = match ty.as_str() {
        "AllergyIntolerance" | "Condition" | "Procedure" => &[
            ("recorder", &entering, &["Practitioner", "PractitionerRole", "Patient", "RelatedPerson"]),
            ("asserter", &["asserter", "informant"], &["Practitioner", "PractitionerRole", "Patient", "RelatedPerson"]),
        ],
        "MedicationStatement" => &[(
            "informationSource",
            &["informant", "recorder", "author", "asserter"],
            &["Practitioner", "PractitionerRole", "Patient", "RelatedPerson", "Organization"],
        )],
        "DeviceUseStatement" => &[(
            "source",
            &["informant", "recorder", "author", "asserter"],
            &["Practitioner", "PractitionerRole", "Patient", "RelatedPerson"],
        )],
        _ => &[],
    };
    for (field, roles, allowed) in fields {
        if let Some(p) = first(roles)
            && let Some((t, r)) = parties.reference(&p, patient, new_id)
            && allowed.contains(&t)
        {
            o.insert((*field).into(), r);
        }
    }
    // Performers: of an observation, a procedure, an immunisation.
    let performers: Vec<Value> = attributed.iter().filter(|a| a["role"] == "performer").cloned().collect();
    let (allowed, as_actor): (&[&str], bool) = match ty.as_str() {
        "Observation" => (&["Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson"], false),
        "Procedure" => (&["Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson"], true),
        "Immunization" => (&["Practitioner", "PractitionerRole", "Organization"], true),
        _ => (&[], false),
    };
    // A measurement the patient took herself has her as its performer.
    let performers = if performers.is_empty() && ty == "Observation" && by != EnteredBy::Clinician {
        first(&entering).into_iter().collect()
    } else {
        performers
    };
    let refs: Vec<Value> = performers
        .iter()
        .filter_map(|p| parties.reference(p, patient, new_id))
        .filter(|(t, _)| allowed.contains(t))
        .map(|(_, r)| if as_actor { json!({"actor": r}) } else { r })
        .collect();
    if !refs.is_empty() {
        o.insert("performer".into(), Value::Array(refs));
    }
    if ty == "Immunization" {
        let reported = !matches!(e.entered_by(by), EnteredBy::Clinician);
        o.insert("primarySource".into(), json!(!reported));
        if reported {
            o.insert(
                "reportOrigin".into(),
                json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/immunization-origin", "code": "recall", "display": "Parent/Guardian/Patient Recall"}]}),
            );
        }
    }
}

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
/// narrative. `patient` is the Patient's fullUrl; `by` who signed the entry
/// in (see [`Entry::entered_by`]); the parties it names are added to
/// `parties`.
pub fn resource(
    e: &Entry,
    by: EnteredBy,
    id: &str,
    patient: &str,
    lang: &str,
    extra_id: &mut dyn FnMut() -> String,
    parties: &mut Parties,
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
            if let Some(t) = r.get("telecom").filter(|t| t.is_array()) {
                o.insert("telecom".into(), t.clone());
            }
            if let Some(cs) = r.get("contacts").and_then(Value::as_array) {
                let contacts: Vec<Value> = cs
                    .iter()
                    .map(|c| {
                        let mut x = Map::new();
                        if let Some(n) = c.get("name").and_then(Value::as_str) {
                            x.insert("name".into(), json!({ "text": n }));
                        }
                        if c.get("relationship").is_some() {
                            x.insert("relationship".into(), json!([codeable(&c["relationship"], lang)]));
                        }
                        if let Some(t) = c.get("telecom").filter(|t| t.is_array()) {
                            x.insert("telecom".into(), t.clone());
                        }
                        Value::Object(x)
                    })
                    .collect();
                o.insert("contact".into(), json!(contacts));
            }
            line = String::new();
        }
        Kind::Note | Kind::Document => return None,
    }
    o.insert("id".into(), json!(id.trim_start_matches("urn:uuid:")));
    if e.kind != Kind::Patient {
        attribute(&mut o, e, by, patient, parties, extra_id);
    }
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

/// An International Patient Summary of `entries` (each with who signed it
/// in) in `lang`. `new_id` makes `urn:uuid:` ids; `record` is the
/// pseudonymous record id.
pub fn ips(
    entries: &[(Entry, EnteredBy)],
    lang: &str,
    now: DateTime<Utc>,
    record: &str,
    new_id: &mut dyn FnMut() -> String,
) -> Value {
    let t = |k: &str| translate(k, lang).or_else(|| translate(k, "en")).unwrap_or(k).to_string();
    let patient_url = new_id();
    let mut parties = Parties::default();
    let patient = entries
        .iter()
        .rfind(|(e, _)| e.kind == Kind::Patient)
        .and_then(|(e, by)| resource(e, *by, &patient_url, &patient_url, lang, &mut || String::new(), &mut parties))
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
        for (e, by) in entries.iter().filter(|(e, _)| kinds.contains(&e.kind)) {
            if e.record.get("status").and_then(Value::as_str) == Some("section-empty") {
                // A statement of absence: the section says why it is empty.
                let field = ["substance", "code", "medication", "vaccine"].iter().find_map(|f| e.record.get(*f));
                empty_reason = field.map(|c| codeable(c, lang));
                continue;
            }
            let id = new_id();
            if let Some((rs, line)) = resource(e, *by, &id, &patient_url, lang, new_id, &mut parties) {
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
    all.extend(resources.into_iter().chain(parties.resources).map(|(u, r)| json!({"fullUrl": u, "resource": r})));
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
