//! A provider's nightly run, as it runs: `cargo bench --bench hub`.
//!
//! Generates (through the library, not timed) a hub of HRX_BENCH_HUB_N
//! patient records (default 1000), each a bare repository with its
//! patient's root, a grant to the provider and HRX_BENCH_HUB_ENTRIES
//! entries (default 50) of one commit each, encrypted to the patient and
//! the provider. The provider holds a copy of each made when it had only
//! the root and the grant. Then times the `hrx` binary, whole process:
//! `hrx sync --records DIR` with everything new, then again after 5% of
//! the records got one new entry each.
//! `HRX_BENCH_HUB_JOBS=N` passes `--jobs N` (default: hrx's, one per core).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

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

/// Appends `n` notes, one commit each, encrypted to the patient and `also`.
fn append(c: &mut Context, also: &sequoia_openpgp::Cert, n: usize, tag: &str) {
    let rec = Record::open(&c.dir).unwrap();
    let mut u = c.unlock().unwrap();
    let cert = u.cert.clone();
    let who = u.identity.clone();
    let author =
        Author { fingerprint: who.fingerprint.clone(), name: who.name.clone(), organisation: None, country: None };
    let mut head = rec.head().unwrap();
    for i in 0..n {
        let now = chrono::Utc::now();
        let id = ops::add::new_id(now).unwrap();
        let text = format!("{tag} {i}: blood pressure 128/84 mmHg, seen in clinic, follow up in three months");
        let e = Entry::new(Kind::Note, json!({ "text": text }), id, author.clone(), now).unwrap();
        let ct = seal(e.to_yaml().as_bytes(), u.signer.clone(), &[&cert, also], now).unwrap();
        let path = RepoPath::Entry { category: e.category.clone(), id }.to_path();
        head = Some(rec.append(head, &[(path, ct)], "hrx: add entry", &mut u.signer, &who, now).unwrap());
    }
}

fn hrx() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hrx"))
}

fn sync_records(home: &Path, records: &Path) -> (f64, serde_json::Value, u64) {
    let t0 = Instant::now();
    let mut c = Command::new("/usr/bin/time");
    c.arg("-f").arg("%M").arg(hrx()).args(["sync", "--records"]).arg(records).arg("--json").env("HRX_HOME", home);
    // HRX_BENCH_HUB_JOBS: records synced at once (default: hrx's).
    if let Ok(j) = std::env::var("HRX_BENCH_HUB_JOBS") {
        c.args(["--jobs", &j]);
    }
    let out = c.output().unwrap();
    let dt = t0.elapsed().as_secs_f64();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let last = text.lines().last().unwrap();
    let rss_kb: u64 = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("0").trim().parse().unwrap_or(0);
    (dt, serde_json::from_str(last).unwrap(), rss_kb)
}

fn main() {
    let n: usize = std::env::var("HRX_BENCH_HUB_N").ok().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let entries: usize = std::env::var("HRX_BENCH_HUB_ENTRIES").ok().and_then(|s| s.parse().ok()).unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    if std::env::var_os("HRX_BENCH_KEEP").is_some() {
        eprintln!("kept in {}", base.display());
    }
    let provider_home = base.join("provider");
    let pc = ctx(&provider_home, base);
    let provider =
        ops::key::generate(&pc, &NewCert { name: "Hospital La Fe".into(), ..Default::default() }, None).unwrap();
    let provider_cert = pc.keystore.cert(&provider.fingerprint).unwrap();
    let provider_armour = ops::key::export(&pc, &provider.fingerprint, false).unwrap();
    let copies = base.join("records");
    std::fs::create_dir_all(&copies).unwrap();
    let t0 = Instant::now();
    let mut patients = vec![];
    for i in 0..n {
        let home = base.join(format!("patients/{i:04}"));
        let laptop = base.join(format!("laptops/{i:04}"));
        let mut c = ctx(&home, &laptop);
        ops::key::generate(&c, &NewCert { name: format!("Patient {i:04}"), ..Default::default() }, None).unwrap();
        ops::init::init(&mut c, &laptop, None).unwrap();
        ops::key::import(&c, &provider_armour).unwrap();
        let req = ops::grant::GrantRequest::new(
            provider.fingerprint.clone(),
            hrx::model::parse::scope(&["general".into()]).unwrap(),
            hrx::model::parse::rights(&["read".into(), "write".into()]).unwrap(),
        );
        ops::grant::grant(&mut c, req).unwrap();
        let hub = base.join(format!("hub/{i:04}.git"));
        let mut opts = git2::RepositoryInitOptions::new();
        opts.bare(true).initial_head("main").mkpath(true);
        git2::Repository::init_opts(&hub, &opts).unwrap();
        ops::remote::add(&c, "hub", hub.to_str().unwrap(), false).unwrap();
        ops::sync::sync(&mut c, None, false, &mut |_, _, _| {}).unwrap();
        let mut p = ctx(&provider_home, base);
        ops::sync::clone(&mut p, hub.to_str().unwrap(), &copies.join(format!("{i:04}")), None, &mut |_, _, _| {})
            .unwrap();
        append(&mut c, &provider_cert, entries, "visit");
        ops::sync::sync(&mut c, None, false, &mut |_, _, _| {}).unwrap();
        patients.push(c);
    }
    eprintln!("generated {n} records of {entries} new entries each in {:.0} s", t0.elapsed().as_secs_f64());

    let (dt, summary, rss) = sync_records(&provider_home, &copies);
    assert_eq!(summary["sync-summary"]["changed"], n, "{summary}");
    println!(
        "hub: hrx sync --records, {n} records, all new ({entries} commits each, {} in all): {dt:.2} s, {:.0} records/s, peak {} MB",
        n * entries,
        n as f64 / dt,
        rss / 1024
    );
    let changed = n.div_ceil(20);
    for c in patients.iter_mut().take(changed) {
        append(c, &provider_cert, 1, "night");
        ops::sync::sync(c, None, false, &mut |_, _, _| {}).unwrap();
    }
    let (dt, summary, rss) = sync_records(&provider_home, &copies);
    assert_eq!(summary["sync-summary"]["changed"], changed, "{summary}");
    println!(
        "hub: hrx sync --records, {n} records, {changed} changed (5%): {dt:.2} s, {:.0} records/s, peak {} MB",
        n as f64 / dt,
        rss / 1024
    );
    if std::env::var_os("HRX_BENCH_KEEP").is_some() {
        let _ = dir.keep();
    }
}
