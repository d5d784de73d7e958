//! Issue 17, item 13: every `--json` output is documented by a JSON Schema
//! under `records-schema/cli/` (one per command, each with the `version`
//! field), and each command's real output, run as a script would run it on
//! the demo's record, validates against its schema.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

fn schema_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("records-schema/cli")
}

/// Validates `doc` against `records-schema/cli/NAME.schema.json` (with
/// `HRX_DUMP_JSON=DIR`, writes it to DIR/NAME.json first, to draft a new
/// schema from).
pub(crate) fn conforms(name: &str, doc: &Value) {
    if let Some(d) = std::env::var_os("HRX_DUMP_JSON") {
        let _ = std::fs::write(Path::new(&d).join(format!("{name}.json")), serde_json::to_vec_pretty(doc).unwrap());
        if !schema_dir().join(format!("{name}.schema.json")).exists() {
            return;
        }
    }
    let path = schema_dir().join(format!("{name}.schema.json"));
    let schema: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let v = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()));
    let problems: Vec<String> =
        v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).take(10).collect();
    assert!(problems.is_empty(), "hrx {name} --json does not match its schema:\n{}\n{doc:#}", problems.join("\n"));
}

#[test]
fn every_json_output_matches_its_schema() {
    let env = TestEnv::new();
    let demo = env.path().join("demo");
    let out = env.hrx_nobody().args(["demo", "--dir"]).arg(&demo).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let person =
        |home: &str| Party { name: home.into(), home: demo.join(home), fpr: String::new(), passphrase_file: None };
    let (anna, klein) = (person("home-anna"), person("home-klein"));
    let rec = demo.join("anna-record");
    let mut checked = Vec::new();
    let mut run = |name: &str, who: &Party, dir: Option<&Path>, args: &[&str]| -> Value {
        let mut c = env.hrx(who);
        if let Some(d) = dir {
            c.arg("-C").arg(d);
        }
        let out = c.args(args).arg("--json").output().unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {} {}", stdout(&out), stderr(&out)));
        conforms(name, &doc);
        checked.push(name.to_string());
        doc
    };
    for who in [&anna, &klein] {
        run("status", who, Some(&rec), &["status"]);
        run("log", who, Some(&rec), &["log"]);
        run("grants", who, Some(&rec), &["grants", "--all"]);
        run("audit", who, Some(&rec), &["audit"]);
        let keys = run("key-list", who, None, &["key", "list"]);
        for k in keys["keys"].as_array().unwrap() {
            // Someone else's certificate has no secret here to be locked.
            assert_eq!(k.get("locked").is_some(), k["secret"] == true, "{k}");
        }
    }
    let log = run("log", &anna, Some(&rec), &["log"]);
    for e in log["entries"].as_array().unwrap() {
        run("show", &anna, Some(&rec), &["show", e["id"].as_str().unwrap()]);
    }
    run("verify", &anna, Some(&rec), &["verify"]);
    run("schema", &anna, None, &["schema", "allergy"]);
    let added = run("add", &anna, Some(&rec), &["add", "note", "--text", "for the schema"]);
    run("show", &klein, Some(&rec), &["show", added["entry"]["id"].as_str().unwrap()]);
    let klein_fpr =
        run("key-list", &klein, None, &["key", "list"])["keys"][0]["fingerprint"].as_str().unwrap().to_string();
    let grant = run("grant", &anna, Some(&rec), &["grant", &klein_fpr, "--categories", "results", "--include-past"]);
    run("revoke", &anna, Some(&rec), &["revoke", grant["grant"]["id"].as_str().unwrap()]);
    let hub = env.path().join("hub.git");
    assert!(env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&hub).output().unwrap().status.success());
    env.hrx(&anna).arg("-C").arg(&rec).args(["remote", "add", "hub"]).arg(&hub).assert().success();
    run("remote-list", &anna, Some(&rec), &["remote", "list"]);
    run("sync", &anna, Some(&rec), &["sync"]);
    let bundle = env.path().join("anna.bundle");
    run("bundle-create", &anna, Some(&rec), &["bundle", "create", bundle.to_str().unwrap()]);
    run("bundle-import", &anna, Some(&rec), &["bundle", "import", bundle.to_str().unwrap()]);
    let copy = env.path().join("copy");
    run("clone", &klein, None, &["clone", bundle.to_str().unwrap(), copy.to_str().unwrap()]);
    let fresh = env.path().join("fresh");
    run("init", &anna, None, &["init", fresh.to_str().unwrap()]);
    let ips = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir/ips-corpus");
    let first = std::fs::read_dir(&ips)
        .ok()
        .and_then(|d| d.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "json")));
    let sample = first.unwrap_or_else(|| panic!("the IPS corpus at {}", ips.display()));
    run("import-fhir", &anna, Some(&fresh), &["import", "fhir", sample.to_str().unwrap()]);
    let written = env.path().join("ips.json");
    let exported = run("export", &anna, Some(&rec), &["export", "ips", "-o", written.to_str().unwrap()]);
    assert!(exported["export"]["resources"].as_u64().unwrap() > 5, "{exported}");
    run("export", &anna, Some(&rec), &["export", "fhir", "-o", env.path().join("all.json").to_str().unwrap()]);
    run("error", &anna, Some(env.path()), &["log"]);

    // Keys, delegation, emergency access, research export, examples.
    run("add-example", &anna, None, &["add", "allergy", "--example"]);
    let newcomer =
        Party { name: "Dr New".into(), home: env.path().join("home-new"), fpr: String::new(), passphrase_file: None };
    let made = run(
        "key-generate",
        &newcomer,
        None,
        &["key", "generate", "--name", "Dr New", "--country", "FR", "--no-passphrase"],
    );
    let new_fpr = made["key"]["fingerprint"].as_str().unwrap().to_string();
    let cert = env.path().join("new.asc");
    std::fs::write(&cert, env.hrx(&newcomer).args(["key", "export", &new_fpr]).output().unwrap().stdout).unwrap();
    run("key-import", &anna, None, &["key", "import", cert.to_str().unwrap()]);
    run("grant", &anna, Some(&rec), &["delegate", &new_fpr, "--categories", "all"]);
    run("key-extend", &anna, Some(&rec), &["key", "extend", "--for", "2y"]);
    run(
        "emergency-open",
        &person("home-ncp"),
        Some(&rec),
        &["emergency", "open", "--reason", "unconscious on admission"],
    );
    run(
        "export-research",
        &anna,
        Some(&rec),
        &["export", "research", "--out", env.path().join("research").to_str().unwrap()],
    );
    run("key-revoke", &anna, Some(&rec), &["key", "revoke", &new_fpr, "--retired"]);
    let pass = env.path().join("new-pass");
    std::fs::write(&pass, "a long new passphrase\n").unwrap();
    run("key-passwd", &klein, None, &["key", "passwd", "--passphrase-file", pass.to_str().unwrap()]);
    let klein = Party { passphrase_file: Some(pass.clone()), ..klein };
    let paper = env.path().join("klein-key.txt");
    run("key-backup", &klein, None, &["key", "backup", "--paper", "-o", paper.to_str().unwrap()]);
    let elsewhere = Party { home: env.path().join("klein-new-device"), ..klein.clone() };
    run("key-restore", &elsewhere, None, &["key", "restore", paper.to_str().unwrap()]);
    env.hrx(&klein).args(["key", "extend", "--for", "3y"]).assert().success();
    let renewed = env.path().join("klein-renewed.asc");
    std::fs::write(&renewed, env.hrx(&klein).args(["key", "export", &klein_fpr]).output().unwrap().stdout).unwrap();
    run("key-update", &anna, Some(&rec), &["key", "update", renewed.to_str().unwrap()]);
    run("key-rotate", &anna, Some(&rec), &["key", "rotate", "--no-passphrase"]);

    // Every schema is one a command's output was checked against.
    for f in std::fs::read_dir(schema_dir()).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().trim_end_matches(".schema.json").to_string();
        // The recovery flow's are checked by
        // recovery::the_recovery_flows_json_matches_its_schemas, key
        // to-agent's by keys::a_keystore_key_moves_into_gpg_agent_and_its_passphrase_is_cached,
        // the hub's and many records' by hub::an_empty_hub_takes_only_its_patients_record and
        // hub::many_records_sync_at_once_and_one_failure_stops_no_other.
        // The shares' by the tests in tests/share.rs (share::a_share_ends_when_revoked_or_expired_and_its_file_is_removed,
        // share::a_clinic_without_hrx_opens_the_shared_summary_from_its_qr_code,
        // share::a_served_link_opens_over_https_with_the_providers_certificate,
        // share::who_opened_a_served_link_is_recorded_signed_and_shown_in_the_audit).
        let elsewhere = [
            "key-to-agent",
            "hook-install",
            "sync-record",
            "sync-summary",
            "share",
            "share-list",
            "share-revoke",
            "share-update",
            "share-log",
        ];
        assert!(
            checked.contains(&name) || name.starts_with("recovery-") || elsewhere.contains(&name.as_str()),
            "records-schema/cli/{name}.schema.json is checked against real output"
        );
    }
}

/// Every kind of --json document the CLI prints (`out.json("KIND", ...)`
/// in src/cli) has a schema whose top level is that kind: a new output
/// without a schema fails this test.
#[test]
fn every_kind_of_json_output_has_a_schema() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut documented = std::collections::BTreeSet::new();
    for f in std::fs::read_dir(schema_dir()).unwrap().flatten() {
        let s: Value = serde_json::from_slice(&std::fs::read(f.path()).unwrap()).unwrap();
        for k in s["required"].as_array().unwrap() {
            documented.insert(k.as_str().unwrap().to_string());
        }
    }
    let mut printed = std::collections::BTreeSet::new();
    for f in std::fs::read_dir(repo.join("src/cli")).unwrap().flatten() {
        let text = std::fs::read_to_string(f.path()).unwrap();
        for call in ["out.json(\"", "out.json_list(\"", "out.json_line(\""] {
            for part in text.split(call).skip(1) {
                printed.insert(part.split('"').next().unwrap().to_string());
            }
        }
    }
    assert!(printed.len() > 20, "{printed:?}");
    for kind in &printed {
        assert!(documented.contains(kind), "--json output {kind:?} has no schema in records-schema/cli/");
    }
}
