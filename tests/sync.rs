//! Sync across borders over real transports: a `git daemon` on 127.0.0.1,
//! local paths and bundles. Nothing unverified ever reaches `main`.

use std::path::{Path, PathBuf};

use crate::common::*;

/// `hrx -C dir ARGS` as `who`.
fn run(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> std::process::Output {
    env.hrx(who).arg("-C").arg(dir).args(args).output().unwrap()
}

fn ok(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> String {
    let out = run(env, who, dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn head(env: &TestEnv, dir: &Path) -> String {
    stdout(&env.bare("git").arg("-C").arg(dir).args(["rev-parse", "main"]).output().unwrap()).trim().to_string()
}

fn readable(env: &TestEnv, who: &Party, dir: &Path) -> Vec<String> {
    let v = json(&run(env, who, dir, &["log", "--json"]));
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["readable"] == true)
        .map(|e| e["summary"].as_str().unwrap().to_string())
        .collect()
}

/// Anna's record on her laptop, pushed to a hub remote at `hub`.
fn anna_with_hub(env: &TestEnv, hub: &str) -> (Party, PathBuf) {
    let anna = env.party("Anna Weber", "DE", None);
    let laptop = env.record();
    env.hrx(&anna).arg("init").arg(&laptop).assert().success();
    ok(env, &anna, &laptop, &["remote", "add", "hub", hub]);
    let v = json(&run(env, &anna, &laptop, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["pushed"], true);
    (anna, laptop)
}

fn bare_path(env: &TestEnv, name: &str) -> String {
    let p = env.path().join(name);
    let out = env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&p).output().unwrap();
    assert!(out.status.success());
    p.display().to_string()
}

#[test]
fn three_parties_through_git_daemon_and_a_bundle() {
    let env = TestEnv::new();
    let daemon = Daemon::start(&env);
    let hub = daemon.bare(&env, "anna.git");
    let (anna, laptop) = anna_with_hub(&env, &hub);
    let klein = env.party("Dr Klein", "DE", None);
    let lafe = env.party("Hospital La Fe", "ES", None);
    for p in [&klein, &lafe] {
        env.exchange_cert(p, &anna);
    }
    ok(&env, &anna, &laptop, &["grant", &klein.fpr, "--categories", "general,medication", "--rights", "read,write"]);
    ok(&env, &anna, &laptop, &["add", "note", "--text", "Anna: before the trip"]);
    ok(&env, &anna, &laptop, &["sync"]);

    // The GP in Berlin clones from the hub, pinning the trust root Anna read out.
    let berlin = env.path().join("berlin");
    let out = env
        .hrx(&klein)
        .args(["clone", &hub])
        .arg(&berlin)
        .args(["--trust-root", &anna.fpr, "--json"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["clone"]["patient"], anna.fpr.as_str());
    assert_eq!(v["clone"]["patient_name"], "Anna Weber");
    ok(&env, &klein, &berlin, &["add", "note", "--text", "Klein: blood pressure fine"]);
    ok(&env, &klein, &berlin, &["sync"]);

    // Valencia, no network: a bundle on a USB stick.
    ok(&env, &anna, &laptop, &["sync"]);
    let stick = env.path().join("stick.bundle");
    ok(&env, &anna, &laptop, &["bundle", "create", stick.to_str().unwrap()]);
    let root = json(&run(&env, &anna, &laptop, &["verify", "--json"]))["verify"]["report"]["root"]
        .as_str()
        .unwrap()
        .to_string();
    let valencia = env.path().join("valencia");
    let out = env
        .hrx(&lafe)
        .args(["clone", stick.to_str().unwrap()])
        .arg(&valencia)
        .args(["--trust-root", &root])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Anna grants the hospital, with past entries, and hands over what is new.
    let before = head(&env, &laptop);
    ok(
        &env,
        &anna,
        &laptop,
        &["grant", &lafe.fpr, "--categories", "general,results", "--rights", "read,write", "--include-past"],
    );
    let delta = env.path().join("delta.bundle");
    ok(&env, &anna, &laptop, &["bundle", "create", delta.to_str().unwrap(), "--since", &before]);
    let v = json(&run(&env, &lafe, &valencia, &["bundle", "import", delta.to_str().unwrap(), "--json"]));
    assert_eq!(v["import"]["outcome"], "fast-forward");
    assert_eq!(v["import"]["received"], 1);
    let out = env
        .hrx(&lafe)
        .arg("-C")
        .arg(&valencia)
        .args(["add", "observation"])
        .write_stdin(
            "code: {system: loinc, code: 2160-0, display: {en: Creatinine}}\nvalue: {value: 1.1, unit: mg/dL}\n",
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out =
        env.hrx(&lafe).arg("-C").arg(&valencia).args(["add", "note", "--text", "La Fe: discharged"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // Both providers append at the same time and push to the hub: they converge.
    ok(&env, &klein, &berlin, &["add", "note", "--text", "Klein: phone call"]);
    ok(&env, &lafe, &valencia, &["remote", "add", "hub", &hub]);
    let v = json(&run(&env, &lafe, &valencia, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["pushed"], true);
    let v = json(&run(&env, &klein, &berlin, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["outcome"], "merge", "{v}");
    assert_eq!(v["sync"][0]["pushed"], true);
    assert!(v["sync"][0]["forks"].as_array().unwrap().is_empty());
    ok(&env, &lafe, &valencia, &["sync"]);
    ok(&env, &anna, &laptop, &["sync"]);
    let heads = [head(&env, &laptop), head(&env, &berlin), head(&env, &valencia)];
    assert!(heads.iter().all(|h| h == &heads[0]), "{heads:?}");
    for (p, d) in [(&anna, &laptop), (&klein, &berlin), (&lafe, &valencia)] {
        let out = run(&env, p, d, &["verify"]);
        assert!(out.status.success(), "{}: {}", p.name, stderr(&out));
    }
    // Each sees exactly what its grants allow.
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let all = [
        "Anna: before the trip",
        "Creatinine: 1.1 mg/dL",
        "Klein: blood pressure fine",
        "Klein: phone call",
        "La Fe: discharged",
    ];
    assert_eq!(sorted(readable(&env, &anna, &laptop)), all);
    // The GP: general and medication, not results.
    assert_eq!(
        sorted(readable(&env, &klein, &berlin)),
        ["Anna: before the trip", "Klein: blood pressure fine", "Klein: phone call", "La Fe: discharged"]
    );
    // The hospital: general and results, past entries included; the GP's phone
    // call was written on a copy that had not yet seen the hospital's grant.
    assert_eq!(
        sorted(readable(&env, &lafe, &valencia)),
        ["Anna: before the trip", "Creatinine: 1.1 mg/dL", "Klein: blood pressure fine", "La Fe: discharged"]
    );
}

/// A hub with Anna's record and a GP with write access, and an attacker's
/// plain git work tree of the hub.
struct Hub {
    env: TestEnv,
    anna: Party,
    klein: Party,
    laptop: PathBuf,
    hub: String,
}

fn hub() -> Hub {
    let env = TestEnv::new();
    let hub = bare_path(&env, "hub.git");
    let (anna, laptop) = anna_with_hub(&env, &hub);
    let klein = env.party("Dr Klein", "DE", None);
    env.exchange_cert(&klein, &anna);
    ok(&env, &anna, &laptop, &["grant", &klein.fpr, "--categories", "general", "--rights", "read,write"]);
    ok(&env, &anna, &laptop, &["add", "note", "--text", "one"]);
    ok(&env, &anna, &laptop, &["add", "note", "--text", "two"]);
    ok(&env, &anna, &laptop, &["sync"]);
    Hub { env, anna, klein, laptop, hub }
}

/// A plain git clone of the hub to tamper with; pushes go back with `git push`.
fn attacker_tree(h: &Hub) -> PathBuf {
    let dir = h.env.path().join("attacker");
    let out = h.env.bare("git").args(["clone", "-q", &h.hub]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

fn git_in(env: &TestEnv, dir: &Path, args: &[&str]) {
    let out = env
        .bare("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=M", "-c", "user.email=m@example.org"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// Anna's sync must be refused with exit 9 (what the remote sent), name
/// the remote and `code`, and leave her record as it was.
fn assert_sync_refused(h: &Hub, code: &str) {
    let before = head(&h.env, &h.laptop);
    let packs = || std::fs::read_dir(h.laptop.join(".git/objects/pack")).map(|d| d.count()).unwrap_or(0);
    let packs_before = packs();
    let out = run(&h.env, &h.anna, &h.laptop, &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("hub"), "names the remote: {err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["reason"], code, "{v}");
    assert_eq!(head(&h.env, &h.laptop), before, "the local record did not move");
    assert!(run(&h.env, &h.anna, &h.laptop, &["verify"]).status.success());
    // No unverified history is left referenced.
    let refs = stdout(
        &h.env.bare("git").arg("-C").arg(&h.laptop).args(["for-each-ref", "refs/hrx/incoming"]).output().unwrap(),
    );
    assert_eq!(refs, "", "quarantine cleared");
    // Nor kept at all: repeated syncs with a hostile hub do not fill the
    // patient's copy with what it sent.
    assert_eq!(packs(), packs_before, "what the refused fetch brought is dropped");
}

#[test]
fn a_rewritten_remote_is_refused() {
    let h = hub();
    let t = attacker_tree(&h);
    // Drop the last entry and put something else in its place, force-pushed.
    git_in(&h.env, &t, &["reset", "-q", "--hard", "HEAD~1"]);
    git_in(&h.env, &t, &["commit", "-q", "--allow-empty", "-m", "hrx: add entry"]);
    git_in(&h.env, &t, &["push", "-q", "--force", "origin", "main"]);
    assert_sync_refused(&h, "rolled-back");
}

#[test]
fn a_rolled_back_remote_is_refused() {
    let h = hub();
    let hub_dir = PathBuf::from(&h.hub);
    git_in(&h.env, &hub_dir, &["update-ref", "refs/heads/main", "main~2"]);
    assert_sync_refused(&h, "rolled-back");
}

#[test]
fn a_remote_with_an_unsigned_commit_is_refused() {
    let h = hub();
    let t = attacker_tree(&h);
    std::fs::write(t.join("notes.txt"), "x").unwrap();
    git_in(&h.env, &t, &["add", "-A"]);
    git_in(&h.env, &t, &["commit", "-q", "-m", "hrx: add entry"]);
    git_in(&h.env, &t, &["push", "-q", "origin", "main"]);
    assert_sync_refused(&h, "unsigned");
}

#[test]
fn a_remote_with_a_forged_grant_is_refused() {
    let h = hub();
    let t = attacker_tree(&h);
    // The GP signs a grant to itself, in a copy, and pushes it.
    let now = chrono::DateTime::parse_from_rfc3339(&h.env.now()).unwrap().with_timezone(&chrono::Utc);
    let id = hrx::ops::add::new_id(now).unwrap();
    let st = format!(
        "statement: grant\nid: {id}\nissued_at: '{0}'\ngrantee: {1}\ncategories: all\nrights: [read, write]\npurpose: treatment\nfrom: '{0}'\n",
        now.to_rfc3339(),
        h.klein.fpr
    );
    let rec = hrx::repo::Record::open(&t).unwrap();
    let mut u = forge::unlock(&h.klein);
    let c = rec.repo.refname_to_id("refs/heads/main").unwrap();
    rec.append(
        Some(c),
        &[(format!("policy/{id}.yaml"), st.into_bytes())],
        "hrx: grant",
        &mut u.signer,
        &u.identity,
        now,
    )
    .unwrap();
    git_in(&h.env, &t, &["push", "-q", "origin", "main"]);
    assert_sync_refused(&h, "policy");
}

#[test]
fn a_remote_with_a_modified_entry_is_refused() {
    let h = hub();
    let t = attacker_tree(&h);
    let gpg = Gpg::new(&h.env);
    gpg.import_secret(&h.klein);
    let files = stdout(&h.env.bare("git").arg("-C").arg(&t).args(["ls-files", "entries"]).output().unwrap());
    let entry = t.join(files.lines().next().unwrap());
    let mut b = std::fs::read(&entry).unwrap();
    let n = b.len();
    b[n - 3] ^= 1;
    std::fs::write(&entry, b).unwrap();
    git_in(&h.env, &t, &["add", "-A"]);
    gpg.commit_signed_in(&t, &h.klein.fpr, "hrx: add entry");
    git_in(&h.env, &t, &["push", "-q", "origin", "main"]);
    assert_sync_refused(&h, "modified");
}

#[test]
fn two_devices_of_one_signer_are_reported_as_a_fork_and_merged() {
    let h = hub();
    let phone = h.env.path().join("phone");
    let out = h.env.hrx(&h.anna).args(["clone", &h.hub]).arg(&phone).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    ok(&h.env, &h.anna, &h.laptop, &["add", "note", "--text", "on the laptop"]);
    ok(&h.env, &h.anna, &phone, &["add", "note", "--text", "on the phone", "--date", "2019-05"]);
    ok(&h.env, &h.anna, &h.laptop, &["sync"]);
    let v = json(&run(&h.env, &h.anna, &phone, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["outcome"], "merge");
    let forks = v["sync"][0]["forks"].as_array().unwrap();
    assert_eq!(forks.len(), 1, "{v}");
    assert_eq!(forks[0]["signer"], h.anna.fpr.as_str());
    assert_eq!(forks[0]["name"], "Anna Weber");
    ok(&h.env, &h.anna, &h.laptop, &["sync"]);
    assert_eq!(head(&h.env, &h.laptop), head(&h.env, &phone));
    let notes = readable(&h.env, &h.anna, &h.laptop);
    // Both copies list in clinical order, whatever order the merge made.
    assert_eq!(notes.first().map(String::as_str), Some("on the phone"), "{notes:?}");
    assert_eq!(notes.last().map(String::as_str), Some("on the laptop"), "{notes:?}");
    assert_eq!(readable(&h.env, &h.anna, &phone), notes);
    let text = stdout(&run(&h.env, &h.anna, &h.laptop, &["audit"]));
    assert!(text.contains("merged two copies") || text.contains("merge"), "{text}");
}

#[test]
fn a_sync_killed_at_any_point_leaves_a_valid_record_and_a_rerun_completes() {
    for point in ["sync-after-fetch", "sync-before-merge-ref", "sync-before-push"] {
        let h = hub();
        let phone = h.env.path().join("phone");
        h.env.hrx(&h.anna).args(["clone", &h.hub]).arg(&phone).assert().success();
        ok(&h.env, &h.anna, &phone, &["add", "note", "--text", "phone"]);
        ok(&h.env, &h.anna, &phone, &["sync"]);
        ok(&h.env, &h.anna, &h.laptop, &["add", "note", "--text", "laptop"]);
        let before = head(&h.env, &h.laptop);
        let out = h.env.hrx(&h.anna).env("HRX_FAULT", point).arg("-C").arg(&h.laptop).arg("sync").output().unwrap();
        assert!(!out.status.success(), "{point}: the sync died");
        if point != "sync-before-push" {
            assert_eq!(head(&h.env, &h.laptop), before, "{point}: nothing integrated yet");
        }
        assert!(run(&h.env, &h.anna, &h.laptop, &["verify"]).status.success(), "{point}");
        ok(&h.env, &h.anna, &h.laptop, &["sync"]);
        ok(&h.env, &h.anna, &phone, &["sync"]);
        assert_eq!(head(&h.env, &h.laptop), head(&h.env, &phone), "{point}: converged");
        assert!(run(&h.env, &h.anna, &phone, &["verify"]).status.success());
    }
}

#[test]
fn clone_refuses_a_record_with_another_trust_root() {
    let h = hub();
    let dir = h.env.path().join("wrong");
    let out = h
        .env
        .hrx(&h.klein)
        .args(["clone", &h.hub])
        .arg(&dir)
        .args(["--trust-root", &h.klein.fpr, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["reason"], "trust-root");
    assert!(!dir.exists(), "nothing left behind");
    // And a clone of a tampered remote is refused outright.
    let t = attacker_tree(&h);
    git_in(&h.env, &t, &["commit", "-q", "--allow-empty", "-m", "x"]);
    git_in(&h.env, &t, &["push", "-q", "origin", "main"]);
    let out = h.env.hrx(&h.klein).args(["clone", &h.hub]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(9), "a clone of what does not verify is refused: {}", stderr(&out));
    assert!(!dir.exists());
}

#[test]
fn bundles_check_their_prerequisites_and_their_content() {
    let h = hub();
    let full = h.env.path().join("full.bundle");
    ok(&h.env, &h.anna, &h.laptop, &["bundle", "create", full.to_str().unwrap()]);
    // git itself accepts the bundle.
    let out = h.env.bare("git").arg("-C").arg(&h.laptop).args(["bundle", "verify"]).arg(&full).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mid = head(&h.env, &h.laptop);
    ok(&h.env, &h.anna, &h.laptop, &["add", "note", "--text", "three"]);
    let delta = h.env.path().join("delta.bundle");
    ok(&h.env, &h.anna, &h.laptop, &["bundle", "create", delta.to_str().unwrap(), "--since", &mid]);

    // A copy that lacks the delta's base cannot take it.
    let older = h.env.path().join("older");
    h.env.hrx(&h.anna).arg("init").arg(&older).assert().success();
    let out = run(&h.env, &h.anna, &older, &["bundle", "import", delta.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("continues from commit"), "{}", stderr(&out));

    // A damaged bundle is refused and changes nothing.
    let bad = h.env.path().join("bad.bundle");
    let mut b = std::fs::read(&delta).unwrap();
    let n = b.len();
    b[n - 30] ^= 0xff;
    std::fs::write(&bad, b).unwrap();
    let laptop2 = h.env.path().join("laptop2");
    h.env.hrx(&h.anna).args(["clone", full.to_str().unwrap()]).arg(&laptop2).assert().success();
    let before = head(&h.env, &laptop2);
    let out = run(&h.env, &h.anna, &laptop2, &["bundle", "import", bad.to_str().unwrap()]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(head(&h.env, &laptop2), before);
    let v = json(&run(&h.env, &h.anna, &laptop2, &["bundle", "import", delta.to_str().unwrap(), "--json"]));
    assert_eq!(v["import"]["outcome"], "fast-forward");
    assert_eq!(head(&h.env, &laptop2), head(&h.env, &h.laptop));
}

#[test]
fn file_urls_work_and_a_provider_is_granted_from_a_certificate_file() {
    let env = TestEnv::new();
    let hub = format!("file://{}", bare_path(&env, "hub.git"));
    let (anna, laptop) = anna_with_hub(&env, &hub);
    let klein = env.party("Dr Klein", "DE", None);
    // The GP's certificate arrives as a file (e-mail, QR code): grant from it directly.
    let cert = env.path().join("klein.asc");
    std::fs::write(&cert, env.hrx(&klein).args(["key", "export", &klein.fpr]).output().unwrap().stdout).unwrap();
    ok(&env, &anna, &laptop, &["grant", cert.to_str().unwrap(), "--categories", "general", "--rights", "read,write"]);
    ok(&env, &anna, &laptop, &["add", "note", "--text", "for the GP"]);
    ok(&env, &anna, &laptop, &["sync", "hub"]);
    let copy = env.path().join("gp");
    env.hrx(&klein).args(["clone", &hub]).arg(&copy).args(["--trust-root", &anna.fpr]).assert().success();
    assert_eq!(readable(&env, &klein, &copy), ["for the GP"]);
    let v = json(&run(&env, &anna, &laptop, &["remote", "list", "--json"]));
    assert_eq!(v["remotes"][0]["name"], "hub");
    assert_eq!(v["remotes"][0]["url"], hub.as_str());
    // A sync with an unknown remote name is a clear error.
    assert_eq!(run(&env, &anna, &laptop, &["sync", "nowhere"]).status.code(), Some(4));
}

#[test]
fn progress_shows_on_a_terminal_and_not_in_scripts() {
    let h = hub();
    let phone = h.env.path().join("phone");
    h.env.hrx(&h.anna).args(["clone", &h.hub]).arg(&phone).assert().success();
    ok(&h.env, &h.anna, &h.laptop, &["add", "note", "--text", "new"]);
    ok(&h.env, &h.anna, &h.laptop, &["sync"]);
    // Not a terminal: results only.
    let out = run(&h.env, &h.anna, &phone, &["sync"]);
    assert!(out.status.success());
    assert!(!stderr(&out).contains("verifying"), "{}", stderr(&out));
    // On a terminal (a pty made by script(1)), progress is drawn on stderr.
    ok(&h.env, &h.anna, &h.laptop, &["add", "note", "--text", "newer"]);
    ok(&h.env, &h.anna, &h.laptop, &["sync"]);
    let cmd = format!("{} -C {} sync", assert_cmd::cargo::cargo_bin!("hrx").display(), phone.display());
    let out = h.env.bare("script").env("HRX_HOME", &h.anna.home).args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let screen = stdout(&out);
    assert!(screen.contains("verifying commits:"), "{screen}");
    assert!(screen.contains("received 1 commits"), "{screen}");
    // --quiet silences it even on a terminal.
    let cmd = format!("{} -q -C {} sync", assert_cmd::cargo::cargo_bin!("hrx").display(), phone.display());
    let out = h.env.bare("script").env("HRX_HOME", &h.anna.home).args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    assert!(!stdout(&out).contains("verifying commits:"));
}

/// A copy rolled back on the device that verified more (its branch reset
/// to an older commit) is refused until `hrx sync` brings the missing
/// commits back from a remote that has them.
#[test]
fn a_rolled_back_copy_is_refused_until_sync_brings_the_commits_back() {
    let h = hub();
    let before = head(&h.env, &h.laptop);
    git_in(&h.env, &h.laptop, &["update-ref", "refs/heads/main", "HEAD~2"]);
    let out = run(&h.env, &h.anna, &h.laptop, &["log"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("rolled-back") || stderr(&out).contains("rolled back"), "{}", stderr(&out));
    let out = run(&h.env, &h.anna, &h.laptop, &["add", "note", "--text", "x"]);
    assert_eq!(out.status.code(), Some(1), "a write to a rolled-back copy: {}", stderr(&out));
    ok(&h.env, &h.anna, &h.laptop, &["sync"]);
    assert_eq!(head(&h.env, &h.laptop), before);
    let notes = readable(&h.env, &h.anna, &h.laptop);
    assert!(notes.contains(&"two".to_string()), "{notes:?}");
}

/// Issue 16: two copies syncing to the same path remote at once. libgit2's
/// push to a path writes the ref whatever it is by then, so the phone's
/// push replaced the laptop's, the hub lost the laptop's commit, and
/// every later sync of the laptop was refused as "rolled back". The phone
/// is held after its objects went over and before its main moves, while
/// the laptop pushes; the move must then be refused (the hub's main is no
/// longer what the phone fetched), and its retry merge both.
#[test]
fn two_copies_pushing_to_one_path_remote_at_once_lose_nothing() {
    let h = hub();
    let phone = h.env.path().join("phone");
    let out = h.env.hrx(&h.anna).args(["clone", &h.hub]).arg(&phone).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    ok(&h.env, &h.anna, &h.laptop, &["add", "note", "--text", "from the laptop"]);
    ok(&h.env, &h.anna, &phone, &["add", "note", "--text", "from the phone"]);
    let gate = h.env.path().join("gate");
    std::fs::create_dir_all(&gate).unwrap();
    let mut held = h.env.hrx_std(&h.anna);
    held.arg("-C").arg(&phone).arg("sync");
    held.env("HRX_FAULT_PAUSE", "push-before-swap").env("HRX_FAULT_DIR", &gate);
    held.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = held.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !gate.join("push-before-swap.reached").exists() {
        assert!(std::time::Instant::now() < deadline, "the phone's sync never reached its push");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The laptop pushes while the phone stands before its push.
    ok(&h.env, &h.anna, &h.laptop, &["sync"]);
    std::fs::write(gate.join("push-before-swap.go"), b"").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    ok(&h.env, &h.anna, &h.laptop, &["sync"]);
    assert_eq!(head(&h.env, &h.laptop), head(&h.env, &phone));
    for copy in [&h.laptop, &phone] {
        let notes = readable(&h.env, &h.anna, copy);
        assert!(
            notes.contains(&"from the laptop".to_string()) && notes.contains(&"from the phone".to_string()),
            "{notes:?}"
        );
    }
}

/// Issue 17: a mistyped remote path gave libgit2's "unsupported URL
/// protocol", and a copy with a work tree as the remote gave "local push
/// doesn't (yet) support pushing to non-bare repos". Each is now said with
/// what happened and what to do.
#[test]
fn a_mistyped_remote_and_a_working_copy_remote_are_said_plainly() {
    let env = TestEnv::new();
    let hub = bare_path(&env, "hub.git");
    let (anna, laptop) = anna_with_hub(&env, &hub);
    let typo = env.path().join("hbu.git");
    ok(&env, &anna, &laptop, &["remote", "add", "typo", typo.to_str().unwrap()]);
    let out = run(&env, &anna, &laptop, &["sync", "typo"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no such directory") && !stderr(&out).contains("unsupported URL"),
        "{}",
        stderr(&out)
    );
    let phone = env.path().join("phone");
    let out = env.hrx(&anna).args(["clone", &hub]).arg(&phone).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    ok(&env, &anna, &laptop, &["remote", "add", "phone", phone.to_str().unwrap()]);
    ok(&env, &anna, &laptop, &["add", "note", "--text", "for the phone"]);
    let out = run(&env, &anna, &laptop, &["sync", "phone"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("pushes only to bare repositories"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("non-bare repos"), "{}", stderr(&out));
}

/// Hardening (issue 16): a push was tried again whenever its error said
/// "pushing to", which every push error does: a remote that refuses (a
/// hook's no, a wrong credential) got three full fetch-verify-push rounds.
/// Only a remote that moved meanwhile is asked again now; one that refuses
/// where it stands is asked once, and the error says what it said.
#[test]
fn a_remote_that_refuses_a_push_is_asked_once() {
    let env = TestEnv::new();
    let daemon = Daemon::start(&env);
    let hub = daemon.bare(&env, "anna.git");
    let (anna, laptop) = anna_with_hub(&env, &hub);
    let count = env.path().join("pushes");
    let hook = daemon.base.join("anna.git/hooks/pre-receive");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\necho push >> '{}'\necho 'no pushes today' >&2\nexit 1\n", count.display()),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    ok(&env, &anna, &laptop, &["add", "note", "--text", "not for the hub"]);
    let before = head(&env, &laptop);
    let out = run(&env, &anna, &laptop, &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["kind"], "state", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("refused the push"), "{v}");
    let pushes = std::fs::read_to_string(&count).unwrap();
    assert_eq!(pushes.lines().count(), 1, "asked {} times", pushes.lines().count());
    assert_eq!(head(&env, &laptop), before, "the local record is as it was");
}
