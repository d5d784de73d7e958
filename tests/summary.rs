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

/// Compares `got` with the snapshot `tests/snapshots/NAME.snap` (insta:
/// `INSTA_UPDATE=always` writes it anew; review with `git diff`).
fn snap(name: &str, got: &str) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, got);
    });
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
    snap("summary-es", &text);
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
    let docx = env.path().join("summary.docx");
    let out = summary(&env, &anna, &["-o", docx.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("written as .txt, .html or .pdf"), "{}", stderr(&out));
    assert!(!docx.exists());
}

/// `pdftotext` (poppler, which knows nothing of hrx) of `pdf`, and
/// `pdfinfo`'s and `pdffonts`' reports.
fn poppler(pdf: &Path) -> (String, String, String) {
    let run = |tool: &str, extra: &[&str]| {
        let mut c = std::process::Command::new(tool);
        c.args(extra).arg(pdf);
        if tool == "pdftotext" {
            c.arg("-");
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{tool} does not read the PDF: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{tool} finds nothing wrong in the PDF");
        stdout(&out)
    };
    (run("pdftotext", &["-enc", "UTF-8"]), run("pdfinfo", &[]), run("pdffonts", &[]))
}

/// The words of a summary, lower case, without the marks and rules around them.
fn words(s: &str) -> Vec<String> {
    let mut w: Vec<String> = s
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .filter(|w| !(w.contains('/') && w.split('/').all(|n| n.parse::<u32>().is_ok())))
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w
}

/// The summary as a PDF reads back, with a reader no one here wrote, as
/// the text summary does, word for word: A4, one page, the font embedded.
#[test]
fn the_summary_prints_as_a_pdf_that_reads_back_as_its_text() {
    let env = TestEnv::new();
    let anna = annas_record(&env);
    let text = stdout(&summary(&env, &anna, &["--lang", "es"]));
    let pdf = env.path().join("summary.pdf");
    let out = summary(&env, &anna, &["--lang", "es", "-o", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777, 0o600);
    let (got, info, fonts) = poppler(&pdf);
    assert_eq!(words(&got), words(&text), "the PDF says what the text says:\n{got}\n---\n{text}");
    assert!(info.contains("Pages:           1") && info.contains("595.28 x 841.89 pts (A4)"), "{info}");
    assert!(info.contains("Title:           Resumen de urgencia"), "{info}");
    let font: Vec<&str> = fonts
        .lines()
        .find(|l| l.contains("DejaVuSans"))
        .unwrap_or_else(|| panic!("{fonts}"))
        .split_whitespace()
        .collect();
    // name, type (two words), encoding, embedded, subset, to-Unicode map
    assert_eq!(font[1..7], ["CID", "TrueType", "Identity-H", "yes", "yes", "yes"], "{fonts}");
    let size = std::fs::metadata(&pdf).unwrap().len();
    assert!(size < 100_000, "only the glyphs it uses are embedded: {size} bytes");
    // It renders, to one page.
    let pages = env.path().join("rendered");
    std::fs::create_dir(&pages).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "40", "-png"])
        .arg(&pdf)
        .arg(pages.join("page"))
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "pdftoppm: {}", stderr(&out));
    let rendered: Vec<_> = std::fs::read_dir(&pages).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(rendered, ["page-1.png"], "one page");
    // --format pdf to standard output, when it is not a terminal.
    let out = summary(&env, &anna, &["--format", "pdf"]);
    assert!(out.status.success() && out.stdout.starts_with(b"%PDF-1.4"), "{}", stderr(&out));
}

/// Names and terms in other scripts print as recorded, and a record longer
/// than a page goes on to numbered pages.
#[test]
fn a_pdf_summary_keeps_every_script_and_runs_to_more_pages() {
    let env = TestEnv::new();
    let anna = env.party("Łucja Żółkiewska", "PL", None);
    env.init(&anna);
    let patient = env.path().join("patient.yaml");
    std::fs::write(
        &patient,
        "name: {given: [Łucja], family: Żółkiewska}\nbirth_date: 1990-01-02\ncontacts:\n  - name: Ηλίας Παπαδόπουλος\n    telecom: [{system: phone, value: '+30 21 0123456'}]\n",
    )
    .unwrap();
    add(&env, &anna, &["patient", "--file", patient.to_str().unwrap()]);
    add(&env, &anna, &["condition", "--code", "icd10:J45", "--display", "Бронхиальная астма"]);
    let resources: Vec<String> = (0..70)
        .map(|i| {
            format!(
                r#"{{"resource": {{"resourceType": "AllergyIntolerance", "id": "a{i}", "clinicalStatus": {{"coding": [{{"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": "active"}}]}}, "code": {{"text": "Substance number {i} with a long name that wraps onto a second line of the page when it is set"}}, "patient": {{"reference": "Patient/p"}}}}}}"#
            )
        })
        .collect();
    let bundle = env.path().join("many.json");
    std::fs::write(
        &bundle,
        format!(r#"{{"resourceType": "Bundle", "type": "collection", "entry": [{}]}}"#, resources.join(",")),
    )
    .unwrap();
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["import", "fhir"]).arg(&bundle).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let pdf = env.path().join("summary.pdf");
    let out = summary(&env, &anna, &["--lang", "de", "-o", pdf.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (got, info, _) = poppler(&pdf);
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert!(pages >= 2, "{info}");
    for p in 1..=pages {
        assert!(got.contains(&format!("{p}/{pages}")), "page {p} is numbered: {got}");
    }
    for name in ["Łucja", "Żółkiewska", "Ηλίας Παπαδόπουλος", "Бронхиальная астма", "Substance number 69"]
    {
        assert!(got.contains(name), "{name} in {got}");
    }
    // Each page ends with when it was made and for whom.
    let text = stdout(&summary(&env, &anna, &["--lang", "de"]));
    let footer = text.trim_end().lines().last().unwrap();
    assert_eq!(got.matches(footer).count(), pages, "{got}");
    assert_eq!(words(&got.replace(footer, "")), words(&text.replace(footer, "")));
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
