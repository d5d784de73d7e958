//! Issue 14, item 3: the printable emergency summary, for a clinic with only
//! a printer or a screen.

use std::path::Path;

use crate::common::*;

fn add(env: &TestEnv, who: &Party, args: &[&str]) {
    let out = env.hrx(who).arg("-C").arg(env.record()).arg("add").args(args).output().unwrap();
    assert!(out.status.success(), "add {args:?}: {}", stderr(&out));
}

fn summary(env: &TestEnv, who: &Party, args: &[&str]) -> std::process::Output {
    env.hrx(who).arg("-C").arg(env.record()).args(["export", "summary"]).args(args).output().unwrap()
}

/// Compares `got` with `tests/snapshots/NAME` (HRX_UPDATE_SNAPSHOTS=1 rewrites it).
fn snap(name: &str, got: &str) {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("HRX_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&p, got).unwrap();
    }
    let want = std::fs::read_to_string(&p)
        .unwrap_or_else(|_| panic!("missing snapshot {}: run with HRX_UPDATE_SNAPSHOTS=1", p.display()));
    assert_eq!(got, want, "snapshot {name} differs (HRX_UPDATE_SNAPSHOTS=1 rewrites it)");
}

/// Anna's record as a clinic in Valencia would need it: two allergies (the
/// critical one recorded last), a problem that is over and one that is not,
/// a medication taken and one stopped, a vaccination, an advance directive,
/// a note, and her emergency contact.
fn annas_record(env: &TestEnv) -> Party {
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let patient = env.path().join("patient.yaml");
    std::fs::write(
        &patient,
        "name: {given: [Anna], family: Weber}\nbirth_date: 1984-05-17\ngender: female\n\
         identifiers:\n  - {system: 'urn:oid:1.2.276.0.76.4.8', value: A123456789, country: DE}\n\
         languages: [de, en]\nblood_group: {system: snomed, code: '278149003', display: Blood group A Rh(D) positive}\n\
         contacts:\n  - name: Jonas Weber\n    relationship: {system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: C, display: Emergency contact}\n\
         \x20   telecom: [{system: phone, value: '+49 30 1234567'}]\n",
    )
    .unwrap();
    add(env, &anna, &["patient", "--file", patient.to_str().unwrap()]);
    add(env, &anna, &["allergy", "--code", "snomed:227493005", "--display", "Cashew nuts", "--criticality", "low"]);
    add(env, &anna, &["allergy", "--code", "snomed:764146007", "--display", "Penicillin", "--criticality", "high"]);
    add(env, &anna, &["condition", "--code", "icd10:J45", "--display", "Asthma", "--date", "2001"]);
    let file = |name: &str, yaml: &str| {
        let p = env.path().join(name);
        std::fs::write(&p, yaml).unwrap();
        p.to_str().unwrap().to_string()
    };
    let fracture = file(
        "fracture.yaml",
        "code: {system: icd10, code: S82, display: Fracture of lower leg}\nclinical_status: resolved\neffective: '2019-02-11'\n",
    );
    add(env, &anna, &["condition", "--file", &fracture]);
    add(
        env,
        &anna,
        &[
            "medication",
            "--code",
            "atc:R03AK06",
            "--display",
            "Salmeterol and fluticasone",
            "--dosage",
            "1 puff twice daily",
        ],
    );
    let stopped =
        file("amoxicillin.yaml", "medication: {system: atc, code: J01CA04, display: Amoxicillin}\nstatus: stopped\n");
    add(env, &anna, &["medication", "--file", &stopped]);
    let vaccine = file(
        "hepatitis-a.yaml",
        "vaccine: {system: snomed, code: '871751006', display: Hepatitis A vaccine}\neffective: '2024-04-02'\n",
    );
    add(env, &anna, &["immunization", "--file", &vaccine]);
    let directive = file(
        "directive.yaml",
        "directive: {system: snomed, code: '1094191000000107', display: Do not resuscitate}\ndecision: deny\ntext: No resuscitation; see the signed form with my GP.\n",
    );
    add(env, &anna, &["advance-directive", "--file", &directive]);
    add(env, &anna, &["note", "--text", "Prefers to be addressed in English or German."]);
    anna
}

#[test]
fn the_emergency_summary_reads_at_a_glance_in_the_asked_language() {
    let env = TestEnv::new();
    let anna = annas_record(&env);
    let out = summary(&env, &anna, &["--lang", "es"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    snap("summary-es.txt", &text);
    // The critical allergy first, marked, whatever the order recorded.
    let pen = text.find("!! Penicillin").expect("the high-criticality allergy, marked");
    assert!(pen < text.find("Cashew").unwrap());
    assert!(text.contains("[SNOMED CT 764146007]") && text.contains("[ATC R03AK06]"), "codes shown");
    assert!(!text.contains("Fracture") && !text.contains("Amoxicillin"), "over and stopped: left out");
    assert!(text.contains("problemas pasados: 1") && text.contains("medicación pasada: 1"), "and said so");
    assert!(text.contains("Jonas Weber") && text.contains("+49 30 1234567"));

    // HTML: one standalone page that parses as XML, in the language asked.
    let html = env.path().join("summary.html");
    let out = summary(&env, &anna, &["--lang", "de", "-o", html.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&html).unwrap().permissions().mode() & 0o777, 0o600);
    let page = std::fs::read_to_string(&html).unwrap();
    let parsed = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; t = E.parse(sys.argv[1]).getroot(); \
                      print(t.get('lang'), len(t.findall('.//section')), t.find('.//h1').text)",
        ])
        .arg(&html)
        .output()
        .unwrap();
    assert!(parsed.status.success(), "the HTML does not parse: {}", stderr(&parsed));
    assert_eq!(stdout(&parsed).trim(), "de 7 Notfalldaten");
    assert!(page.contains("<li class=\"alert\">Penicillin"), "{page}");
    assert!(page.contains("Allergien und Unverträglichkeiten") && page.contains("Aktuelle Medikation"));
    for outside in ["<script", "http://", "https://", "src="] {
        assert!(!page.contains(outside), "the page fetches or runs nothing: {outside}");
    }
    // An existing file is never overwritten; an unknown extension is refused.
    assert_eq!(summary(&env, &anna, &["-o", html.to_str().unwrap()]).status.code(), Some(7));
    let pdf = env.path().join("summary.pdf");
    let out = summary(&env, &anna, &["-o", pdf.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!pdf.exists());
}

#[test]
fn a_providers_summary_says_what_it_could_not_read_and_names_escape_nothing() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "allergy", "read", &[]);
    add(
        &env,
        &anna,
        &["allergy", "--code", "snomed:764146007", "--display", "Penicillin\u{1b}[2J\u{202e}", "--criticality", "high"],
    );
    add(&env, &anna, &["condition", "--code", "icd10:F32", "--display", "Depression", "--category", "mental-health"]);
    let out = summary(&env, &klein, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Penicillin"));
    assert!(!text.contains("Depression"));
    assert!(text.contains("entries the reader's key may not open: 1"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'), "escapes shown, not sent: {text:?}");
}

#[test]
fn an_imported_summary_keeps_the_emergency_contact() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fhir/IPS_IG-bundle-01.json");
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["import", "fhir"]).arg(&bundle).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&summary(&env, &anna, &["--lang", "fr"]));
    assert!(text.contains("CONTACTS D'URGENCE"), "{text}");
    assert!(text.contains("Martha Mum (") && text.contains("v3-RoleCode MTH)"), "the relationship by its code: {text}");
    assert!(text.contains("+33-555-20036"), "{text}");
    // And the IPS gives it back as Patient.contact.
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["export", "ips"]).output().unwrap();
    let ips: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let patient = ips["entry"].as_array().unwrap().iter().find(|e| e["resource"]["resourceType"] == "Patient").unwrap();
    assert_eq!(patient["resource"]["contact"][0]["name"]["text"], "Martha Mum", "{patient:#}");
}
