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
        .args(["--trust-root", &root[..12]])
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
