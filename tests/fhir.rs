//! FHIR R4 import: the public test bundles in ../shared/fhir (see its
//! README for their origin and licences), and bad input.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::common::*;

fn shared() -> Vec<PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir");
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
        "Encounter" | "DiagnosticReport" | "Flag" | "CarePlan" => "note",
        "DocumentReference" => "document",
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
    assert!(stderr(&out).contains("more than hrx reads"), "{}", stderr(&out));
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
