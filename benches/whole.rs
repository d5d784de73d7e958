//! Whole-process benchmark (issue 13): what users run, the `hrx` binary,
//! on records of lifetime size. Run with `cargo bench --bench whole`.
//!
//! Records are generated through the library (fast; not what is timed):
//! N entries written one commit each over the years before today (a
//! lifetime's shape; two in three with a clinical date out of recording
//! order), or all at once (`HRX_BENCH_SHAPE=burst`, the shape of
//! a big import), then repacked as `git gc` would. The timed operations
//! are fresh `hrx` processes, as the patient (decryption included):
//! `verify`, `verify --no-decrypt`, `log --json`, `add`, then `key rotate`
//! (the patient's key, with a wrap for every entry) and `verify` of the
//! rotated record. Before the rotation (issue 10's figure) five providers
//! are granted, each publishes ten certificate updates (`key extend`) and
//! rotates its key, and `verify` is timed on that record of 50 updates and
//! 5 rotations (second row); then recovery is set up with five trustees
//! and finished on a fresh copy with three approvals (timed). Peak memory comes from GNU time (installed by `.ci/setup`).
//!
//! `HRX_BENCH_SIZES` sets the sizes (default `1000,10000`);
//! `HRX_BENCH_KEEP=DIR` keeps the records under DIR (`DIR/N/record`, with
//! its keystore in `DIR/N/home`, and the record as it was before the
//! patient's rotation in `DIR/N/before-rotation`) to time other commands on them.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

#[path = "support/mod.rs"]
mod support;
use support::generate;

const HRX: &str = env!("CARGO_BIN_EXE_hrx");

fn main() {
    let sizes: Vec<usize> = std::env::var("HRX_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let burst = std::env::var("HRX_BENCH_SHAPE").is_ok_and(|s| s == "burst");
    println!(
        "| entries | shape | verify (commits/s, peak) | verify --no-decrypt | log --json cold / warm | add median | key rotate | verify after rotation | .git |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let dir = match std::env::var_os("HRX_BENCH_KEEP") {
            Some(k) => Path::new(&k).join(n.to_string()),
            None => tmp.path().to_path_buf(),
        };
        let _ = std::fs::remove_dir_all(&dir);
        let home = dir.join("home");
        let record = dir.join("record");
        generate(&home, &record, n, burst);
        let run = |args: &[&str]| timed(&home, &record, args);
        let (v, v_kb) = run(&["verify"]);
        let (nd, nd_kb) = run(&["verify", "--no-decrypt"]);
        let (cold, _) = run(&["log", "--json"]);
        let (warm, _) = run(&["log", "--json"]);
        let mut adds: Vec<f64> =
            (0..15).map(|i| run(&["add", "note", "--text", &format!("bench note {i}")]).0).collect();
        adds.sort_by(f64::total_cmp);
        let (kv, kv_kb, knd, knd_kb, kcommits) = key_events(&dir, &home, &record);
        let (setup, finish) = recovery(&dir, &home, &record);
        if std::env::var_os("HRX_BENCH_KEEP").is_some() {
            // The record of issue 10's verify figure, kept for profiling.
            let st = Command::new("cp").arg("-a").arg(&record).arg(dir.join("before-rotation")).status().unwrap();
            assert!(st.success());
        }
        let (rot, rot_kb) = run(&["key", "rotate", "--no-passphrase"]);
        let (after, after_kb) = run(&["verify"]);
        let commits = n + 1;
        println!(
            "| {n} | {} | {:.2} s = {:.0}/s, {} MB | {:.2} s = {:.0}/s, {} MB | {:.2} s / {:.2} s | {:.0} ms | {:.2} s, {} MB | {:.2} s, {} MB | {} MB |",
            if burst { "burst" } else { "lifetime" },
            v,
            commits as f64 / v,
            v_kb / 1024,
            nd,
            commits as f64 / nd,
            nd_kb / 1024,
            cold,
            warm,
            adds[adds.len() / 2] * 1000.0,
            rot,
            rot_kb / 1024,
            after,
            after_kb / 1024,
            du(&record.join(".git")) / (1 << 20),
        );
        println!(
            "|  | + 50 certificate updates, 5 rotations ({kcommits} commits, before the patient's rotation) | {kv:.2} s = {:.0}/s, {} MB | {knd:.2} s = {:.0}/s, {} MB | | | | | |",
            kcommits as f64 / kv,
            kv_kb / 1024,
            kcommits as f64 / knd,
            knd_kb / 1024,
        );
        println!(
            "\nrecovery (issue 11): setup with 5 trustees {setup:.2} s; finish with 3 of 5 approvals on a fresh copy {finish:.2} s"
        );
    }
}

/// Issue 11's figures: the patient sets up recovery with five trustees
/// (timed), a new device clones the record and asks, three trustees
/// approve (untimed), and the new device finishes (timed).
fn recovery(dir: &Path, home: &Path, record: &Path) -> (f64, f64) {
    let mut fprs = vec![];
    for i in 1..=5 {
        fprs.push(party(dir, home, record, &format!("trustee{i}"), &format!("Trustee {i}")));
    }
    let list = fprs.iter().map(|(_, f)| f.as_str()).collect::<Vec<_>>().join(",");
    let (setup, _) = timed(home, record, &["recovery", "setup", "--trustees", &list, "--threshold", "3"]);
    let out = Command::new("git").arg("-C").arg(record).args(["rev-list", "--max-parents=0", "HEAD"]).output().unwrap();
    let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let phone = dir.join("phone");
    let copy = dir.join("phone-copy");
    std::fs::create_dir_all(&phone).unwrap();
    timed(&phone, record, &["clone", record.to_str().unwrap(), copy.to_str().unwrap(), "--trust-root", &root]);
    let request = dir.join("request.yaml");
    timed(&phone, &copy, &["recovery", "start", "--no-passphrase", "-o", request.to_str().unwrap()]);
    let mut approvals = vec![];
    for (i, (th, _)) in fprs.iter().take(3).enumerate() {
        let a = dir.join(format!("approval{i}.asc"));
        timed(th, record, &["recovery", "approve", request.to_str().unwrap(), "-o", a.to_str().unwrap()]);
        approvals.push(a.to_str().unwrap().to_string());
    }
    let mut args = vec!["recovery", "finish", "--no-passphrase"];
    args.extend(approvals.iter().map(|s| s.as_str()));
    let (finish, _) = timed(&phone, &copy, &args);
    (setup, finish)
}

/// Five providers granted `general`; each publishes ten updates of its
/// certificate and rotates its key (untimed). Then `verify` and `verify
/// --no-decrypt` are timed: seconds and peak KiB of each, and the commits.
fn key_events(dir: &Path, home: &Path, record: &Path) -> (f64, u64, f64, u64, usize) {
    for p in 1..=5 {
        let (ph, fpr) = party(dir, home, record, &format!("provider{p}"), &format!("Provider {p}"));
        let as_provider = |args: &[&str]| timed(&ph, record, args);
        timed(home, record, &["grant", &fpr, "--categories", "general", "--rights", "read,write"]);
        for y in 1..=10 {
            as_provider(&["key", "extend", "--for", &format!("{}y", y + 2)]);
        }
        as_provider(&["key", "rotate", "--no-passphrase"]);
    }
    let (v, v_kb) = timed(home, record, &["verify"]);
    let (nd, nd_kb) = timed(home, record, &["verify", "--no-decrypt"]);
    let out = Command::new("git").arg("-C").arg(record).args(["rev-list", "--count", "HEAD"]).output().unwrap();
    let commits = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    (v, v_kb, nd, nd_kb, commits)
}

/// A new participant with its own home `DIR/LABEL` and key `name` (no
/// passphrase), whose certificate the patient (`home`) imports; its home
/// and fingerprint.
fn party(dir: &Path, home: &Path, record: &Path, label: &str, name: &str) -> (std::path::PathBuf, String) {
    let h = dir.join(label);
    let out = Command::new(HRX)
        .args(["key", "generate", "--no-passphrase", "--json", "--name", name])
        .env("HRX_HOME", &h)
        .env("HOME", &h)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fpr = v["key"]["fingerprint"].as_str().unwrap().to_string();
    let asc = dir.join(format!("{label}.asc"));
    timed(&h, record, &["key", "export", &fpr, "-o", asc.to_str().unwrap()]);
    timed(home, record, &["key", "import", asc.to_str().unwrap()]);
    (h, fpr)
}

/// Runs `hrx ARGS` in a fresh process; its wall time (s) and peak memory (KiB).
fn timed(home: &Path, record: &Path, args: &[&str]) -> (f64, u64) {
    let rss = dir_file(home, "rss");
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut cmd = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%M", "-o"]).arg(&rss).arg(HRX);
        c
    } else {
        Command::new(HRX)
    };
    cmd.arg("-C").arg(record).args(args).env("HRX_HOME", home).env("HOME", home).env("GIT_CONFIG_GLOBAL", "/dev/null");
    let t0 = Instant::now();
    let out = cmd.output().unwrap();
    let dt = t0.elapsed().as_secs_f64();
    assert!(out.status.success(), "hrx {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let kb = std::fs::read_to_string(&rss).ok().and_then(|s| s.trim().lines().last()?.parse().ok()).unwrap_or(0);
    (dt, kb)
}

fn dir_file(dir: &Path, name: &str) -> std::path::PathBuf {
    dir.join(name)
}

fn du(p: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(p).unwrap().flatten() {
        let m = e.metadata().unwrap();
        total += if m.is_dir() { du(&e.path()) } else { m.len() };
    }
    total
}
