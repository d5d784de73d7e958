//! Providers at scale: hubs that refuse what does not verify (a real
//! `pre-receive` hook, through plain `git push` and `git daemon`), remote
//! management, and syncing many records and many remotes where one
//! failure stops nothing else.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

fn run(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> std::process::Output {
    env.hrx(who).arg("-C").arg(dir).args(args).output().unwrap()
}

fn ok(env: &TestEnv, who: &Party, dir: &Path, args: &[&str]) -> String {
    let out = run(env, who, dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

fn git(env: &TestEnv, dir: &Path, args: &[&str]) -> std::process::Output {
    env.bare("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=M", "-c", "user.email=m@example.org"])
        .args(args)
        .output()
        .unwrap()
}

fn git_ok(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let out = git(env, dir, args);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    stdout(&out)
}

/// The --json document of a command that may have failed.
fn doc(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stderr(out)))
}

fn rev(env: &TestEnv, dir: &Path, what: &str) -> String {
    git_ok(env, dir, &["rev-parse", what]).trim().to_string()
}

/// Anna's record, a hub made for it with `remote add --create`, synced.
struct Setup {
    env: TestEnv,
    anna: Party,
    laptop: PathBuf,
    hub: PathBuf,
}

fn setup() -> Setup {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let laptop = env.record();
    env.hrx(&anna).arg("init").arg(&laptop).assert().success();
    ok(&env, &anna, &laptop, &["add", "note", "--text", "one"]);
    let hub = env.path().join("hub.git");
    let out = run(&env, &anna, &laptop, &["remote", "add", "hub", hub.to_str().unwrap(), "--create"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("created hub"), "{}", stderr(&out));
    ok(&env, &anna, &laptop, &["sync"]);
    Setup { env, anna, laptop, hub }
}

/// A plain git clone of the hub, as someone who pushes with git alone.
fn plain_clone(s: &Setup, name: &str) -> PathBuf {
    let dir = s.env.path().join(name);
    let out = s.env.bare("git").args(["clone", "-q"]).arg(&s.hub).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// The push must fail, show hrx's reason to the pusher, and leave the
/// hub where it was.
fn assert_push_refused(s: &Setup, out: &std::process::Output, says: &str) {
    let err = stderr(out);
    assert!(!out.status.success(), "the push went through: {err}");
    assert!(err.contains("hrx: error:"), "hrx's reason is shown to the pusher: {err}");
    assert!(err.contains(says), "says {says:?}: {err}");
    assert_eq!(rev(&s.env, &s.hub, "main"), rev(&s.env, &s.laptop, "main"), "the hub did not move");
    // The patient's copy still syncs with it as before.
    let v = json(&run(&s.env, &s.anna, &s.laptop, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["outcome"], "up-to-date", "{v}");
}

#[test]
fn a_created_hub_is_bare_guarded_and_a_plain_clone_shows_the_record() {
    let s = setup();
    assert!(s.hub.join("HEAD").is_file() && !s.hub.join(".git").exists(), "bare");
    let hook = std::fs::read_to_string(s.hub.join("hooks/pre-receive")).unwrap();
    assert!(hook.contains("hook pre-receive"), "{hook}");
    let cfg = git_ok(&s.env, &s.hub, &["config", "--get", "hrx.hub.patient"]);
    assert_eq!(cfg.trim(), s.anna.fpr);
    // A plain clone checks the record out (HEAD is main, not a branch
    // that never comes).
    let out = s.env.bare("git").args(["clone"]).arg(&s.hub).arg(s.env.path().join("plain")).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("nonexistent ref"), "{}", stderr(&out));
    assert!(s.env.path().join("plain/hrx.yaml").is_file());
    // A hub made with plain `git init --bare` (HEAD on master) gets HEAD
    // on main from hrx's first push to it.
    let other = s.env.path().join("other.git");
    assert!(
        s.env
            .bare("git")
            .args(["-c", "init.defaultBranch=master", "init", "-q", "--bare"])
            .arg(&other)
            .output()
            .unwrap()
            .status
            .success()
    );
    ok(&s.env, &s.anna, &s.laptop, &["remote", "add", "other", other.to_str().unwrap()]);
    ok(&s.env, &s.anna, &s.laptop, &["sync", "other"]);
    let out = s.env.bare("git").args(["clone"]).arg(&other).arg(s.env.path().join("plain2")).output().unwrap();
    assert!(!stderr(&out).contains("nonexistent ref"), "{}", stderr(&out));
    assert!(s.env.path().join("plain2/hrx.yaml").is_file());
}

#[test]
fn creating_a_hub_refuses_what_it_cannot_make_and_adds_nothing() {
    let s = setup();
    let full = s.env.path().join("full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("x"), "x").unwrap();
    let out = run(&s.env, &s.anna, &s.laptop, &["remote", "add", "x", full.to_str().unwrap(), "--create"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    let out = run(&s.env, &s.anna, &s.laptop, &["remote", "add", "y", "ssh://git@hub.example.org/a.git", "--create"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("hook install"), "says what to run on the server: {}", stderr(&out));
    let list = ok(&s.env, &s.anna, &s.laptop, &["remote", "list"]);
    assert_eq!(list.lines().count(), 1, "nothing added: {list}");
}

#[test]
fn remotes_are_renamed_moved_and_removed_and_stay_held_to_what_was_verified() {
    let s = setup();
    let (env, anna, laptop) = (&s.env, &s.anna, &s.laptop);
    ok(env, anna, laptop, &["remote", "rename", "hub", "central"]);
    let list = ok(env, anna, laptop, &["remote", "list"]);
    assert!(list.starts_with("central\t"), "{list}");
    let marks = git_ok(env, laptop, &["for-each-ref", "--format=%(refname)", "refs/hrx/verified"]);
    assert_eq!(marks.trim(), "refs/hrx/verified/central", "the mark went with the name");
    // The hub moves: the same history elsewhere syncs as before.
    let moved = env.path().join("moved.git");
    assert!(env.bare("git").args(["clone", "-q", "--bare"]).arg(&s.hub).arg(&moved).output().unwrap().status.success());
    ok(env, anna, laptop, &["remote", "set-url", "central", moved.to_str().unwrap()]);
    ok(env, anna, laptop, &["add", "note", "--text", "two"]);
    let v = json(&run(env, anna, laptop, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["pushed"], true, "{v}");
    // "Moved" to an old copy: held to what was verified from it.
    ok(env, anna, laptop, &["remote", "set-url", "central", s.hub.to_str().unwrap()]);
    git_ok(env, &s.hub, &["update-ref", "refs/heads/main", &rev(env, laptop, "main~2")]);
    let out = run(env, anna, laptop, &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    assert_eq!(doc(&out)["error"]["reason"], "rolled-back");
    // Mistakes are said plainly.
    for (args, code) in [
        (vec!["remote", "remove", "nope"], 4),
        (vec!["remote", "rename", "nope", "x"], 4),
        (vec!["remote", "set-url", "nope", "/x"], 4),
        (vec!["remote", "add", "central", "/x"], 7),
        (vec!["remote", "add", "a/b", "/x"], 2),
        (vec!["remote", "add", "x\u{1b}[31m", "/x"], 2),
    ] {
        let out = run(env, anna, laptop, &args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
    }
    ok(env, anna, laptop, &["remote", "remove", "central"]);
    assert_eq!(ok(env, anna, laptop, &["remote", "list"]), "");
    let refs = git_ok(env, laptop, &["for-each-ref", "refs/hrx/verified", "refs/hrx/incoming"]);
    assert_eq!(refs, "", "nothing of it is kept");
    assert_eq!(run(env, anna, laptop, &["sync"]).status.code(), Some(7), "no remotes left");
}

#[test]
fn a_hub_refuses_an_unsigned_commit_pushed_with_plain_git() {
    let s = setup();
    let t = plain_clone(&s, "mallory");
    std::fs::write(t.join("entries/general/x.yaml"), "not an entry").unwrap_or_else(|_| {
        std::fs::create_dir_all(t.join("entries/general")).unwrap();
        std::fs::write(t.join("entries/general/x.yaml"), "not an entry").unwrap();
    });
    git_ok(&s.env, &t, &["add", "-A"]);
    git_ok(&s.env, &t, &["commit", "-q", "-m", "sneak"]);
    let out = git(&s.env, &t, &["push", "origin", "main"]);
    assert_push_refused(&s, &out, "does not verify");
    assert!(stderr(&out).contains("unsigned") || stderr(&out).contains("signature"), "{}", stderr(&out));
}

#[test]
fn a_hub_refuses_a_rewind_pushed_with_plain_git() {
    let s = setup();
    let t = plain_clone(&s, "mallory");
    git_ok(&s.env, &t, &["reset", "-q", "--hard", "HEAD~1"]);
    let out = git(&s.env, &t, &["push", "-f", "origin", "main"]);
    assert_push_refused(&s, &out, "rewind");
}

#[test]
fn a_hub_refuses_to_lose_main_or_hold_anything_else() {
    let s = setup();
    let t = plain_clone(&s, "mallory");
    let out = git(&s.env, &t, &["push", "origin", ":main"]);
    assert_push_refused(&s, &out, "may not be deleted");
    let out = git(&s.env, &t, &["push", "origin", "main:refs/heads/side"]);
    assert_push_refused(&s, &out, "nothing else");
    let out = git(&s.env, &t, &["push", "origin", "main:refs/tags/v1"]);
    assert_push_refused(&s, &out, "nothing else");
    let refs = git_ok(&s.env, &s.hub, &["for-each-ref", "--format=%(refname)"]);
    assert_eq!(refs.trim(), "refs/heads/main", "{refs}");
}

#[test]
fn an_empty_hub_takes_only_its_patients_record() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let mallory = env.party("Mallory", "XX", None);
    let hub = env.path().join("hub.git");
    assert!(env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&hub).output().unwrap().status.success());
    let out = env
        .hrx_nobody()
        .arg("-C")
        .arg(&hub)
        .args(["hook", "install", "--patient", &anna.fpr, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    crate::scripting::conforms("hook-install", &v);
    assert_eq!(v["hook-install"]["patient"], anna.fpr.as_str());
    // Mallory's own, perfectly valid record is not Anna's.
    let theirs = env.path().join("mallory-record");
    env.hrx(&mallory).arg("init").arg(&theirs).assert().success();
    let out = git(&env, &theirs, &["push", hub.to_str().unwrap(), "main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&format!("holds the record of {}", anna.fpr)), "{}", stderr(&out));
    assert!(git(&env, &hub, &["rev-parse", "--verify", "-q", "main"]).stdout.is_empty(), "still empty");
    // Anna's is taken, by plain git as well as by hrx.
    let rec = env.record();
    env.hrx(&anna).arg("init").arg(&rec).assert().success();
    let out = git(&env, &rec, &["push", hub.to_str().unwrap(), "main"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("hrx: verified 1 commits"), "{}", stderr(&out));
    ok(&env, &anna, &rec, &["add", "note", "--text", "then by plain git"]);
    let out = git(&env, &rec, &["push", hub.to_str().unwrap(), "main"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rev(&env, &hub, "main"), rev(&env, &rec, "main"));
}

#[test]
fn hook_install_refuses_a_hub_that_does_not_verify_a_work_tree_and_a_foreign_hook() {
    let s = setup();
    let env = &s.env;
    // A hub that already holds an unsigned commit.
    let bad = env.path().join("bad.git");
    assert!(env.bare("git").args(["clone", "-q", "--bare"]).arg(&s.hub).arg(&bad).output().unwrap().status.success());
    let t = env.path().join("t");
    assert!(env.bare("git").args(["clone", "-q"]).arg(&bad).arg(&t).output().unwrap().status.success());
    std::fs::write(t.join("junk"), "x").unwrap();
    git_ok(env, &t, &["add", "-A"]);
    git_ok(env, &t, &["commit", "-q", "-m", "junk"]);
    git_ok(env, &t, &["push", "-q", "origin", "main"]);
    let out = env.hrx_nobody().arg("-C").arg(&bad).args(["hook", "install"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!bad.join("hooks/pre-receive").exists(), "no hook installed");
    let out = env.hrx_nobody().arg("-C").arg(&s.laptop).args(["hook", "install"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a bare repository"), "{}", stderr(&out));
    let other = env.path().join("other.git");
    assert!(env.bare("git").args(["clone", "-q", "--bare"]).arg(&s.hub).arg(&other).output().unwrap().status.success());
    std::fs::write(other.join("hooks/pre-receive"), "#!/bin/sh\nexit 0\n").unwrap();
    let out = env.hrx_nobody().arg("-C").arg(&other).args(["hook", "install"]).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(other.join("hooks/pre-receive")).unwrap(), "#!/bin/sh\nexit 0\n");
    let out = env.hrx_nobody().arg("-C").arg(&other).args(["hook", "install", "--force"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn through_git_daemon_the_hook_takes_hrx_pushes_and_refuses_a_forged_entry() {
    let env = TestEnv::new();
    let daemon = Daemon::start(&env);
    let url = daemon.bare(&env, "anna.git");
    let served = daemon.base.join("anna.git");
    let anna = env.party("Anna Weber", "DE", None);
    let out =
        env.hrx_nobody().arg("-C").arg(&served).args(["hook", "install", "--patient", &anna.fpr]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let laptop = env.record();
    env.hrx(&anna).arg("init").arg(&laptop).assert().success();
    ok(&env, &anna, &laptop, &["add", "note", "--text", "one"]);
    ok(&env, &anna, &laptop, &["remote", "add", "hub", &url]);
    // hrx's push goes through receive-pack, so through the hook.
    let v = json(&run(&env, &anna, &laptop, &["sync", "--json"]));
    assert_eq!(v["sync"][0]["pushed"], true, "{v}");
    assert_eq!(rev(&env, &served, "main"), rev(&env, &laptop, "main"));
    // Someone with plain git changes an entry's bytes and pushes.
    let t = env.path().join("mallory");
    assert!(env.bare("git").args(["clone", "-q", &url]).arg(&t).output().unwrap().status.success());
    let entry = TestEnv::files_under(&t.join("entries")).into_iter().next().expect("an entry file");
    let mut bytes = std::fs::read(&entry).unwrap();
    let n = bytes.len();
    bytes[n - 10] ^= 1;
    std::fs::write(&entry, bytes).unwrap();
    git_ok(&env, &t, &["commit", "-q", "-am", "fix"]);
    let out = git(&env, &t, &["push", "origin", "main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("remote: hrx: error:"), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not verify"), "{}", stderr(&out));
    assert_eq!(rev(&env, &served, "main"), rev(&env, &laptop, "main"), "the hub did not move");
}

/// A hub anybody can write to with plain git: no hook.
fn open_hub(env: &TestEnv, name: &str) -> PathBuf {
    let p = env.path().join(name);
    assert!(env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&p).output().unwrap().status.success());
    p
}

#[test]
fn a_failing_remote_does_not_stop_the_others() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let laptop = env.record();
    env.hrx(&anna).arg("init").arg(&laptop).assert().success();
    ok(&env, &anna, &laptop, &["add", "note", "--text", "one"]);
    let (a, b) = (open_hub(&env, "a.git"), open_hub(&env, "b.git"));
    ok(&env, &anna, &laptop, &["remote", "add", "a", a.to_str().unwrap()]);
    ok(&env, &anna, &laptop, &["remote", "add", "b", b.to_str().unwrap()]);
    ok(&env, &anna, &laptop, &["sync"]);
    // Remote a is rewritten behind Anna's back; she writes on.
    let t = env.path().join("t");
    assert!(env.bare("git").args(["clone", "-q"]).arg(&a).arg(&t).output().unwrap().status.success());
    git_ok(&env, &t, &["commit", "-q", "--amend", "-m", "rewritten"]);
    git_ok(&env, &t, &["push", "-q", "-f", "origin", "main"]);
    ok(&env, &anna, &laptop, &["add", "note", "--text", "two"]);
    let out = run(&env, &anna, &laptop, &["sync", "--json"]);
    assert_eq!(out.status.code(), Some(9), "the first failure's code: {}", stderr(&out));
    let v = doc(&out);
    crate::scripting::conforms("sync", &v);
    let by = |n: &str| v["sync"].as_array().unwrap().iter().find(|r| r["remote"] == n).unwrap().clone();
    assert_eq!(by("a")["error"]["kind"], "refused", "{v}");
    assert_eq!(by("b")["pushed"], true, "{v}");
    assert_eq!(rev(&env, &b, "main"), rev(&env, &laptop, "main"), "b has her new entry");
    // In text, each remote has its line and the failure is summed up.
    let out = run(&env, &anna, &laptop, &["sync"]);
    assert_eq!(out.status.code(), Some(9));
    let (o, e) = (stdout(&out), stderr(&out));
    assert!(o.contains("a: FAILED:") && o.contains("b: up to date"), "{o}");
    assert!(e.contains("synced with 1 of 2 remotes; failed: a"), "{e}");
    // One remote named: its failure is the sync's, as always.
    let out = run(&env, &anna, &laptop, &["sync", "a", "--json"]);
    assert_eq!(out.status.code(), Some(9));
    assert_eq!(doc(&out)["error"]["kind"], "refused");
}

/// A provider's copies of several patients' records, each cloned from its
/// own hub, and new commits on every hub.
fn provider_with_records(env: &TestEnv, names: &[&str]) -> (Party, PathBuf, Vec<(Party, PathBuf, PathBuf)>) {
    let klein = env.party("Dr Klein", "DE", None);
    let dir = env.path().join("records");
    std::fs::create_dir_all(&dir).unwrap();
    let mut patients = vec![];
    for n in names {
        let p = env.party(n, "DE", None);
        let rec = env.path().join(format!("{n}-laptop"));
        env.hrx(&p).arg("init").arg(&rec).assert().success();
        env.exchange_cert(&klein, &p);
        ok(env, &p, &rec, &["grant", &klein.fpr, "--categories", "general", "--rights", "read,write"]);
        let hub = env.path().join(format!("{n}.git"));
        ok(env, &p, &rec, &["remote", "add", "hub", hub.to_str().unwrap(), "--create"]);
        ok(env, &p, &rec, &["sync"]);
        let out = env
            .hrx(&klein)
            .args(["clone", hub.to_str().unwrap()])
            .arg(dir.join(n))
            .args(["--trust-root", &p.fpr])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        ok(env, &p, &rec, &["add", "note", "--text", &format!("news for {n}")]);
        ok(env, &p, &rec, &["sync"]);
        patients.push((p, rec, hub));
    }
    (klein, dir, patients)
}

#[test]
fn many_records_sync_at_once_and_one_failure_stops_no_other() {
    let env = TestEnv::new();
    let (klein, dir, patients) = provider_with_records(&env, &["anna", "bob", "carla"]);
    std::fs::create_dir_all(dir.join("not-a-record")).unwrap();
    // A link to a record is not followed, and said so.
    std::os::unix::fs::symlink(dir.join("anna"), dir.join("linked-anna")).unwrap();
    // Bob's hub is replaced by another history (bypassing its hook).
    let bob_hub = &patients[1].2;
    let t = env.path().join("t");
    assert!(env.bare("git").args(["clone", "-q"]).arg(bob_hub).arg(&t).output().unwrap().status.success());
    git_ok(&env, &t, &["commit", "-q", "--amend", "-m", "rewritten"]);
    std::fs::remove_file(bob_hub.join("hooks/pre-receive")).unwrap();
    git_ok(&env, bob_hub, &["config", "receive.denyNonFastForwards", "false"]);
    git_ok(&env, &t, &["push", "-q", "-f", "origin", "main"]);
    let out = env.hrx(&klein).args(["sync", "--records"]).arg(&dir).args(["--jobs", "2", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(9), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "a line per record, then the summary: {lines:?}");
    assert!(stderr(&out).contains("linked-anna passed over: it is a symbolic link (not followed"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not-a-record"), "{}", stderr(&out));
    for l in &lines[..3] {
        crate::scripting::conforms("sync-record", l);
    }
    crate::scripting::conforms("sync-summary", &lines[3]);
    let summary = &lines[3]["sync-summary"];
    assert_eq!(summary["records"], 3);
    assert_eq!(summary["synced"], 2);
    assert_eq!(summary["changed"], 2);
    assert_eq!(summary["failed"][0], dir.join("bob").display().to_string());
    let mut paths: Vec<String> = lines[..3].iter().map(|l| l["sync-record"]["path"].as_str().unwrap().into()).collect();
    paths.sort();
    assert_eq!(paths, ["anna", "bob", "carla"].map(|n| dir.join(n).display().to_string()));
    for (n, (_, laptop, _)) in ["anna", "carla"].iter().zip([&patients[0], &patients[2]].map(|p| p.clone())) {
        assert_eq!(rev(&env, &dir.join(n), "main"), rev(&env, &laptop, "main"), "{n} is up to date");
    }
    let bob = lines[..3].iter().find(|l| l["sync-record"]["path"].as_str().unwrap().ends_with("bob")).unwrap();
    // Its one remote's failure is the record's.
    assert_eq!(bob["sync-record"]["error"]["kind"], "refused", "{bob}");
    assert_eq!(bob["sync-record"]["error"]["reason"], "unsigned", "{bob}");
    // Run again as text: nothing new, the same failure, summed up.
    let out = env.hrx(&klein).args(["sync", "--records"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(9));
    assert!(stderr(&out).contains("3 records: 2 synced (0 changed), 1 failed"), "{}", stderr(&out));
    assert!(stdout(&out).contains("bob: FAILED:"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("syncing records"), "no progress in scripts: {}", stderr(&out));
    // On a terminal (a pty made by script(1)), progress is drawn.
    let cmd = format!("{} sync --records {}", assert_cmd::cargo::cargo_bin!("hrx").display(), dir.display());
    let out = env.bare("script").env("HRX_HOME", &klein.home).args(["-qec", &cmd, "/dev/null"]).output().unwrap();
    assert!(stdout(&out).contains("syncing records: 3/3"), "{}", stdout(&out));
    // A list of records: the same, for the ones listed.
    let list = env.path().join("list");
    std::fs::write(&list, format!("# nightly\n{}\n", dir.join("anna").display())).unwrap();
    let out = env.hrx(&klein).args(["sync", "--record-list"]).arg(&list).arg("--json").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    let out = env.hrx(&klein).args(["sync", "--records"]).arg(env.path().join("tmp")).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

/// A record whose commits hold more bytes than verify keeps at once (620
/// commits of 60 KB, 36 MiB; verify holds 32 MiB and reads the rest again),
/// pushed with plain git to a new hub: the hook reads those commits again
/// from the push's quarantine, where git keeps them until the hook says
/// yes, and takes the push (it had refused it as "could not be read again").
#[test]
fn a_first_push_larger_than_verify_holds_is_taken() {
    use hrx::crypto::message::seal;
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let laptop = env.init(&anna);
    let rec = hrx::repo::Record::open(&laptop).unwrap();
    let mut u = forge::unlock(&anna);
    let cert = forge::cert(&anna);
    let message = format!("hrx: add entry\n\n{}\n", "x".repeat(60_000));
    for i in 0..620 {
        env.advance(1);
        let t = chrono::DateTime::parse_from_rfc3339(&env.now()).unwrap().with_timezone(&chrono::Utc);
        let id = hrx::ops::add::new_id(t).unwrap();
        let yaml = crate::attacks::note_yaml(id, "general", t, &anna, &format!("note {i}"));
        let ct = seal(yaml.as_bytes(), u.signer.clone(), &[&cert], t).unwrap();
        let path = hrx::model::RepoPath::Entry { category: "general".parse().unwrap(), id }.to_path();
        rec.append(rec.head().unwrap(), &[(path, ct)], &message, &mut u.signer, &u.identity, t).unwrap();
    }
    let out = run(&env, &anna, &laptop, &["verify", "--no-decrypt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hub = env.path().join("hub.git");
    ok(&env, &anna, &laptop, &["remote", "add", "hub", hub.to_str().unwrap(), "--create"]);
    assert!(git(&env, &hub, &["rev-parse", "-q", "--verify", "main"]).stdout.is_empty(), "nothing pushed yet");
    let out = git(&env, &laptop, &["push", "-q", hub.to_str().unwrap(), "main"]);
    assert!(out.status.success(), "the hook took the push: {}", stderr(&out));
    assert_eq!(rev(&env, &hub, "main"), rev(&env, &laptop, "main"));
    let size: usize = git_ok(&env, &hub, &["cat-file", "-s", "main"]).trim().parse().unwrap();
    assert!(size > 60_000, "{size}");
}

/// Attack (hostile review of the hub, session 19): the names of the
/// directories under `--records` are the host's to choose, and a name with
/// a newline forged whole lines of the report ("hrx: all 99 records synced
/// OK"), and one with an escape drove the terminal. Names are shown
/// escaped, in every line that carries them.
#[test]
fn a_record_named_to_forge_lines_of_the_report_is_shown_escaped() {
    let env = TestEnv::new();
    let (klein, dir, patients) = provider_with_records(&env, &["anna"]);
    let evil = "\u{1b}]0;pwned\u{7}\nhrx: all 99 records synced OK";
    std::fs::rename(dir.join("anna"), dir.join(format!("anna{evil}"))).unwrap();
    // A plain git clone (no trust root here) fails, and says so.
    let plain = dir.join(format!("plain{evil}"));
    assert!(env.bare("git").args(["clone", "-q"]).arg(&patients[0].2).arg(&plain).output().unwrap().status.success());
    std::os::unix::fs::symlink(&plain, dir.join(format!("link{evil}"))).unwrap();
    let out = env.hrx(&klein).args(["sync", "--records"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all}");
    assert!(!all.lines().any(|l| l.starts_with("hrx: all 99")), "a line was forged: {all}");
    for name in ["anna", "plain", "link"] {
        assert!(all.contains(&format!("{name}\\u{{1b}}]0;pwned\\u{{7}}\\u{{a}}hrx: all 99")), "{name}: {all}");
    }
    assert!(stdout(&out).contains("FAILED") && stdout(&out).contains("no trust root"), "{}", stdout(&out));
    assert!(stderr(&out).contains("2 records: 1 synced (1 changed), 1 failed"), "{}", stderr(&out));
    assert_eq!(rev(&env, &dir.join(format!("anna{evil}")), "main"), rev(&env, &patients[0].1, "main"));
}

/// Attack (hostile review of the fix above): what an error message quotes
/// carried the newline instead: a remote's URL in a record's git config,
/// or a file name inside a remote directory (a stick another device
/// prepared). Errors and listings show quoted text escaped too.
#[test]
fn quoted_urls_and_file_names_forge_no_lines_of_a_report() {
    let env = TestEnv::new();
    let (klein, dir, patients) = provider_with_records(&env, &["anna", "bob"]);
    let forged = "hrx: all 99 records synced OK";
    git_ok(&env, &dir.join("anna"), &["config", "remote.origin.url", &format!("/nowhere\n{forged}")]);
    // A stick whose git directory holds a FIFO with lines in its name.
    let stick = env.path().join("stick.git");
    assert!(
        env.bare("git")
            .args(["clone", "-q", "--bare"])
            .arg(&patients[1].2)
            .arg(&stick)
            .output()
            .unwrap()
            .status
            .success()
    );
    ok(&env, &klein, &dir.join("bob"), &["remote", "add", "stick", stick.to_str().unwrap()]);
    let fifo = stick.join(format!("refs/tags/x\n{forged}"));
    assert!(env.bare("mkfifo").arg(&fifo).output().unwrap().status.success());
    let out = env.hrx(&klein).args(["sync", "--records"]).arg(&dir).output().unwrap();
    assert!(!out.status.success(), "{}", stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.lines().any(|l| l.starts_with("hrx: all 99")), "a line was forged: {all}");
    assert!(all.contains(&format!("/nowhere\\u{{a}}{forged}")), "the URL is shown, escaped: {all}");
    assert!(all.contains(&format!("x\\u{{a}}{forged}")), "the file name is shown, escaped: {all}");
    let out = run(&env, &klein, &dir.join("anna"), &["remote", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).lines().any(|l| l.starts_with("hrx: all 99")), "{}", stdout(&out));
    assert!(stdout(&out).contains("\\u{a}hrx: all 99"), "{}", stdout(&out));
}

/// Runs the hub's hook as git's receive-pack does: in the hub, with the
/// pushed objects in a quarantine directory and the updates on stdin.
fn hook_as_git_runs_it(env: &TestEnv, hub: &Path, quarantine: &Path, stdin: &[u8]) -> std::process::Output {
    env.hrx_nobody()
        .current_dir(hub)
        .env("GIT_DIR", ".")
        .env("GIT_OBJECT_DIRECTORY", quarantine)
        .env("GIT_QUARANTINE_PATH", quarantine)
        .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", hub.join("objects"))
        .args(["hook", "pre-receive"])
        .write_stdin(stdin.to_vec())
        .output()
        .unwrap()
}

/// A quarantine holding Anna's newest commit (not yet on the hub), as a
/// push of it would bring; returns (hub main, new commit).
fn quarantine_with_a_new_commit(s: &Setup, q: &Path) -> (String, String) {
    ok(&s.env, &s.anna, &s.laptop, &["add", "note", "--text", "not yet pushed"]);
    let (old, new) = (rev(&s.env, &s.hub, "main"), rev(&s.env, &s.laptop, "main"));
    std::fs::create_dir_all(q.join("pack")).unwrap();
    let out = s
        .env
        .bare("git")
        .arg("-C")
        .arg(&s.laptop)
        .args(["pack-objects", "-q", "--revs"])
        .arg(q.join("pack/pack"))
        .write_stdin(format!("{new}\n^{old}\n"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    (old, new)
}

#[test]
fn a_hub_takes_one_update_of_main_per_push() {
    let s = setup();
    let q = s.env.path().join("quarantine");
    let (old, new) = quarantine_with_a_new_commit(&s, &q);
    // The push a client would make is taken (the set-up is real)...
    let one = format!("{old} {new} refs/heads/main\n");
    let out = hook_as_git_runs_it(&s.env, &s.hub, &q, one.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    // ...but not with a second line for main after it (git would apply it
    // after the first, moving main past what was judged).
    let twice = format!("{old} {new} refs/heads/main\n{new} {old} refs/heads/main\n");
    let out = hook_as_git_runs_it(&s.env, &s.hub, &q, twice.as_bytes());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("updates refs/heads/main once"), "{}", stderr(&out));
    // Nor a line that changes nothing.
    let out = hook_as_git_runs_it(&s.env, &s.hub, &q, format!("{old} {old} refs/heads/main\n").as_bytes());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("does not change"), "{}", stderr(&out));
    // Nor more input than it reads.
    let mut long = one.into_bytes();
    long.resize(100 << 10, b'\n');
    let out = hook_as_git_runs_it(&s.env, &s.hub, &q, &long);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("more than 64 KiB"), "{}", stderr(&out));
}

#[test]
fn a_ref_name_that_passes_for_main_is_refused() {
    let s = setup();
    let q = s.env.path().join("quarantine");
    let (old, new) = quarantine_with_a_new_commit(&s, &q);
    let nbsp = format!("{old} {new} refs/heads/main\u{a0}\n");
    let out = hook_as_git_runs_it(&s.env, &s.hub, &q, nbsp.as_bytes());
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a ref update this hub takes"), "{}", stderr(&out));
    // Through plain git, riding along with a real update of main.
    let t = plain_clone(&s, "mallory");
    git_ok(&s.env, &t, &["fetch", "-q", s.laptop.to_str().unwrap(), "main:refs/remotes/anna/main"]);
    std::fs::write(t.join("junk"), "x").unwrap();
    git_ok(&s.env, &t, &["add", "junk"]);
    git_ok(&s.env, &t, &["commit", "-q", "-m", "junk"]);
    let out = git(&s.env, &t, &["push", "origin", "anna/main:refs/heads/main", "HEAD:refs/heads/main\u{a0}"]);
    assert!(!out.status.success(), "{}", stderr(&out));
    let refs = git_ok(&s.env, &s.hub, &["for-each-ref", "--format=%(refname)"]);
    assert_eq!(refs, "refs/heads/main\n", "{refs:?}");
}

#[test]
fn a_push_carrying_objects_main_does_not_need_is_refused() {
    let s = setup();
    let q = s.env.path().join("quarantine");
    let (old, new) = quarantine_with_a_new_commit(&s, &q);
    // A blob nothing names, among the pushed objects.
    let out = s
        .env
        .bare("git")
        .arg("-C")
        .arg(&s.hub)
        .env("GIT_OBJECT_DIRECTORY", &q)
        .env("GIT_ALTERNATE_OBJECT_DIRECTORIES", s.hub.join("objects"))
        .args(["hash-object", "-w", "--stdin"])
        .write_stdin(vec![b'x'; 1 << 20])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let blob = stdout(&out).trim().to_string();
    let out = hook_as_git_runs_it(&s.env, &s.hub, &q, format!("{old} {new} refs/heads/main\n").as_bytes());
    assert!(!out.status.success());
    assert!(stderr(&out).contains(&format!("carries object {blob}")), "{}", stderr(&out));
}

#[test]
fn a_push_that_brings_again_what_the_hub_has_is_taken() {
    // git completes a thin pack with the delta bases it used: objects the
    // hub holds already arrive once more, and must not refuse the push.
    let s = setup();
    let q = s.env.path().join("quarantine");
    let (old, new) = quarantine_with_a_new_commit(&s, &q);
    let tree = rev(&s.env, &s.hub, "main^{tree}");
    let out = s
        .env
        .bare("git")
        .arg("-C")
        .arg(&s.hub)
        .env("GIT_OBJECT_DIRECTORY", &q)
        .args(["hash-object", "-t", "tree", "-w", "--literally", "--stdin"])
        .write_stdin(git(&s.env, &s.hub, &["cat-file", "tree", &tree]).stdout)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), tree);
    let loose = q.join(&tree[..2]).join(&tree[2..]);
    assert!(loose.is_file(), "the hub's tree is in the quarantine too");
    let out = hook_as_git_runs_it(&s.env, &s.hub, &q, format!("{old} {new} refs/heads/main\n").as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_hub_made_from_a_relative_path_is_found_from_anywhere_and_never_inside_the_record() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let laptop = env.record();
    env.hrx(&anna).arg("init").arg(&laptop).assert().success();
    // From the test's directory: rel.git is made there, and kept whole.
    let out = run(&env, &anna, &laptop, &["remote", "add", "rel", "rel.git", "--create"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.path().join("rel.git/HEAD").is_file(), "made where hrx runs");
    let list = ok(&env, &anna, &laptop, &["remote", "list"]);
    assert!(list.contains(&env.path().join("rel.git").display().to_string()), "{list}");
    let elsewhere = env.path().join("tmp");
    let out = env.hrx(&anna).current_dir(&elsewhere).arg("-C").arg(&laptop).args(["sync", "rel"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rev(&env, &env.path().join("rel.git"), "main"), rev(&env, &laptop, "main"));
    let inside = laptop.join("hub.git");
    let out = run(&env, &anna, &laptop, &["remote", "add", "inside", inside.to_str().unwrap(), "--create"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!inside.exists());
}

#[test]
fn hook_install_takes_a_symlinked_path_and_is_not_held_by_a_fifo() {
    let s = setup();
    let link = s.env.path().join("srv");
    std::os::unix::fs::symlink(s.env.path(), &link).unwrap();
    let out = s.env.hrx_nobody().arg("-C").arg(link.join("hub.git")).args(["hook", "install"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let hook = s.hub.join("hooks/pre-receive");
    std::fs::remove_file(&hook).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&hook).output().unwrap();
    assert!(made.status.success());
    let out = s
        .env
        .hrx_nobody()
        .arg("-C")
        .arg(&s.hub)
        .args(["hook", "install"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "refused, not hung: {}", stderr(&out));
    let out = s.env.hrx_nobody().arg("-C").arg(&s.hub).args(["hook", "install", "--force"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&hook).unwrap().is_file());
    // Without --patient, the operator hears that the first push claims it.
    let empty = s.env.path().join("empty.git");
    assert!(
        s.env.bare("git").args(["init", "-q", "--bare", "-b", "main"]).arg(&empty).output().unwrap().status.success()
    );
    let out = s.env.hrx_nobody().arg("-C").arg(&empty).args(["hook", "install"]).output().unwrap();
    assert!(stderr(&out).contains("first record pushed here claims"), "{}", stderr(&out));
}

#[test]
fn hrx_says_why_a_hub_refused_its_push() {
    let env = TestEnv::new();
    let daemon = Daemon::start(&env);
    let url = daemon.bare(&env, "anna.git");
    let anna = env.party("Anna Weber", "DE", None);
    let mallory = env.party("Mallory", "XX", None);
    let served = daemon.base.join("anna.git");
    let out =
        env.hrx_nobody().arg("-C").arg(&served).args(["hook", "install", "--patient", &anna.fpr]).output().unwrap();
    assert!(out.status.success());
    let theirs = env.record();
    env.hrx(&mallory).arg("init").arg(&theirs).assert().success();
    ok(&env, &mallory, &theirs, &["remote", "add", "hub", &url]);
    let out = run(&env, &mallory, &theirs, &["sync"]);
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("holds the record of {}", anna.fpr)), "{}", stderr(&out));
}

#[test]
fn a_remote_that_never_answers_times_out_and_stops_no_other_record() {
    let env = TestEnv::new();
    let (klein, dir, _patients) = provider_with_records(&env, &["anna", "bob"]);
    // A server that takes the connection and then says nothing.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = vec![];
        for c in silent.incoming().flatten() {
            held.push(c);
        }
    });
    let out = env
        .hrx(&klein)
        .arg("-C")
        .arg(dir.join("anna"))
        .args(["remote", "set-url", "origin", &format!("git://127.0.0.1:{port}/anna.git")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .hrx(&klein)
        .args(["sync", "--records"])
        .arg(&dir)
        .arg("--json")
        .env("HRX_NET_TIMEOUT", "2")
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[2]["sync-summary"]["synced"], 1, "bob's went on: {lines:?}");
    assert_eq!(lines[2]["sync-summary"]["failed"][0], dir.join("anna").display().to_string());
}
