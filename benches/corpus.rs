//! The FHIR corpus as users import it (issue 12), run with `cargo bench
//! --bench corpus`: every bundle in ../shared/fhir (the five public
//! bundles, the 44 connectathon IPS, the ten Synthea patients) imported by
//! a fresh `hrx import fhir` process into a fresh record of its own, then
//! the largest Synthea patient once more, timed alone, and `log --json` of
//! it cold and warm. Targets: the corpus in < 30 s, the 2.7 MB patient in
//! < 3 s. `HRX_CORPUS=DIR` reads the bundles from DIR instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const HRX: &str = env!("CARGO_BIN_EXE_hrx");

fn hrx(home: &Path, args: &[&str]) -> f64 {
    let t0 = Instant::now();
    let out = Command::new(HRX)
        .args(args)
        .env("HRX_HOME", home)
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let dt = t0.elapsed().as_secs_f64();
    assert!(out.status.success(), "hrx {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    dt
}

fn bundles(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for d in [dir.to_path_buf(), dir.join("ips-corpus"), dir.join("synthea")] {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        out.extend(rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")));
    }
    out.sort();
    out
}

fn main() {
    let dir = std::env::var_os("HRX_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fhir"));
    let files = bundles(&dir);
    assert!(!files.is_empty(), "no bundles under {}", dir.display());
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    hrx(&home, &["key", "generate", "--name", "Bench Patient", "--no-passphrase", "-q"]);
    let mut total = 0.0;
    let mut bytes = 0;
    for (i, f) in files.iter().enumerate() {
        let rec = tmp.path().join(format!("r{i}"));
        let rec = rec.to_str().unwrap();
        hrx(&home, &["init", rec, "-q"]);
        bytes += std::fs::metadata(f).unwrap().len();
        total += hrx(&home, &["-C", rec, "import", "fhir", f.to_str().unwrap(), "-q"]);
    }
    let largest = files.iter().max_by_key(|f| std::fs::metadata(f).unwrap().len()).unwrap();
    let size = std::fs::metadata(largest).unwrap().len();
    let rec = tmp.path().join("largest");
    let rec = rec.to_str().unwrap();
    hrx(&home, &["init", rec, "-q"]);
    let one = hrx(&home, &["-C", rec, "import", "fhir", largest.to_str().unwrap(), "-q"]);
    let cold = hrx(&home, &["-C", rec, "log", "--json"]);
    let warm = hrx(&home, &["-C", rec, "log", "--json"]);
    println!("| work | measured | target |");
    println!("|---|---|---|");
    println!(
        "| {} bundles ({:.1} MB) into fresh records, import processes only | {total:.2} s | < 30 s |",
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "| the largest ({}, {:.1} MB) | {one:.2} s | < 3 s |",
        largest.file_name().unwrap().to_string_lossy(),
        size as f64 / 1e6
    );
    println!("| log --json of it, cold / warm | {cold:.2} s / {warm:.2} s | |");
}
