//! The TUI without a terminal: keys → actions → state, and every view drawn
//! into ratatui's TestBackend and compared with snapshots under
//! `tests/snapshots/` (insta; `INSTA_UPDATE=always` rewrites them).

use chrono::{DateTime, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::app::{App, Request, Snapshot, View};
use super::keymap::{Action, action};
use super::ui::draw;
use crate::crypto::Identity;
use crate::crypto::message::SignatureStatus;
use crate::id::Id;
use crate::model::Reason;
use crate::model::statement::Scope;
use crate::model::{Author, Entry, Kind, Purpose, Right};
use crate::ops::audit::AuditEvent;
use crate::ops::grant::{GrantStatus, GrantView};
use crate::ops::read::{EntryView, Recipient};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn person(name: &str, org: Option<&str>, cc: &str, fpr: char) -> Identity {
    Identity {
        fingerprint: fpr.to_string().repeat(40),
        name: name.into(),
        email: None,
        organisation: org.map(Into::into),
        country: Some(cc.into()),
    }
}

fn entry(n: u8, when: &str, kind: Kind, body: serde_json::Value, by: &Identity, readable: bool) -> EntryView {
    let id = Id::from_parts(t(when), [n; 10]);
    let author = Author {
        fingerprint: by.fingerprint.clone(),
        name: by.name.clone(),
        organisation: by.organisation.clone(),
        country: by.country.clone(),
    };
    let e = Entry::new(kind, body, id, author, t(when)).unwrap();
    EntryView {
        id: id.to_string(),
        date: t(when),
        clinical: if readable { e.clinical_time() } else { None },
        category: e.category.to_string(),
        author: by.clone(),
        commit: "c".repeat(40),
        readable,
        kind: readable.then(|| kind.name().to_string()),
        summary: readable.then(|| e.summary(None)),
        signature: readable.then(|| SignatureStatus::Good { signer: by.fingerprint.clone(), time: t(when) }),
        later_readers: vec![],
        recipients: vec![Recipient {
            key_id: "0123456789ABCDEF".into(),
            fingerprint: Some(by.fingerprint.clone()),
            name: Some(by.name.clone()),
            granted_at: None,
            granted_in: None,
        }],
        record: readable.then(|| e.record.clone()),
        problems: vec![],
        entry: readable.then_some(e),
        sealed: false,
        pending: false,
        problem_code: None,
        entered_by: None,
        void: None,
    }
}

fn snapshot() -> Snapshot {
    let anna = person("Anna Weber", None, "DE", 'A');
    let klein = person("Dr. Klein", Some("Praxis Dr. Klein"), "DE", 'B');
    let lafe = person("Dra. Garcia", Some("Hospital La Fe"), "ES", 'C');
    let roth = person("Dr. Roth", Some("Psychotherapie Roth"), "DE", 'D');
    let entries = vec![
        entry(
            1,
            "2024-05-02T09:00:00Z",
            Kind::Allergy,
            json!({"substance": {"system": "snomed", "code": "764146007", "display": {"en": "Penicillin", "es": "Penicilina"}}, "criticality": "high"}),
            &klein,
            true,
        ),
        entry(
            2,
            "2025-01-10T10:00:00Z",
            Kind::Note,
            json!({"category": "mental-health", "text": "Session 1"}),
            &roth,
            false,
        ),
        entry(
            3,
            "2026-03-01T08:00:00Z",
            Kind::Medication,
            json!({"medication": {"system": "atc", "code": "C09AA05", "display": {"en": "Ramipril"}}}),
            &klein,
            true,
        ),
        entry(
            4,
            "2026-03-05T22:00:00Z",
            Kind::Observation,
            json!({"code": {"system": "loinc", "code": "2160-0", "display": {"en": "Creatinine", "es": "Creatinina"}}, "value": {"value": 1.1, "unit": "mg/dL"}}),
            &lafe,
            true,
        ),
    ];
    let grant =
        |id: u8, who: &Identity, cats: &[&str], until: Option<&str>, status: GrantStatus, purpose: Purpose| GrantView {
            id: Id::from_parts(t("2026-01-01T00:00:00Z"), [id; 10]).to_string(),
            status,
            grantee: who.clone(),
            categories: Scope::Some(cats.iter().map(|c| c.parse().unwrap()).collect()),
            rights: vec![Right::Read, Right::Write],
            purpose,
            role: None,
            from: t("2026-01-01T00:00:00Z"),
            until: until.map(t),
            granted_by: anna.clone(),
            issued_at: t("2026-01-01T00:00:00Z"),
            revoked_at: None,
            include_past: false,
            note: None,
            certificate: "valid",
            encryptable_until: None,
            warning: None,
        };
    let mut grants = vec![
        grant(
            1,
            &klein,
            &["general", "medication"],
            Some("2027-01-01T00:00:00Z"),
            GrantStatus::Active,
            Purpose::Treatment,
        ),
        grant(2, &lafe, &["results"], Some("2026-03-12T00:00:00Z"), GrantStatus::Active, Purpose::Treatment),
        grant(3, &roth, &["mental-health"], None, GrantStatus::Revoked, Purpose::Treatment),
    ];
    // Dr. Garcia's certificate expires within the month.
    grants[1].certificate = "expires-soon";
    grants[1].encryptable_until = Some(t("2026-03-20T00:00:00Z"));
    let ev = |when: &str, by: &Identity, what: &str, emergency: bool| AuditEvent {
        commit: "d".repeat(40),
        time: t(when),
        signer: Some(by.clone()),
        actions: vec![crate::ops::audit::Action { code: "add-entry", text: what.into() }],
        status: crate::ops::audit::Status::Verified,
        emergency,
        problem: None,
        warnings: vec![],
    };
    let ncp = person("Punto de Contacto", Some("Ministerio"), "ES", 'E');
    let audit = vec![
        ev("2024-05-01T09:00:00Z", &anna, "created the record", false),
        ev("2024-05-02T09:00:00Z", &klein, "added entry (allergy)", false),
        ev("2026-03-05T23:00:00Z", &ncp, "EMERGENCY ACCESS to the emergency summary", true),
    ];
    let remotes = vec![crate::ops::sync::RemoteStatus {
        name: "hub".into(),
        url: "git://hub.example.org/anna.git".into(),
        last_head: Some("e".repeat(40)),
        last_head_time: Some(t("2026-03-05T23:00:00Z")),
        ahead: 2,
        behind: 0,
    }];
    Snapshot {
        entries,
        grants,
        audit,
        remotes,
        failure: None,
        now: t("2026-03-06T00:00:00Z"),
        head: "h1".into(),
        warnings: vec![],
        people: vec![
            (klein.name.clone(), klein.fingerprint.clone()),
            (lafe.name.clone(), lafe.fingerprint.clone()),
            (roth.name.clone(), roth.fingerprint.clone()),
        ],
        shares: vec![],
    }
}

fn render(app: &App, w: u16, h: u16) -> String {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| draw(f, app)).unwrap();
    let buf = term.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Compares `got` with the snapshot `tests/snapshots/tui-NAME.snap`
/// (insta: `INSTA_UPDATE=always` writes it anew).
fn snap(name: &str, got: &str) {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("tui-{name}"), got);
    });
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn press(app: &mut App, c: KeyCode) {
    if let Some(a) = action(app, key(c)) {
        app.apply(a);
    }
}

#[test]
fn views_render_at_80x24_and_200x50() {
    let mut app = App::new(snapshot(), true);
    snap("timeline-80x24", &render(&app, 80, 24));
    snap("timeline-200x50", &render(&app, 200, 50));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.view, View::Detail);
    snap("detail-80x24", &render(&app, 80, 24));
    press(&mut app, KeyCode::Char('2'));
    let grants = render(&app, 80, 24);
    // A grantee's certificate that expires within the month is flagged.
    assert!(grants.contains("exp 2026-03-20"), "{grants}");
    snap("grants-80x24", &grants);
    press(&mut app, KeyCode::Char('3'));
    snap("audit-80x24", &render(&app, 80, 24));
    snap("audit-200x50", &render(&app, 200, 50));
    press(&mut app, KeyCode::Char('4'));
    let screen = render(&app, 80, 24);
    assert!(screen.contains("git://hub.example.org/anna.git") && screen.contains("2026-03-05 23:00"), "{screen}");
    snap("sync-80x24", &screen);
    press(&mut app, KeyCode::Char('S'));
    assert_eq!(app.request, Some(Request::Sync), "S asks the event loop to sync in the background");
    app.request = None;
    app.syncing = Some("receiving objects: 3/10".into());
    assert!(render(&app, 80, 24).contains("syncing… receiving objects: 3/10"));
    app.syncing = None;
    press(&mut app, KeyCode::Char('?'));
    snap("help-80x24", &render(&app, 80, 24));
}

#[test]
fn unreadable_empty_and_unverified_records_render_clearly() {
    let mut app = App::new(snapshot(), true);
    // The therapist's note is second newest-but-two: move to it and open it.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert!(!app.current().unwrap().readable);
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Not readable with your keys"), "{screen}");
    snap("unreadable-80x24", &screen);

    let empty = App::new(Snapshot::default(), true);
    let screen = render(&empty, 80, 24);
    assert!(screen.contains("no entries yet"));
    snap("empty-80x24", &screen);

    let failed = Snapshot {
        failure: Some(crate::verify::Failure {
            commit: Some("0123456789abcdef".repeat(2)),
            code: Reason::Modified,
            reason: "modifies entries/x".into(),
        }),
        ..Default::default()
    };
    let mut app = App::new(failed, true);
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("does not verify") && screen.contains("0123456789ab") && screen.contains("modifies entries/x"),
        "{screen}"
    );
    snap("unverified-80x24", &screen);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.view, View::Timeline, "nothing of an unverified record is browsable");
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn keys_drive_the_state() {
    let mut app = App::new(snapshot(), false);
    // Newest first.
    assert_eq!(app.current().unwrap().kind.as_deref(), Some("observation"));
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected, 1);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.selected, 0, "the cursor stops at the top");
    press(&mut app, KeyCode::End);
    assert_eq!(app.selected, 3);
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(app.selected, 3, "and at the bottom");
    // Jump by year: from 2024 to the newest entry of 2025, then 2026.
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(app.current().unwrap().date.format("%Y").to_string(), "2025");
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(app.current().unwrap().date.format("%Y").to_string(), "2026");
    press(&mut app, KeyCode::Char('['));
    assert_eq!(app.current().unwrap().date.format("%Y").to_string(), "2025");
    // Incremental search over what the user can read.
    press(&mut app, KeyCode::Char('/'));
    for c in "ramip".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    assert_eq!(app.timeline().len(), 1);
    assert_eq!(app.current().unwrap().summary.as_deref(), Some("Ramipril"));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit, "q is a letter while typing a search");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.search, "rami");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.timeline().len(), 4, "Esc clears the search");
    // Searching by country finds the hospital's entry.
    press(&mut app, KeyCode::Char('/'));
    for c in "ES".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert!(app.timeline().iter().all(|e| e.author.country.as_deref() == Some("ES")));
    // Field filters: kind, category, author, country, date range.
    let count = |app: &mut App, q: &str| {
        app.search = q.into();
        app.timeline().len()
    };
    assert_eq!(count(&mut app, "kind:allergy"), 1);
    assert_eq!(count(&mut app, "cat:results"), 1);
    assert_eq!(count(&mut app, "author:klein"), 2);
    assert_eq!(count(&mut app, "author:praxis"), 2, "organisations match too");
    assert_eq!(count(&mut app, "country:de"), 3);
    assert_eq!(count(&mut app, "from:2025 to:2025"), 1);
    assert_eq!(count(&mut app, "from:2026-03-02"), 1);
    assert_eq!(count(&mut app, "to:2024-12"), 1);
    assert_eq!(count(&mut app, "country:de kind:medication ramipril"), 1);
    assert_eq!(count(&mut app, "country:de kind:medication aspirin"), 0);
    // Odd input never panics.
    assert_eq!(count(&mut app, "from:2025-01-01ééé"), 0);
    assert_eq!(count(&mut app, "from:ééééééé"), 0);
    app.search.clear();
    // Language switch changes the displays shown.
    press(&mut app, KeyCode::Esc);
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('l'));
    }
    assert_eq!(app.lang(), "es");
    let screen = render(&app, 100, 24);
    assert!(screen.contains("Creatinina"), "{screen}");
    // Screens, help, quit.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.view, View::Grants);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.view, View::Audit);
    press(&mut app, KeyCode::Char('?'));
    assert!(app.help);
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
    assert_eq!(action(&app, KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
}

#[test]
fn colours_mark_expiry_revocation_and_emergencies() {
    let mut app = App::new(snapshot(), false);
    press(&mut app, KeyCode::Char('2'));
    let mut term = Terminal::new(TestBackend::new(120, 24)).unwrap();
    term.draw(|f| draw(f, &app)).unwrap();
    let buf = term.backend().buffer().clone();
    let row_of = |needle: &str| {
        (0..24u16)
            .find(|&y| (0..120u16).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().contains(needle))
            .unwrap()
    };
    let y = row_of("expiring");
    assert_eq!(buf[(5, y)].fg, ratatui::style::Color::Yellow, "expires within 14 days");
    let y = row_of("revoked");
    assert_eq!(buf[(5, y)].fg, ratatui::style::Color::DarkGray);
    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Down); // the selection highlight would hide the row's own colour
    term.draw(|f| draw(f, &app)).unwrap();
    let buf = term.backend().buffer().clone();
    let y = (0..24u16)
        .find(|&y| (0..120u16).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().contains("EMERGENCY"))
        .unwrap();
    assert_eq!(buf[(3, y)].fg, ratatui::style::Color::Red);
    // NO_COLOR: no colours at all.
    let plain = App::new(snapshot(), true);
    let mut term = Terminal::new(TestBackend::new(120, 24)).unwrap();
    term.draw(|f| draw(f, &plain)).unwrap();
    assert!(term.backend().buffer().content().iter().all(|c| c.fg == ratatui::style::Color::Reset));
}

#[test]
fn a_grant_and_a_revocation_are_asked_for_and_confirmed() {
    let mut app = App::new(snapshot(), true);
    press(&mut app, KeyCode::Char('a'));
    assert!(app.form.is_none(), "adding is offered on the grants screen");
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('a'));
    assert!(app.form.is_some());
    // The grantee by name: a part of it picks the one certificate.
    for c in "garc".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    assert!(render(&app, 120, 24).contains("→ Dra. Garcia (CCCCCCCCCCCCCCCC)"), "{}", render(&app, 120, 24));
    press(&mut app, KeyCode::Enter);
    for (answer, _) in [("general,results", 1), ("read,write", 2), ("2026-04-01", 3)] {
        for c in answer.chars() {
            press(&mut app, KeyCode::Char(c));
        }
        press(&mut app, KeyCode::Enter);
    }
    let screen = render(&app, 100, 24);
    assert!(
        screen.contains(
            "Confirm (y/n): Grant Dra. Garcia (CCCCCCCCCCCCCCCC) read,write on general,results until 2026-04-01?"
        ),
        "{screen}"
    );
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit && app.form.is_some(), "q is not quit while confirming");
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(
        app.request,
        Some(Request::Grant {
            grantee: "C".repeat(40),
            categories: "general,results".into(),
            rights: "read,write".into(),
            until: Some("2026-04-01".into())
        })
    );
    // Revoking the grant under the cursor; n cancels, y confirms.
    app.request = None;
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('x'));
    assert!(render(&app, 100, 24).contains("Revoke grant"), "asks first");
    press(&mut app, KeyCode::Char('n'));
    assert!(app.form.is_none() && app.request.is_none());
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.request, Some(Request::Revoke { id: app.snapshot.grants[1].id.clone() }));
}

#[test]
fn a_long_timeline_keeps_the_cursor_on_screen() {
    let who = person("Dr. Klein", None, "DE", 'B');
    let entries = (0..60u8)
        .map(|i| {
            let when = format!("20{:02}-01-01T00:00:00Z", 10 + i / 4);
            entry(i, &when, Kind::Note, json!({"title": format!("Visit {i}"), "text": "ok"}), &who, true)
        })
        .collect();
    let mut app = App::new(Snapshot { entries, ..Default::default() }, true);
    assert!(render(&app, 80, 24).contains("Visit 59"), "newest first");
    press(&mut app, KeyCode::End);
    let screen = render(&app, 80, 24);
    assert!(screen.contains("Visit 0"), "the oldest entry is on screen: {screen}");
    assert!(!screen.contains("Visit 59"), "scrolled down: {screen}");
    press(&mut app, KeyCode::PageUp);
    press(&mut app, KeyCode::PageUp);
    let screen = render(&app, 80, 24);
    assert!(screen.contains(&format!("Visit {}", 59 - app.selected)), "the selected entry is on screen: {screen}");
}

#[test]
fn entries_listed_first_are_filled_in_as_they_are_opened() {
    let full = snapshot();
    // The first frame: metadata only.
    let pending: Vec<EntryView> = full
        .entries
        .iter()
        .map(|e| EntryView {
            readable: false,
            clinical: None,
            kind: None,
            summary: None,
            signature: None,
            record: None,
            entry: None,
            pending: true,
            problem_code: None,
            recipients: vec![],
            problems: vec![],
            ..clone_view(e)
        })
        .collect();
    let mut app = App::new(Snapshot { entries: pending, head: "h1".into(), ..snapshot() }, true);
    assert_eq!(app.opening(), 4);
    let screen = render(&app, 100, 24);
    assert!(screen.contains("(opening…)") && screen.contains("opening entries… 4 to go"), "{screen}");
    // A batch for another head (the record moved meanwhile) is ignored.
    app.opened("h0", 0, full.entries.iter().map(clone_view).collect());
    assert_eq!(app.opening(), 4);
    // The real batch fills the rows in, and search sees the new text.
    app.opened("h1", 2, full.entries[2..].iter().map(clone_view).collect());
    assert_eq!(app.opening(), 2);
    app.search = "creatinine".into();
    assert_eq!(app.timeline().len(), 1);
}

fn clone_view(e: &EntryView) -> EntryView {
    EntryView {
        id: e.id.clone(),
        date: e.date,
        clinical: e.clinical.clone(),
        category: e.category.clone(),
        author: e.author.clone(),
        commit: e.commit.clone(),
        readable: e.readable,
        kind: e.kind.clone(),
        summary: e.summary.clone(),
        signature: e.signature.clone(),
        recipients: vec![],
        later_readers: vec![],
        record: e.record.clone(),
        problems: e.problems.clone(),
        entry: e.entry.clone(),
        sealed: e.sealed,
        pending: e.pending,
        problem_code: None,
        entered_by: None,
        void: e.void.clone(),
    }
}

#[test]
fn the_detail_view_shows_the_fhir_original() {
    let who = person("Dra. Garcia", Some("Hospital La Fe"), "ES", 'C');
    let body = json!({
        "substance": {"system": "snomed", "code": "764146007", "display": {"en": "Penicillin"}},
        "source": {"system": "fhir", "reference": "AllergyIntolerance/a1", "original": "{\"resourceType\":\"AllergyIntolerance\",\"id\":\"a1\"}"}
    });
    let e = entry(9, "2026-03-05T22:00:00Z", Kind::Allergy, body, &who, true);
    let mut app = App::new(Snapshot { entries: vec![e], ..Default::default() }, true);
    press(&mut app, KeyCode::Enter);
    assert!(!render(&app, 100, 40).contains("FHIR original:"), "the reading first");
    press(&mut app, KeyCode::Char('y'));
    let screen = render(&app, 100, 40);
    assert!(
        screen.contains("FHIR original:") && screen.contains("\"resourceType\": \"AllergyIntolerance\""),
        "{screen}"
    );
}

/// Issues 12 and 17: the detail view says who entered an entry (the
/// patient, or a clinician and in which role), and who may read it later
/// (a wrap of its key appended after it), as `hrx show` does.
#[test]
fn the_detail_view_says_who_entered_an_entry_and_who_reads_it_later() {
    let who = person("Dr. Klein", Some("Praxis Dr. Klein"), "DE", 'B');
    let body = json!({
        "substance": {"system": "snomed", "code": "764146007", "display": {"en": "Penicillin"}},
        "attributed": [{"role": "recorder", "party": "practitioner", "name": "Dra. Lucía Ruiz",
                        "organization": "Hospital Clínico", "qualification": {"text": "Dermatology"}}]
    });
    let mut e = entry(9, "2026-03-05T22:00:00Z", Kind::Allergy, body, &who, true);
    e.entered_by = Some(crate::model::entry::EnteredBy::Clinician);
    e.later_readers = vec![Recipient {
        key_id: String::new(),
        fingerprint: Some("E".repeat(40)),
        name: Some("Hospital La Fe".into()),
        granted_at: Some(t("2026-03-04T10:00:00Z")),
        granted_in: Some("e".repeat(40)),
    }];
    let mut app = App::new(Snapshot { entries: vec![e], ..Default::default() }, true);
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 120, 40);
    assert!(screen.contains("entered by a clinician"), "{screen}");
    assert!(screen.contains("recorder   Dra. Lucía Ruiz (practitioner, Hospital Clínico; Dermatology)"), "{screen}");
    assert!(
        screen.contains("later      Hospital La Fe since 2026-03-04 (its key wrapped for them after it was written)"),
        "{screen}"
    );
}

#[test]
fn grants_screen_warns_about_the_users_own_key() {
    let warning = "your key expires on 2026-03-21 (15 days): extend it with `hrx key extend --for 2y`";
    let mut app = App::new(Snapshot { warnings: vec![warning.into()], ..snapshot() }, true);
    app.apply(Action::Show(View::Grants));
    let screen = render(&app, 120, 24);
    assert!(screen.contains("! your key expires on 2026-03-21"), "{screen}");
    // The table still lists every grant below it.
    assert!(screen.contains("Grants ("), "{screen}");
}

/// Issue 12: the timeline is in the order things happened (an imported
/// 2015 diagnosis below a note written today though both were recorded
/// today), year jumps and `from:`/`to:` go by it, and when entries opened
/// in the background move, the selected entry stays selected.
#[test]
fn the_timeline_is_in_clinical_time_and_keeps_the_selection_as_entries_open() {
    let klein = person("Dr. Klein", Some("Praxis Dr. Klein"), "DE", 'B');
    let code = |c: &str, d: &str| json!({"system": "snomed", "code": c, "display": {"en": d}});
    let entries = vec![
        entry(
            1,
            "2026-03-01T08:00:00Z",
            Kind::Condition,
            json!({"code": code("38341003", "Hypertension"), "effective": "2015"}),
            &klein,
            true,
        ),
        entry(
            2,
            "2026-03-01T08:00:01Z",
            Kind::Immunization,
            json!({"vaccine": code("871751006", "Hepatitis A"), "effective": "2017-06-01"}),
            &klein,
            true,
        ),
        entry(3, "2026-03-02T08:00:00Z", Kind::Note, json!({"text": "seen today"}), &klein, true),
        entry(4, "2026-03-02T09:00:00Z", Kind::Note, json!({"text": "measles", "effective": "1992"}), &klein, true),
    ];
    let full = Snapshot { entries, head: "h1".into(), ..snapshot() };
    let mut app =
        App::new(Snapshot { entries: full.entries.iter().map(clone_view).collect(), ..snapshot_like(&full) }, true);
    let order = |app: &App| app.timeline().iter().map(|e| e.summary.clone().unwrap()).collect::<Vec<_>>();
    assert_eq!(order(&app), ["seen today", "Hepatitis A", "Hypertension", "measles"]);
    let screen = render(&app, 100, 12);
    assert!(screen.contains("2015 ") && screen.contains("2017-06-01") && screen.contains("1992 "), "{screen}");
    // Year jumps go by when things happened.
    press(&mut app, KeyCode::Char('['));
    assert_eq!(app.current().unwrap().summary.as_deref(), Some("Hepatitis A"));
    press(&mut app, KeyCode::Char('['));
    assert_eq!(app.current().unwrap().summary.as_deref(), Some("Hypertension"));
    let count = |app: &mut App, q: &str| {
        app.search = q.into();
        app.timeline().len()
    };
    assert_eq!(count(&mut app, "from:2015-06 to:2015"), 1);
    assert_eq!(count(&mut app, "to:1999"), 1);
    assert_eq!(count(&mut app, "from:2016"), 2);
    app.search.clear();
    // Listed before opening (by recorded time), then opened: the selection
    // follows its entry to its new place.
    let pending: Vec<EntryView> =
        full.entries.iter().map(|e| EntryView { clinical: None, pending: true, ..clone_view(e) }).collect();
    let mut app = App::new(Snapshot { entries: pending, ..snapshot_like(&full) }, true);
    press(&mut app, KeyCode::End);
    let chosen = app.current().unwrap().id.clone();
    assert_eq!(chosen, full.entries[0].id, "the oldest recorded is last before opening");
    app.opened("h1", 0, full.entries.iter().map(clone_view).collect());
    assert_eq!(app.current().unwrap().id, chosen, "the selection moved to another entry");
    assert_eq!(app.selected, 2, "Hypertension (2015) is third, newest first");
}

fn snapshot_like(s: &Snapshot) -> Snapshot {
    Snapshot { entries: vec![], head: s.head.clone(), ..snapshot() }
}

/// Issue 17, item 8: a grantee named ambiguously, or by a name no known
/// certificate has, is not taken: the form stays on the question and says
/// why.
#[test]
fn a_grantee_is_picked_by_name_or_the_form_says_why_not() {
    let mut app = App::new(snapshot(), true);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('a'));
    for c in "dr".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    let f = app.form.as_ref().unwrap();
    assert_eq!(f.answers.len(), 1, "still the first question");
    assert!(app.message.as_deref().unwrap().contains("3 certificates match \"dr\""), "{:?}", app.message);
    for _ in 0..2 {
        press(&mut app, KeyCode::Backspace);
    }
    for c in "nobody".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert!(app.message.as_deref().unwrap().contains("import it first"), "{:?}", app.message);
    // A fingerprint's start works too.
    for _ in 0.."nobody".len() {
        press(&mut app, KeyCode::Backspace);
    }
    for c in "DDDDDDDD".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    let f = app.form.as_ref().unwrap();
    assert_eq!(
        (f.answers[0].as_str(), f.grantee.as_deref()),
        ("DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD", Some("Dr. Roth"))
    );
}

/// Issue 17, item 8: an entry reads as a clinician reads it (criticality
/// first, coded terms with their system and code), the raw YAML on `y`;
/// grant and audit rows open in full on Enter; counts say "1 entry"; a
/// message does not follow the user to other screens.
#[test]
fn entries_grants_and_commits_open_as_a_reader_needs_them() {
    let mut app = App::new(snapshot(), true);
    // The allergy (newest first: find it).
    while app.current().is_some_and(|e| e.kind.as_deref() != Some("allergy")) {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 100, 30);
    let crit = screen.find("criticality          high").unwrap_or_else(|| panic!("{screen}"));
    let subst =
        screen.find("substance            Penicillin [SNOMED CT 764146007]").unwrap_or_else(|| panic!("{screen}"));
    assert!(crit < subst, "criticality first: {screen}");
    assert!(!screen.contains("criticality: high"), "not the YAML: {screen}");
    press(&mut app, KeyCode::Char('y'));
    assert!(render(&app, 100, 30).contains("criticality: high"), "the YAML on y");
    press(&mut app, KeyCode::Esc);

    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 120, 30);
    let g = &app.snapshot.grants[0];
    assert!(
        screen.contains(" Grant (Esc: back) ") && screen.contains(&g.id) && screen.contains(&g.grantee.fingerprint),
        "{screen}"
    );
    press(&mut app, KeyCode::Esc);
    assert!(render(&app, 120, 30).contains("Grants ("), "back to the list");

    press(&mut app, KeyCode::Char('3'));
    press(&mut app, KeyCode::Enter);
    let screen = render(&app, 120, 30);
    let newest = app.snapshot.audit.last().unwrap();
    assert!(screen.contains(" Commit (Esc: back) ") && screen.contains(&newest.commit), "{screen}");
    assert!(screen.contains(&format!("{:<18} {}", newest.actions[0].code, newest.actions[0].text)), "{screen}");

    // Plurals, and a message only until the next screen.
    let one = Snapshot { entries: vec![clone_view(&app.snapshot.entries[0])], ..snapshot() };
    let mut app = App::new(one, true);
    assert!(render(&app, 100, 20).contains(" Timeline (1 entry) "), "{}", render(&app, 100, 20));
    app.message = Some("granted: 01ABC".into());
    assert!(render(&app, 100, 20).contains("granted: 01ABC"));
    press(&mut app, KeyCode::Char('2'));
    assert!(!render(&app, 100, 20).contains("granted: 01ABC"), "the message stays behind");
}

/// A share as `hrx share list` gives it.
fn a_share(id: &str, label: &str, expires: &str, revoked: Option<&str>) -> crate::ops::share::Share {
    serde_json::from_value(json!({
        "id": id, "record": "a".repeat(40), "by": "A".repeat(40), "created": "2026-03-05T10:00:00Z",
        "expires": expires, "revoked": revoked, "label": label, "flag": "U",
        "url": "https://files.example.org/shl/x", "file": "/srv/shl/x", "lang": "es",
        "categories": null, "resources": 9,
    }))
    .unwrap()
}

#[test]
fn shares_are_listed_and_only_a_live_one_is_drawn_as_a_qr_code() {
    let mut s = snapshot();
    s.shares = vec![
        a_share("0123456789ab", "Summary for La Fe", "2026-03-12T00:00:00Z", None),
        a_share("ba9876543210", "An old link", "2026-03-12T00:00:00Z", Some("2026-03-05T12:00:00Z")),
        a_share("cccccccccccc", "Last year's", "2026-03-01T00:00:00Z", None),
    ];
    let mut app = App::new(s, true);
    press(&mut app, KeyCode::Char('5'));
    assert_eq!(app.view, View::Shares);
    snap("shares-80x24", &render(&app, 80, 24));
    // The live one asks the event loop for its link.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.request, Some(Request::ShareQr { id: "0123456789ab".into() }));
    app.request = None;
    // A revoked or ended one says so, and asks nothing.
    for (row, says) in [(1, "is revoked"), (2, "is expired")] {
        app.share_selected = row;
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.request, None);
        assert!(app.message.as_deref().unwrap().contains(says), "{:?}", app.message);
    }
    // The code over the whole screen; too small a terminal says how big.
    app.qr = Some(("Summary for La Fe (until 2026-03-12 00:00 UTC)".into(), format!("shlink:/{}", "A".repeat(280))));
    let big = render(&app, 100, 50);
    assert!(big.contains("any key goes back") && big.contains('█') && !big.contains("Shares ("), "{big}");
    let small = render(&app, 80, 24);
    assert!(small.contains("needs a terminal of at least"), "{small}");
    // Any key puts it away.
    press(&mut app, KeyCode::Char('j'));
    assert!(app.qr.is_none());
    assert_eq!(app.view, View::Shares);
}
