//! Benchmarks of the record core, run with `cargo bench --bench record`.
//! `HRX_BENCH_N` sets the number of entries (default 2000).
//!
//! Measures: appending signed, encrypted entries; `verify` throughput
//! (commits/s); one `hrx add` on a record of N entries (dominated by
//! verifying the history first); `log` decrypting N entries.

use std::time::Instant;

use hrx::clock::Clock;
use hrx::crypto::cert::NewCert;
use hrx::crypto::message::seal;
use hrx::crypto::{Keystore, NoPassphrase};
use hrx::model::{Author, Entry, Kind, RepoPath};
use hrx::ops::{self, Context};
use hrx::repo::Record;
use serde_json::json;

fn main() {
    let n: usize = std::env::var("HRX_BENCH_N").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record");
    let mut ctx = Context {
        keystore: Keystore::open(&dir.path().join("home")),
        key: None,
        clock: Clock::System,
        dir: record.clone(),
        passphrase: Box::new(NoPassphrase),
        skip_unusable_recipients: false,
    };
    let who = ops::key::generate(&ctx, &NewCert { name: "Bench Patient".into(), ..Default::default() }, None).unwrap();
    ops::init::init(&mut ctx, &record, None).unwrap();
    let mut u = ctx.unlock().unwrap();
    let cert = ctx.keystore.cert(&who.fingerprint).unwrap();
    let rec = Record::open(&record).unwrap();
    let author =
        Author { fingerprint: who.fingerprint.clone(), name: who.name.clone(), organisation: None, country: None };

    let t0 = Instant::now();
    let mut head = rec.head().unwrap();
    for i in 0..n {
        let now = chrono::Utc::now();
        let id = ops::add::new_id(now).unwrap();
        let e = Entry::new(Kind::Note, json!({"text": format!("entry {i}")}), id, author.clone(), now).unwrap();
        let ct = seal(e.to_yaml().as_bytes(), u.signer.clone(), &[&cert], now).unwrap();
        let path = RepoPath::Entry { category: e.category.clone(), id }.to_path();
        head = Some(rec.append(head, &[(path, ct)], "hrx: add entry", &mut u.signer, &u.identity, now).unwrap());
    }
    let dt = t0.elapsed();
    println!(
        "append: {n} entries in {:.2} s = {:.0} entries/s (validate, sign, encrypt, commit)",
        dt.as_secs_f64(),
        n as f64 / dt.as_secs_f64()
    );

    let t0 = Instant::now();
    let v = hrx::verify::verify(&rec, None, None, chrono::Utc::now()).unwrap();
    let dt = t0.elapsed();
    println!(
        "verify: {} commits in {:.3} s = {:.0} commits/s",
        v.commits.len(),
        dt.as_secs_f64(),
        v.commits.len() as f64 / dt.as_secs_f64()
    );

    let t0 = Instant::now();
    ops::add::add(&mut ctx, Kind::Note, json!({"text": "one more"})).unwrap();
    println!(
        "hrx add on a record of {n} entries (cache cold: verifies from the root): {:.3} s",
        t0.elapsed().as_secs_f64()
    );
    let t0 = Instant::now();
    ops::add::add(&mut ctx, Kind::Note, json!({"text": "and one more"})).unwrap();
    println!("hrx add again (verified-state cache warm): {:.3} s", t0.elapsed().as_secs_f64());

    // 25 grants and 25 revocations in the history, then verify again.
    let mut others = Vec::new();
    for i in 0..25 {
        let home = dir.path().join(format!("p{i}"));
        let ks = Keystore::open(&home);
        let c = hrx::crypto::cert::generate(
            &NewCert { name: format!("Provider {i}"), ..Default::default() },
            None,
            chrono::Utc::now(),
        )
        .unwrap();
        ks.store_secret(&c).unwrap();
        ctx.keystore.import(&ks.export(&c.fingerprint().to_hex(), false).unwrap()).unwrap();
        others.push(c.fingerprint().to_hex());
    }
    let scope = || hrx::model::statement::Scope::All(hrx::model::statement::AllWord::All);
    // Grants and revocations appended straight through the library (the
    // operations would verify the whole history before each one).
    let mut head = rec.head().unwrap();
    for f in &others {
        let now = chrono::Utc::now();
        let gid = ops::add::new_id(now).unwrap();
        let g = hrx::model::Statement::Grant {
            id: gid,
            issued_at: now,
            grant: hrx::model::Grant {
                grantee: f.clone(),
                categories: scope(),
                rights: vec![hrx::model::Right::Read],
                purpose: hrx::model::Purpose::Treatment,
                from: now,
                until: None,
                note: None,
                role: None,
                include_past: false,
            },
        };
        let cert = ctx.keystore.export(f, false).unwrap();
        let files = vec![
            (RepoPath::Key(f.clone()).to_path(), cert),
            (RepoPath::Statement(gid).to_path(), g.to_yaml().into_bytes()),
        ];
        head = Some(rec.append(head, &files, "hrx: grant", &mut u.signer, &u.identity, now).unwrap());
        let rid = ops::add::new_id(now).unwrap();
        let r = hrx::model::Statement::Revoke { id: rid, issued_at: now, revokes: gid };
        head = Some(
            rec.append(
                head,
                &[(RepoPath::Statement(rid).to_path(), r.to_yaml().into_bytes())],
                "hrx: revoke",
                &mut u.signer,
                &u.identity,
                now,
            )
            .unwrap(),
        );
    }
    let t0 = Instant::now();
    let v = hrx::verify::verify(&rec, None, None, chrono::Utc::now()).unwrap();
    let dt = t0.elapsed();
    println!(
        "verify with 25 grants + 25 revocations: {} commits in {:.3} s = {:.0} commits/s",
        v.commits.len(),
        dt.as_secs_f64(),
        v.commits.len() as f64 / dt.as_secs_f64()
    );

    // Later access to every past entry for a new grantee.
    let lafe = hrx::crypto::cert::generate(
        &NewCert { name: "Hospital".into(), ..Default::default() },
        None,
        chrono::Utc::now(),
    )
    .unwrap();
    ctx.keystore.store_cert(&lafe).unwrap();
    let mut g = ops::grant::GrantRequest::new(lafe.fingerprint().to_hex(), scope(), vec![hrx::model::Right::Read]);
    g.include_past = true;
    let t0 = Instant::now();
    let done = ops::grant::grant(&mut ctx, g).unwrap();
    println!(
        "grant --include-past: {} entries opened in {:.3} s",
        done.past_entries_opened,
        t0.elapsed().as_secs_f64()
    );

    let t0 = Instant::now();
    let entries = ops::read::log(&mut ctx, &Default::default()).unwrap();
    let dt = t0.elapsed();
    assert_eq!(entries.len(), n + 2);
    let t0 = Instant::now();
    let ips = ops::export::ips(&mut ctx, "es").unwrap();
    println!("export ips on {} entries: {:.3} s ({} KB)", n + 2, t0.elapsed().as_secs_f64(), ips.document.len() / 1024);
    println!(
        "log: {} entries decrypted in {:.3} s = {:.0} entries/s",
        entries.len(),
        dt.as_secs_f64(),
        entries.len() as f64 / dt.as_secs_f64()
    );
}
