//! What several whole-process benchmarks share: a record of lifetime
//! size, generated through the library (fast; not what is timed).

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Duration, Utc};
use hrx::clock::Clock;
use hrx::crypto::cert::NewCert;
use hrx::crypto::message::seal;
use hrx::crypto::{Keystore, NoPassphrase};
use hrx::model::{Author, Entry, Kind, RepoPath};
use hrx::ops::{self, Context};
use hrx::repo::Record;
use serde_json::json;

/// A record of `n` note entries by its patient (no passphrase), one commit
/// each, written over the years before now (or all now, for `burst`).
pub fn generate(home: &Path, record: &Path, n: usize, burst: bool) {
    let now = Utc::now() - Duration::minutes(5);
    let step = if burst { Duration::milliseconds(3) } else { Duration::hours(21) };
    let start: DateTime<Utc> = now - step * (n as i32 + 1);
    let mut ctx = Context {
        keystore: Keystore::open(home),
        key: None,
        clock: Clock::Fixed(start),
        dir: record.to_path_buf(),
        passphrase: Box::new(NoPassphrase),
        skip_unusable_recipients: false,
    };
    let who = ops::key::generate(&ctx, &NewCert { name: "Bench Patient".into(), ..Default::default() }, None).unwrap();
    ops::init::init(&mut ctx, record, None).unwrap();
    let mut u = ctx.unlock().unwrap();
    let cert = ctx.keystore.cert(&who.fingerprint).unwrap();
    let rec = Record::open(record).unwrap();
    let author =
        Author { fingerprint: who.fingerprint.clone(), name: who.name.clone(), organisation: None, country: None };
    let mut head = rec.head().unwrap();
    for i in 0..n {
        let t = start + step * (i as i32 + 1);
        let id = ops::add::new_id(t).unwrap();
        let text = format!("entry {i}: {}", "clinical narrative ".repeat(60));
        // Two in three say when they happened, as imported history does:
        // a year, or a day, out of the order they were recorded in (so
        // `log` really sorts by clinical time).
        let body = match i % 3 {
            0 => json!({ "text": text, "effective": format!("{}", 1990 + (i * 7) % 30) }),
            1 => {
                json!({ "text": text, "effective": format!("{}-{:02}-{:02}", 1990 + (i * 11) % 35, 1 + i % 12, 1 + i % 28) })
            }
            _ => json!({ "text": text }),
        };
        let e = Entry::new(Kind::Note, body, id, author.clone(), t).unwrap();
        let ct = seal(e.to_yaml().as_bytes(), u.signer.clone(), &[&cert], t).unwrap();
        let path = RepoPath::Entry { category: e.category.clone(), id }.to_path();
        head = Some(rec.append(head, &[(path, ct)], "hrx: add entry", &mut u.signer, &u.identity, t).unwrap());
    }
    let st = Command::new("git").arg("-C").arg(record).args(["repack", "-a", "-d", "-q"]).status().unwrap();
    assert!(st.success());
}
