//! Drawing: one function per screen, all from the [`App`] state.

use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Wrap};

use super::app::{App, View};
use super::keymap::HELP;
use crate::crypto::message::SignatureStatus;
use crate::model::statement::Scope;
use crate::model::text::printable;
use crate::ops::grant::GrantStatus;

fn style(app: &App, color: Color) -> Style {
    if app.no_color { Style::default() } else { Style::default().fg(color) }
}

fn selected(app: &App) -> Style {
    if app.no_color {
        Style::default().add_modifier(Modifier::REVERSED)
    } else {
        Style::default().bg(Color::Blue).fg(Color::White)
    }
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1)]).areas(f.area());
    let tab = |name: &str, on: bool| {
        let s = if on { Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED) } else { Style::default() };
        Span::styled(format!(" {name} "), s)
    };
    let v = app.view;
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw("hrx "),
            tab("1 Timeline", matches!(v, View::Timeline | View::Detail)),
            tab("2 Grants", v == View::Grants),
            tab("3 Audit", v == View::Audit),
            tab("4 Sync", v == View::Sync),
            tab("5 Shares", v == View::Shares),
            Span::raw(format!("  lang:{}", app.lang())),
        ])),
        top,
    );
    if let Some(fail) = &app.snapshot.failure {
        let commit =
            fail.commit.as_deref().map(|c| format!("commit {}\n\n", &c[..12.min(c.len())])).unwrap_or_default();
        let p = Paragraph::new(format!(
            "This record does not verify.\n\n{commit}{}\n\nNothing of it is shown: obtain the record again from a source you trust.\n(reason code: {})",
            fail.reason, fail.code
        ))
        .wrap(Wrap { trim: true })
        .style(style(app, Color::Red))
        .block(Block::default().borders(Borders::ALL).title(" Not verified "));
        f.render_widget(p, body);
    } else {
        match app.view {
            View::Timeline => timeline(f, app, body),
            View::Detail => detail(f, app, body),
            View::Grants => grants(f, app, body),
            View::Audit => audit(f, app, body),
            View::Sync => sync(f, app, body),
            View::Shares => shares(f, app, body),
        }
    }
    let status = match (&app.form, &app.typing) {
        // The question first: on a narrow screen the details may be cut.
        (Some(f), _) if f.confirming() => format!("Confirm (y/n): {}", f.summary()),
        (Some(f), _) if f.secret => {
            format!(
                "{}: {}_   (Enter unlocks, Esc browses without your key)",
                f.questions[0],
                "*".repeat(f.answers[0].chars().count())
            )
        }
        (Some(f), _) if f.is_grant() && f.answers.len() == 1 => {
            // Who the name typed so far picks, or why none yet.
            let typed = &f.answers[0];
            let hint = match crate::tui::app::pick(&app.snapshot.people, typed) {
                Ok((name, fpr)) => format!("{name} ({})", &fpr[..fpr.len().min(16)]),
                Err(_) if typed.is_empty() => {
                    app.snapshot.people.iter().map(|(n, _)| n.as_str()).take(5).collect::<Vec<_>>().join(", ")
                }
                Err(why) => why,
            };
            format!("{}: {typed}_   → {hint}   (Enter next, Esc cancel)", f.questions[0])
        }
        (Some(f), _) => format!(
            "{}: {}_   (Enter next, Esc cancel)",
            f.questions[f.answers.len() - 1],
            f.answers.last().map(String::as_str).unwrap_or("")
        ),
        (None, _) if app.syncing.is_some() => format!("syncing… {}", app.syncing.as_deref().unwrap_or("")),
        (None, None) if app.opening() > 0 => format!("opening entries… {} to go   ? help  q quit", app.opening()),
        (None, t) => status_line(app, t),
    };
    f.render_widget(Paragraph::new(status), bottom);
    if app.help {
        help(f);
    }
    if let Some((title, link)) = &app.qr {
        qr(f, title, link);
    }
}

/// The links this device made, and where each stands.
fn shares(f: &mut Frame, app: &App, area: Rect) {
    if app.snapshot.shares.is_empty() {
        f.render_widget(
            Paragraph::new(
                "No shares of this record on this device. Make one with: hrx share ips --files DIR --url URL",
            )
            .wrap(Wrap { trim: true })
            .block(Block::default().borders(Borders::ALL).title(" Shares ")),
            area,
        );
        return;
    }
    let now = app.snapshot.now;
    let rows: Vec<Row> = app
        .snapshot
        .shares
        .iter()
        .map(|s| {
            let status = s.status(now);
            let st = format!("{status:?}").to_lowercase();
            let row = Row::new(vec![
                s.id.clone(),
                st,
                s.created.format("%Y-%m-%d %H:%M").to_string(),
                s.expires.map(|e| e.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "never".into()),
                s.label.as_deref().map(|l| printable(l).into_owned()).unwrap_or_default(),
            ]);
            if status == crate::ops::share::Status::Active { row } else { row.style(style(app, Color::DarkGray)) }
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Length(16),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new(vec!["share", "status", "made", "ends", "label"]).style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected(app))
    .block(Block::default().borders(Borders::ALL).title(" Shares (Enter: show the QR code) "));
    let mut state = TableState::default().with_selected(Some(app.share_selected));
    f.render_stateful_widget(table, area, &mut state);
}

/// A link's QR code over the whole screen, white on black whatever the
/// terminal's colours, for a clinician to scan from the patient's laptop.
fn qr(f: &mut Frame, title: &str, link: &str) {
    let area = f.area();
    f.render_widget(Clear, area);
    let code = match crate::qr::encode(link, "the link") {
        Ok(c) => c,
        Err(e) => {
            f.render_widget(Paragraph::new(e.to_string()), area);
            return;
        }
    };
    let drawn = crate::qr::blocks(&code, crate::qr::Ink::Screen { ansi: false });
    let lines: Vec<&str> = drawn.lines().collect();
    let (w, h) = (lines.first().map_or(0, |l| l.chars().count()) as u16, lines.len() as u16);
    if w > area.width || h + 2 > area.height {
        f.render_widget(
            Paragraph::new(format!(
                "The QR code needs a terminal of at least {w} columns and {} lines (this one is {}x{}): enlarge it, or print it with hrx share show ID --qr FILE.png. Any key goes back.",
                h + 2,
                area.width,
                area.height
            ))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let x = area.x + (area.width - w) / 2;
    let y = area.y + (area.height - h - 2) / 2;
    f.render_widget(
        Paragraph::new(printable(title).into_owned()).alignment(ratatui::layout::Alignment::Center),
        Rect { x: area.x, y, width: area.width, height: 1 },
    );
    let ink = Style::default().fg(Color::White).bg(Color::Black);
    let text: Vec<Line> = lines.iter().map(|l| Line::from(Span::styled(l.to_string(), ink))).collect();
    f.render_widget(Paragraph::new(text), Rect { x, y: y + 1, width: w, height: h });
    f.render_widget(
        Paragraph::new("any key goes back").alignment(ratatui::layout::Alignment::Center),
        Rect { x: area.x, y: y + 1 + h, width: area.width, height: 1 },
    );
}

fn status_line(app: &App, typing: &Option<String>) -> String {
    if let Some(m) = &app.message
        && typing.is_none()
    {
        return format!("{m}   ? help  q quit");
    }
    match typing {
        Some(t) => format!("/{t}"),
        None if !app.search.is_empty() => format!("search: {}  (Esc clears)   ? help  q quit", app.search),
        None => "? help  Enter open  / search  Tab screens  q quit".to_string(),
    }
}

fn who(name: &str, org: &Option<String>, country: &Option<String>) -> String {
    match (org, country) {
        (Some(o), Some(c)) => format!("{name} ({o}, {c})"),
        (None, Some(c)) => format!("{name} ({c})"),
        (Some(o), None) => format!("{name} ({o})"),
        _ => name.to_string(),
    }
}

fn timeline(f: &mut Frame, app: &App, area: Rect) {
    let tl = app.timeline();
    if tl.is_empty() {
        let msg =
            if app.search.is_empty() { "This record has no entries yet." } else { "No entry matches the search." };
        f.render_widget(Paragraph::new(msg).block(Block::default().borders(Borders::ALL).title(" Timeline ")), area);
        return;
    }
    // Only the rows on screen are built: a long record costs no more per frame.
    let height = area.height.saturating_sub(3).max(1) as usize;
    let offset = app.selected.saturating_sub(height - 1);
    let rows: Vec<Row> = tl
        .iter()
        .skip(offset)
        .take(height)
        .map(|e| {
            let (what, st) = if e.readable {
                let summary =
                    e.entry.as_ref().map(|x| x.summary(Some(app.lang()))).or(e.summary.clone()).unwrap_or_default();
                (summary, Style::default())
            } else if e.pending {
                ("(opening…)".to_string(), style(app, Color::DarkGray))
            } else if e.sealed {
                ("(sealed: emergency access only)".to_string(), style(app, Color::Yellow))
            } else {
                (
                    "(not readable with your keys)".to_string(),
                    style(app, Color::DarkGray).add_modifier(Modifier::ITALIC),
                )
            };
            Row::new(vec![
                e.when_text(),
                e.kind.clone().unwrap_or_else(|| "-".into()),
                e.category.clone(),
                what,
                // Narrow screens: name and country; the organisation is in the detail view.
                if area.width < 120 {
                    who(&e.author.name, &None, &e.author.country)
                } else {
                    who(&e.author.name, &e.author.organisation, &e.author.country)
                },
            ])
            .style(st)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(13),
            Constraint::Fill(2),
            Constraint::Fill(1),
        ],
    )
    .header(
        Row::new(vec!["date", "kind", "category", "entry", "author"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected(app))
    .block(
        Block::default().borders(Borders::ALL).title(format!(" Timeline ({}) ", plural(tl.len(), "entry", "entries"))),
    );
    let mut state = TableState::default().with_selected(Some(app.selected - offset));
    f.render_stateful_widget(table, area, &mut state);
}

fn detail(f: &mut Frame, app: &App, area: Rect) {
    let Some(e) = app.current() else { return };
    let mut lines: Vec<Line> = vec![
        Line::from(format!("entry      {}", e.id)),
        Line::from(format!("recorded   {}", e.date.format("%Y-%m-%d %H:%M UTC"))),
        Line::from(format!("category   {}", e.category)),
        Line::from(format!("author     {}", who(&e.author.name, &e.author.organisation, &e.author.country))),
    ];
    if let Some(c) = &e.clinical {
        lines.insert(1, Line::from(format!("happened   {c}")));
    }
    match &e.signature {
        Some(SignatureStatus::Good { signer, time }) => lines.push(Line::styled(
            format!("signature  good, by {} at {}", &signer[..16], time.format("%Y-%m-%d %H:%M")),
            style(app, Color::Green),
        )),
        Some(other) => lines.push(Line::styled(format!("signature  NOT GOOD: {other:?}"), style(app, Color::Red))),
        None => {}
    }
    for r in &e.recipients {
        lines.push(Line::from(format!(
            "readers    {}",
            r.name.clone().unwrap_or_else(|| format!("unknown key {}", r.key_id))
        )));
    }
    for r in &e.later_readers {
        lines.push(Line::from(format!(
            "later      {}{} (its key wrapped for them after it was written)",
            r.name.clone().unwrap_or_else(|| r.fingerprint.clone().unwrap_or_else(|| r.key_id.clone())),
            r.granted_at.map(|t| format!(" since {}", t.format("%Y-%m-%d"))).unwrap_or_default()
        )));
    }
    if let Some(by) = e.entered_by {
        lines.push(Line::from(format!("entered by {}", by.describe())));
    }
    for a in e.entry.iter().flat_map(|en| en.record.get("attributed").and_then(serde_json::Value::as_array)).flatten() {
        lines.push(Line::from(format!(
            "{:<10} {}",
            a["role"].as_str().unwrap_or("by"),
            crate::model::text::printable(&crate::model::entry::party_text(a))
        )));
    }
    if let Some(why) = &e.void {
        lines.push(Line::styled(
            format!("VOID       counts for nothing: {}", crate::model::text::printable(why)),
            style(app, Color::Red),
        ));
    }
    for p in &e.problems {
        lines.push(Line::styled(format!("WARNING    {}", crate::model::text::printable(p)), style(app, Color::Red)));
    }
    lines.push(Line::from(""));
    match &e.entry {
        Some(entry) if !app.raw => {
            // As a clinician reads it: what it is, what matters first
            // (criticality, status), coded terms with system and code.
            let lang = app.lang();
            lines.push(Line::styled(
                crate::model::text::printable(&entry.summary(Some(lang))).into_owned(),
                Style::default().add_modifier(Modifier::BOLD),
            ));
            for r in crate::model::entry::reading(&entry.record, Some(lang)) {
                let text = format!("{:<20} {}", r.label, crate::model::text::printable(&r.value));
                lines.push(if r.alert {
                    Line::styled(text, style(app, Color::Red).add_modifier(Modifier::BOLD))
                } else {
                    Line::from(text)
                });
            }
            if entry.record.get("attachment").is_some() {
                lines.push(Line::from("attachment           (press s to save it)"));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled("y: the record as YAML", style(app, Color::DarkGray)));
        }
        Some(entry) => {
            let mut shown = entry.record.clone();
            if let Some(o) = shown.get_mut("source").and_then(|s| s.as_object_mut())
                && o.contains_key("original")
            {
                o.insert("original".into(), serde_json::json!("(shown below)"));
            }
            if let Some(a) = shown.get_mut("attachment").and_then(|s| s.as_object_mut())
                && a.contains_key("data")
            {
                a.insert("data".into(), serde_json::json!("(the attached file: press s to save it)"));
            }
            for l in serde_yaml_ng::to_string(&shown).unwrap_or_default().lines() {
                lines.push(Line::from(crate::model::text::printable(l).into_owned()));
            }
            // The FHIR resource it was imported from, as it arrived.
            if let Some(orig) = entry.record.get("source").and_then(|s| s.get("original")).and_then(|o| o.as_str()) {
                lines.push(Line::from(""));
                lines.push(Line::styled("FHIR original:", Style::default().add_modifier(Modifier::BOLD)));
                let pretty = serde_json::from_str::<serde_json::Value>(orig)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or_else(|| orig.to_string());
                lines.extend(pretty.lines().map(|l| Line::from(crate::model::text::printable(l).into_owned())));
            }
        }
        None if e.pending => lines.push(Line::from("Opening… (entries are decrypted in the background)")),
        None if e.sealed => {
            lines.push(Line::from("Sealed: readable only through emergency access (hrx emergency open)."))
        }
        None => lines.push(Line::from("Not readable with your keys: it is not encrypted to you.")),
    }
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((app.detail_scroll, 0)).block(
            Block::default().borders(Borders::ALL).title(if app.raw {
                " Entry as YAML (y: the reading, Esc: back) "
            } else {
                " Entry (y: YAML, Esc: back) "
            }),
        ),
        area,
    );
}

/// `n` and the noun, singular for one.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A row of the grants or audit screen in full, wrapped.
fn in_full(f: &mut Frame, app: &App, area: Rect, title: &str, lines: Vec<String>) {
    let lines: Vec<Line> =
        lines.into_iter().map(|l| Line::from(crate::model::text::printable(&l).into_owned())).collect();
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll, 0))
            .block(Block::default().borders(Borders::ALL).title(format!(" {title} (Esc: back) "))),
        area,
    );
}

fn grant_in_full(f: &mut Frame, app: &App, area: Rect) {
    let Some(g) = app.snapshot.grants.get(app.grant_selected) else { return };
    let cats = match &g.categories {
        Scope::All(_) => "all".to_string(),
        Scope::Some(cs) => cs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", "),
    };
    let day = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|u| u.format("%Y-%m-%d %H:%M UTC").to_string());
    let mut lines = vec![
        format!("grant        {}", g.id),
        format!("status       {}", format!("{:?}", g.status).to_lowercase()),
        format!(
            "grantee      {} ({})",
            who(&g.grantee.name, &g.grantee.organisation, &g.grantee.country),
            g.grantee.fingerprint
        ),
        format!(
            "rights       {}",
            g.rights.iter().map(|r| format!("{r:?}").to_lowercase()).collect::<Vec<_>>().join(", ")
        ),
        format!("categories   {cats}"),
        format!("purpose      {}", format!("{:?}", g.purpose).to_lowercase()),
        format!("from         {}", day(Some(g.from)).unwrap_or_default()),
        format!("until        {}", day(g.until).unwrap_or_else(|| "open-ended".into())),
        format!("past entries {}", if g.include_past { "opened to the grantee too" } else { "not opened" }),
        format!("granted by   {} on {}", g.granted_by.name, day(Some(g.issued_at)).unwrap_or_default()),
        format!(
            "certificate  {}{}",
            g.certificate,
            day(g.encryptable_until).map(|d| format!(" (entries encryptable to it until {d})")).unwrap_or_default()
        ),
    ];
    if let Some(n) = &g.note {
        lines.push(format!("note         {n}"));
    }
    in_full(f, app, area, "Grant", lines);
}

fn event_in_full(f: &mut Frame, app: &App, area: Rect) {
    // The audit screen lists newest first.
    let n = app.snapshot.audit.len();
    let Some(e) = n.checked_sub(app.audit_selected + 1).and_then(|i| app.snapshot.audit.get(i)) else { return };
    let signer = e
        .signer
        .as_ref()
        .map(|s| format!("{} ({})", who(&s.name, &s.organisation, &s.country), s.fingerprint))
        .unwrap_or_else(|| "(not verified)".into());
    let mut lines = vec![
        format!("commit     {}", e.commit),
        format!("when       {}", e.time.format("%Y-%m-%d %H:%M:%S UTC")),
        format!("signed by  {signer}"),
        format!("status     {}{}", e.status, if e.emergency { " — EMERGENCY ACCESS" } else { "" }),
        String::new(),
    ];
    lines.extend(e.actions.iter().map(|a| format!("{:<18} {}", a.code, a.text)));
    if let Some(p) = &e.problem {
        lines.push(format!("DOES NOT VERIFY: {p}"));
    }
    lines.extend(e.warnings.iter().map(|w| format!("LATE: {w}")));
    in_full(f, app, area, "Commit", lines);
}

fn grants(f: &mut Frame, app: &App, area: Rect) {
    if app.inspect {
        return grant_in_full(f, app, area);
    }
    let now = app.snapshot.now;
    // Keys about to expire, or revoked: the user's own and the grantees'.
    let warnings = &app.snapshot.warnings;
    let area = if warnings.is_empty() {
        area
    } else {
        let [top, rest] =
            Layout::vertical([Constraint::Length(warnings.len().min(3) as u16), Constraint::Fill(1)]).areas(area);
        let lines: Vec<Line> = warnings
            .iter()
            .take(3)
            .map(|w| Line::styled(format!("! {}", crate::model::text::printable(w)), style(app, Color::Yellow)))
            .collect();
        f.render_widget(Paragraph::new(lines), top);
        rest
    };
    let rows: Vec<Row> = app
        .snapshot
        .grants
        .iter()
        .map(|g| {
            let cats = match &g.categories {
                Scope::All(_) => "all".to_string(),
                Scope::Some(cs) => cs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(","),
            };
            let soon = g.until.is_some_and(|u| u > now && u - now <= Duration::days(14));
            let (status, st) = match g.status {
                GrantStatus::Revoked => {
                    ("revoked".to_string(), style(app, Color::DarkGray).add_modifier(Modifier::CROSSED_OUT))
                }
                GrantStatus::Expired => ("expired".to_string(), style(app, Color::Red)),
                GrantStatus::Active if soon => {
                    ("expiring".to_string(), style(app, Color::Yellow).add_modifier(Modifier::BOLD))
                }
                s => (format!("{s:?}").to_lowercase(), Style::default()),
            };
            // The grantee's certificate: entries cannot be encrypted to an
            // expired one, so it is flagged a month ahead.
            let day = g.encryptable_until.map(|u| u.format("%Y-%m-%d").to_string()).unwrap_or_default();
            let cert = match g.certificate {
                "valid" => Cell::from("ok"),
                "expires-soon" => Cell::from(format!("exp {day}")).style(style(app, Color::Yellow)),
                other => Cell::from(other.to_uppercase()).style(style(app, Color::Red).add_modifier(Modifier::BOLD)),
            };
            Row::new(vec![
                Cell::from(status),
                Cell::from(who(&g.grantee.name, &g.grantee.organisation, &g.grantee.country)),
                Cell::from(g.rights.iter().map(|r| format!("{r:?}").to_lowercase()).collect::<Vec<_>>().join(",")),
                Cell::from(cats),
                Cell::from(format!("{:?}", g.purpose).to_lowercase()),
                Cell::from(g.until.map(|u| u.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "-".into())),
                cert,
            ])
            .style(st)
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Fill(2),
            Constraint::Length(11),
            Constraint::Fill(1),
            Constraint::Length(9),
            Constraint::Length(10),
            Constraint::Length(14),
        ],
    )
    .header(
        Row::new(vec!["status", "grantee", "rights", "categories", "purpose", "until", "certificate"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected(app))
    .block(
        Block::default()
            .borders(Borders::ALL)
            .title(format!(" Grants ({}; Enter: in full) ", app.snapshot.grants.len())),
    );
    let mut state = TableState::default().with_selected(Some(app.grant_selected));
    f.render_stateful_widget(table, area, &mut state);
}

fn audit(f: &mut Frame, app: &App, area: Rect) {
    if app.inspect {
        return event_in_full(f, app, area);
    }
    let rows: Vec<Row> = app
        .snapshot
        .audit
        .iter()
        .rev()
        .map(|e| {
            let signer = e
                .signer
                .as_ref()
                .map(|s| who(&s.name, &s.organisation, &s.country))
                .unwrap_or_else(|| "(not verified)".into());
            let st = if e.emergency {
                style(app, Color::Red).add_modifier(Modifier::BOLD)
            } else if !e.warnings.is_empty() {
                style(app, Color::Yellow)
            } else {
                Style::default()
            };
            let what = e.actions.iter().map(|a| &a.text).chain(e.warnings.iter()).cloned().collect::<Vec<_>>();
            Row::new(vec![
                if e.emergency {
                    "!!".to_string()
                } else if !e.warnings.is_empty() {
                    "late".to_string()
                } else {
                    e.status.to_string()
                },
                e.time.format("%Y-%m-%d %H:%M").to_string(),
                signer,
                what.join("; "),
            ])
            .style(st)
        })
        .collect();
    let table =
        Table::new(rows, [Constraint::Length(8), Constraint::Length(16), Constraint::Fill(1), Constraint::Fill(2)])
            .header(
                Row::new(vec!["status", "when", "signed by", "what"])
                    .style(Style::default().add_modifier(Modifier::BOLD)),
            )
            .row_highlight_style(selected(app))
            .block(Block::default().borders(Borders::ALL).title(format!(
                " Audit trail ({}, newest first; Enter: in full) ",
                plural(app.snapshot.audit.len(), "commit", "commits")
            )));
    let mut state = TableState::default().with_selected(Some(app.audit_selected));
    f.render_stateful_widget(table, area, &mut state);
}

fn sync(f: &mut Frame, app: &App, area: Rect) {
    if app.snapshot.remotes.is_empty() {
        f.render_widget(
            Paragraph::new("No remotes. Add one with: hrx remote add NAME URL")
                .block(Block::default().borders(Borders::ALL).title(" Sync ")),
            area,
        );
        return;
    }
    let rows: Vec<Row> = app
        .snapshot
        .remotes
        .iter()
        .map(|r| {
            Row::new(vec![
                r.name.clone(),
                r.url.clone(),
                r.last_head_time.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "never".into()),
                r.ahead.to_string(),
                r.behind.to_string(),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Length(16),
            Constraint::Length(6),
            Constraint::Length(7),
        ],
    )
    .header(
        Row::new(vec!["remote", "url", "their head", "ahead", "behind"])
            .style(Style::default().add_modifier(Modifier::BOLD)),
    )
    .row_highlight_style(selected(app))
    .block(Block::default().borders(Borders::ALL).title(" Sync (S: sync now) "));
    let mut state = TableState::default().with_selected(Some(app.audit_selected));
    f.render_stateful_widget(table, area, &mut state);
}

fn help(f: &mut Frame) {
    let area = f.area();
    let w = 56.min(area.width);
    let h = (HELP.len() as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let lines: Vec<Line> = HELP.iter().map(|(k, what)| Line::from(format!(" {k:<15} {what}"))).collect();
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys (? or Esc closes) ")),
        r,
    );
}
