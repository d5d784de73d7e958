//! Concurrency and crashes: writers take turns, and a writer that dies at
//! any point leaves a record that verifies and accepts the next write.

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

#[test]
fn the_verified_state_cache_speeds_up_but_never_replaces_verification() {
    let env = TestEnv::new();
    let anna = env.party("Anna Weber", "DE", None);
    let klein = env.party("Dr Klein", "DE", None);
    env.init(&anna);
    env.grant(&anna, &klein, "general", "read,write", &[]);
    env.note(&klein, "one");
    let cache = env.record().join(".git/hrx/verified.json");
    assert!(cache.exists(), "operations keep the verified state");
    let log = |who: &Party| json(&env.hrx(who).arg("-C").arg(env.record()).args(["log", "--json"]).output().unwrap());
    let before = log(&anna);
    // A damaged cache is ignored, and rebuilt.
    std::fs::write(&cache, "{ not json").unwrap();
    assert_eq!(log(&anna)["entries"], before["entries"]);
    assert!(std::fs::read_to_string(&cache).unwrap().starts_with('{'));
    // New commits after the cached head are verified on top of it...
    env.note(&klein, "two");
    assert_eq!(log(&anna)["entries"].as_array().unwrap().len(), 2);
    // ... and a bad one is caught even though everything before it is cached.
    std::fs::write(env.record().join("stray.txt"), "x").unwrap();
    env.git(&["add", "-A"]);
    env.git(&["-c", "user.name=M", "-c", "user.email=m@example.org", "commit", "-q", "-m", "stray"]);
    let out = env.hrx(&anna).arg("-C").arg(env.record()).arg("log").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // A head that does not extend the cached one is verified from the root.
    env.git(&["reset", "-q", "--hard", "HEAD~1"]);
    assert_eq!(log(&anna)["entries"].as_array().unwrap().len(), 2);
    assert!(env.verify(&anna).status.success());
}
