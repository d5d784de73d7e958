//! Recovery of the patient's key by trustees (issue 11): set-up, a new
//! device with only a copy of the record, approvals, finish; and the ways
//! it must fail.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::attacks::{assert_rejected, forge_commit, scene, time};
use crate::common::*;

fn run(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> Output {
    env.hrx(who).arg("-C").arg(dir).args(args).output().unwrap()
}

fn ok(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> String {
    let out = run(env, who, dir, args);
    assert!(out.status.success(), "hrx {args:?} as {}: {}", who.name, stderr(&out));
    stdout(&out)
}

/// A FHIR bundle of `n` heart-rate observations: `n` entries in one import.
fn observations(env: &TestEnv, n: usize) -> PathBuf {
    let entries: Vec<Value> = (0..n)
        .map(|i| {
            serde_json::json!({"fullUrl": format!("urn:uuid:obs-{i}"), "resource": {
                "resourceType": "Observation", "id": format!("obs-{i}"), "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
                "effectiveDateTime": "2025-01-01T10:00:00Z",
                "valueQuantity": {"value": 50 + i, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}}})
        })
        .collect();
    let b = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries});
    let f = env.path().join("observations.json");
    std::fs::write(&f, serde_json::to_vec(&b).unwrap()).unwrap();
    f
}

/// A person on a device of their own, with no key yet.
fn new_device(env: &TestEnv, name: &str) -> Party {
    let f = env.path().join(format!("{name}.pass"));
    std::fs::write(&f, "a new passphrase\n").unwrap();
    Party {
        name: name.into(),
        home: env.path().join(format!("home-{name}")),
        fpr: String::new(),
        passphrase_file: Some(f),
    }
}

/// The raw secret key material of `who`'s keys (stored unprotected).
fn secret_material(who: &Party) -> Vec<Vec<u8>> {
    use sequoia_openpgp::packet::key::SecretKeyMaterial;
    use sequoia_openpgp::parse::Parse;
    use sequoia_openpgp::serialize::MarshalInto;
    let tsk = sequoia_openpgp::Cert::from_file(who.home.join("secret").join(format!("{}.pgp", who.fpr))).unwrap();
    tsk.keys()
        .secret()
        .map(|ka| match ka.key().optional_secret() {
            Some(SecretKeyMaterial::Unencrypted(u)) => u.map(|m| m.to_vec().unwrap()),
            _ => panic!("the test key is stored unprotected"),
        })
        .collect()
}

/// Every byte on disk under `dir`, git objects decompressed.
fn everything_under(env: &TestEnv, dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all = vec![];
    for f in TestEnv::files_under(dir) {
        if let Ok(b) = std::fs::read(&f) {
            all.push((f.clone(), b));
        }
        if f.file_name().is_some_and(|n| n == "HEAD")
            && f.parent().is_some_and(|p| p.to_string_lossy().ends_with(".git"))
        {
            let repo = f.parent().unwrap();
            let out = env
                .bare("git")
                .arg("--git-dir")
                .arg(repo)
                .args(["cat-file", "--batch", "--batch-all-objects"])
                .output()
                .unwrap();
            all.push((repo.join("(objects)"), out.stdout));
        }
    }
    all
}

/// Whether `needle` is in `hay`, or in any ASCII-armoured block of it
/// once decoded (keys and messages are stored armoured).
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let raw = |h: &[u8]| h.windows(needle.len()).any(|w| w == needle);
    if raw(hay) {
        return true;
    }
    let text = String::from_utf8_lossy(hay);
    text.split("-----BEGIN PGP").skip(1).any(|block| {
        let armoured = format!("-----BEGIN PGP{block}");
        hrx::crypto::dearmor(armoured.as_bytes()).is_ok_and(|b| raw(&b))
    })
}

/// Anna's record on her laptop with 120 entries and a hub; three trustees
/// (her sister, her GP, a notary) each with a copy from the hub.
struct Family {
    env: TestEnv,
    anna: Party,
    laptop: PathBuf,
    hub: String,
    trustees: Vec<(Party, PathBuf)>,
}

fn family() -> Family {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let laptop = env.init(&anna);
    let hub = env.path().join("hub.git");
    env.bare("git").args(["init", "-q", "--bare"]).arg(&hub).assert().success();
    let hub = hub.to_str().unwrap().to_string();
    ok(&env, &anna, &laptop, &["remote", "add", "hub", &hub]);
    let bundle = observations(&env, 119);
    ok(&env, &anna, &laptop, &["import", "fhir", bundle.to_str().unwrap()]);
    env.note(&anna, "Anna: the 120th entry");
    let mut trustees = vec![];
    for name in ["Marta Weber", "Dr Klein", "Notar Berg"] {
        let p = env.party(name, "DE", None);
        env.exchange_cert(&p, &anna);
        trustees.push(p);
    }
    let fprs: Vec<&str> = trustees.iter().map(|p| p.fpr.as_str()).collect();
    let v = json(&run(
        &env,
        &anna,
        &laptop,
        &["recovery", "setup", "--trustees", &fprs.join(","), "--threshold", "2", "--json"],
    ));
    assert_eq!(v["recovery"]["threshold"], 2, "{v}");
    assert_eq!(v["recovery"]["trustees"].as_array().unwrap().len(), 3);
    ok(&env, &anna, &laptop, &["sync"]);
    let trustees = trustees
        .into_iter()
        .map(|p| {
            let dir = env.path().join(format!("copy-{}", p.name.replace(' ', "-")));
            env.hrx(&p).args(["clone", &hub]).arg(&dir).args(["--trust-root", &anna.fpr]).assert().success();
            (p, dir)
        })
        .collect();
    Family { env, anna, laptop, hub, trustees }
}

impl Family {
    /// A new phone with a copy of the record from the hub, and no key.
    fn phone(&self) -> (Party, PathBuf) {
        let phone = new_device(&self.env, "phone");
        let copy = self.env.path().join("phone-copy");
        self.env
            .hrx(&phone)
            .args(["clone", &self.hub])
            .arg(&copy)
            .args(["--trust-root", &self.anna.fpr])
            .assert()
            .success();
        (phone, copy)
    }

    /// Trustee `i` approves `request` on its own copy; the approval file
    /// `name` (under the test directory).
    fn approve(&self, i: usize, request: &Path, name: &str) -> PathBuf {
        let (p, dir) = &self.trustees[i];
        let a = self.env.path().join(name);
        ok(&self.env, p, dir, &["recovery", "approve", request.to_str().unwrap(), "-o", a.to_str().unwrap()]);
        a
    }
}

#[test]
fn a_patient_who_lost_every_device_recovers_her_record_with_two_of_three_trustees() {
    let f = family();
    let (env, anna) = (&f.env, &f.anna);
    let secrets = secret_material(anna);
    // The set-up adds the trustees' certificates and one statement, nothing else.
    let added = stdout(&env.git(&["show", "--name-status", "--format=", "HEAD~0"]));
    assert!(added.lines().all(|l| l.starts_with('A')), "{added}");
    assert_eq!(added.lines().filter(|l| l.contains("policy/")).count(), 1, "{added}");
    let status = ok(env, anna, &f.laptop, &["recovery", "status"]);
    assert!(status.contains("any 2 of 3 trustees") && status.contains("current: yes"), "{status}");
    for (p, _) in &f.trustees {
        assert!(status.contains(&p.fpr), "{status}");
    }
    // Who the trustees are is public; the shares are not.
    let policy = stdout(&env.git(&["show", "HEAD"]));
    assert!(policy.contains("statement: recovery") && policy.contains("BEGIN PGP MESSAGE"), "{policy}");

    // The GP's copy goes on a stick; the laptop and Anna's keys are lost.
    let (klein, klein_copy) = &f.trustees[1];
    let stick = env.path().join("stick.bundle");
    ok(env, klein, klein_copy, &["bundle", "create", stick.to_str().unwrap()]);
    std::fs::remove_dir_all(&anna.home).unwrap();
    std::fs::remove_dir_all(&f.laptop).unwrap();

    // A new phone: a copy of the record and nothing else.
    let phone = new_device(env, "anna-phone");
    let copy = env.path().join("phone-copy");
    env.hrx(&phone)
        .args(["clone", stick.to_str().unwrap()])
        .arg(&copy)
        .args(["--trust-root", &anna.fpr])
        .assert()
        .success();
    let out = run(env, &phone, &copy, &["log"]);
    assert!(stdout(&out).contains("not readable with your keys"), "{}", stdout(&out));
    let request = env.path().join("request.yaml");
    let code = ok(env, &phone, &copy, &["recovery", "start", "-o", request.to_str().unwrap()]).trim().to_string();
    assert_eq!(code.len(), 19, "{code}");

    // Marta and the notary approve on their own copies; each sees the code.
    let mut approvals = vec![];
    for i in [0, 2] {
        let (p, dir) = &f.trustees[i];
        let a = env.path().join(format!("approval-{i}.asc"));
        let shown = ok(env, p, dir, &["recovery", "approve", request.to_str().unwrap(), "-o", a.to_str().unwrap()]);
        assert_eq!(shown.trim(), code);
        approvals.push(a);
    }
    // One approval is not enough, and nothing is kept.
    let out = run(env, &phone, &copy, &["recovery", "finish", approvals[0].to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("2 trustees must approve and 1 did"), "{}", stderr(&out));
    assert!(!ok(env, &phone, &copy, &["key", "list"]).contains(&anna.fpr));

    let v = json(&run(
        env,
        &phone,
        &copy,
        &["recovery", "finish", approvals[0].to_str().unwrap(), approvals[1].to_str().unwrap(), "--json"],
    ));
    assert_eq!(v["recovered"]["key"], anna.fpr.as_str(), "{v}");
    let anna2 = Party { fpr: anna.fpr.clone(), ..phone.clone() };

    // She reads her whole history...
    let log = json(&run(env, &anna2, &copy, &["log", "--json"]));
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 120);
    assert!(entries.iter().all(|e| e["readable"] == true), "{log}");
    // ... and governs: grants and revokes, and every copy verifies after sync.
    let lafe = env.party("Hospital La Fe", "ES", None);
    env.exchange_cert(&lafe, &anna2);
    let grant = ok(env, &anna2, &copy, &["grant", &lafe.fpr, "--categories", "general", "--rights", "read"]);
    ok(env, &anna2, &copy, &["revoke", grant.trim()]);
    ok(env, &anna2, &copy, &["remote", "add", "hub", &f.hub]);
    ok(env, &anna2, &copy, &["sync"]);
    for (p, dir) in &f.trustees {
        ok(env, p, dir, &["sync"]);
        let out = run(env, p, dir, &["verify"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(ok(env, p, dir, &["audit"]).contains("revoked grant"));
    }
    assert!(run(env, &anna2, &copy, &["verify"]).status.success());

    // No secret key material in clear anywhere on disk: the recovered key
    // is protected by the new passphrase, everything else is encrypted.
    for (path, bytes) in everything_under(env, env.path()) {
        for s in &secrets {
            assert!(!contains(&bytes, s), "secret key material in clear in {}", path.display());
        }
    }
}

#[test]
fn one_trustee_alone_or_approvals_of_two_set_ups_recover_nothing() {
    let f = family();
    let (env, anna) = (&f.env, &f.anna);
    let (phone, copy) = f.phone();
    let first = env.path().join("first.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", first.to_str().unwrap()]);
    let a_marta = f.approve(0, &first, "marta-first.asc");
    // The same trustee twice counts once.
    let out = run(env, &phone, &copy, &["recovery", "finish", a_marta.to_str().unwrap(), a_marta.to_str().unwrap()]);
    assert!(stderr(&out).contains("2 trustees must approve and 1 did"), "{}", stderr(&out));

    // Anna sets up again (same trustees): the first set-up is over.
    let fprs: Vec<&str> = f.trustees.iter().map(|(p, _)| p.fpr.as_str()).collect();
    ok(
        env,
        anna,
        &f.laptop,
        &["recovery", "setup", "--trustees", &fprs.join(","), "--threshold", "2", "--no-passphrase"],
    );
    ok(env, anna, &f.laptop, &["sync"]);
    let (notary, notary_copy) = &f.trustees[2];
    ok(env, notary, notary_copy, &["sync"]);
    // A trustee whose copy has the new set-up refuses the old request.
    let a = env.path().join("notary-first.asc");
    let out =
        run(env, notary, notary_copy, &["recovery", "approve", first.to_str().unwrap(), "-o", a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("this copy's current set-up is"), "{}", stderr(&out));
    assert!(!a.exists());
    // A new request on the synced phone; the notary approves it. Marta's
    // approval of the first set-up does not combine with it.
    ok(env, &phone, &copy, &["sync"]);
    let second = env.path().join("second.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", second.to_str().unwrap()]);
    let a_notary = f.approve(2, &second, "notary-second.asc");
    let out = run(env, &phone, &copy, &["recovery", "finish", a_notary.to_str().unwrap(), a_marta.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("answers another request") || stderr(&out).contains("current set-up"),
        "{}",
        stderr(&out)
    );
    assert!(!ok(env, &phone, &copy, &["key", "list"]).contains(&anna.fpr));
}

#[test]
fn forged_or_tampered_approvals_are_refused() {
    let f = family();
    let (env, anna) = (&f.env, &f.anna);
    let (phone, copy) = f.phone();
    let request = env.path().join("request.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", request.to_str().unwrap()]);
    let marta_copy = &f.trustees[0].1;
    let a_marta = f.approve(0, &request, "marta.asc");

    // Someone who is not a trustee cannot approve...
    let stranger = env.party("Mallory", "XX", None);
    let out = run(env, &stranger, marta_copy, &["recovery", "approve", request.to_str().unwrap(), "-o", "/dev/null/x"]);
    assert_ne!(out.status.code(), Some(0));
    // ... and an approval made with GnuPG by a participant who is not a
    // trustee, claiming to be the notary, is refused.
    let lafe = env.party("Hospital La Fe", "ES", None);
    env.exchange_cert(&lafe, anna);
    ok(env, anna, &f.laptop, &["grant", &lafe.fpr, "--categories", "general", "--rights", "read"]);
    ok(env, anna, &f.laptop, &["sync"]);
    ok(env, &phone, &copy, &["sync"]);
    let req: Value = serde_yaml_ng::from_slice(&std::fs::read(&request).unwrap()).unwrap();
    let one_time = env.path().join("one-time.asc");
    std::fs::write(&one_time, req["certificate"].as_str().unwrap()).unwrap();
    let gpg = Gpg::new(env);
    gpg.import_secret(&lafe);
    assert!(gpg.run(&["--import", one_time.to_str().unwrap()]).status.success());
    let notary = &f.trustees[2].0;
    let record = req["record"].as_str().unwrap();
    let recovery = req["recovery"].as_str().unwrap();
    let one_fpr = {
        use sequoia_openpgp::parse::Parse;
        let c = sequoia_openpgp::Cert::from_bytes(req["certificate"].as_str().unwrap().as_bytes()).unwrap();
        c.fingerprint().to_hex()
    };
    let payload = serde_json::json!({"hrx_recovery_approval": 1, "record": record, "recovery": recovery,
        "request": one_fpr, "trustee": notary.fpr, "share": "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAh"});
    let p = env.path().join("payload.json");
    std::fs::write(&p, payload.to_string()).unwrap();
    let forged = env.path().join("forged.asc");
    let out = gpg.run(&[
        "--batch",
        "--yes",
        "--trust-model",
        "always",
        "--compress-algo",
        "none",
        "--armor",
        "--sign",
        "--local-user",
        &lafe.fpr,
        "--encrypt",
        "--recipient",
        &one_fpr,
        "--output",
        forged.to_str().unwrap(),
        p.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(env, &phone, &copy, &["recovery", "finish", a_marta.to_str().unwrap(), forged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a trustee"), "{}", stderr(&out));

    // A tampered approval (one character of Marta's changed) is refused.
    let text = std::fs::read_to_string(&a_marta).unwrap();
    let body_line = text.lines().nth(3).unwrap().to_string();
    let mut altered = body_line.clone().into_bytes();
    altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
    let tampered = env.path().join("tampered.asc");
    std::fs::write(&tampered, text.replacen(&body_line, &String::from_utf8(altered).unwrap(), 1)).unwrap();
    let a_klein = f.approve(1, &request, "klein.asc");
    let out = run(env, &phone, &copy, &["recovery", "finish", tampered.to_str().unwrap(), a_klein.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!ok(env, &phone, &copy, &["key", "list"]).contains(&anna.fpr));
    // The genuine pair still works.
    let out = run(env, &phone, &copy, &["recovery", "finish", a_marta.to_str().unwrap(), a_klein.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A recovery statement signed by `signer` whose shares are sealed to
/// `sealed_to[i]` but name `trustees[i]`.
fn forged_recovery(s: &crate::attacks::Scene, signer: &Party, trustees: [&Party; 2], sealed_to: [&Party; 2]) -> String {
    let t = time(s);
    let id = hrx::ops::add::new_id(t).unwrap();
    let mut st = format!(
        "statement: recovery\nid: {id}\nissued_at: '{}'\nkey: {}\nthreshold: 2\ntrustees:\n",
        t.to_rfc3339(),
        s.anna.fpr
    );
    for (tr, to) in trustees.iter().zip(sealed_to) {
        let u = forge::unlock(signer);
        let msg = hrx::crypto::message::seal(b"{}", u.signer, &[&forge::cert(to)], t).unwrap();
        let share = hrx::crypto::armour_message(&msg).unwrap().trim_end().replace('\n', "\n    ");
        st.push_str(&format!("- certificate: {}\n  share: |\n    {share}\n", tr.fpr));
    }
    st.push_str("secret: x\n");
    forge_commit(s, signer, vec![(format!("policy/{id}.yaml"), st.into_bytes())], t)
}

#[test]
fn recovery_set_up_by_a_provider() {
    let s = scene();
    // The GP puts the patient's key in the hands of itself and the pharmacy.
    forged_recovery(&s, &s.klein, [&s.klein, &s.apotheke], [&s.klein, &s.apotheke]);
    assert_rejected(&s, "policy", None);
}

#[test]
fn recovery_share_sealed_to_someone_other_than_its_trustee() {
    let s = scene();
    // The pharmacy's "share" is encrypted to the GP: it could never approve.
    forged_recovery(&s, &s.anna, [&s.klein, &s.apotheke], [&s.klein, &s.klein]);
    assert_rejected(&s, "bad-statement", None);
}

#[test]
fn a_rotation_of_the_patients_key_reissues_the_shares() {
    let f = family();
    let (env, anna) = (&f.env, &f.anna);
    let (phone, copy) = f.phone();
    let before = env.path().join("before.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", before.to_str().unwrap()]);
    let (marta, marta_copy) = &f.trustees[0];
    let old_approval = env.path().join("marta-before.asc");
    ok(
        env,
        marta,
        marta_copy,
        &["recovery", "approve", before.to_str().unwrap(), "-o", old_approval.to_str().unwrap()],
    );

    let v = json(&run(env, anna, &f.laptop, &["key", "rotate", "--no-passphrase", "--json"]));
    let new_key = v["rotated"]["to"].as_str().unwrap().to_string();
    assert_eq!(v["rotated"]["recovery_reissued"], 3, "{v}");
    let status = json(&run(env, anna, &f.laptop, &["recovery", "status", "--json"]));
    assert_eq!(status["recovery"]["key"], new_key.as_str(), "{status}");
    assert_eq!(status["recovery"]["current"], true, "{status}");
    ok(env, anna, &f.laptop, &["sync"]);
    for (p, dir) in &f.trustees {
        ok(env, p, dir, &["sync"]);
    }
    ok(env, &phone, &copy, &["sync"]);

    // Approvals of the old set-up recover nothing now...
    let (notary, notary_copy) = &f.trustees[2];
    let out = run(env, notary, notary_copy, &["recovery", "approve", before.to_str().unwrap(), "-o", "/dev/null/x"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = run(env, &phone, &copy, &["recovery", "finish", old_approval.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("current set-up"), "{}", stderr(&out));
    // ... and a new request recovers the new key, which reads everything.
    let after = env.path().join("after.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", after.to_str().unwrap()]);
    let approvals: Vec<String> =
        [0, 2].map(|i| f.approve(i, &after, &format!("after-{i}.asc")).to_str().unwrap().to_string()).to_vec();
    let mut args = vec!["recovery", "finish", "--json"];
    args.extend(approvals.iter().map(|s| s.as_str()));
    let v = json(&run(env, &phone, &copy, &args));
    assert_eq!(v["recovered"]["key"], new_key.as_str(), "{v}");
    let anna2 = Party { fpr: new_key.clone(), ..phone.clone() };
    let log = json(&run(env, &anna2, &copy, &["log", "--json"]));
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 120);
    assert!(entries.iter().all(|e| e["readable"] == true));
}

#[test]
fn paper_backup_round_trip_and_a_mistyped_line() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let secrets = secret_material(&anna);
    let record = env.init(&anna);
    let note = env.note(&anna, "an old entry");
    let pass = env.path().join("backup.pass");
    std::fs::write(&pass, "paper passphrase\n").unwrap();
    let txt = env.path().join("anna-key.txt");
    let svg = env.path().join("anna-key.svg");
    for f in [&txt, &svg] {
        env.hrx(&anna)
            .args(["key", "backup", "--paper", "-o"])
            .arg(f)
            .arg("--passphrase-file")
            .arg(&pass)
            .assert()
            .success();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(f).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let page = std::fs::read_to_string(&svg).unwrap();
    assert!(page.contains("<svg") && page.contains("end: ") && page.contains(&anna.fpr), "{page}");
    let text = std::fs::read_to_string(&txt).unwrap();
    assert!(text.contains("01  ") && (text.contains('▀') || text.contains('█')), "{text}");
    // What the paper holds is the key protected, never in clear.
    let held = hrx::crypto::paper::read(&text).unwrap();
    assert!(secrets.iter().all(|s| !contains(&held, s)));
    // Never on the terminal without -o; never over an existing file.
    let out = env
        .hrx(&anna)
        .args(["key", "backup", "--paper", "-o"])
        .arg(&txt)
        .arg("--passphrase-file")
        .arg(&pass)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));

    // The device is wiped; Anna types the lines back, with one typo first.
    std::fs::remove_dir_all(&anna.home).unwrap();
    let typed: Vec<&str> =
        text.lines().filter(|l| l.starts_with(|c: char| c.is_ascii_digit()) || l.starts_with("end:")).collect();
    let line3 = typed[2];
    let i = line3.find(|c: char| c.is_ascii_uppercase()).unwrap() + 1;
    let wrong = if &line3[i..i + 1] == "Q" { "R" } else { "Q" };
    let mistyped = typed.join("\n").replacen(line3, &format!("{}{wrong}{}", &line3[..i], &line3[i + 1..]), 1);
    let f = env.path().join("typed.txt");
    std::fs::write(&f, &mistyped).unwrap();
    let back = Party { passphrase_file: Some(pass.clone()), ..anna.clone() };
    let out = env.hrx(&back).args(["key", "restore"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 03 does not match its check"), "{}", stderr(&out));
    assert!(!back.home.join("secret").exists(), "nothing kept from a bad backup");
    // A missing line is named too.
    std::fs::write(&f, typed.iter().filter(|l| **l != typed[4]).cloned().collect::<Vec<_>>().join("\n")).unwrap();
    let out = env.hrx(&back).args(["key", "restore"]).arg(&f).output().unwrap();
    assert!(stderr(&out).contains("line 05 of") && stderr(&out).contains("missing"), "{}", stderr(&out));
    // A wrong passphrase restores nothing.
    let bad = env.path().join("bad.pass");
    std::fs::write(&bad, "not it\n").unwrap();
    std::fs::write(&f, typed.join("\n").to_lowercase()).unwrap();
    let out = env.hrx(&back).args(["key", "restore"]).arg(&f).arg("--passphrase-file").arg(&bad).output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(!back.home.join("secret").exists());
    // Typed right (in lower case, even): the key is back and reads the old entry.
    let v = json(&env.hrx(&back).args(["key", "restore", "--json"]).arg(&f).output().unwrap());
    assert_eq!(v["restored"]["fingerprint"], anna.fpr.as_str());
    let out = env.hrx(&back).arg("-C").arg(&record).args(["show", &note]).output().unwrap();
    assert!(out.status.success() && stdout(&out).contains("an old entry"), "{}", stderr(&out));
    // Nothing unprotected anywhere: the paper, the files, the new keystore.
    for (path, bytes) in everything_under(&env, env.path()) {
        for s in &secrets {
            assert!(!contains(&bytes, s), "secret key material in clear in {}", path.display());
        }
    }
}

/// A key whose expiry was extended a few times still fits one paper
/// backup (each extension adds self-signatures; the backup keeps only the
/// newest of each, and the key comes back with the expiry it had). It had
/// failed with "the key is too large for a QR code" after one extension.
#[test]
fn a_key_extended_several_times_still_fits_its_paper_backup() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    for years in ["1y", "2y", "3y", "4y"] {
        env.hrx(&anna).args(["key", "extend", "--for", years]).assert().success();
    }
    let expiry = |who: &Party| {
        let v = json(&env.hrx(who).args(["key", "list", "--json"]).output().unwrap());
        v["keys"][0]["expires"].clone()
    };
    let before = expiry(&anna);
    assert!(before.as_str().is_some_and(|e| e.starts_with("2030-")), "extended by four years: {before}");
    let pass = env.path().join("backup.pass");
    std::fs::write(&pass, "paper passphrase\n").unwrap();
    let paper = env.path().join("anna-key.txt");
    let out = env
        .hrx(&anna)
        .args(["key", "backup", "--paper", "-o"])
        .arg(&paper)
        .arg("--passphrase-file")
        .arg(&pass)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let back = Party { home: env.path().join("new-device"), passphrase_file: Some(pass.clone()), ..anna.clone() };
    let out = env.hrx(&back).args(["key", "restore"]).arg(&paper).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(expiry(&back), before, "the newest expiry came back");
}

#[test]
fn a_trustee_whose_key_was_revoked_neither_approves_nor_counts() {
    let f = family();
    let (env, anna) = (&f.env, &f.anna);
    let (phone, copy) = f.phone();
    let request = env.path().join("request.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", request.to_str().unwrap()]);
    let approvals: Vec<String> =
        [0, 1].map(|i| f.approve(i, &request, &format!("a-{i}.asc")).to_str().unwrap().to_string()).to_vec();
    // The GP's key is stolen; Anna revokes it before the recovery ends.
    let (klein, klein_copy) = &f.trustees[1];
    ok(env, anna, &f.laptop, &["key", "revoke", &klein.fpr, "--compromised"]);
    ok(env, anna, &f.laptop, &["sync"]);
    ok(env, &phone, &copy, &["sync"]);
    ok(env, klein, klein_copy, &["sync"]);
    let status = ok(env, anna, &f.laptop, &["recovery", "status"]);
    assert!(status.contains("revoked") && status.contains("current: yes"), "two of three still can: {status}");
    let out = run(env, &phone, &copy, &["recovery", "finish", &approvals[0], &approvals[1]]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not count"), "{}", stderr(&out));
    assert!(!ok(env, &phone, &copy, &["key", "list"]).contains(&anna.fpr));
    let out = run(env, klein, klein_copy, &["recovery", "approve", request.to_str().unwrap(), "-o", "/dev/null/x"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    // A new request goes to the trustees who can approve.
    let again = env.path().join("again.yaml");
    let out = run(env, &phone, &copy, &["recovery", "start", "-o", again.to_str().unwrap()]);
    assert!(out.status.success() && !stderr(&out).contains("Dr Klein"), "{}", stderr(&out));
}

#[test]
fn a_request_naming_a_participants_own_key_is_not_approved() {
    let f = family();
    let env = &f.env;
    let (marta, marta_copy) = &f.trustees[0];
    let (phone, copy) = f.phone();
    let request = env.path().join("request.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", request.to_str().unwrap()]);
    // Someone swaps the one-time certificate for the notary's own: Marta's
    // approval would go to the notary, who could then finish alone.
    let notary = &f.trustees[2].0;
    let cert = stdout(&env.hrx(notary).args(["key", "export", &notary.fpr]).output().unwrap());
    let mut req: Value = serde_yaml_ng::from_slice(&std::fs::read(&request).unwrap()).unwrap();
    req["certificate"] = Value::String(cert);
    let swapped = env.path().join("swapped.yaml");
    std::fs::write(&swapped, serde_yaml_ng::to_string(&req).unwrap()).unwrap();
    let a = env.path().join("a.asc");
    let out =
        run(env, marta, marta_copy, &["recovery", "approve", swapped.to_str().unwrap(), "-o", a.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("a participant's key"), "{}", stderr(&out));
    assert!(!a.exists());
}

/// A message signed by `signer` and encrypted to `to`, plus `hidden` under
/// a wildcard key id (as `gpg --hidden-recipient` does).
pub(crate) fn sealed_with_a_hidden_reader(signer: &Party, to: &[&Party], hidden: &Party, text: &[u8]) -> Vec<u8> {
    use sequoia_openpgp::serialize::stream::{Encryptor, LiteralWriter, Message, Recipient, Signer};
    use sequoia_openpgp::types::Features;
    use std::io::Write;
    let policy = sequoia_openpgp::policy::StandardPolicy::new();
    let keys = |p: &Party| -> Vec<sequoia_openpgp::packet::Key<_, _>> {
        forge::cert(p)
            .keys()
            .with_policy(&policy, None)
            .for_transport_encryption()
            .map(|k| k.key().clone())
            .collect::<Vec<_>>()
    };
    let mut all = vec![];
    for p in to {
        all.extend(keys(p).into_iter().map(|k| (k, false)));
    }
    all.extend(keys(hidden).into_iter().map(|k| (k, true)));
    let recipients: Vec<Recipient> = all
        .iter()
        .map(|(k, hide)| {
            let id = if *hide { sequoia_openpgp::KeyID::wildcard() } else { k.keyid() };
            Recipient::new(Features::empty().set_seipdv1(), sequoia_openpgp::KeyHandle::from(id), k)
        })
        .collect();
    let u = forge::unlock(signer);
    let mut out = vec![];
    let m = Message::new(&mut out);
    let m = Encryptor::for_recipients(m, recipients).build().unwrap();
    let m = Signer::new(m, u.signer).unwrap().build().unwrap();
    let mut w = LiteralWriter::new(m).build().unwrap();
    w.write_all(text).unwrap();
    w.finalize().unwrap();
    out
}

#[test]
fn recovery_share_sealed_to_a_hidden_reader() {
    let s = scene();
    let t = time(&s);
    let id = hrx::ops::add::new_id(t).unwrap();
    let mut st = format!(
        "statement: recovery\nid: {id}\nissued_at: '{}'\nkey: {}\nthreshold: 2\ntrustees:\n",
        t.to_rfc3339(),
        s.anna.fpr
    );
    for tr in [&s.klein, &s.apotheke] {
        let msg = sealed_with_a_hidden_reader(&s.anna, &[tr], &s.klein, b"{}");
        let share = hrx::crypto::armour_message(&msg).unwrap().trim_end().replace('\n', "\n    ");
        st.push_str(&format!("- certificate: {}\n  share: |\n    {share}\n", tr.fpr));
    }
    st.push_str("secret: x\n");
    forge_commit(&s, &s.anna, vec![(format!("policy/{id}.yaml"), st.into_bytes())], t);
    assert_rejected(&s, "bad-statement", None);
}

#[test]
fn shutting_a_trustee_out_rotates_the_key() {
    let f = family();
    let (env, anna) = (&f.env, &f.anna);
    // Anna falls out with the notary: a set-up without it, and a new key.
    let (marta, klein) = (&f.trustees[0].0, &f.trustees[1].0);
    let out = run(
        env,
        anna,
        &f.laptop,
        &[
            "recovery",
            "setup",
            "--trustees",
            &format!("{},{}", marta.fpr, klein.fpr),
            "--threshold",
            "2",
            "--no-rotate",
        ],
    );
    assert!(out.status.success() && stderr(&out).contains("can still open your current key"), "{}", stderr(&out));
    let v = json(&run(
        env,
        anna,
        &f.laptop,
        &[
            "recovery",
            "setup",
            "--trustees",
            &format!("{},{}", marta.fpr, klein.fpr),
            "--threshold",
            "2",
            "--no-passphrase",
            "--json",
        ],
    ));
    let new_key = v["recovery"]["rotated"]["to"].as_str().unwrap().to_string();
    assert_eq!(v["recovery"]["rotated"]["recovery_reissued"], 2, "{v}");
    let status = json(&run(env, anna, &f.laptop, &["recovery", "status", "--json"]));
    assert_eq!(status["recovery"]["key"], new_key.as_str());
    assert_eq!(status["recovery"]["trustees"].as_array().unwrap().len(), 2, "{status}");
    assert_eq!(status["recovery"]["current"], true);
    // The notary's copy: it is no trustee of the current set-up.
    ok(env, anna, &f.laptop, &["sync"]);
    let (notary, notary_copy) = &f.trustees[2];
    ok(env, notary, notary_copy, &["sync"]);
    let (phone, copy) = f.phone();
    let request = env.path().join("request.yaml");
    ok(env, &phone, &copy, &["recovery", "start", "-o", request.to_str().unwrap()]);
    let out = run(env, notary, notary_copy, &["recovery", "approve", request.to_str().unwrap(), "-o", "/dev/null/x"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
}

/// Issue 17, item 13: the recovery flow's --json documents (set-up, status,
/// request, approval, recovered) match their schemas in records-schema/cli/.
#[test]
fn the_recovery_flows_json_matches_its_schemas() {
    let f = family();
    let (env, anna) = (&f.env, &f.anna);
    let fprs: Vec<&str> = f.trustees.iter().map(|(p, _)| p.fpr.as_str()).collect();
    let setup = json(&run(
        env,
        anna,
        &f.laptop,
        &["recovery", "setup", "--trustees", &fprs[..2].join(","), "--threshold", "2", "--no-rotate", "--json"],
    ));
    crate::scripting::conforms("recovery-setup", &setup);
    ok(env, anna, &f.laptop, &["sync"]);
    let status = json(&run(env, anna, &f.laptop, &["recovery", "status", "--json"]));
    crate::scripting::conforms("recovery-status", &status);
    let (phone, copy) = f.phone();
    let request = env.path().join("request.yaml");
    let started = json(&run(env, &phone, &copy, &["recovery", "start", "-o", request.to_str().unwrap(), "--json"]));
    crate::scripting::conforms("recovery-start", &started);
    let mut approvals = vec![];
    for i in [0, 1] {
        let (p, dir) = &f.trustees[i];
        ok(env, p, dir, &["sync"]);
        let a = env.path().join(format!("approval-{i}.asc"));
        let approved = json(&run(
            env,
            p,
            dir,
            &["recovery", "approve", request.to_str().unwrap(), "-o", a.to_str().unwrap(), "--json"],
        ));
        crate::scripting::conforms("recovery-approve", &approved);
        approvals.push(a.to_str().unwrap().to_string());
    }
    let finished = json(&run(env, &phone, &copy, &["recovery", "finish", &approvals[0], &approvals[1], "--json"]));
    crate::scripting::conforms("recovery-finish", &finished);
}
