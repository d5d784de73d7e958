//! Interoperability with stock tools: GnuPG reads entries, git checks
//! commits, and the repository is an ordinary git repository.

use crate::common::*;

#[test]
fn gnupg_decrypts_an_entry_and_git_verifies_the_commits() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    env.grant(&anna, &klein, "all", "read,write", &[]);
    let id = env.note(&klein, "Blood pressure 150/95, started ramipril.");

    // The GP's secret key in GnuPG decrypts the entry file.
    let gpg = Gpg::new(&env);
    gpg.import_secret(&klein);
    let path = stdout(&env.git(&["ls-files", "entries"])).lines().find(|l| l.contains(&id)).unwrap().to_string();
    let out = gpg.run(&["--decrypt", env.record().join(&path).to_str().unwrap()]);
    assert!(out.status.success(), "gpg --decrypt: {}", stderr(&out));
    let yaml = stdout(&out);
    assert!(yaml.contains("Blood pressure 150/95"), "{yaml}");
    assert!(yaml.contains(&format!("id: {id}")));
    // GnuPG sees the inner signature too (it knows the GP's key).
    assert!(stderr(&out).contains("Good signature"), "{}", stderr(&out));

    // git verify-commit with the signers' certificates in GnuPG.
    gpg.import_secret(&anna);
    for rev in ["HEAD", "HEAD~1", "HEAD~2"] {
        let out = env.bare("git").arg("-C").arg(env.record()).args(["verify-commit", "-v", rev]).output().unwrap();
        assert!(out.status.success(), "verify-commit {rev}: {}", stderr(&out));
        assert!(stderr(&out).contains("Good signature"), "{}", stderr(&out));
    }
    let log = stdout(&env.git(&["log", "--format=%G? %s"]));
    // G: good and trusted; U: good, key not certified in this GnuPG home.
    assert!(
        log.lines().all(|l| l.starts_with("G ") || l.starts_with("U ")),
        "every commit has a good signature: {log}"
    );

    // An ordinary git repository: fsck, clone, clean status.
    env.git(&["fsck", "--strict"]);
    assert_eq!(stdout(&env.git(&["status", "--porcelain"])), "");
    let clone = env.path().join("clone");
    let out = env.bare("git").args(["clone", "-q"]).arg(env.record()).arg(&clone).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // A plain git clone verifies with hrx (root taken from the copy, not pinned).
    let out = env.hrx(&klein).arg("-C").arg(&clone).args(["verify", "--json"]).output().unwrap();
    let v = json(&out);
    assert_eq!(v["verify"]["ok"], true);
    assert_eq!(v["verify"]["report"]["pinned"], false);
    assert_eq!(v["verify"]["report"]["inner_checked"], 1);
}

#[test]
fn keys_made_by_gnupg_work_in_hrx() {
    let env = TestEnv::new();
    let gpg = Gpg::new(&env);
    let out = gpg.run(&[
        "--quick-gen-key",
        "Dr Garcia (Hospital La Fe, ES) <garcia@example.org>",
        "ed25519",
        "cert",
        "never",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fpr_line = stdout(&gpg.run(&["--with-colons", "--list-secret-keys"]));
    let fpr = fpr_line.lines().find(|l| l.starts_with("fpr:")).unwrap().split(':').nth(9).unwrap().to_string();
    for (algo, usage) in [("ed25519", "sign"), ("cv25519", "encr")] {
        let o = gpg.run(&["--quick-add-key", &fpr, algo, usage, "never"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let exported = gpg.run(&["--armor", "--export-secret-keys", &fpr]).stdout;
    let garcia =
        Party { name: "Garcia".into(), home: env.path().join("home-garcia"), fpr: fpr.clone(), passphrase_file: None };
    env.hrx(&garcia).args(["key", "import", "-"]).write_stdin(exported).assert().success();
    let v = json(&env.hrx(&garcia).args(["key", "list", "--json"]).output().unwrap());
    assert_eq!(v["keys"][0]["organisation"], "Hospital La Fe");
    assert_eq!(v["keys"][0]["country"], "ES");
    assert_eq!(v["keys"][0]["secret"], true);

    // The GnuPG-made key creates and writes a record that verifies.
    env.init(&garcia);
    let id = env.note(&garcia, "made with a GnuPG key");
    let v = json(&env.hrx(&garcia).arg("-C").arg(env.record()).args(["show", &id, "--json"]).output().unwrap());
    assert_eq!(v["entry"]["signature"]["signer"], fpr.as_str());
    assert_eq!(v["entry"]["record"]["author"]["country"], "ES");
    assert!(env.verify(&garcia).status.success());
}
