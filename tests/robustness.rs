//! Concurrency and crashes: writers take turns, and a writer that dies at
//! any point leaves a record that verifies and accepts the next write.

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use crate::common::*;

#[test]
fn concurrent_adds_all_land() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let children: Vec<_> = (0..4)
        .map(|i| {
            let mut c = env.hrx_std(&anna);
            c.arg("-C").arg(env.record()).args(["add", "note", "--text", &format!("writer {i}")]);
            c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let ids: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            stdout(&out).trim().to_string()
        })
        .collect();
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let listed: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(listed.len(), 4);
    for id in &ids {
        assert!(listed.contains(&id.as_str()), "{id} landed");
    }
    assert!(env.verify(&anna).status.success());
    assert_eq!(stdout(&env.git(&["rev-list", "--count", "HEAD"])).trim(), "5", "one commit each, linear");
}

#[test]
fn a_writer_killed_at_the_worst_moments_leaves_a_valid_record() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    for (point, lands) in [("before-ref-update", false), ("after-ref-update", true)] {
        let before = stdout(&env.git(&["rev-parse", "HEAD"]));
        let out = env
            .hrx(&anna)
            .env("HRX_FAULT", point)
            .arg("-C")
            .arg(env.record())
            .args(["add", "note", "--text", point])
            .output()
            .unwrap();
        assert!(!out.status.success(), "the writer died at {point}");
        let after = stdout(&env.git(&["rev-parse", "HEAD"]));
        assert_eq!(before != after, lands, "{point}: did the entry land?");
        let v = env.verify(&anna);
        assert!(v.status.success(), "{point}: {}", stderr(&v));
        // The next writer is not blocked by anything the dead one left.
        env.note(&anna, &format!("after {point}"));
    }
    assert!(env.verify(&anna).status.success());
}

#[test]
fn a_writer_killed_at_random_points_leaves_a_valid_record() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    for step in 0..16u64 {
        let mut c = env.hrx_std(&anna);
        c.arg("-C")
            .arg(env.record())
            .args(["add", "note", "--text", "killed"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().unwrap();
        std::thread::sleep(Duration::from_micros(step * 1500));
        let _ = child.kill();
        let _ = child.wait();
        let v = env.verify(&anna);
        assert!(v.status.success(), "killed after {} us: {}", step * 1500, stderr(&v));
    }
    env.note(&anna, "still writable");
    assert!(env.verify(&anna).status.success());
}

/// Trust model, attack: someone who can write to the record's directory
/// but not to the patient's hrx home (the record on a USB stick in a
/// clinic's computer, a revoked provider with access to a synced folder)
/// edits the verified state hrx keeps in `.git/hrx/state` so that a
/// revoked grant is in force again. Believed, it would have the patient's
/// next entry encrypted to the revoked provider (and `hrx verify` passes
/// such a history). The state is authenticated with a key of the device's
/// own (in the hrx home): the edit is not believed, the history is
/// verified again, and the entry goes to the patient alone.
#[test]
fn an_edited_verified_state_does_not_bring_back_a_revoked_grant() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    let grant = env.grant(&anna, &klein, "general", "read", &[]);
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["revoke", &grant]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let head = env.record().join(".git/hrx/state/head.json");
    let mut state: serde_json::Value = serde_json::from_slice(&std::fs::read(&head).unwrap()).unwrap();
    let grants = state["state"]["policy"]["grants"].as_object_mut().expect("the state lists the grants");
    for g in grants.values_mut() {
        let g = g.as_object_mut().unwrap();
        assert!(g.remove("revoked").is_some(), "the grant was revoked: {g:?}");
        g.remove("revoked_in");
    }
    std::fs::write(&head, serde_json::to_vec(&state).unwrap()).unwrap();
    let out =
        env.hrx(&anna).arg("-C").arg(env.record()).args(["add", "note", "--text", "new diagnosis"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let log = json(&env.hrx(&anna).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let entry = log["entries"].as_array().unwrap().iter().find(|e| e["summary"] == "new diagnosis").unwrap();
    let readers: Vec<&str> =
        entry["recipients"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(readers, ["Anna Weber"], "encrypted to a revoked grantee");
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["grants", "--json"]).output().unwrap();
    assert!(!stdout(&out).contains("\"active\""), "{}", stdout(&out));
    // The state the device made again authenticates, and is used.
    let again: serde_json::Value = serde_json::from_slice(&std::fs::read(&head).unwrap()).unwrap();
    assert!(again["mac"].as_str().is_some_and(|m| m.len() == 64), "{again}");
    assert_ne!(again, state);
}

#[test]
fn the_verified_state_cache_speeds_up_but_never_replaces_verification() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    env.note(&klein, "one");
    let state = env.record().join(".git/hrx/state");
    let cache = state.join("head.json");
    assert!(cache.exists(), "operations keep the verified state");
    // One device's state: Klein's (the state is authenticated with the
    // device key of whoever made it; another home verifies from the root).
    let log = |who: &Party| json(&env.hrx(who).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let anna = klein.clone();
    let before = log(&anna);
    // A damaged cache is ignored, and rebuilt.
    std::fs::write(&cache, "{ not json").unwrap();
    assert_eq!(log(&anna)["entries"], before["entries"]);
    assert!(std::fs::read_to_string(&cache).unwrap().starts_with('{'));
    // The certificates' verified self-signatures are kept with the state
    // (private); a read leaves the file alone, and a damaged one (values
    // that match nothing, a cut tail) only costs time.
    use std::os::unix::fs::PermissionsExt;
    let sigs = state.join("signatures");
    let kept = std::fs::read(&sigs).unwrap();
    // 32 bytes a value, then a MAC (64 hex digits).
    assert!(kept.len() > 64 && (kept.len() - 64).is_multiple_of(32), "{} bytes", kept.len());
    assert_eq!(std::fs::metadata(&sigs).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(log(&anna)["entries"], before["entries"]);
    assert_eq!(std::fs::read(&sigs).unwrap(), kept, "a read does not rewrite it");
    std::fs::write(&sigs, [0x5a; 32 * 3 + 7]).unwrap();
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(log(&anna)["entries"], before["entries"]);
    // Writers append to the lists, never rewrite them: what was there stays
    // byte for byte; a tail an interrupted append left is ignored, then cut.
    let commits = std::fs::read(state.join("commits.jsonl")).unwrap();
    let entries = std::fs::read(state.join("entries.jsonl")).unwrap();
    std::fs::OpenOptions::new().append(true).open(state.join("entries.jsonl")).unwrap().write_all(b"{\"half").unwrap();
    assert_eq!(log(&anna)["entries"], before["entries"]);
    env.note(&klein, "one and a half");
    let after = std::fs::read(state.join("commits.jsonl")).unwrap();
    assert!(after.len() > commits.len() && after.starts_with(&commits), "appended");
    let after = std::fs::read(state.join("entries.jsonl")).unwrap();
    assert!(after.starts_with(&entries) && !String::from_utf8_lossy(&after).contains("{\"half"), "cut, then appended");
    assert_eq!(log(&anna)["entries"].as_array().unwrap().len(), 2);
    // New commits after the cached head are verified on top of it...
    env.note(&klein, "two");
    assert_eq!(log(&anna)["entries"].as_array().unwrap().len(), 3);
    // ... and a bad one is caught even though everything before it is cached.
    std::fs::write(env.record().join("stray.txt"), "x").unwrap();
    env.git(&["add", "-A"]);
    env.git(&["-c", "user.name=M", "-c", "user.email=m@example.org", "commit", "-q", "-m", "stray"]);
    let out = env.hrx(&anna).arg("-C").arg(env.record()).arg("log").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // A head that does not extend the cached one is verified from the root.
    env.git(&["reset", "-q", "--hard", "HEAD~1"]);
    assert_eq!(log(&anna)["entries"].as_array().unwrap().len(), 3);
    assert!(env.verify(&anna).status.success());
}

/// A write puts only its own new files into the work tree (no scan of the
/// record), and a symlink planted in a copied record's work tree never
/// carries that write elsewhere.
#[test]
fn writes_touch_only_their_files_and_never_follow_a_planted_symlink() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "one");
    let status = || stdout(&env.git(&["status", "--porcelain"]));
    assert_eq!(status(), "", "the work tree matches the branch");
    env.note(&anna, "two");
    assert_eq!(status(), "", "and still does after an incremental write");
    assert_eq!(TestEnv::files_under(&rec.join("entries")).len(), 2);

    // The general category's directory becomes a link to somewhere else.
    let outside = env.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let general = rec.join("entries/general");
    std::fs::rename(&general, env.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&outside, &general).unwrap();
    env.note(&anna, "three");
    assert!(TestEnv::files_under(&outside).is_empty(), "nothing was written through the link");
    assert!(env.verify(&anna).status.success());
}

/// Issue 16: a writer killed mid-way leaves git's lock files behind (the
/// index's, hrx's own refs'), and every later write failed. The next
/// writer clears them (it holds the record's write lock, so no hrx process
/// is writing) and succeeds. A fresh index lock (a git command running
/// now) is waited for, and one that stays is refused before anything is
/// committed.
#[test]
fn stale_git_locks_left_by_a_killed_writer_are_cleared() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "before");
    let git = rec.join(".git");
    let index = git.join("index.lock");
    std::fs::write(&index, b"").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(&index).unwrap().set_modified(old).unwrap();
    std::fs::create_dir_all(git.join("refs/hrx/verified")).unwrap();
    std::fs::write(git.join("refs/hrx/verified/hub.lock"), b"").unwrap();
    std::fs::create_dir_all(git.join("refs/hrx/incoming")).unwrap();
    std::fs::write(git.join("refs/hrx/incoming/hub.lock"), b"").unwrap();
    let add = |text: &str| env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note", "--text", text]).output().unwrap();
    let out = add("after a crash");
    assert!(out.status.success(), "{}", stderr(&out));
    for l in [&index, &git.join("refs/hrx/verified/hub.lock"), &git.join("refs/hrx/incoming/hub.lock")] {
        assert!(!l.exists(), "{} was left", l.display());
    }
    assert_eq!(stdout(&env.git(&["status", "--porcelain"])), "", "the work tree is up to date");
    // A lock a running git command keeps fresh: refused, nothing committed.
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let keeper = {
        let (index, stop) = (index.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                std::fs::write(&index, b"").unwrap();
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            std::fs::remove_file(&index).unwrap();
        })
    };
    let out = add("while git runs");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    keeper.join().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("the index is locked"), "{}", stderr(&out));
    assert_eq!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "committed although refused");
    assert!(add("once git is done").status.success());
}

/// Issue 16: a failure after the commit is made (the work tree cannot be
/// written: disk full, a directory in the way) used to exit 8 although the
/// entry was committed, so a script retried and wrote it twice. The commit
/// stands: exit 0 with a warning, and the next write brings the work tree
/// up to date (it is derived state).
#[test]
fn a_work_tree_that_cannot_be_written_after_the_commit_is_a_warning() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "first");
    // Git's index cannot be replaced (a directory is in its place; as root,
    // which the tests may run as, modes would not stop the write).
    let index = rec.join(".git/index");
    std::fs::remove_file(&index).unwrap();
    std::fs::create_dir(&index).unwrap();
    let head = stdout(&env.git(&["rev-parse", "HEAD"]));
    let out = env.hrx(&anna).arg("-C").arg(&rec).args(["add", "note", "--text", "second"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hrx: warning: committed") && stderr(&out).contains("next command"),
        "{}",
        stderr(&out)
    );
    assert_ne!(stdout(&env.git(&["rev-parse", "HEAD"])), head, "the entry is committed");
    assert!(env.verify(&anna).status.success());
    std::fs::remove_dir(&index).unwrap();
    env.note(&anna, "third");
    assert_eq!(stdout(&env.git(&["status", "--porcelain"])), "", "the work tree is repaired");
    let log = json(&env.hrx(&anna).arg("-C").arg(&rec).args(["log", "--json"]).output().unwrap());
    assert_eq!(log["entries"].as_array().unwrap().len(), 3);
}

/// Hostile review, attack: whoever can write to the record's directory
/// replaces the state files in `.git/hrx/state` with links: the logs to the
/// patient's secret key (an append truncated it to the recorded length,
/// then added lines), the lock to a path outside (created there), the
/// signature values and the work-tree marker to an endless device. hrx
/// opens its own files without following links: nothing outside changes,
/// nothing hangs, and the state is made again.
#[test]
fn links_planted_as_state_files_are_not_followed() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "first");
    let state = rec.join(".git/hrx/state");
    let secret = env.path().join("secret-key.pgp");
    std::fs::write(&secret, "the patient's secret key").unwrap();
    for log in ["commits.jsonl", "entries.jsonl", "access.jsonl"] {
        std::fs::remove_file(state.join(log)).unwrap();
        std::os::unix::fs::symlink(&secret, state.join(log)).unwrap();
    }
    std::fs::remove_file(state.join("lock")).unwrap();
    let outside = env.path().join("created-by-lock");
    std::os::unix::fs::symlink(&outside, state.join("lock")).unwrap();
    std::fs::remove_file(state.join("signatures")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", state.join("signatures")).unwrap();
    let marker = rec.join(".git/hrx/worktree");
    let _ = std::fs::remove_file(&marker);
    std::os::unix::fs::symlink("/dev/zero", &marker).unwrap();
    let run = |args: &[&str]| {
        env.hrx(&anna).arg("-C").arg(&rec).args(args).timeout(std::time::Duration::from_secs(60)).output().unwrap()
    };
    let out = run(&["add", "note", "--text", "second"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["log", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["entries"].as_array().unwrap().len(), 2);
    let out = run(&["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "the patient's secret key", "written through a link");
    assert!(!outside.exists(), "a file was made through the lock's link");
    assert!(std::path::Path::new("/dev/zero").exists());
    // The state is made again, of regular files.
    for f in ["lock", "head.json", "commits.jsonl", "entries.jsonl", "access.jsonl"] {
        assert!(std::fs::symlink_metadata(state.join(f)).unwrap().is_file(), "{f}");
    }
}

/// Hostile review, attack: the state of another line of history of the
/// same record (a second copy, verified on the same device) spliced into
/// this copy's state: `entries.jsonl` taken from the other copy, whose
/// lines each authenticate. `log` listed an entry not in this history and
/// hid a real one. The lines are a chain whose last MAC head.json names:
/// the splice is not believed, and the history is verified again.
#[test]
fn state_lines_from_another_copy_are_not_believed() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let rec = env.init(&anna);
    env.note(&anna, "shared");
    let copy = env.path().join("copy");
    assert!(env.bare("cp").arg("-a").arg(&rec).arg(&copy).output().unwrap().status.success());
    let add = |dir: &std::path::Path, text: &str| {
        let out = env.hrx(&anna).arg("-C").arg(dir).args(["add", "note", "--text", text]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    add(&rec, "real, in this copy");
    add(&copy, "forked, in the other copy");
    let log = |dir: &std::path::Path| {
        let out = env.hrx(&anna).arg("-C").arg(dir).args(["log", "--json"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        json(&out)["entries"].to_string()
    };
    assert!(log(&copy).contains("forked"));
    assert!(log(&rec).contains("real"));
    // The other copy's entry lines, and its objects so the entry opens.
    let (ours, theirs) = (rec.join(".git/hrx/state"), copy.join(".git/hrx/state"));
    std::fs::copy(theirs.join("entries.jsonl"), ours.join("entries.jsonl")).unwrap();
    let objects = copy.join(".git/objects");
    assert!(
        env.bare("cp")
            .arg("-rn")
            .arg(format!("{}/.", objects.display()))
            .arg(rec.join(".git/objects"))
            .output()
            .unwrap()
            .status
            .success()
    );
    let shown = log(&rec);
    assert!(!shown.contains("forked"), "an entry of another history was listed: {shown}");
    assert!(shown.contains("real, in this copy"), "{shown}");
}

/// Hardening (issue 16): a file the user names that never ends (a device
/// like `/dev/zero`, or one far larger than what it should be) is refused
/// by its size, never read to its end into memory: an attachment, an
/// entry's YAML, a FHIR file, a key, a passphrase file, a bundle. Each
/// exits non-zero with what the input may be, and writes nothing.
#[test]
fn an_endless_input_file_is_refused_not_read_to_its_end() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    let head = || env.git(&["rev-parse", "HEAD"]).stdout;
    let before = head();
    let zero = "/dev/zero";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["add", "document", "--attach", zero], "at most 35 MiB"),
        (vec!["add", "note", "--file", zero], "at most 48 MiB"),
        (vec!["import", "fhir", zero], "at most 64 MiB"),
        (vec!["key", "import", zero], "at most 16 MiB"),
        // Read as a stream: refused at its first line, not after 2 GiB.
        (vec!["bundle", "import", zero], "not a git bundle of an hrx record: no header"),
    ];
    for (args, says) in cases {
        // Bounded in time too: a read to the end of /dev/zero never ends.
        let started = std::time::Instant::now();
        let out = env
            .hrx(&anna)
            .arg("-C")
            .arg(env.record())
            .args(&args)
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "{args:?}");
    }
    // A FIFO nobody writes to (a "scan.pdf" planted on the stick) is read
    // as what it holds, nothing, not waited on for ever.
    let fifo = env.path().join("scan.pdf");
    assert!(env.bare("mkfifo").arg(&fifo).output().unwrap().status.success());
    for args in [vec!["add", "note", "--file"], vec!["import", "fhir"], vec!["add", "document", "--attach"]] {
        let out = env
            .hrx(&anna)
            .arg("-C")
            .arg(env.record())
            .args(&args)
            .arg(&fifo)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(!out.status.success() || args[1] == "document", "{args:?}: {}", stderr(&out));
        assert!(out.status.code().is_some(), "{args:?} hung on a FIFO");
    }
    let bea = env.party("Bea", "ES", Some("bea-secret"));
    let out =
        env.hrx(&bea).arg("--passphrase-file").arg(zero).arg("init").arg(env.path().join("bea")).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("a passphrase file holds one line"), "{}", stderr(&out));
    // An empty document (what the FIFO held) is the one thing written.
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]).stdout, b"2\n");
    let _ = before;
}

/// A copy of the record (off a USB stick), or a remote that is a
/// directory, with a FIFO planted among git's files had hung every hrx
/// command for good: libgit2 opens git's files with a blocking open, and
/// reads a device through a symlink until memory runs out. hrx checks by
/// stat what git will open before git sees the directory, and refuses it
/// with the path; nothing is written, and the real record is untouched.
#[test]
fn a_fifo_or_device_among_gits_files_is_refused_not_waited_on() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "a note");
    let limit = Duration::from_secs(60);
    let copy = |name: &str| {
        let dir = env.path().join(name);
        assert!(env.bare("cp").arg("-a").arg(env.record()).arg(&dir).output().unwrap().status.success());
        dir
    };
    let fifo = |p: &std::path::Path| {
        let _ = std::fs::remove_file(p);
        assert!(env.bare("mkfifo").arg(p).output().unwrap().status.success(), "mkfifo {}", p.display());
    };
    let refused = |dir: &std::path::Path, args: &[&str], says: &str, path: &str| {
        let started = std::time::Instant::now();
        let out = env.hrx(&anna).arg("-C").arg(dir).args(args).timeout(limit).output().unwrap();
        assert!(started.elapsed() < limit, "{args:?} in {}: waited on", dir.display());
        assert_eq!(out.status.code(), Some(7), "{args:?} in {}: {}", dir.display(), stderr(&out));
        assert!(stderr(&out).contains(says) && stderr(&out).contains(path), "{args:?}: {}", stderr(&out));
    };
    for (i, file) in ["HEAD", "config", "packed-refs", "refs/heads/main", "commondir"].iter().enumerate() {
        let dir = copy(&format!("copy{i}"));
        fifo(&dir.join(".git").join(file));
        refused(&dir, &["log"], "is a FIFO (a named pipe), not a file", file);
        std::fs::create_dir_all(dir.join("sub/dir")).unwrap();
        refused(&dir.join("sub/dir"), &["grants"], "is a FIFO", file);
    }
    // A remote's high-water mark, read by every sync (and any loose ref).
    let dir = copy("remote-mark");
    std::fs::create_dir_all(dir.join(".git/refs/hrx/verified")).unwrap();
    fifo(&dir.join(".git/refs/hrx/verified/hub"));
    for args in [&["sync"][..], &["log"]] {
        refused(&dir, args, "is a FIFO", "refs/hrx/verified/hub");
    }
    // hrx's own state files are opened by hrx alone, without blocking: a
    // FIFO there is set aside and the state made again.
    let dir = copy("state");
    fifo(&dir.join(".git/hrx/state/head.json"));
    let out = env.hrx(&anna).arg("-C").arg(&dir).args(["log"]).timeout(limit).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("a note"), "{}", stdout(&out));
    // A symlink to a device, read as a file of endless size.
    let dir = copy("device");
    std::fs::remove_file(dir.join(".git/HEAD")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join(".git/HEAD")).unwrap();
    refused(&dir, &["log"], "is a device, not a file", "HEAD");
    // An oversized file where git keeps a line.
    let dir = copy("big");
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n".repeat(1000)).unwrap();
    refused(&dir, &["log"], "more than a git directory's file of its name can", "HEAD");
    // `.git` itself a FIFO.
    let dir = copy("dotgit");
    std::fs::rename(dir.join(".git"), env.path().join("moved-away")).unwrap();
    fifo(&dir.join(".git"));
    refused(&dir, &["log"], "is a FIFO", ".git");

    // Among the objects, where only a lookup of that one object would open
    // it: a verification from the root checks every file.
    let dir = copy("objects");
    let bucket = dir.join(".git/objects/ab");
    std::fs::create_dir_all(&bucket).unwrap();
    fifo(&bucket.join("cdef0123456789abcdef0123456789abcdef01"));
    refused(&dir, &["verify"], "is a FIFO", "objects/ab/cdef0123456789abcdef0123456789abcdef01");
    // The head commit's own loose object a FIFO: every everyday command
    // reads it (libgit2 opens it blocking), so every one checks the loose
    // objects first.
    let d = copy("head-object");
    let head = std::fs::read_to_string(d.join(".git/refs/heads/main")).unwrap().trim().to_string();
    let loose = format!("objects/{}/{}", &head[..2], &head[2..]);
    assert!(d.join(".git").join(&loose).is_file(), "the head commit is loose in a fresh record");
    fifo(&d.join(".git").join(&loose));
    for args in [&["status"][..], &["log"], &["audit"], &["grants"], &["add", "note", "--text", "x"]] {
        refused(&d, args, "is a FIFO", &loose);
    }
    // A loose object's file larger than any object of a record (sparse:
    // libgit2 would read it whole).
    let d = copy("big-object");
    let big = d.join(".git/objects/ab/cdef0123456789abcdef0123456789abcdef01");
    std::fs::create_dir_all(big.parent().unwrap()).unwrap();
    std::fs::File::create(&big).unwrap().set_len(300 << 20).unwrap();
    refused(&d, &["log"], "more than any object of a record", "objects/ab/cdef");

    // A remote that is such a directory: refused before it is fetched from
    // or pushed to, and this record is left as it was.
    env.hrx(&anna).arg("-C").arg(env.record()).args(["remote", "add", "stick"]).arg(&dir).assert().success();
    let before = TestEnv::snapshot(&env.record().join(".git/refs"));
    let started = std::time::Instant::now();
    let out = env.hrx(&anna).arg("-C").arg(env.record()).args(["sync", "stick"]).timeout(limit).output().unwrap();
    assert!(started.elapsed() < limit, "sync waited on the remote");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("is a FIFO"), "{}", stderr(&out));
    assert_eq!(TestEnv::snapshot(&env.record().join(".git/refs")), before);
    assert!(env.verify(&anna).status.success(), "{}", stderr(&env.verify(&anna)));
}

/// A copy of the record in `env` at `name` (`cp -a`), and a check that
/// `args` in `dir` is refused with exit 7 saying `says`, within a minute.
fn planted_copy(env: &TestEnv, name: &str) -> std::path::PathBuf {
    let dir = env.path().join(name);
    assert!(env.bare("cp").arg("-a").arg(env.record()).arg(&dir).output().unwrap().status.success());
    dir
}

fn refused_in(env: &TestEnv, who: &Party, dir: &std::path::Path, args: &[&str], says: &str) {
    let limit = Duration::from_secs(60);
    let started = std::time::Instant::now();
    let out = env.hrx(who).arg("-C").arg(dir).args(args).timeout(limit).output().unwrap();
    assert!(started.elapsed() < limit, "{args:?} in {}: waited on", dir.display());
    assert_eq!(out.status.code(), Some(7), "{args:?} in {}: {}", dir.display(), stderr(&out));
    assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
}

/// Attack (hostile review, session 13): a copy's `.git/config` setting
/// `core.worktree` to a directory outside the record. libgit2 honours it:
/// `hrx add` checked the whole record out there and deleted the symlinks it
/// found. A config that makes git read or write outside the record
/// (core.worktree, include, includeIf, extensions) is refused before
/// anything is read or written, and nothing outside changes.
#[test]
fn a_config_that_points_git_outside_the_record_is_refused() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "a note");
    let outside = env.path().join("outside");
    std::fs::create_dir_all(outside.join("deep")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", outside.join("deep/mylink")).unwrap();
    let before = TestEnv::snapshot(&outside);
    let fifo = env.path().join("fifo");
    assert!(env.bare("mkfifo").arg(&fifo).output().unwrap().status.success());
    for (i, (add, says)) in [
        (format!("[core]\n\tworktree = {}\n", outside.display()), "sets core.worktree"),
        (format!("[CORE] WorkTree={}\n", outside.display()), "sets core.worktree"),
        (format!("[core] worktree = {}\n", outside.display()), "sets core.worktree"),
        (format!("[include]\n\tpath = {}\n", fifo.display()), "has an [include] section"),
        (format!("[includeIf \"gitdir:/\"]\n\tpath = {}\n", fifo.display()), "has an [includeif] section"),
        (
            "[core]\n\trepositoryformatversion = 1\n[extensions]\n\tworktreeConfig = true\n".to_string(),
            "sets extensions.worktreeconfig",
        ),
    ]
    .iter()
    .enumerate()
    {
        let dir = planted_copy(&env, &format!("copy{i}"));
        let config = dir.join(".git/config");
        let mut text = std::fs::read_to_string(&config).unwrap();
        text.push_str(add);
        std::fs::write(&config, text).unwrap();
        let _ = std::fs::remove_dir_all(dir.join(".git/hrx/worktree"));
        let head = std::fs::read(dir.join(".git/refs/heads/main")).ok();
        refused_in(&env, &anna, &dir, &["add", "note", "--text", "written where?"], says);
        refused_in(&env, &anna, &dir, &["log"], says);
        refused_in(&env, &anna, &dir, &["status"], says);
        refused_in(&env, &anna, &dir, &["verify"], says);
        assert_eq!(std::fs::read(dir.join(".git/refs/heads/main")).ok(), head, "{add}: nothing committed");
        assert_eq!(TestEnv::snapshot(&outside), before, "{add}: nothing outside the record changed");
    }
    // A remote directory with such a config is refused before it is read.
    let hub = planted_copy(&env, "hub");
    let mut text = std::fs::read_to_string(hub.join(".git/config")).unwrap();
    text.push_str(&format!("[include]\n\tpath = {}\n", fifo.display()));
    std::fs::write(hub.join(".git/config"), text).unwrap();
    env.hrx(&anna).arg("-C").arg(env.record()).args(["remote", "add", "hub"]).arg(&hub).assert().success();
    refused_in(&env, &anna, &env.record(), &["sync", "hub"], "has an [include] section");
    let out = env
        .hrx(&anna)
        .arg("clone")
        .arg(&hub)
        .arg(env.path().join("cloned"))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(!env.path().join("cloned").exists());
    // An ordinary remote section is no include.
    let ok = planted_copy(&env, "plain");
    let mut text = std::fs::read_to_string(ok.join(".git/config")).unwrap();
    text.push_str("[remote \"include\"]\n\turl = /srv/include.git\n# include.path = x\n");
    std::fs::write(ok.join(".git/config"), text).unwrap();
    env.hrx(&anna).arg("-C").arg(&ok).args(["log"]).assert().success();
}

/// Attack (hostile review, session 13): `.git/logs/refs/heads/main` made a
/// symlink to a file outside the record. git appends a line to a reflog
/// where it is: `hrx add` wrote into the victim file. A symlink among the
/// logs is refused, and the file it points at is left as it was.
#[test]
fn a_reflog_that_is_a_symlink_is_refused_not_written_through() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "a note");
    let victim = env.path().join("victim.txt");
    std::fs::write(&victim, "mine\n").unwrap();
    for (i, log) in ["logs/refs/heads/main", "logs/HEAD", "logs/refs"].iter().enumerate() {
        let dir = planted_copy(&env, &format!("copy{i}"));
        let p = dir.join(".git").join(log);
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
            std::os::unix::fs::symlink(env.path(), &p).unwrap();
        } else {
            let _ = std::fs::remove_file(&p);
            std::os::unix::fs::symlink(&victim, &p).unwrap();
        }
        refused_in(&env, &anna, &dir, &["add", "note", "--text", "x"], "is a symlink, and git appends to a reflog");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine\n", "{log}");
    }
}

/// Attack (hostile review, session 13): files that make git take objects
/// or history from elsewhere (`objects/info/alternates` naming a directory
/// with a FIFO for the head commit, `commondir` naming a directory whose
/// config is a FIFO, `shallow`, `info/grafts`), and a HEAD naming a branch
/// that is a FIFO: each hung every command. hrx never writes them; a copy
/// with one is refused, saying which.
#[test]
fn files_that_send_git_elsewhere_are_refused() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "a note");
    let elsewhere = env.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    for (i, (file, text)) in [
        ("objects/info/alternates", format!("{}\n", elsewhere.display())),
        ("commondir", format!("{}\n", elsewhere.display())),
        ("shallow", "0123456789abcdef0123456789abcdef01234567\n".to_string()),
        ("info/grafts", "0123456789abcdef0123456789abcdef01234567\n".to_string()),
    ]
    .iter()
    .enumerate()
    {
        let dir = planted_copy(&env, &format!("copy{i}"));
        let p = dir.join(".git").join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        refused_in(&env, &anna, &dir, &["log"], &format!("{file} is there, and no record's git directory has one"));
        refused_in(&env, &anna, &dir, &["add", "note", "--text", "x"], "no record's git directory has one");
    }
    let dir = planted_copy(&env, "head");
    assert!(env.bare("mkfifo").arg(dir.join(".git/refs/heads/evil")).output().unwrap().status.success());
    std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/evil\n").unwrap();
    refused_in(&env, &anna, &dir, &["add", "note", "--text", "x"], "is a FIFO");
    std::fs::write(dir.join(".git/HEAD"), "ref: ../../../etc/passwd\n").unwrap();
    refused_in(&env, &anna, &dir, &["log"], "outside refs/");
    // The index and attributes git reads when hrx writes: a FIFO there hung
    // `hrx add` after its commit.
    for (i, file) in ["index", "info/attributes"].iter().enumerate() {
        let dir = planted_copy(&env, &format!("write{i}"));
        let p = dir.join(".git").join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&p);
        assert!(env.bare("mkfifo").arg(&p).output().unwrap().status.success());
        let head = std::fs::read(dir.join(".git/refs/heads/main")).ok();
        refused_in(&env, &anna, &dir, &["add", "note", "--text", "x"], "is a FIFO");
        assert_eq!(std::fs::read(dir.join(".git/refs/heads/main")).ok(), head, "{file}: nothing committed");
    }
}

/// Attack (hostile review, session 13): a FIFO planted in the work tree as
/// `.gitattributes`, which git reads while it checks the record out: `hrx
/// add` hung. The work tree is derived state and holds only files hrx
/// wrote; FIFOs, sockets and devices there are removed (never followed)
/// before a checkout, as symlinks are.
#[test]
fn a_fifo_in_the_work_tree_is_removed_not_read() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "a note");
    let dir = planted_copy(&env, "copy");
    let fifo = dir.join(".gitattributes");
    assert!(env.bare("mkfifo").arg(&fifo).output().unwrap().status.success());
    // Without the note of where the work tree stands, the next write checks
    // out in full.
    std::fs::remove_file(dir.join(".git/hrx/worktree")).unwrap();
    let limit = Duration::from_secs(60);
    let started = std::time::Instant::now();
    let out = env.hrx(&anna).arg("-C").arg(&dir).args(["add", "note", "--text", "x"]).timeout(limit).output().unwrap();
    assert!(started.elapsed() < limit, "add waited on the FIFO");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&fifo).is_err(), "the FIFO is gone");
    let out = env.hrx(&anna).arg("-C").arg(&dir).args(["verify"]).timeout(limit).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Attack (hostile review of the hub, session 19): symlinked directories
/// fanned out under a copy's git directory, eight links on each of twelve
/// levels to the next (8^12 paths, 96 links). git follows symlinked
/// directories, so hrx looks through them, but into each directory once:
/// everyday commands and a whole verification finish, and a link that
/// leads back into where it is (a loop) is refused.
#[test]
fn a_fan_of_symlinked_directories_in_a_copy_is_looked_through_once() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    env.init(&anna);
    env.note(&anna, "a note");
    let dir = planted_copy(&env, "copy");
    let fan = |root: &std::path::Path| {
        for level in 0..=12 {
            std::fs::create_dir_all(root.join(format!("d{level}"))).unwrap();
        }
        for level in 0..12 {
            for i in 0..8 {
                std::os::unix::fs::symlink(format!("../d{}", level + 1), root.join(format!("d{level}/s{i}"))).unwrap();
            }
        }
    };
    fan(&dir.join(".git/refs/tags/fan"));
    fan(&dir.join(".git/fan"));
    let limit = Duration::from_secs(60);
    for args in [&["status"][..], &["log"], &["verify"]] {
        let started = std::time::Instant::now();
        let out = env.hrx(&anna).arg("-C").arg(&dir).args(args).timeout(limit).output().unwrap();
        assert!(started.elapsed() < limit, "{args:?}: walked every path");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    std::os::unix::fs::symlink("..", dir.join(".git/refs/tags/fan/d12/up")).unwrap();
    refused_in(&env, &anna, &dir, &["log"], "a loop of symlinks");
}
