//! FHIR import benchmarks, run with `cargo bench --bench fhir`: the Synthea
//! patient from tests/data/fhir end to end, then ten such patients (ids
//! rewritten so they are distinct) into one record.

use std::time::Instant;

use hrx::clock::Clock;
use hrx::crypto::cert::NewCert;
use hrx::crypto::{Keystore, NoPassphrase};
use hrx::ops::{self, Context};

fn fresh(dir: &std::path::Path) -> Context {
    let record = dir.join("record");
    let mut c = Context {
        keystore: Keystore::open(&dir.join("home")),
        key: None,
        clock: Clock::System,
        dir: record.clone(),
        passphrase: Box::new(NoPassphrase),
        skip_unusable_recipients: false,
    };
    ops::key::generate(&c, &NewCert { name: "Bench Patient".into(), ..Default::default() }, None).unwrap();
    ops::init::init(&mut c, &record, None).unwrap();
    c
}

fn main() {
    let synthea = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/fhir"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains("Barrett"))
        .expect("the Synthea patient in tests/data/fhir");
    let dir = tempfile::tempdir().unwrap();
    let mut c = fresh(&dir.path().join("one"));
    let t0 = Instant::now();
    let done = ops::import::import_fhir(&mut c, std::slice::from_ref(&synthea), false, "en").unwrap();
    println!("import Synthea patient: {} entries in {:.3} s", done.entries, t0.elapsed().as_secs_f64());

    let text = std::fs::read_to_string(&synthea).unwrap();
    let files: Vec<_> = (0..10)
        .map(|k| {
            let p = dir.path().join(format!("patient{k}.json"));
            let t = text
                .replace("\"id\": \"", &format!("\"id\": \"p{k}-"))
                .replace("urn:uuid:", &format!("urn:uuid:p{k}-"));
            std::fs::write(&p, t).unwrap();
            p
        })
        .collect();
    let mut c = fresh(&dir.path().join("ten"));
    let t0 = Instant::now();
    let done = ops::import::import_fhir(&mut c, &files, false, "en").unwrap();
    println!("import 10 Synthea patients: {} entries in {:.3} s", done.entries, t0.elapsed().as_secs_f64());
}
