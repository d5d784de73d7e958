//! Sync benchmarks, run with `cargo bench --bench sync`:
//! receiving N new entries (commits) from a `git daemon` on 127.0.0.1 and
//! verifying them (HRX_BENCH_SYNC_N, default 1000), and `bundle create` +
//! `bundle import` of a record of M entries (HRX_BENCH_BUNDLE_N, default 10000).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hrx::clock::Clock;
use hrx::crypto::cert::NewCert;
use hrx::crypto::message::seal;
use hrx::crypto::{Keystore, NoPassphrase};
use hrx::model::{Author, Entry, Kind, RepoPath};
use hrx::ops::{self, Context};
use hrx::repo::Record;
use serde_json::json;

fn ctx(home: &Path, dir: &Path) -> Context {
    Context {
        keystore: Keystore::open(home),
        key: None,
        clock: Clock::System,
        dir: dir.to_path_buf(),
        passphrase: Box::new(NoPassphrase),
        skip_unusable_recipients: false,
    }
}

/// Appends `n` note entries, one commit each, straight through the library.
fn append(ctx: &mut Context, n: usize) {
    let rec = Record::open(&ctx.dir).unwrap();
    let mut u = ctx.unlock().unwrap();
    let cert = u.cert.clone();
    let who = u.identity.clone();
    let author =
        Author { fingerprint: who.fingerprint.clone(), name: who.name.clone(), organisation: None, country: None };
    let mut head = rec.head().unwrap();
    for i in 0..n {
        let now = chrono::Utc::now();
        let id = ops::add::new_id(now).unwrap();
        let e = Entry::new(Kind::Note, json!({"text": format!("entry {i}")}), id, author.clone(), now).unwrap();
        let ct = seal(e.to_yaml().as_bytes(), u.signer.clone(), &[&cert], now).unwrap();
        let path = RepoPath::Entry { category: e.category.clone(), id }.to_path();
        head = Some(rec.append(head, &[(path, ct)], "hrx: add entry", &mut u.signer, &who, now).unwrap());
    }
}

fn main() {
    let n: usize = std::env::var("HRX_BENCH_SYNC_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let m: usize = std::env::var("HRX_BENCH_BUNDLE_N").ok().and_then(|s| s.parse().ok()).unwrap_or(10000);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let record = dir.path().join("record");
    let mut c = ctx(&home, &record);
    ops::key::generate(&c, &NewCert { name: "Bench Patient".into(), ..Default::default() }, None).unwrap();
    ops::init::init(&mut c, &record, None).unwrap();

    // A hub served by git daemon; a receiver that has only the root.
    let served = dir.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    assert!(
        Command::new("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(served.join("hub.git"))
            .status()
            .unwrap()
            .success()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut daemon = Command::new("git")
        .args(["daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", "--listen=127.0.0.1"])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", served.display()))
        .arg(&served)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let url = format!("git://127.0.0.1:{port}/hub.git");
    ops::remote::add(&c, "hub", &url, false).unwrap();
    ops::sync::sync(&mut c, None, false, &mut |_, _, _| {}).unwrap();
    let receiver = dir.path().join("receiver");
    let mut r = ctx(&home, dir.path());
    ops::sync::clone(&mut r, &url, &receiver, None, &mut |_, _, _| {}).unwrap();
    r.dir = receiver.clone();

    append(&mut c, n);
    ops::sync::sync(&mut c, None, false, &mut |_, _, _| {}).unwrap();
    let t0 = Instant::now();
    let done = ops::sync::sync(&mut r, None, false, &mut |_, _, _| {}).unwrap();
    let dt = t0.elapsed();
    assert_eq!(done[0].result.as_ref().unwrap().integrated.received, n);
    println!("sync: received and verified {n} new commits from git daemon in {:.3} s", dt.as_secs_f64());
    let _ = daemon.kill();
    let _ = daemon.wait();

    // Bundle a record of m entries and import it into a fresh clone of its root.
    append(&mut c, m.saturating_sub(n));
    let root_bundle = dir.path().join("root.bundle");
    let rec = Record::open(&record).unwrap();
    let root = rec.pinned().unwrap().unwrap().root;
    rec.repo.reference("refs/heads/bench-root", root, true, "bench").unwrap();
    let fresh = dir.path().join("fresh");
    let mut f = ctx(&home, dir.path());
    {
        // A copy with only the root commit.
        let tmp = dir.path().join("rootonly");
        let out = Command::new("git")
            .args(["clone", "-q", "--bare", "--single-branch", "-b", "bench-root"])
            .arg(&record)
            .arg(&tmp)
            .status()
            .unwrap();
        assert!(out.success());
        assert!(
            Command::new("git")
                .arg("-C")
                .arg(&tmp)
                .args(["branch", "-q", "-m", "bench-root", "main"])
                .status()
                .unwrap()
                .success()
        );
        assert!(
            Command::new("git")
                .arg("-C")
                .arg(&tmp)
                .args(["bundle", "create", "-q"])
                .arg(&root_bundle)
                .arg("main")
                .status()
                .unwrap()
                .success()
        );
    }
    ops::sync::clone(&mut f, root_bundle.to_str().unwrap(), &fresh, None, &mut |_, _, _| {}).unwrap();
    f.dir = fresh;
    let file = dir.path().join("record.bundle");
    let t0 = Instant::now();
    let b = ops::sync::bundle_create(&mut c, &file, None).unwrap();
    let t1 = Instant::now();
    let i = ops::sync::bundle_import(&mut f, &file, false, &mut |_, _, _| {}).unwrap();
    let t2 = Instant::now();
    println!(
        "bundle: create {} commits in {:.3} s ({} MB), import + verify in {:.3} s, together {:.3} s",
        b.commits,
        (t1 - t0).as_secs_f64(),
        std::fs::metadata(&file).unwrap().len() / 1_000_000,
        (t2 - t1).as_secs_f64(),
        (t2 - t0).as_secs_f64()
    );
    assert_eq!(i.outcome, hrx::ops::sync::Integration::FastForward);
}
