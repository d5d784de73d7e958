//! TUI benchmarks, run with `cargo bench --bench tui`: frame time (state
//! update + drawing into a 200x50 TestBackend) while scrolling and
//! filtering a 10,000-entry timeline, and the time to load a real record
//! (`HRX_BENCH_TUI_N` entries, default 2000) for the first frame.

use std::time::Instant;

use chrono::{DateTime, Utc};
use hrx::clock::Clock;
use hrx::crypto::cert::NewCert;
use hrx::crypto::message::SignatureStatus;
use hrx::crypto::{Identity, Keystore, NoPassphrase};
use hrx::id::Id;
use hrx::model::{Author, Entry, Kind};
use hrx::ops::read::EntryView;
use hrx::ops::{self, Context};
use hrx::tui::app::{App, Snapshot};
use hrx::tui::keymap::Action;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn synthetic(n: usize) -> Snapshot {
    let who = Identity {
        fingerprint: "A".repeat(40),
        name: "Dr. Klein".into(),
        email: None,
        organisation: Some("Praxis".into()),
        country: Some("DE".into()),
    };
    let author = Author {
        fingerprint: who.fingerprint.clone(),
        name: who.name.clone(),
        organisation: None,
        country: Some("DE".into()),
    };
    let entries = (0..n)
        .map(|i| {
            let t: DateTime<Utc> = DateTime::from_timestamp(1_500_000_000 + i as i64 * 86_400 / 4, 0).unwrap();
            let id = Id::from_parts(t, [(i % 256) as u8; 10]);
            let e = Entry::new(
                Kind::Note,
                json!({"title": format!("Visit {i}"), "text": "All well."}),
                id,
                author.clone(),
                t,
            )
            .unwrap();
            EntryView {
                id: id.to_string(),
                date: t,
                clinical: e.clinical_time(),
                category: "general".into(),
                author: who.clone(),
                commit: "c".repeat(40),
                readable: true,
                kind: Some("note".into()),
                summary: Some(e.summary(None)),
                signature: Some(SignatureStatus::Good { signer: who.fingerprint.clone(), time: t }),
                recipients: vec![],
                later_readers: vec![],
                record: Some(e.record.clone()),
                problems: vec![],
                entry: Some(e),
                sealed: false,
                pending: false,
                problem_code: None,
                entered_by: None,
                void: None,
            }
        })
        .collect();
    Snapshot { entries, now: Utc::now(), ..Default::default() }
}

fn main() {
    let mut app = App::new(synthetic(10_000), false);
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut frame = |app: &App| term.draw(|f| hrx::tui::ui::draw(f, app)).map(|_| ()).unwrap();
    frame(&app);
    let t0 = Instant::now();
    let steps = 200;
    for _ in 0..steps {
        app.apply(Action::Down);
        frame(&app);
    }
    println!(
        "scroll, 10,000 entries: {:.2} ms per frame (state + draw, 200x50)",
        t0.elapsed().as_secs_f64() * 1000.0 / steps as f64
    );
    let t0 = Instant::now();
    app.apply(Action::StartSearch);
    for c in "visit 99".chars() {
        app.apply(Action::SearchInput(c));
        frame(&app);
    }
    println!(
        "incremental search, 10,000 entries: {:.2} ms per keystroke (filter + draw)",
        t0.elapsed().as_secs_f64() * 1000.0 / 8.0
    );

    // A real record: what the first frame waits for.
    let n: usize = std::env::var("HRX_BENCH_TUI_N").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
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
    ops::key::generate(&ctx, &NewCert { name: "Bench Patient".into(), ..Default::default() }, None).unwrap();
    ops::init::init(&mut ctx, &record, None).unwrap();
    let items: Vec<_> = (0..n).map(|i| (Kind::Note, json!({"text": format!("entry {i}")}))).collect();
    ops::add::add_many(&mut ctx, items, "hrx: import").unwrap();
    ops::verify::verify(&mut ctx, false, false).unwrap(); // warms the verified-state cache
    let t0 = Instant::now();
    let snap = hrx::tui::load_with(&mut ctx, false);
    let listed = t0.elapsed();
    let t0 = Instant::now();
    let _ = hrx::tui::load(&mut ctx);
    let loaded = t0.elapsed();
    let app = App::new(snap, false);
    let t1 = Instant::now();
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    term.draw(|f| hrx::tui::ui::draw(f, &app)).unwrap();
    println!(
        "first frame, {n} entries: list {:.3} s + draw {:.1} ms; opening every entry (in the background) {:.3} s",
        listed.as_secs_f64(),
        t1.elapsed().as_secs_f64() * 1000.0,
        loaded.as_secs_f64()
    );
    if let Ok(s) = std::fs::read_to_string("/proc/self/status")
        && let Some(l) = s.lines().find(|l| l.starts_with("VmHWM"))
    {
        println!("peak memory (10,000 synthetic + {n} real entries): {}", l.trim_start_matches("VmHWM:").trim());
    }
}
