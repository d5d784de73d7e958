//! Grants: the patient (or a delegate) decides who reads and writes what.
//! Recipients are checked by reading the PKESKs in the ciphertext with GnuPG.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use hrx::repo::Record;

use crate::common::*;

/// The key ids an entry file is encrypted to, as GnuPG lists its packets.
fn pkesk_keyids(env: &TestEnv, id: &str) -> BTreeSet<String> {
    let path = stdout(&env.git(&["ls-files", "entries"])).lines().find(|l| l.contains(id)).unwrap().to_string();
    let gpg = Gpg::new(env);
    let out = gpg.run(&["--list-packets", "--list-only", env.record().join(path).to_str().unwrap()]);
    stdout(&out)
        .lines()
        .filter(|l| l.starts_with(":pubkey enc packet:"))
        .map(|l| l.rsplit("keyid ").next().unwrap().trim().to_string())
        .collect()
}

/// The encryption key ids of a party's certificate.
fn enc_keyids(p: &Party) -> BTreeSet<String> {
    let c = forge::cert(p);
    let p = sequoia_openpgp::policy::StandardPolicy::new();
    c.with_policy(&p, None)
        .unwrap()
        .keys()
        .for_storage_encryption()
        .for_transport_encryption()
        .map(|k| k.key().keyid().to_hex())
        .collect()
}

fn readable(env: &TestEnv, who: &Party) -> BTreeSet<String> {
    let log = json(&env.hrx(who).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["readable"] == true)
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

fn add(env: &TestEnv, who: &Party, args: &[&str]) -> String {
    let out = env.hrx(who).arg("-C").arg(env.record()).arg("add").args(args).output().unwrap();
    assert!(out.status.success(), "add {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

#[test]
fn recipients_follow_grants_and_revocations() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let apotheke = env.party("Apotheke", "DE", None);
    env.init(&anna);
    let g_klein = env.grant(&anna, &klein, "general,medication", "read,write", &["--until", "2027-01-01"]);
    env.grant(&anna, &apotheke, "medication", "read", &[]);

    let med = add(&env, &anna, &["medication", "--code", "atc:C09AA05", "--display", "Ramipril"]);
    let mh = add(&env, &anna, &["note", "--text", "therapy", "--category", "mental-health"]);
    let (a, k, p) = (enc_keyids(&anna), enc_keyids(&klein), enc_keyids(&apotheke));
    let r = pkesk_keyids(&env, &med);
    assert!(r.is_superset(&a) && r.is_superset(&k) && r.is_superset(&p), "medication entry: all three");
    let r = pkesk_keyids(&env, &mh);
    assert!(r.is_superset(&a));
    assert!(r.is_disjoint(&k) && r.is_disjoint(&p), "nobody else gets mental-health");

    // Revoke the GP: later entries are not encrypted to it, and it cannot write.
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["revoke", &g_klein, "--json"]).output().unwrap();
    assert_eq!(json(&out)["revoke"]["revoked"][0], g_klein.as_str());
    let med2 = add(&env, &anna, &["medication", "--code", "atc:N02BE01", "--display", "Paracetamol"]);
    let r = pkesk_keyids(&env, &med2);
    assert!(r.is_disjoint(&k), "revoked grantee absent after revocation");
    assert!(r.is_superset(&p));
    let out = env.hrx(&klein).arg("-C").arg(env.record()).args(["add", "note", "--text", "late"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));

    // Each party's log decrypts exactly what its grants covered.
    assert_eq!(readable(&env, &klein), BTreeSet::from([med.clone()]));
    assert_eq!(readable(&env, &apotheke), BTreeSet::from([med.clone(), med2.clone()]));
    assert_eq!(readable(&env, &anna), BTreeSet::from([med, mh, med2]));

    // hrx grants: active by default, everything with --all.
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["grants", "--json"]).output().unwrap());
    assert_eq!(v["grants"].as_array().unwrap().len(), 1);
    assert_eq!(v["grants"][0]["grantee"]["name"], "Apotheke");
    assert_eq!(v["grants"][0]["granted_by"]["name"], "Anna Weber");
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["grants", "--all", "--json"]).output().unwrap());
    let klein_g = v["grants"].as_array().unwrap().iter().find(|g| g["id"] == g_klein.as_str()).unwrap().clone();
    assert_eq!(klein_g["status"], "revoked");
    assert!(klein_g["revoked_at"].is_string());
    assert!(env.verify(&anna).status.success());
}

#[test]
fn grants_expire() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    env.grant(&anna, &klein, "general", "read,write", &["--until", "2026-03-02"]);
    env.note(&klein, "before expiry");
    env.advance(2 * 86400);
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["grants", "--all", "--json"]).output().unwrap());
    assert_eq!(v["grants"][0]["status"], "expired");
    let id = env.note(&anna, "after expiry");
    assert!(pkesk_keyids(&env, &id).is_disjoint(&enc_keyids(&klein)), "no longer a recipient");
    let out = env.hrx(&klein).arg("-C").arg(env.record()).args(["add", "note", "--text", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(env.verify(&anna).status.success());
}

#[test]
fn include_past_opens_old_entries_without_rewriting_them() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let lafe = env.party("Hospital La Fe", "ES", None);
    env.init(&anna);
    let old_med = add(&env, &anna, &["medication", "--code", "atc:C09AA05", "--display", "Ramipril"]);
    let old_allergy = add(&env, &anna, &["allergy", "--code", "snomed:764146007", "--display", "Penicillin"]);
    let old_mh = add(&env, &anna, &["note", "--text", "therapy", "--category", "mental-health"]);
    let before: Vec<String> =
        stdout(&env.git(&["ls-tree", "-r", "HEAD", "entries"])).lines().map(str::to_string).collect();

    env.exchange_cert(&lafe, &anna);
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["grant", &lafe.fpr, "--categories", "medication,allergy,results,general", "--rights", "read,write"])
        .args(["--until", "2026-04-01", "--include-past", "--json"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["grant"]["past_entries_opened"], 2);
    // Old entries untouched: same blobs at the same paths.
    let after: Vec<String> =
        stdout(&env.git(&["ls-tree", "-r", "HEAD", "entries"])).lines().map(str::to_string).collect();
    assert_eq!(before, after);
    assert_eq!(readable(&env, &lafe), BTreeSet::from([old_med.clone(), old_allergy.clone()]));
    let shown =
        json(&env.hrx(&lafe).arg("-C").arg(env.record()).args(["show", &old_allergy, "--json"]).output().unwrap());
    assert_eq!(shown["entry"]["record"]["substance"]["code"], "764146007");
    assert!(!readable(&env, &lafe).contains(&old_mh));
    // Issue 17: "who can read this?" names the later reader too, as such.
    assert_eq!(shown["entry"]["later_readers"][0]["fingerprint"], lafe.fpr.as_str(), "{shown}");
    assert!(!shown["entry"]["recipients"].to_string().contains(&lafe.fpr), "not an original recipient");
    let text = stdout(&env.hrx(&anna).arg("-C").arg(env.record()).args(["show", &old_allergy]).output().unwrap());
    assert!(text.contains("later access: Hospital La Fe"), "{text}");
    // ... and since when, in which commit: the grant's (or the commit of
    // its wraps, right after it).
    let newest = stdout(&env.git(&["rev-list", "-2", "HEAD"]));
    let given = shown["entry"]["later_readers"][0]["granted_in"].as_str().unwrap_or_else(|| panic!("{shown}"));
    assert!(newest.lines().any(|c| c == given), "{given} among {newest}");
    assert!(
        shown["entry"]["later_readers"][0]["granted_at"].as_str().is_some_and(|t| t.starts_with("2026-03-01")),
        "{shown}"
    );
    assert!(text.contains(&format!("(commit {})", &given[..12])), "{text}");

    // Stock GnuPG reads the wrap + entry pair with the hospital's key.
    let gpg = Gpg::new(&env);
    gpg.import_secret(&lafe);
    let anna_pub = env.path().join("anna.asc");
    std::fs::write(&anna_pub, env.hrx(&anna).args(["key", "export", &anna.fpr]).output().unwrap().stdout).unwrap();
    assert!(gpg.run(&["--import", anna_pub.to_str().unwrap()]).status.success());
    let files = stdout(&env.git(&["ls-files"]));
    let entry = files.lines().find(|l| l.contains(&old_med) && l.starts_with("entries/")).unwrap();
    let wrap = hrx::model::RepoPath::Access { entry: old_med.parse().unwrap(), reader: lafe.fpr.clone() }.to_path();
    assert!(files.contains(&wrap), "{files}");
    let joined = env.path().join("joined.pgp");
    let mut bytes = std::fs::read(env.record().join(&wrap)).unwrap();
    bytes.extend(std::fs::read(env.record().join(entry)).unwrap());
    std::fs::write(&joined, bytes).unwrap();
    let out = gpg.run(&["--decrypt", joined.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Ramipril"));
    assert!(stderr(&out).contains("Good signature"), "{}", stderr(&out));
    let alone = gpg.run(&["--decrypt", env.record().join(entry).to_str().unwrap()]);
    assert!(!alone.status.success(), "the entry alone is not for the hospital");
    assert!(env.verify(&anna).status.success());
    assert!(env.verify(&lafe).status.success());
}

#[test]
fn a_guardian_manages_a_childs_record_within_its_scope() {
    let env = TestEnv::new();
    let child = env.party("Mia Weber", "DE", None);
    let mother = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let therapist = env.party("Dr Roth", "DE", None);
    env.init(&child);
    env.exchange_cert(&mother, &child);
    env.hrx(&child)
        .arg("-C")
        .arg(env.record())
        .args([
            "delegate",
            &mother.fpr,
            "--role",
            "guardian",
            "--categories",
            "general,medication,allergy,immunization",
        ])
        .assert()
        .success();
    // The guardian writes, and grants the GP within her scope.
    let vaccine = add(&env, &mother, &["note", "--text", "MMR given at school"]);
    let g = env.grant(&mother, &klein, "general,medication", "read,write", &[]);
    env.note(&klein, "check-up fine");
    assert!(env.verify(&child).status.success());
    assert!(readable(&env, &mother).contains(&vaccine));
    let v = json(&env.hrx(&child).arg("-C").arg(env.record()).args(["grants", "--json"]).output().unwrap());
    let gp = v["grants"].as_array().unwrap().iter().find(|x| x["id"] == g.as_str()).unwrap().clone();
    assert_eq!(gp["granted_by"]["name"], "Anna Weber");
    let guardian = v["grants"].as_array().unwrap().iter().find(|x| x["role"] == "guardian").unwrap().clone();
    assert_eq!(guardian["grantee"]["name"], "Anna Weber");

    // Outside her scope she is refused before anything is written...
    env.exchange_cert(&therapist, &mother);
    let before = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out = env
        .hrx(&mother)
        .arg("-C")
        .arg(env.record())
        .args(["grant", &therapist.fpr, "--categories", "mental-health", "--rights", "read"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), before);
    // ... and verify refuses it if she forges it anyway.
    let t = DateTime::parse_from_rfc3339(&env.now()).unwrap().with_timezone(&Utc);
    let id = hrx::ops::add::new_id(t).unwrap();
    let st = format!(
        "statement: grant\nid: {id}\nissued_at: '{0}'\ngrantee: {1}\ncategories: [mental-health]\nrights: [read]\npurpose: treatment\nfrom: '{0}'\n",
        t.to_rfc3339(),
        klein.fpr
    );
    let rec = Record::open(&env.record()).unwrap();
    let mut u = forge::unlock(&mother);
    rec.append(
        rec.head().unwrap(),
        &[(format!("policy/{id}.yaml"), st.into_bytes())],
        "hrx: grant",
        &mut u.signer,
        &u.identity,
        t,
    )
    .unwrap();
    let out = env.verify(&child);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("does not manage"), "{}", stderr(&out));
}

#[test]
fn emergency_access_is_scoped_and_recorded() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let ncp = env.party("Punto de Contacto Nacional", "ES", None);
    let nobody = env.party("Night Doctor", "ES", None);
    env.init(&anna);
    env.grant(&anna, &ncp, "allergy,medication,problem,advance-directive", "read", &["--purpose", "emergency"]);
    let allergy = add(&env, &anna, &["allergy", "--code", "snomed:764146007", "--display", "Penicillin"]);
    let note = env.note(&anna, "private travel note");

    // Before the glass is broken, the emergency key's log opens nothing.
    let log = json(&env.hrx(&ncp).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let a = log["entries"].as_array().unwrap().iter().find(|e| e["id"] == allergy.as_str()).unwrap().clone();
    assert_eq!(a["readable"], false);
    assert_eq!(a["sealed"], true);
    // A key without an emergency grant cannot open it, and writes nothing.
    let before = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out =
        env.hrx(&nobody).arg("-C").arg(env.record()).args(["emergency", "open", "--reason", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), before);
    // The reason is the accountability: without one, nothing is opened.
    let out = env.hrx(&ncp).arg("-C").arg(env.record()).args(["emergency", "open"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--reason"), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), before);

    let out = env
        .hrx(&ncp)
        .arg("-C")
        .arg(env.record())
        .args(["emergency", "open", "--reason", "unconscious patient, Valencia ER", "--json"])
        .output()
        .unwrap();
    let v = json(&out);
    let shown: Vec<&str> =
        v["emergency"]["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(shown, [allergy.as_str()], "only the emergency scope");
    assert_eq!(v["emergency"]["entries"][0]["readable"], true);
    assert!(!readable(&env, &ncp).contains(&note));
    assert!(pkesk_keyids(&env, &note).is_disjoint(&enc_keyids(&ncp)), "out of scope: not even encrypted to it");

    // The patient sees it in the audit trail, signed by the emergency key.
    let audit = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["audit", "--json"]).output().unwrap());
    assert_eq!(audit["audit"]["verified"], true);
    let ev: Vec<_> = audit["audit"]["events"].as_array().unwrap().iter().filter(|e| e["emergency"] == true).collect();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["signer"]["name"], "Punto de Contacto Nacional");
    assert_eq!(ev[0]["signer"]["country"], "ES");
    assert_eq!(ev[0]["actions"][0]["code"], "emergency-access");
    assert!(ev[0]["actions"][0]["text"].as_str().unwrap().contains("Valencia ER"));
    let text = stdout(&env.hrx(&anna).arg("-C").arg(env.record()).arg("audit").output().unwrap());
    assert!(text.contains("EMERGENCY ACCESS"), "{text}");
    assert!(env.verify(&anna).status.success());

    // After the window closes it is sealed again.
    env.advance(25 * 3600);
    assert!(readable(&env, &ncp).is_empty());
}

#[test]
fn audit_names_signers_actions_and_the_bad_commit() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    env.note(&klein, "visit");
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["audit", "--json"]).output().unwrap());
    let events = v["audit"]["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["actions"][0]["code"], "create-record");
    assert_eq!(events[0]["actions"][0]["text"], "created the record");
    assert!(
        events[1]["actions"].as_array().unwrap().iter().any(|a| a["code"] == "grant"
            && a["text"].as_str().unwrap().starts_with("granted Dr Klein read+write on general"))
    );
    assert_eq!(events[2]["signer"]["name"], "Dr Klein");
    assert_eq!(events[2]["actions"][0]["code"], "add-entry");
    assert!(events[2]["actions"][0]["text"].as_str().unwrap().contains("(general)"));
    assert!(events.iter().all(|e| e["status"] == "verified"));

    // Tamper: an unsigned commit on top.
    std::fs::write(env.record().join("stray.txt"), "x").unwrap();
    env.git(&["add", "-A"]);
    env.git(&["-c", "user.name=M", "-c", "user.email=m@example.org", "commit", "-q", "-m", "stray"]);
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["audit", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = v["audit"]["events"].as_array().unwrap();
    assert_eq!(events.last().unwrap()["status"], "failed");
    assert!(events.last().unwrap()["problem"].as_str().unwrap().contains("not signed"));
    assert_eq!(events[0]["status"], "verified");
}
