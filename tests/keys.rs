//! `hrx key`: generation, listing, export and import.

use std::os::unix::fs::PermissionsExt;

use crate::common::*;

#[test]
fn generated_secret_keys_are_private_and_passphrase_protected() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", Some("correct horse"));
    let secret = anna.home.join("secret").join(format!("{}.pgp", anna.fpr));
    let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "secret key file mode");
    let dir_mode = std::fs::metadata(anna.home.join("secret")).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    let text = std::fs::read_to_string(&secret).unwrap();
    assert!(text.contains("BEGIN PGP PRIVATE KEY BLOCK"));

    let v = json(&env.hrx(&anna).args(["key", "list", "--json"]).output().unwrap());
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["fingerprint"], anna.fpr.as_str());
    assert_eq!(keys[0]["name"], "Anna Weber");
    assert_eq!(keys[0]["country"], "DE");
    assert_eq!(keys[0]["secret"], true);
    assert_eq!(keys[0]["locked"], true, "a passphrase protects the key");
    assert_eq!(keys[0]["default"], true);
}

#[test]
fn a_passphrase_is_required_unless_opted_out() {
    let env = TestEnv::new();
    let nobody = Party { name: "x".into(), home: env.path().join("h"), fpr: String::new(), passphrase_file: None };
    let out = env.hrx(&nobody).args(["key", "generate", "--name", "X"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--no-passphrase"), "{}", stderr(&out));
    assert!(!nobody.home.join("secret").exists(), "nothing written");
}

#[test]
fn bad_identity_fields_are_refused() {
    let env = TestEnv::new();
    let p = Party { name: "x".into(), home: env.path().join("h"), fpr: String::new(), passphrase_file: None };
    let out = env
        .hrx(&p)
        .args(["key", "generate", "--name", "X", "--country", "Germany", "--no-passphrase"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ISO 3166-1"));
    let out = env.hrx(&p).args(["key", "generate", "--name", " ", "--no-passphrase"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!p.home.exists());
}

#[test]
fn export_and_import_round_trip_between_keystores() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.exchange_cert(&klein, &anna);
    let v = json(&env.hrx(&anna).args(["key", "list", "--json"]).output().unwrap());
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let k = keys.iter().find(|k| k["fingerprint"] == klein.fpr.as_str()).unwrap();
    assert_eq!(k["secret"], false);
    assert_eq!(k["default"], false);

    // A secret key moves to a new device and works there.
    let out = env.hrx(&anna).args(["key", "export", "--secret", &anna.fpr]).output().unwrap();
    assert!(stdout(&out).contains("PRIVATE KEY"));
    let laptop =
        Party { name: "laptop".into(), home: env.path().join("laptop"), fpr: anna.fpr.clone(), passphrase_file: None };
    env.hrx(&laptop).args(["key", "import", "-"]).write_stdin(out.stdout).assert().success();
    let v = json(&env.hrx(&laptop).args(["key", "list", "--json"]).output().unwrap());
    assert_eq!(v["keys"][0]["secret"], true);
    assert_eq!(v["keys"][0]["default"], true);
}

#[test]
fn importing_garbage_fails_cleanly() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let f = env.path().join("junk.asc");
    std::fs::write(&f, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all\n").unwrap();
    let out = env.hrx(&anna).args(["key", "import"]).arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = env.hrx(&anna).args(["key", "import"]).arg(env.path().join("missing.asc")).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let out = env.hrx(&anna).args(["key", "export", "0123"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_locked_key_asks_for_its_passphrase_on_the_terminal() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", Some("open sesame"));
    env.init(&anna);
    // No passphrase file this time: hrx asks on the terminal (a pty made by script(1)).
    let cmd = format!(
        "{} -C {} add note --text 'asked on the tty'",
        assert_cmd::cargo::cargo_bin!("hrx").display(),
        env.record().display()
    );
    let out = env
        .bare("script")
        .env("HRX_HOME", &anna.home)
        .args(["-qec", &cmd, "/dev/null"])
        .write_stdin("open sesame\n")
        .output()
        .unwrap();
    let screen = stdout(&out);
    assert!(screen.contains("Passphrase for Anna Weber"), "{screen}");
    // The pty echoes what arrives before the prompt turns echo off (the test
    // sends everything at once); after the prompt nothing is echoed.
    let after_prompt = screen.split("Passphrase for").nth(1).unwrap();
    assert!(!after_prompt.contains("open sesame"), "the passphrase is not echoed: {screen}");
    assert!(out.status.success(), "{screen}");
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    assert_eq!(v["entries"][0]["summary"], "asked on the tty");
    // A wrong one, three times, is refused and writes nothing.
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out = env
        .bare("script")
        .env("HRX_HOME", &anna.home)
        .args(["-qec", &cmd, "/dev/null"])
        .write_stdin("no\nno\nno\n")
        .output()
        .unwrap();
    assert!(stdout(&out).contains("wrong passphrase"), "{}", stdout(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head);
}

/// `hrx key list` shows what `gpg --list-keys` shows: when a certificate was
/// made and expires, and what each key may do; it warns in the month before
/// an expiry and says when a certificate has expired.
#[test]
fn key_list_shows_expiry_and_capabilities_and_warns_before_expiry() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let v = json(&env.hrx(&anna).args(["key", "list", "--json"]).output().unwrap());
    let k = &v["keys"][0];
    assert_eq!(k["status"], "valid");
    assert!(k.get("expires").is_none(), "hrx keys do not expire: {k}");
    let caps: Vec<String> = k["keys"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|k| k["capabilities"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()))
        .collect();
    for c in ["certify", "sign", "encrypt"] {
        assert!(caps.iter().any(|x| x == c), "{c} in {caps:?}");
    }
    assert_eq!(k["keys"][0]["algorithm"], "Ed25519");

    // A provider's GnuPG certificate valid for 20 days.
    let gpg = Gpg::new(&env);
    let o = gpg.run(&["--quick-gen-key", "Dr Ruiz <ruiz@example.org>", "ed25519", "cert,sign", "20d"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cert = env.path().join("ruiz.asc");
    let o = gpg.run(&["--armor", "--output", cert.to_str().unwrap(), "--export", "ruiz@example.org"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = env.hrx(&anna).args(["key", "import"]).arg(&cert).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let ruiz = |env: &TestEnv| {
        let out = env.hrx(&anna).args(["key", "list"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let at = text.find("Dr Ruiz").expect("listed");
        (text[at..].lines().take(2).collect::<Vec<_>>().join("\n"), stderr(&out))
    };
    let (lines, warn) = ruiz(&env);
    assert!(lines.contains("[expires-soon]"), "{lines}");
    assert!(!lines.contains("does not expire"), "{lines}");
    assert!(lines.contains("Ed25519 certify+sign"), "{lines}");
    assert!(warn.contains("the certificate of Dr Ruiz expires in 19 days"), "{warn}");
    let v = json(&env.hrx(&anna).args(["key", "list", "--json"]).output().unwrap());
    let r = v["keys"].as_array().unwrap().iter().find(|k| k["name"] == "Dr Ruiz").unwrap().clone();
    assert_eq!(r["status"], "expires-soon");
    assert!(r["expires"].as_str().is_some());

    env.advance(21 * 86_400);
    let (lines, warn) = ruiz(&env);
    assert!(lines.contains("[expired]"), "{lines}");
    assert!(warn.contains("the certificate of Dr Ruiz has expired"), "{warn}");
}

/// A provider's GnuPG certificate for Dr Ruiz, valid for 14 days (primary
/// key and encryption subkey), imported into `anna`'s keystore and granted
/// read and write on everything. Returns its fingerprint and what
/// `hrx grant` said on stderr.
fn expiring_provider(env: &TestEnv, gpg: &Gpg, anna: &Party) -> (String, String) {
    let o = gpg.run(&["--quick-gen-key", "Dr Ruiz <ruiz@example.org>", "default", "default", "14d"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = gpg.run(&["--with-colons", "--list-keys", "ruiz@example.org"]);
    let fpr = stdout(&o).lines().find_map(|l| l.strip_prefix("fpr:")).unwrap().trim_matches(':').to_string();
    let cert = env.path().join("ruiz.asc");
    let o = gpg.run(&["--armor", "--output", cert.to_str().unwrap(), "--export", &fpr]);
    assert!(o.status.success(), "{}", stderr(&o));
    env.hrx(anna).args(["key", "import"]).arg(&cert).assert().success();
    let out = env
        .hrx(anna)
        .arg("-C")
        .arg(env.record())
        .args(["grant", &fpr, "--categories", "all", "--rights", "read,write"])
        .output()
        .unwrap();
    assert!(out.status.success(), "grant: {}", stderr(&out));
    (fpr, stderr(&out))
}

/// `hrx grants` as `who`: (stdout, stderr).
fn grants(env: &TestEnv, who: &Party) -> (String, String) {
    let out = env.hrx(who).arg("-C").arg(env.record()).arg("grants").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    (stdout(&out), stderr(&out))
}

/// Issue 10: a grantee's certificate expires; the patient cannot write
/// until the refreshed certificate (extended with `gpg --quick-set-expire`)
/// is added to the record with `hrx key update`, as an appended file.
#[test]
fn an_expired_grantee_is_unblocked_by_a_certificate_update_from_gnupg() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    let gpg = Gpg::new(&env);
    let (ruiz, said) = expiring_provider(&env, &gpg, &anna);
    // Seen before it bites: when granting, and in the list of grants.
    assert!(said.contains("warning: the certificate of Dr Ruiz expires on 2026-03-15"), "{said}");
    let (list, warn) = grants(&env, &anna);
    assert!(list.contains("[certificate expires-soon 2026-03-15]"), "{list}");
    assert!(warn.contains("expires on 2026-03-15"), "{warn}");
    env.note(&anna, "before expiry");
    let base = stdout(&env.git(&["rev-parse", &format!("HEAD:keys/{ruiz}.asc")]));

    env.advance(15 * 86_400);
    let (list, warn) = grants(&env, &anna);
    assert!(list.contains("[certificate expired"), "{list}");
    assert!(warn.contains("entries cannot be encrypted to Dr Ruiz: its certificate expired on 2026-03-15"), "{warn}");
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note", "--text", "blocked"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    // It names whom, since when, and the ways out.
    for want in [
        ruiz.as_str(),
        "Dr Ruiz",
        "expired on 2026-03-15",
        "hrx key update",
        "hrx revoke",
        "--skip-unusable-recipients",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    // Knowingly writing to the others only: it says whom it left out.
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(&rec)
        .args(["add", "note", "--text", "to Anna only", "--skip-unusable-recipients", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["entry"]["skipped"][0][0], ruiz.as_str(), "{v}");
    assert_eq!(v["entry"]["recipients"], serde_json::json!([anna.fpr]), "{v}");
    assert!(stderr(&out).contains(&format!("not encrypted to {ruiz}")), "{}", stderr(&out));

    // Nothing new: refused, nothing written.
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let old = env.path().join("ruiz.asc");
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["key", "update"]).arg(&old).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to update"), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head);

    // Dr Ruiz extends the certificate in GnuPG and sends it again.
    for args in [vec!["--quick-set-expire", &ruiz, "2y"], vec!["--quick-set-expire", &ruiz, "2y", "*"]] {
        let o = gpg.run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let new = env.path().join("ruiz-extended.asc");
    let o = gpg.run(&["--armor", "--output", new.to_str().unwrap(), "--export", &ruiz]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["key", "update", "--json"]).arg(&new).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["updated"]["fingerprint"], ruiz.as_str());
    assert_eq!(v["updated"]["validity"]["status"], "valid");
    let id = v["updated"]["id"].as_str().unwrap().to_string();
    let (list, warn) = grants(&env, &anna);
    assert!(!list.contains("[certificate"), "{list}");
    assert!(!warn.contains("warning"), "{warn}");

    // Appended, never modified: one new file, the first version untouched.
    let o = env.git(&["diff", "--name-status", "HEAD~1", "HEAD"]);
    assert_eq!(stdout(&o).trim(), format!("A\tkeys/{ruiz}/{id}.asc"));
    assert_eq!(stdout(&env.git(&["rev-parse", &format!("HEAD:keys/{ruiz}.asc")])), base);

    // The patient writes again, to both, and Dr Ruiz reads it with GnuPG.
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note", "--text", "after", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let added = json(&out);
    assert!(added["entry"]["recipients"].as_array().unwrap().iter().any(|r| r == ruiz.as_str()), "{added}");
    let id = added["entry"]["id"].as_str().unwrap();
    let path =
        TestEnv::files_under(&rec.join("entries")).into_iter().find(|p| p.to_string_lossy().contains(id)).unwrap();
    let out = env.hrx(&anna).args(["key", "export", &anna.fpr]).output().unwrap();
    let anna_cert = env.path().join("anna.asc");
    std::fs::write(&anna_cert, &out.stdout).unwrap();
    assert!(gpg.run(&["--import", anna_cert.to_str().unwrap()]).status.success());
    let o = gpg.run(&["--decrypt", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("after"), "{}", stdout(&o));
    assert!(stderr(&o).contains("Good signature"), "{}", stderr(&o));
    assert!(env.verify(&anna).status.success());
}

/// Issue 10: a provider whose key (made in GnuPG, 14 days) is held in its
/// hrx keystore extends it with `hrx key extend`: before the expiry it
/// publishes the refreshed certificate into the record itself; after the
/// expiry the record no longer accepts its signature, so hrx says so and the
/// patient adds the refreshed certificate with `hrx key update`.
#[test]
fn a_provider_extends_its_own_key_before_and_after_it_expires() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    let gpg = Gpg::new(&env);
    let (fpr, _) = expiring_provider(&env, &gpg, &anna);
    let secret = env.path().join("ruiz.sec.asc");
    let o = gpg.run(&["--armor", "--output", secret.to_str().unwrap(), "--export-secret-keys", &fpr]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ruiz =
        Party { name: "Dr Ruiz".into(), home: env.path().join("home-ruiz"), fpr: fpr.clone(), passphrase_file: None };
    env.hrx(&ruiz).args(["key", "import"]).arg(&secret).assert().success();
    env.note(&ruiz, "Ruiz: first visit");

    // Ten days on: extended for a year, and published by Ruiz itself.
    env.advance(10 * 86_400);
    let out = env.hrx(&ruiz).arg("-C").arg(&rec).args(["key", "extend", "--for", "1y", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert!(v["extended"]["expires"].as_str().unwrap().starts_with("2027-03-11"), "{v}");
    assert_eq!(v["extended"]["published"]["validity"]["status"], "valid", "{v}");
    let o = env.git(&["log", "-1", "--format=%an"]);
    assert_eq!(stdout(&o).trim(), "Dr Ruiz", "published by its holder");
    env.advance(10 * 86_400);
    env.note(&anna, "Anna: to both, after the first expiry");
    env.note(&ruiz, "Ruiz: still writing");

    // A year and a day after that: expired. Extending works in the keystore,
    // but the record knows the key as expired and would refuse Ruiz's own
    // commit: hrx says whom to send it to, and writes nothing.
    env.advance(366 * 86_400);
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out = env.hrx(&ruiz).arg("-C").arg(&rec).args(["key", "extend", "--until", "2030-01-01"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("the record would refuse your signature"), "{}", stderr(&out));
    assert!(stderr(&out).contains("hrx key update"), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "nothing written");
    let out = env.hrx(&ruiz).arg("-C").arg(&rec).args(["add", "note", "--text", "too early"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "no commit the record would refuse: {}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "nothing written");

    let out = env.hrx(&ruiz).args(["key", "export", &fpr]).output().unwrap();
    let refreshed = env.path().join("ruiz-2030.asc");
    std::fs::write(&refreshed, &out.stdout).unwrap();
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["key", "update"]).arg(&refreshed).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    env.note(&ruiz, "Ruiz: back");
    assert!(env.verify(&anna).status.success());
    assert!(env.verify(&ruiz).status.success());
}

/// Issue 10: a provider whose laptop was stolen revokes its own key from a
/// backup of its keystore with `hrx key revoke --compromised`; the record
/// learns it, the key can sign nothing more, the patient is told that
/// entries can no longer be encrypted to it, and the past stays good.
#[test]
fn a_provider_revokes_its_own_compromised_key() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let rec = env.init(&anna);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    env.note(&klein, "before the theft");
    let out = env
        .hrx(&klein)
        .arg("-C")
        .arg(&rec)
        .args(["key", "revoke", "--compromised", "--reason", "laptop stolen", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["revoked"]["update"]["revokes"][0][0], klein.fpr.as_str(), "{v}");
    assert_eq!(v["revoked"]["update"]["validity"]["status"], "revoked", "{v}");
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out = env.hrx(&klein).arg("-C").arg(&rec).args(["add", "note", "--text", "after"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "nothing written");
    let out = env.hrx(&anna).arg("-C").arg(&rec).arg("grants").output().unwrap();
    assert!(stdout(&out).contains("[certificate revoked"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("entries cannot be encrypted to Dr Klein: its certificate was revoked"),
        "{}",
        stderr(&out)
    );
    let out = env.verify(&anna);
    assert!(out.status.success(), "the past stays good: {}", stderr(&out));
    // Without a record to publish into, nothing is revoked.
    let out = env.hrx(&anna).arg("-C").arg(env.path()).args(["key", "revoke", "--retired"]).output().unwrap();
    assert_ne!(out.status.code(), Some(0));
}

/// `hrx -C dir ARGS` as `who`, asserting success; returns stdout.
fn ok_in(env: &TestEnv, who: &Party, dir: &std::path::Path, args: &[&str]) -> String {
    let out = env.hrx(who).arg("-C").arg(dir).args(args).output().unwrap();
    assert!(out.status.success(), "{} {args:?}: {}", who.name, stderr(&out));
    stdout(&out)
}

/// Dr Klein's laptop is stolen. The thief writes with Klein's key and
/// syncs to the hub before anyone notices; the patient revokes the key as
/// compromised since the theft. Every copy then holds the thief's commit
/// as void (kept, counting for nothing: marked in log, left out of
/// exports), Klein's entry from before the theft stays good, and what the
/// thief writes next on the stolen copy is refused by the hub.
#[test]
fn the_patient_revokes_a_stolen_key_since_the_theft() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let roth = env.party("Dr Roth", "ES", None);
    let laptop = env.init(&anna);
    let hub = env.path().join("hub.git");
    let out = env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&hub).output().unwrap();
    assert!(out.status.success());
    let hub_s = hub.to_str().unwrap();
    ok_in(&env, &anna, &laptop, &["remote", "add", "hub", hub_s]);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    ok_in(&env, &anna, &laptop, &["sync"]);
    let kdir = env.path().join("klein");
    let out = env.hrx(&klein).args(["clone", hub_s]).arg(&kdir).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let before =
        ok_in(&env, &klein, &kdir, &["add", "note", "--text", "Klein: blood pressure fine"]).trim().to_string();
    ok_in(&env, &klein, &kdir, &["sync"]);

    // The theft; an hour later the thief writes with Klein's key and syncs.
    env.advance(600);
    let theft = env.now();
    env.advance(3600);
    let forged = ok_in(&env, &klein, &kdir, &["add", "note", "--text", "stop all anticoagulants"]).trim().to_string();
    ok_in(&env, &klein, &kdir, &["sync"]);
    let forged_commit = stdout(&env.bare("git").arg("-C").arg(&kdir).args(["rev-parse", "main"]).output().unwrap());
    ok_in(&env, &anna, &laptop, &["sync"]);

    // A provider may not revoke someone else's key; the patient may not
    // revoke her own (it governs the record). Nothing is written.
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out =
        env.hrx(&klein).arg("-C").arg(&kdir).args(["key", "revoke", &anna.fpr, "--compromised"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let out = env.hrx(&anna).arg("-C").arg(&laptop).args(["key", "revoke", "--compromised"]).output().unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("never revoked"), "{}", stderr(&out));
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(&laptop)
        .args(["key", "revoke", &klein.fpr, "--retired", "--since", &theft])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--since needs --compromised: {}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "nothing written");

    // Anna revokes Klein's key as compromised since the theft.
    let prefix = &klein.fpr[..12];
    let v = json(
        &env.hrx(&anna)
            .arg("-C")
            .arg(&laptop)
            .args(["key", "revoke", prefix, "--compromised", "--since", &theft, "--reason", "laptop stolen", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["revoked"]["fingerprint"], klein.fpr.as_str(), "{v}");
    let void = v["revoked"]["void"].as_array().unwrap();
    assert_eq!(void.len(), 1, "only the thief's commit: {v}");
    assert_eq!(void[0][0], forged_commit.trim(), "{v}");
    // From now on nothing is encrypted to the revoked key, and its grant
    // says so.
    let after = ok_in(&env, &anna, &laptop, &["add", "note", "--text", "after the theft"]).trim().to_string();
    let v = json(&env.hrx(&anna).arg("-C").arg(&laptop).args(["show", &after, "--json"]).output().unwrap());
    let readers: Vec<&str> =
        v["entry"]["recipients"].as_array().unwrap().iter().filter_map(|r| r["fingerprint"].as_str()).collect();
    assert_eq!(readers, [anna.fpr.as_str()], "{v}");
    let v = json(&env.hrx(&anna).arg("-C").arg(&laptop).args(["grants", "--json"]).output().unwrap());
    assert_eq!(v["grants"][0]["status"], "key-revoked", "{v}");
    ok_in(&env, &anna, &laptop, &["sync"]);

    // Valencia clones the record afterwards: it verifies, with the thief's
    // commit void and Klein's earlier entry good.
    let rdir = env.path().join("valencia");
    let out = env.hrx(&roth).args(["clone", hub_s]).arg(&rdir).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.hrx(&roth).arg("-C").arg(&rdir).args(["verify"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 void commit"), "{}", stdout(&out));
    let v = json(&env.hrx(&anna).arg("-C").arg(&laptop).args(["log", "--json"]).output().unwrap());
    let entries = v["entries"].as_array().unwrap();
    let entry = |id: &str| entries.iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("{id} in {v}"));
    assert!(entry(&forged)["void"].as_str().unwrap().contains("compromised since"), "{v}");
    assert!(entry(&before).get("void").is_none(), "{v}");
    assert!(entry(&before)["problems"].is_null(), "{v}");
    let out = env.hrx(&anna).arg("-C").arg(&laptop).args(["log"]).output().unwrap();
    let line = stdout(&out).lines().find(|l| l.starts_with(&forged)).unwrap().to_string();
    assert!(line.ends_with("[VOID]"), "{line}");
    let out = env.hrx(&anna).arg("-C").arg(&laptop).args(["show", &forged]).output().unwrap();
    assert!(stdout(&out).contains("VOID:"), "{}", stdout(&out));
    // Exports leave it out and say so.
    let fhir = env.path().join("all.json");
    let out = env.hrx(&anna).arg("-C").arg(&laptop).args(["export", "fhir", "-o"]).arg(&fhir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&forged), "names the void entry: {}", stderr(&out));
    let doc = std::fs::read_to_string(&fhir).unwrap();
    assert_eq!(doc.matches("\"DocumentReference\"").count(), 2, "Klein's note and Anna's, not the thief's: {doc}");
    let v = json(&env.hrx(&anna).arg("-C").arg(&laptop).args(["audit", "--json"]).output().unwrap());
    let events = v["audit"]["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["status"] == "void" && e["commit"] == forged_commit.trim()), "{v}");
    assert!(
        events.iter().any(|e| e["actions"][0]["code"] == "revoke-key"
            && e["actions"][0]["text"].as_str().is_some_and(|a| a.contains("as compromised since"))),
        "{v}"
    );

    // The thief writes again on the stolen copy, which has not seen the
    // revocation: the hub refuses it and stays as it was.
    let hub_head = stdout(&env.bare("git").arg("-C").arg(&hub).args(["rev-parse", "main"]).output().unwrap());
    ok_in(&env, &klein, &kdir, &["add", "note", "--text", "again"]);
    let out = env.hrx(&klein).arg("-C").arg(&kdir).args(["sync", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert!(stderr(&out).contains("key-revoked"), "{}", stderr(&out));
    assert_eq!(stdout(&env.bare("git").arg("-C").arg(&hub).args(["rev-parse", "main"]).output().unwrap()), hub_head);
    // And on the patient's copy, Klein's key writes nothing more.
    let out = env.hrx(&klein).arg("-C").arg(&laptop).args(["add", "note", "--text", "on her laptop"]).output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = env.verify(&anna);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A FHIR collection bundle of `n` laboratory results.
fn lab_bundle(n: usize) -> String {
    let entries: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"fullUrl": format!("urn:uuid:00000000-0000-4000-8000-{i:012}"), "resource": {
                "resourceType": "Observation", "id": format!("lab-{i}"), "status": "final",
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": "2160-0", "display": "Creatinine"}]},
                "effectiveDateTime": "2025-06-01",
                "valueQuantity": {"value": 80 + i, "unit": "umol/L", "system": "http://unitsofmeasure.org", "code": "umol/L"}}})
        })
        .collect();
    serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": entries}).to_string()
}

/// The paths `git diff --name-status A B` in the record reports, with
/// their status letters.
fn changed(env: &TestEnv, a: &str, b: &str) -> Vec<(String, String)> {
    stdout(&env.git(&["diff", "--name-status", a, b]))
        .lines()
        .map(|l| {
            let (s, p) = l.split_once('\t').unwrap();
            (s.to_string(), p.to_string())
        })
        .collect()
}

/// The patient, then a provider, replace their keys on a record of 200
/// results and a note. Every earlier entry stays readable with the new key
/// through appended wraps (no entry is rewritten), the provider keeps its
/// grants, the old keys sign nothing more, and stock git and GnuPG check
/// and read the result.
#[test]
fn rotating_the_patient_key_and_a_providers_key_keeps_the_history_readable() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let rec = env.init(&anna);
    env.grant(&anna, &klein, "general,results", "read,write", &[]);
    let bundle = env.path().join("labs.json");
    std::fs::write(&bundle, lab_bundle(200)).unwrap();
    ok_in(&env, &klein, &rec, &["import", "fhir", bundle.to_str().unwrap()]);
    env.note(&klein, "Klein: results discussed");
    let entries = |who: &Party| -> Vec<serde_json::Value> {
        let v = json(&env.hrx(who).arg("-C").arg(&rec).args(["log", "--json"]).output().unwrap());
        v["entries"].as_array().unwrap().clone()
    };
    assert_eq!(entries(&anna).len(), 201);

    // The patient rotates.
    let before = stdout(&env.git(&["rev-parse", "HEAD"])).trim().to_string();
    let v = json(
        &env.hrx(&anna).arg("-C").arg(&rec).args(["key", "rotate", "--no-passphrase", "--json"]).output().unwrap(),
    );
    assert_eq!(v["rotated"]["from"], anna.fpr.as_str(), "{v}");
    assert_eq!(v["rotated"]["wrapped"], 201, "{v}");
    let anna2 = Party { fpr: v["rotated"]["to"].as_str().unwrap().to_string(), ..anna.clone() };
    let after = stdout(&env.git(&["rev-parse", "HEAD"])).trim().to_string();
    let diff = changed(&env, &before, &after);
    assert!(diff.iter().all(|(s, _)| s == "A"), "only added files: {diff:?}");
    assert_eq!(diff.iter().filter(|(_, p)| p.starts_with("access/")).count(), 201, "{diff:?}");
    assert!(diff.iter().any(|(_, p)| *p == format!("keys/{}.asc", anna2.fpr)), "{diff:?}");
    assert_eq!(diff.len(), 203, "the certificate, the statement and the wraps: {diff:?}");
    // Her new key (now the default) reads all of it, and the record verifies.
    let mine = entries(&anna2);
    assert!(mine.iter().all(|e| e["readable"] == true), "{mine:?}");
    let v = json(&env.hrx(&anna2).arg("-C").arg(&rec).args(["verify", "--json"]).output().unwrap());
    assert_eq!(v["verify"]["report"]["inner_checked"], 201, "{v}");
    // She governs with it; her old key signs nothing more.
    let id = env.note(&anna2, "Anna: with my new key");
    let out =
        env.hrx(&anna).arg("-C").arg(&rec).args(["--key", &anna.fpr, "add", "note", "--text", "old"]).output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    let readers = json(&env.hrx(&anna2).arg("-C").arg(&rec).args(["show", &id, "--json"]).output().unwrap());
    let readers: Vec<&str> =
        readers["entry"]["recipients"].as_array().unwrap().iter().filter_map(|r| r["fingerprint"].as_str()).collect();
    assert!(readers.contains(&anna2.fpr.as_str()) && !readers.contains(&anna.fpr.as_str()), "{readers:?}");

    // Stock tools: git checks both keys' commits, GnuPG reads an old entry
    // with the new key through its wrap.
    let gpg = Gpg::new(&env);
    gpg.import_secret(&anna2);
    let old_pub = env.path().join("anna-old.asc");
    std::fs::write(&old_pub, env.hrx(&anna).args(["key", "export", &anna.fpr]).output().unwrap().stdout).unwrap();
    assert!(gpg.run(&["--import", old_pub.to_str().unwrap()]).status.success());
    let klein_pub = env.path().join("klein.pub.asc");
    std::fs::write(&klein_pub, env.hrx(&klein).args(["key", "export", &klein.fpr]).output().unwrap().stdout).unwrap();
    assert!(gpg.run(&["--import", klein_pub.to_str().unwrap()]).status.success());
    for c in [after.as_str(), "HEAD"] {
        let out = env.bare("git").arg("-C").arg(&rec).args(["verify-commit", c]).output().unwrap();
        assert!(out.status.success(), "git verify-commit {c}: {}", stderr(&out));
    }
    let files = stdout(&env.git(&["ls-files"]));
    let note = &mine.iter().find(|e| e["kind"] == "note").unwrap()["id"];
    let note = note.as_str().unwrap();
    let entry = files.lines().find(|l| l.starts_with("entries/") && l.contains(note)).unwrap();
    let wrap = hrx::model::RepoPath::Access { entry: note.parse().unwrap(), reader: anna2.fpr.clone() }.to_path();
    let joined = env.path().join("joined.pgp");
    let mut bytes = std::fs::read(rec.join(&wrap)).unwrap();
    bytes.extend(std::fs::read(rec.join(entry)).unwrap());
    std::fs::write(&joined, bytes).unwrap();
    let out = gpg.run(&["--decrypt", joined.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("results discussed"), "{}", stdout(&out));

    // The provider rotates and keeps its grant.
    let v = json(
        &env.hrx(&klein).arg("-C").arg(&rec).args(["key", "rotate", "--no-passphrase", "--json"]).output().unwrap(),
    );
    assert_eq!(v["rotated"]["wrapped"], 202, "every entry it reads: {v}");
    let klein2 = Party { fpr: v["rotated"]["to"].as_str().unwrap().to_string(), ..klein.clone() };
    let theirs = entries(&klein2);
    assert_eq!(theirs.iter().filter(|e| e["readable"] == true).count(), 202, "{theirs:?}");
    let g = json(&env.hrx(&anna2).arg("-C").arg(&rec).args(["grants", "--json"]).output().unwrap());
    assert_eq!(g["grants"][0]["grantee"]["fingerprint"], klein2.fpr.as_str(), "{g}");
    env.note(&klein2, "Klein: with my new key");
    // Revoking the old key would reach nothing: hrx says whose it is now.
    let out =
        env.hrx(&anna2).arg("-C").arg(&rec).args(["key", "revoke", &klein.fpr, "--compromised"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("handed over to {}", klein2.fpr)), "{}", stderr(&out));
    let out = env
        .hrx(&klein)
        .arg("-C")
        .arg(&rec)
        .args(["--key", &klein.fpr, "add", "note", "--text", "old"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));

    // Another copy verifies the hand-overs from the same trust root.
    let copy = env.path().join("copy");
    let out = env.hrx(&klein2).args(["clone"]).arg(&rec).arg(&copy).args(["--trust-root", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env.hrx(&klein2).arg("-C").arg(&copy).args(["verify"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&env.hrx(&anna2).arg("-C").arg(&rec).args(["audit", "--json"]).output().unwrap());
    let handed = v["audit"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["code"] == "rotate-key" && a["text"].as_str().unwrap().contains("over to a new key"))
        })
        .count();
    assert_eq!(handed, 2, "{v}");
}

/// A provider's key made in GnuPG, passphrase-protected, whose secret only
/// gpg-agent holds: hrx signs commits and decrypts entries through the
/// agent (which has the passphrase cached, as after one use: hrx asks
/// nothing), keeps no secret of its own, and stock git checks the commit.
#[test]
fn a_key_held_by_gpg_agent_signs_and_decrypts() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let gpg = Gpg::new(&env);
    std::fs::write(env.path().join("gnupg/gpg-agent.conf"), "allow-preset-passphrase\n").unwrap();
    let out = gpg.run(&[
        "--passphrase",
        "card pin",
        "--quick-gen-key",
        "Dr Agent <agent@example.org>",
        "ed25519",
        "sign",
        "2y",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed = stdout(&gpg.run(&["--with-colons", "--with-keygrip", "--list-secret-keys"]));
    let fpr = listed.lines().find(|l| l.starts_with("fpr:")).unwrap().split(':').nth(9).unwrap().to_string();
    let out = gpg.run(&["--passphrase", "card pin", "--quick-add-key", &fpr, "cv25519", "encr", "2y"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The agent has the passphrase cached (as after the user typed it once).
    let listed = stdout(&gpg.run(&["--with-colons", "--with-keygrip", "--list-secret-keys"]));
    for grip in listed.lines().filter(|l| l.starts_with("grp:")).map(|l| l.split(':').nth(9).unwrap().to_string()) {
        let hex: String = "card pin".bytes().map(|b| format!("{b:02X}")).collect();
        let out = env
            .bare("gpg-connect-agent")
            .arg(format!("PRESET_PASSPHRASE {grip} -1 {hex}"))
            .arg("/bye")
            .output()
            .unwrap();
        assert!(stdout(&out).contains("OK"), "{} {}", stdout(&out), stderr(&out));
    }
    let cert = env.path().join("agent-cert.asc");
    std::fs::write(&cert, gpg.run(&["--armor", "--export", &fpr]).stdout).unwrap();
    let doc =
        Party { name: "Dr Agent".into(), home: env.path().join("home-agent"), fpr: fpr.clone(), passphrase_file: None };
    let out = env.hrx(&doc).args(["key", "import", "--gpg-agent"]).arg(&cert).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("[secret in gpg-agent]"), "{}", stdout(&out));
    let v = json(&env.hrx(&doc).args(["key", "list", "--json"]).output().unwrap());
    assert_eq!(v["keys"][0]["secret_in"], "gpg-agent", "{v}");
    assert_eq!(v["keys"][0]["user_ids"][0], "Dr Agent <agent@example.org>", "{v}");
    assert!(!doc.home.join("secret").exists(), "no secret of its own");

    let rec = env.init(&anna);
    env.note(&anna, "Anna: for the doctor");
    env.grant(&anna, &doc, "general", "read,write", &[]);
    env.note(&anna, "Anna: after the grant");
    let id = env.note(&doc, "Dr Agent: signed through gpg-agent");
    let out = env.hrx(&doc).arg("-C").arg(&rec).args(["log", "--json"]).output().unwrap();
    let v = json(&out);
    let mine: Vec<&serde_json::Value> =
        v["entries"].as_array().unwrap().iter().filter(|e| e["readable"] == true).collect();
    assert_eq!(mine.len(), 2, "the entry after the grant and its own: {v} {}", stderr(&out));
    assert!(mine.iter().any(|e| e["id"] == id.as_str()), "{v}");
    assert!(env.verify(&anna).status.success());
    let out = env.bare("git").arg("-C").arg(&rec).args(["verify-commit", "HEAD"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Its passphrase is the agent's business.
    let out = env.hrx(&doc).args(["key", "passwd"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("gpg --change-passphrase"), "{}", stderr(&out));
}

/// `hrx key passwd` changes the passphrase: the old one no longer unlocks,
/// the new one does; a wrong current one changes nothing; the key file
/// stays 0600. `key export --secret -o` writes 0600 and never overwrites.
#[test]
fn key_passwd_and_secret_export() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", Some("old words"));
    env.init(&anna);
    let new = env.path().join("new.pass");
    std::fs::write(&new, "new words\n").unwrap();
    let wrong = env.path().join("wrong.pass");
    std::fs::write(&wrong, "not it\n").unwrap();
    let secret = anna.home.join(format!("secret/{}.pgp", anna.fpr));
    let before = std::fs::read(&secret).unwrap();
    let out = env
        .hrx(&anna)
        .args(["key", "passwd", "--passphrase-file"])
        .arg(&wrong)
        .arg("--new-passphrase-file")
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(std::fs::read(&secret).unwrap(), before, "unchanged");
    env.hrx(&anna).args(["key", "passwd", "--new-passphrase-file"]).arg(&new).assert().success();
    assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["add", "note", "--text", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "the old passphrase no longer works: {}", stderr(&out));
    let out = env
        .hrx(&anna)
        .arg("--passphrase-file")
        .arg(&new)
        .arg("-C")
        .arg(env.record())
        .args(["add", "note", "--text", "with the new passphrase"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let file = env.path().join("anna-secret.asc");
    env.hrx(&anna).args(["key", "export", "--secret", &anna.fpr, "-o"]).arg(&file).assert().success();
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(&file).unwrap().contains("PRIVATE KEY BLOCK"));
    let out = env.hrx(&anna).args(["key", "export", "--secret", &anna.fpr, "-o"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "never overwrites: {}", stderr(&out));
}

/// The patient's own hrx key, passphrase-protected, moves into gpg-agent:
/// from then on the agent holds it (hrx's copy is gone) and, with the
/// passphrase cached there, commands run without asking for it.
#[test]
fn a_keystore_key_moves_into_gpg_agent_and_its_passphrase_is_cached() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", Some("open sesame"));
    env.init(&anna);
    let gpg = Gpg::new(&env);
    std::fs::write(env.path().join("gnupg/gpg-agent.conf"), "allow-preset-passphrase\n").unwrap();
    let out = env.hrx(&anna).args(["key", "to-agent", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    crate::scripting::conforms("key-to-agent", &json(&out));
    assert!(!anna.home.join(format!("secret/{}.pgp", anna.fpr)).exists(), "hrx's copy is gone");
    // Without a cached passphrase (and no pinentry here) the agent refuses.
    let asked = Party { passphrase_file: None, ..anna.clone() };
    let out = env.hrx(&asked).arg("-C").arg(env.record()).args(["add", "note", "--text", "x"]).output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    // The passphrase typed once, as gpg-agent keeps it.
    let list = env.bare("gpg-connect-agent").args(["KEYINFO --list", "/bye"]).output().unwrap();
    let hex: String = "open sesame".bytes().map(|b| format!("{b:02X}")).collect();
    for grip in stdout(&list).lines().filter_map(|l| l.strip_prefix("S KEYINFO ")).map(|l| l.split(' ').next().unwrap())
    {
        let out = env
            .bare("gpg-connect-agent")
            .arg(format!("PRESET_PASSPHRASE {grip} -1 {hex}"))
            .arg("/bye")
            .output()
            .unwrap();
        assert!(stdout(&out).contains("OK"), "{}", stdout(&out));
    }
    for text in ["first, no passphrase asked", "second, none either"] {
        let out = env.hrx(&asked).arg("-C").arg(env.record()).args(["add", "note", "--text", text]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let v = json(&env.hrx(&asked).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    assert!(v["entries"].as_array().unwrap().iter().all(|e| e["readable"] == true), "{v}");
    assert!(env.verify(&asked).status.success());
    drop(gpg);
}

/// `hrx status` says where the caller stands and what needs doing: no key
/// yet; its own key expiring within the month; a grantee's certificate
/// expiring; a key replaced by rotation. Always exit 0.
#[test]
fn status_warns_before_keys_expire() {
    let env = TestEnv::new();
    let nobody = Party {
        name: "Nobody".into(),
        home: env.path().join("home-nobody"),
        fpr: String::new(),
        passphrase_file: None,
    };
    let v = json(&env.hrx(&nobody).arg("-C").arg(env.path()).args(["status", "--json"]).output().unwrap());
    assert!(v["status"]["warnings"][0].as_str().unwrap().contains("you have no key"), "{v}");
    let anna = env.party("Anna Weber", "DE", None);
    env.hrx(&anna).arg("-C").arg(env.path()).args(["key", "extend", "--for", "20d"]).assert().success();
    env.init(&anna);
    let gpg = Gpg::new(&env);
    let (ruiz, _) = expiring_provider(&env, &gpg, &anna);
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["status", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["status"]["record"]["role"], "patient", "{v}");
    assert_eq!(v["status"]["record"]["active_grants"], 1, "{v}");
    assert_eq!(v["status"]["key"]["secret_in"], "keystore", "{v}");
    let warnings: Vec<&str> = v["status"]["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.starts_with("your key expires on 2026-03-21")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("Dr Ruiz") && w.contains("expires on")), "{warnings:?}");
    assert!(!ruiz.is_empty());
    // After a rotation, the old key is told to step aside.
    env.hrx(&anna).arg("-C").arg(env.record()).args(["key", "rotate", "--no-passphrase"]).assert().success();
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["--key", &anna.fpr, "status"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("your key was replaced in this record by"), "{}", stdout(&out));
}

/// Each `key extend` appends only what the record lacks (the new
/// self-signatures), so updates do not grow with the certificate's
/// history, and the record still knows the latest expiry.
#[test]
fn certificate_updates_carry_only_what_is_new() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    let klein = env.party("Dr Klein", "DE", None);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    for y in 2..=7 {
        env.advance(86_400);
        let out =
            env.hrx(&klein).arg("-C").arg(&rec).args(["key", "extend", "--for", &format!("{y}y")]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let listing = stdout(&env.git(&["ls-tree", "-r", "-l", "HEAD", &format!("keys/{}/", klein.fpr)]));
    let sizes: Vec<usize> = listing.lines().map(|l| l.split_whitespace().nth(3).unwrap().parse().unwrap()).collect();
    assert_eq!(sizes.len(), 6, "{listing}");
    assert!(sizes.iter().all(|s| *s <= sizes[0] + 64), "updates grow with history: {sizes:?}");
    let whole = stdout(&env.hrx(&klein).args(["key", "export", &klein.fpr]).output().unwrap());
    assert!(
        sizes[5] < whole.len(),
        "the last update ({}) is smaller than the whole certificate ({})",
        sizes[5],
        whole.len()
    );
    // A fresh copy verifies and knows the last extension.
    let copy = env.path().join("copy");
    env.hrx(&anna).args(["clone"]).arg(&rec).arg(&copy).args(["--trust-root", &anna.fpr]).assert().success();
    let v = json(&env.hrx(&anna).arg("-C").arg(&copy).args(["grants", "--json"]).output().unwrap());
    let until = v["grants"][0]["encryptable_until"].as_str().unwrap_or_default().to_string();
    assert!(until.starts_with("2033-"), "{v}");
    assert!(env.hrx(&anna).arg("-C").arg(&copy).arg("verify").output().unwrap().status.success());
    env.note(&anna, "to Klein, with the last extension");
}

/// A `verify` that fails before a participant joins stops, on a history
/// long enough for its workers to run ahead to that participant's commits
/// (they wait for the walk to accept the participant's certificate, and
/// must be told when the walk has stopped instead).
#[test]
fn a_verify_that_fails_before_a_participant_joins_stops() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    let rec = env.init(&anna);
    let before = env.now();
    env.advance(3600);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    for i in 0..70 {
        env.note(&klein, &format!("note {i}"));
    }
    // At the earlier time the grant's commit lies in the future.
    let out = env
        .hrx(&anna)
        .arg("-C")
        .arg(&rec)
        .arg("verify")
        .env("HRX_NOW", &before)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("in the future"), "{}", stderr(&out));
    let out = env.verify(&anna);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("72 commits"), "{}", stdout(&out));
}

/// Passphrases as a person types them, in a real terminal (tmux): a
/// mismatch in `key generate` is asked again instead of sending her away;
/// a short passphrase is warned about and kept only if she says so; a
/// wrong passphrase when unlocking is said, with the tries left (it had
/// been asked again silently). A script's short passphrase file is warned
/// about on stderr, never asked about.
#[test]
fn passphrases_on_a_terminal_are_asked_again_and_weak_ones_warned_about() {
    let env = TestEnv::new();
    let home = env.path().join("home-anna");
    let bin = assert_cmd::cargo::cargo_bin!("hrx");
    let t = Tmux { env: &env, socket: env.path().join("tmux.sock") };
    let session = |cmd: &str| {
        let _ = t.run(&["kill-session", "-t", "hrx"]);
        let cmd = format!(
            "env HRX_HOME={} HRX_NOW={} {} {cmd}; echo EXITED-$?; sleep 30",
            home.display(),
            env.now(),
            bin.display()
        );
        let out = t.run(&["new-session", "-d", "-s", "hrx", "-x", "120", "-y", "40", &cmd]);
        assert!(out.status.success(), "tmux: {}", stderr(&out));
    };
    // Waits until `text` shows `n` times: the exact prompt asked for.
    let nth = |text: &str, n: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let s = t.screen();
            if s.matches(text).count() >= n {
                return s;
            }
            assert!(std::time::Instant::now() < deadline, "{text:?} never showed {n} times:\n{s}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let typed = |text: &str| t.keys(&["-l", text]);
    let enter = || t.keys(&["Enter"]);
    let good = "correct horse battery";

    session("key generate --name 'Anna Weber' --country DE");
    nth("New passphrase:", 1);
    typed("abc");
    enter();
    let s = nth("Use it anyway? [y/N]", 1);
    assert!(s.contains("Warning: a passphrase of 3 characters is guessed in moments"), "{s}");
    typed("n");
    enter();
    nth("New passphrase:", 2);
    typed(good);
    enter();
    nth("Repeat passphrase:", 1);
    typed("correct horse batterz");
    enter();
    let s = nth("New passphrase:", 3);
    assert!(s.contains("The passphrases do not match; try again."), "{s}");
    assert!(!s.contains("EXITED-"), "sent away after a mismatch: {s}");
    typed(good);
    enter();
    nth("Repeat passphrase:", 2);
    typed(good);
    enter();
    let s = nth("EXITED-", 1);
    assert!(s.contains("EXITED-0"), "{s}");
    let key = std::fs::read_dir(home.join("secret")).unwrap().count();
    assert_eq!(key, 1, "one key made");

    // Unlocking: a wrong passphrase is said, with the tries left.
    let rec = env.path().join("rec");
    session(&format!("init {}", rec.display()));
    nth("Passphrase for Anna Weber", 1);
    typed("not it");
    enter();
    let s = nth("Passphrase for Anna Weber", 2);
    assert!(s.contains("Wrong passphrase; try again (2 of 3)."), "{s}");
    typed(good);
    enter();
    let s = nth("EXITED-", 1);
    assert!(s.contains("EXITED-0"), "{s}");
    assert!(rec.join(".git").is_dir());

    // Three wrong ones: refused with the reason, exit 5 (a key problem).
    session(&format!("-C {} add note --text hello", rec.display()));
    for n in 1..=3 {
        nth("Passphrase for Anna Weber", n);
        typed("still not it");
        enter();
    }
    let s = nth("EXITED-", 1);
    assert!(s.contains("wrong passphrase for Anna Weber") && s.contains("EXITED-5"), "{s}");

    // A script's short passphrase file: a warning on stderr, the key made.
    let bob = env.path().join("home-bob");
    let f = env.path().join("short.pass");
    std::fs::write(&f, "1234\n").unwrap();
    let out = env
        .bare(bin.to_str().unwrap())
        .env("HRX_HOME", &bob)
        .env("HRX_NOW", env.now())
        .args(["key", "generate", "--name", "Bob", "--country", "ES", "--passphrase-file"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: a passphrase of 4 characters"), "{}", stderr(&out));
}
