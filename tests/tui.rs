//! `hrx tui` in a real terminal: tmux runs it, sends keys and reads the
//! screen with capture-pane.

use std::path::Path;

use crate::common::*;

fn start<'a>(env: &'a TestEnv, who: &Party, record: &Path) -> Tmux<'a> {
    let t = Tmux { env, socket: env.path().join("tmux.sock") };
    let cmd = format!(
        "env HRX_HOME={} HRX_NOW={} {} -C {} tui; echo EXITED-$?; sleep 30",
        who.home.display(),
        env.now(),
        assert_cmd::cargo::cargo_bin!("hrx").display(),
        record.display()
    );
    let out = t.run(&["new-session", "-d", "-s", "hrx", "-x", "100", "-y", "30", &cmd]);
    assert!(out.status.success(), "tmux: {}", stderr(&out));
    t
}

#[test]
fn browse_a_record_in_a_real_terminal() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    env.grant(&anna, &klein, "allergy", "read,write", &["--until", "2026-03-10"]);
    env.hrx(&klein)
        .arg("-C")
        .arg(env.record())
        .args(["add", "allergy", "--code", "snomed:764146007", "--display", "Penicillin"])
        .assert()
        .success();
    env.note(&anna, "Trip to Valencia");

    let t = start(&env, &anna, &env.record());
    t.wait_for_all(&["Timeline (2 entries)", "Trip to Valencia", "Penicillin"]);
    // Open the newest entry.
    t.keys(&["Enter"]);
    t.wait_for_all(&["Entry (y: YAML, Esc: back)", "signature  good"]);
    // Grants: the GP's grant expires within 14 days.
    t.keys(&["Escape", "2"]);
    t.wait_for_all(&["Grants (1; Enter: in full)", "expiring", "Dr Klein"]);
    // Audit, help, quit: the terminal is given back and hrx exits 0.
    t.keys(&["3"]);
    t.wait_for("Audit trail");
    t.keys(&["?"]);
    t.wait_for("Keys (? or Esc closes)");
    t.keys(&["Escape", "q"]);
    let s = t.wait_for("EXITED-");
    assert!(s.contains("EXITED-0"), "{s}");
    assert!(!s.contains("Timeline ("), "the alternate screen is gone: {s}");
}

#[test]
fn an_unverifiable_record_opens_in_an_error_view() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "first");
    std::fs::write(env.record().join("stray.txt"), "x").unwrap();
    env.git(&["add", "-A"]);
    env.git(&["-c", "user.name=M", "-c", "user.email=m@example.org", "commit", "-q", "-m", "stray"]);
    let t = start(&env, &anna, &env.record());
    let s = t.wait_for("Not verified");
    assert!(s.contains("does not verify") && s.contains("not signed"), "{s}");
    t.keys(&["q"]);
    assert!(t.wait_for("EXITED-").contains("EXITED-0"));
}

#[test]
fn a_grant_added_in_the_tui_is_the_same_signed_commit_the_cli_makes() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let lafe = env.party("Hospital La Fe", "ES", None);
    env.init(&anna);
    env.exchange_cert(&lafe, &anna);
    let t = start(&env, &anna, &env.record());
    t.wait_for("Timeline");
    t.keys(&["2"]);
    t.wait_for("Grants (0; Enter: in full)");
    t.keys(&["a"]);
    t.wait_for("Grant to (a name or fingerprint)");
    // Picked by name from the certificates this device has.
    t.keys(&["-l", "la fe"]);
    t.wait_for(&format!("→ Hospital La Fe ({})", &lafe.fpr[..16]));
    t.keys(&["Enter"]);
    for answer in ["medication,allergy,results,general", "read,write", "2026-03-20"] {
        t.keys(&["-l", answer]);
        t.keys(&["Enter"]);
    }
    t.wait_for("Confirm (y/n)");
    t.keys(&["y"]);
    let s = t.wait_for("granted:");
    assert!(s.contains("Grants (1;") && s.contains("Hospital La Fe"), "{s}");
    // And revoke it again from the same screen.
    t.keys(&["x"]);
    t.wait_for("Revoke grant");
    t.keys(&["y"]);
    t.wait_for("revoked:");
    t.keys(&["q"]);
    assert!(t.wait_for("EXITED-").contains("EXITED-0"));
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["grants", "--all", "--json"]).output().unwrap());
    let g = &v["grants"][0];
    assert_eq!(g["grantee"]["fingerprint"], lafe.fpr.as_str());
    assert_eq!(g["status"], "revoked");
    assert_eq!(g["rights"], serde_json::json!(["read", "write"]));
    assert!(env.verify(&anna).status.success());
    // Two signed commits, as `hrx grant` and `hrx revoke` make them.
    let log = stdout(&env.git(&["log", "--format=%s", "-2"]));
    assert_eq!(log, "hrx: revoke\nhrx: grant\n");
}

#[test]
fn a_locked_key_is_asked_for_in_the_tui_and_serves_changes_made_there() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", Some("anna's secret words"));
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    env.exchange_cert(&klein, &anna);
    let t = start(&env, &anna, &env.record());
    // Asked inside the TUI, with stars for the characters.
    t.wait_for("Passphrase for Anna Weber");
    t.keys(&["-l", "wrong words"]);
    let s = t.wait_for("***********");
    assert!(!s.contains("wrong words"), "never echoed: {s}");
    t.keys(&["Enter"]);
    t.wait_for("Wrong passphrase. Passphrase for Anna Weber");
    t.keys(&["-l", "anna's secret words"]);
    t.keys(&["Enter"]);
    t.wait_for("unlocked");
    t.wait_for("Timeline");
    t.keys(&["2", "a"]);
    t.wait_for("Grant to (a name or fingerprint)");
    for answer in [klein.fpr.as_str(), "general", "read", ""] {
        t.keys(&["-l", answer]);
        t.keys(&["Enter"]);
    }
    t.wait_for("Confirm (y/n)");
    t.keys(&["y"]);
    t.wait_for("granted:");
    t.keys(&["q"]);
    assert!(t.wait_for("EXITED-").contains("EXITED-0"));
    let v = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["grants", "--json"]).output().unwrap());
    assert_eq!(v["grants"][0]["grantee"]["fingerprint"], klein.fpr.as_str());
}

#[test]
fn an_attached_file_is_saved_from_the_entry_screen() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let pdf = env.path().join("letter.pdf");
    std::fs::write(&pdf, b"%PDF-1.4 discharge letter").unwrap();
    env.hrx(&anna)
        .arg("-C")
        .arg(env.record())
        .args(["add", "document", "--title", "Discharge letter", "--attach"])
        .arg(&pdf)
        .assert()
        .success();
    let t = start(&env, &anna, &env.record());
    t.wait_for("Discharge letter");
    t.keys(&["Enter"]);
    t.wait_for("Entry (y: YAML, Esc: back)");
    t.keys(&["s"]);
    t.wait_for("Save the attached file to");
    let out = env.path().join("saved.pdf");
    t.keys(&["-l", out.to_str().unwrap()]);
    t.keys(&["Enter"]);
    t.wait_for("Confirm (y/n)");
    t.keys(&["y"]);
    t.wait_for("saved 25 bytes");
    t.keys(&["q"]);
    t.wait_for("EXITED-");
    assert_eq!(std::fs::read(&out).unwrap(), b"%PDF-1.4 discharge letter");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn sync_runs_in_the_background_and_the_screen_keeps_working() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let hub = env.path().join("hub.git");
    assert!(env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&hub).output().unwrap().status.success());
    env.hrx(&anna).arg("-C").arg(env.record()).args(["remote", "add", "hub"]).arg(&hub).assert().success();
    env.note(&anna, "not pushed yet");
    let t = start(&env, &anna, &env.record());
    t.wait_for("Timeline");
    t.keys(&["4"]);
    let s = t.wait_for("Sync (S: sync now)");
    assert!(s.contains("never"), "never synced: {s}");
    t.keys(&["S"]);
    let s = t.wait_for("pushed");
    assert!(s.contains("hub"), "{s}");
    // The screen still answers keys, and the sync view now shows the hub's head.
    t.keys(&["1"]);
    t.wait_for("Timeline (1 entry)");
    t.keys(&["4"]);
    let s = t.wait_for("Sync (S: sync now)");
    assert!(!s.contains("never"), "{s}");
    t.keys(&["q"]);
    assert!(t.wait_for("EXITED-").contains("EXITED-0"));
    let pushed = stdout(&env.bare("git").arg("-C").arg(&hub).args(["rev-parse", "main"]).output().unwrap());
    assert_eq!(pushed.trim(), stdout(&env.git(&["rev-parse", "HEAD"])).trim());
}
