//! `hrx tui` in a real terminal: tmux runs it, sends keys and reads the
//! screen with capture-pane.

use std::path::Path;

use crate::common::*;

fn start<'a>(env: &'a TestEnv, who: &Party, record: &Path) -> Tmux<'a> {
    start_sized(env, who, record, 100, 30)
}

/// [`start`] in a terminal of `w` columns and `h` lines.
fn start_sized<'a>(env: &'a TestEnv, who: &Party, record: &Path, w: u16, h: u16) -> Tmux<'a> {
    let t = Tmux { env, socket: env.path().join("tmux.sock") };
    let cmd = format!(
        "env HRX_HOME={} HRX_NOW={} {} -C {} tui; echo EXITED-$?; sleep 30",
        who.home.display(),
        env.now(),
        assert_cmd::cargo::cargo_bin!("hrx").display(),
        record.display()
    );
    let (w, h) = (w.to_string(), h.to_string());
    let out = t.run(&["new-session", "-d", "-s", "hrx", "-x", &w, "-y", &h, &cmd]);
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

/// Issue 14, item 4: the patient shows a share's QR code full-screen and the
/// clinician's phone reads it off the terminal (zbarimg reads what tmux shows).
#[test]
fn a_shares_qr_code_is_shown_full_screen_and_scans() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "Trip to Valencia");
    let www = env.path().join("www");
    std::fs::create_dir(&www).unwrap();
    let share = |extra: &[&str]| {
        let out = env
            .hrx(&anna)
            .arg("-C")
            .arg(env.record())
            .args([
                "share",
                "ips",
                "--files",
                www.to_str().unwrap(),
                "--url",
                "https://files.example.org/shl",
                "--no-qr",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().to_string()
    };
    share(&["--label", "An old link"]);
    let list = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "list", "--json"]).output().unwrap());
    let old = list["shares"][0]["share"]["id"].as_str().unwrap().to_string();
    env.hrx(&anna).arg("-C").arg(env.record()).args(["share", "revoke", &old]).assert().success();
    let link = share(&["--label", "Anna Weber: summary for La Fe"]);

    let t = start_sized(&env, &anna, &env.record(), 110, 48);
    t.wait_for("Trip to Valencia");
    t.keys(&["5"]);
    let s = t.wait_for_all(&["Shares (Enter: show the QR code)", "An old link", "Anna Weber: summary for La Fe"]);
    assert!(s.contains("revoked") && s.contains("active"), "{s}");
    // A revoked link is not shown.
    t.keys(&["Enter"]);
    t.wait_for("is revoked; make a new one");
    t.keys(&["Down", "Enter"]);
    let screen = t.wait_for_all(&["any key goes back", "Anna Weber: summary for La Fe (until"]);
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    // The code: from its top quiet zone (a run of full blocks) down while
    // its column holds blocks.
    let run = |l: &[char]| {
        let start = l.iter().position(|c| *c == '█')?;
        let len = l[start..].iter().take_while(|c| **c == '█').count();
        (len >= 20).then_some((start, len))
    };
    let (y0, (x0, w)) =
        lines.iter().enumerate().find_map(|(y, l)| run(l).map(|r| (y, r))).expect("a QR code on screen");
    let rows: Vec<String> = lines[y0..]
        .iter()
        .take_while(|l| l.get(x0).is_some_and(|c| matches!(c, '█' | '▀' | '▄')))
        .map(|l| l[x0..(x0 + w).min(l.len())].iter().collect())
        .collect();
    let pgm = env.path().join("screen.pgm");
    crate::share::terminal_image(&rows.join("\n"), &pgm);
    assert_eq!(crate::share::scan(&pgm), link, "the code on screen is the link");
    // Any key puts it away.
    t.keys(&["x"]);
    let back = t.wait_for("Shares (Enter: show the QR code)");
    assert!(!back.contains("any key goes back"));
}
