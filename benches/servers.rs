//! Sync through real servers, whole process: `cargo bench --bench servers`.
//!
//! Starts the tests' OpenSSH sshd and nginx + git http-backend on
//! 127.0.0.1 (tests/common.rs), each with hrx's hub hook on the server,
//! and times the `hrx` binary: the patient pushing HRX_BENCH_SERVERS_N new
//! commits (default 1000; the hook verifies them on the server), and a
//! provider receiving and verifying them, over ssh and over https.

#[allow(unused_imports)]
#[path = "../tests/common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use common::{Https, Sshd, TestEnv};

/// `hrx` as the owner of `home`, with the environment the servers expect
/// (the bench's HOME and git config) and the system clock: a release
/// build takes no test clock.
fn hrx(env: &TestEnv, home: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_hrx"));
    c.current_dir(env.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.path().join("userhome"))
        .env("TMPDIR", env.path().join("tmp"))
        .env("GIT_CONFIG_GLOBAL", env.path().join("userhome/gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HRX_HOME", home);
    c
}

fn ok(c: &mut std::process::Command) -> String {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{c:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn key(env: &TestEnv, who: &str) -> (PathBuf, String) {
    let home = env.path().join(format!("home-{who}"));
    let v: serde_json::Value = serde_json::from_str(&ok(hrx(env, &home).args([
        "key",
        "generate",
        "--name",
        who,
        "--no-passphrase",
        "--json",
    ])))
    .unwrap();
    (home, v["key"]["fingerprint"].as_str().unwrap().to_string())
}

fn timed(c: &mut std::process::Command) -> f64 {
    let t0 = Instant::now();
    ok(c);
    t0.elapsed().as_secs_f64()
}

/// One server: hub with hook, patient pushes `n` commits, provider receives.
fn run(env: &TestEnv, what: &str, url: &str, served: &Path, n: usize) {
    let (anna, anna_fpr) = key(env, &format!("anna-{what}"));
    let (ruiz, ruiz_fpr) = key(env, &format!("ruiz-{what}"));
    ok(hrx(env, &anna).arg("-C").arg(served).args(["hook", "install", "--patient", &anna_fpr]));
    let laptop = env.path().join(format!("laptop-{what}"));
    ok(hrx(env, &anna).arg("init").arg(&laptop));
    let cert = env.path().join(format!("ruiz-{what}.asc"));
    std::fs::write(&cert, ok(hrx(env, &ruiz).args(["key", "export", &ruiz_fpr]))).unwrap();
    ok(hrx(env, &anna).args(["key", "import"]).arg(&cert));
    ok(hrx(env, &anna).arg("-C").arg(&laptop).args([
        "grant",
        &ruiz_fpr,
        "--categories",
        "general",
        "--rights",
        "read,write",
    ]));
    ok(hrx(env, &anna).arg("-C").arg(&laptop).args(["remote", "add", "hub", url]));
    ok(hrx(env, &anna).arg("-C").arg(&laptop).arg("sync"));
    let copy = env.path().join(format!("copy-{what}"));
    ok(hrx(env, &ruiz).args(["clone", url]).arg(&copy).args(["--trust-root", &anna_fpr]));
    for i in 0..n {
        ok(hrx(env, &anna).arg("-C").arg(&laptop).args(["add", "note", "--text", &format!("visit {i}")]));
    }
    let push = timed(hrx(env, &anna).arg("-C").arg(&laptop).arg("sync"));
    let fetch = timed(hrx(env, &ruiz).arg("-C").arg(&copy).arg("sync"));
    println!(
        "servers: {what}: hrx sync pushing {n} new commits (verified by the hub's hook): {push:.2} s; receiving and verifying them: {fetch:.2} s"
    );
}

fn main() {
    let n: usize = std::env::var("HRX_BENCH_SERVERS_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let env = TestEnv::new();
    let sshd = Sshd::start(&env);
    let url = sshd.bare(&env, "anna.git");
    run(&env, "ssh", &url, &sshd.base.join("anna.git"), n);
    let https = Https::start(&env);
    let url = https.bare(&env, "anna.git");
    run(&env, "https", &url, &https.base.join("anna.git"), n);
}
