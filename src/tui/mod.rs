//! `hrx tui`: browse a record's timeline, entries, grants and audit trail.
//!
//! State ([`app`]), key handling ([`keymap`]) and drawing ([`ui`]) are kept
//! apart so each is tested on its own: keys → actions → state without a
//! terminal, and every view drawn into ratatui's `TestBackend`. The data
//! comes from the same library operations the CLI uses.

pub mod app;
pub mod keymap;
pub mod ui;

use std::io::IsTerminal;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};

use crate::error::{Error, Result};
use crate::model::Reason;
use crate::ops::Context;
use crate::ops::detached::{Detached, Remembered, remember_passphrase};
use app::{App, Snapshot};

/// Loads what the TUI shows from the record, through the library, with
/// every entry opened (decrypted) now.
pub fn load(ctx: &mut Context) -> Snapshot {
    load_with(ctx, true)
}

/// Loads what the TUI shows; with `open` false the entries are listed from
/// the verified metadata only (date, category, author) and are opened later
/// in the background, so the first frame does not wait for decryption.
pub fn load_with(ctx: &mut Context, open: bool) -> Snapshot {
    let error = |e: crate::error::Error| Snapshot {
        failure: Some(crate::verify::Failure { commit: None, code: Reason::Error, reason: e.to_string() }),
        ..Default::default()
    };
    let audit = match crate::ops::audit::audit(ctx) {
        Ok(a) => a,
        Err(e) => return error(e),
    };
    if let Some(f) = audit.failure.clone() {
        return Snapshot { failure: Some(f), ..Default::default() };
    }
    let rec = match ctx.record() {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let entries = if open {
        crate::ops::read::log(ctx, &Default::default())
    } else {
        crate::ops::verified(ctx, &rec).map(|v| v.entries.iter().map(|e| crate::ops::read::unopened(&v, e)).collect())
    };
    let grants = crate::ops::grant::list(ctx, true);
    let remotes = crate::ops::sync::status(&rec).unwrap_or_default();
    let head = rec.head().ok().flatten().map(|h| h.to_string()).unwrap_or_default();
    let warnings = crate::ops::status::status(ctx).map(|s| s.warnings).unwrap_or_default();
    let shares = crate::ops::share::list(ctx).unwrap_or_default();
    let people = ctx
        .keystore
        .list(ctx.clock.now())
        .map(|ks| {
            ks.into_iter()
                .filter(|k| !k.secret)
                .map(|k| (k.identity.name.clone(), k.identity.fingerprint.clone()))
                .collect()
        })
        .unwrap_or_default();
    match (entries, grants) {
        (Ok(entries), Ok(grants)) => Snapshot {
            entries,
            grants,
            audit: audit.events,
            remotes,
            failure: None,
            now: ctx.clock.now(),
            head,
            warnings,
            people,
            shares,
        },
        (Err(e), _) | (_, Err(e)) => error(e),
    }
}

/// Opens every entry of the current head on its own thread, in batches,
/// sending each batch back as it is done.
fn background_open(
    ctx: &Context,
    password: Option<sequoia_openpgp::crypto::Password>,
    tx: std::sync::mpsc::Sender<Msg>,
) {
    let detached = Detached::of(ctx, password);
    std::thread::spawn(move || {
        let mut c = detached.context();
        let Ok(rec) = c.record() else { return };
        let Ok(v) = crate::ops::verified(&c, &rec) else { return };
        let now = c.clock.now();
        let Ok(reader) = crate::ops::read::Reader::new(&mut c) else { return };
        let mut reader = reader.with_cache(&rec, &v, now);
        let head = v.head.to_string();
        for (n, chunk) in v.entries.chunks(128).enumerate() {
            let views: Vec<_> =
                chunk.iter().filter_map(|e| crate::ops::read::view(&rec, &v, e, &mut reader, now).ok()).collect();
            if views.len() != chunk.len() || tx.send(Msg::Opened(head.clone(), n * 128, views)).is_err() {
                break;
            }
        }
        // What was opened before the TUI closed counts too.
        reader.keep();
    });
}

/// Carries out a confirmed change through the same operations as the CLI.
pub fn carry_out(ctx: &mut Context, req: app::Request) -> Result<String> {
    match req {
        app::Request::Grant { grantee, categories, rights, until } => {
            let cats: Vec<String> =
                categories.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
            let rights: Vec<String> =
                rights.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
            let f = crate::crypto::cert::fpr(&crate::ops::grant::resolve_grantee(ctx, &grantee)?);
            let mut req = crate::ops::grant::GrantRequest::new(
                f,
                crate::model::parse::scope(&cats)?,
                crate::model::parse::rights(&rights)?,
            );
            req.until = until.as_deref().map(crate::model::parse::time).transpose()?;
            let done = crate::ops::grant::grant(ctx, req)?;
            Ok(format!("granted: {}", done.id))
        }
        app::Request::SaveAttachment { id, path } => {
            if path.is_empty() {
                return Err(Error::Usage("no path given".into()));
            }
            let v = crate::ops::read::show(ctx, &id)?;
            let record = v.record.ok_or_else(|| Error::Key(format!("entry {id} is not readable with your keys")))?;
            let bytes = crate::model::attachment::bytes(&record)
                .ok_or_else(|| Error::NotFound(format!("entry {id} has no attached file")))?
                .map_err(Error::Invalid)?;
            let p = std::path::PathBuf::from(&path);
            crate::fsutil::write_private(&p, &bytes)?;
            Ok(format!("saved {} bytes to {path}", bytes.len()))
        }
        app::Request::Sync | app::Request::Unlock(_) | app::Request::ShareQr { .. } => {
            Err(Error::State("handled by the event loop".into()))
        }
        app::Request::Revoke { id } => {
            let done = crate::ops::grant::revoke(ctx, &id)?;
            Ok(format!("revoked: {}", done.revoked.join(", ")))
        }
    }
}

/// What background work tells the UI.
enum Msg {
    /// Sync progress.
    Progress(String),
    /// A sync's outcome.
    Done(String),
    /// Entries opened: the head they belong to, the index of the first, the entries.
    Opened(String, usize, Vec<crate::ops::read::EntryView>),
}

/// Runs `hrx sync --all` on its own thread (with its own context), so the
/// UI keeps drawing; progress and the outcome come back over `tx`.
fn background_sync(
    ctx: &Context,
    password: Option<sequoia_openpgp::crypto::Password>,
    tx: std::sync::mpsc::Sender<Msg>,
) {
    let detached = Detached::of(ctx, password);
    std::thread::spawn(move || {
        let mut c = detached.context();
        let ptx = tx.clone();
        let mut last = std::time::Instant::now();
        let r = crate::ops::sync::sync(&mut c, None, false, &mut |w, d, t| {
            if d == t || last.elapsed() > Duration::from_millis(100) {
                last = std::time::Instant::now();
                let _ = ptx.send(Msg::Progress(format!("{w}: {d}/{t}")));
            }
        });
        let msg = match r {
            Ok(s) => s
                .iter()
                .map(|o| match &o.result {
                    Ok(x) => {
                        format!("{}: {}{}", x.remote, x.integrated.describe(), if x.pushed { "; pushed" } else { "" })
                    }
                    Err(e) => format!("{}: failed: {e}", o.remote),
                })
                .collect::<Vec<_>>()
                .join("  "),
            Err(e) => format!("sync failed: {e}"),
        };
        let _ = tx.send(Msg::Done(msg));
    });
}

/// What the full-screen QR code of a share says above it.
pub fn share_title(s: &crate::ops::share::Share) -> String {
    let ends =
        s.expires.map(|e| format!("until {}", e.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_else(|| "no end".into());
    match &s.label {
        Some(l) => format!("{l} ({ends})"),
        None => format!("SMART Health Link {} ({ends})", s.id),
    }
}

/// The name on the caller's key if its secret key is passphrase-protected.
fn locked_key(ctx: &Context) -> Option<String> {
    let f = ctx.key_fpr().ok()?;
    let tsk = ctx.keystore.secret(&f).ok()?;
    match crate::crypto::keystore::unlock(tsk, &mut crate::crypto::NoPassphrase) {
        Ok(_) => None,
        Err(_) => ctx.keystore.cert(&f).ok().map(|c| crate::crypto::cert::identity(&c).name),
    }
}

/// Restores the terminal: on exit, on error and on panic.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, ratatui::crossterm::cursor::Show);
}

/// Runs the TUI until the user quits.
pub fn run(ctx: &mut Context) -> Result<()> {
    if !std::io::stdout().is_terminal() {
        return Err(Error::Usage("hrx tui needs a terminal; use hrx log / grants / audit in scripts".into()));
    }
    // Ask for the passphrase (if any) once, before taking over the terminal,
    // and keep it in memory for the changes made from the TUI.
    // A locked key: a passphrase file is read now; a person is asked in the TUI.
    let who = locked_key(ctx);
    let mut remembered = None;
    if who.is_some() && !ctx.passphrase.interactive() {
        remembered = remember_passphrase(ctx)?;
    }
    let ask = who.filter(|_| ctx.passphrase.interactive());
    let snapshot = load_with(ctx, false);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut app = App::new(snapshot, no_color);
    if let Some(name) = &ask {
        app.form = Some(app::Form::passphrase(name, false));
    }
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    enable_raw_mode().map_err(|e| Error::io("terminal", e))?;
    execute!(std::io::stdout(), EnterAlternateScreen).map_err(|e| Error::io("terminal", e))?;
    let result = (|| -> Result<()> {
        let backend = ratatui::backend::CrosstermBackend::new(std::io::stdout());
        let mut term = ratatui::Terminal::new(backend).map_err(|e| Error::io("terminal", e))?;
        let (tx, rx) = std::sync::mpsc::channel::<Msg>();
        if ask.is_none() {
            background_open(ctx, remembered.clone(), tx.clone());
        }
        // Reload listed from metadata, then opened in the background.
        let reload = |ctx: &mut Context, app: &mut App, pw: &Option<sequoia_openpgp::crypto::Password>| {
            app.set_snapshot(load_with(ctx, false));
            background_open(ctx, pw.clone(), tx.clone());
        };
        while !app.quit {
            // News from a background sync.
            while let Ok(m) = rx.try_recv() {
                match m {
                    Msg::Progress(p) => app.syncing = Some(p),
                    Msg::Done(r) => {
                        app.syncing = None;
                        app.message = Some(r);
                        reload(ctx, &mut app, &remembered);
                    }
                    Msg::Opened(head, start, views) => app.opened(&head, start, views),
                }
            }
            term.draw(|f| ui::draw(f, &app)).map_err(|e| Error::io("terminal", e))?;
            // Poll often while entries are still being opened, so they appear as they come.
            let wait = if app.opening() > 0 { 50 } else { 250 };
            if !event::poll(Duration::from_millis(wait)).map_err(|e| Error::io("terminal", e))? {
                continue;
            }
            match event::read().map_err(|e| Error::io("terminal", e))? {
                Event::Key(k) if k.kind == event::KeyEventKind::Press => {
                    let action = keymap::action(&app, k);
                    if action == Some(keymap::Action::Refresh) {
                        reload(ctx, &mut app, &remembered);
                    }
                    if let Some(a) = action {
                        app.apply(a);
                    }
                    if let Some(app::Request::Unlock(p)) = app.request.clone() {
                        app.request = None;
                        let pw = sequoia_openpgp::crypto::Password::from(p.as_str());
                        match ctx.key_fpr().and_then(|f| ctx.keystore.unlock(&f, &mut Remembered(Some(pw.clone())))) {
                            Ok(_) => {
                                ctx.passphrase = Box::new(Remembered(Some(pw.clone())));
                                remembered = Some(pw);
                                app.message = Some("unlocked".into());
                                reload(ctx, &mut app, &remembered);
                            }
                            Err(Error::WrongPassphrase(_)) => {
                                app.form = Some(app::Form::passphrase(ask.as_deref().unwrap_or("your key"), true));
                            }
                            // Not the passphrase (no key, gpg-agent gone):
                            // asking again would not help; said as it is.
                            Err(e) => app.message = Some(format!("not unlocked: {e}")),
                        }
                    }
                    if let Some(app::Request::ShareQr { id }) = app.request.clone() {
                        app.request = None;
                        match crate::ops::share::show(ctx, &id) {
                            Ok((s, link)) => app.qr = Some((share_title(&s), link)),
                            Err(e) => app.message = Some(format!("not shown: {e}")),
                        }
                    }
                    if app.request == Some(app::Request::Sync) {
                        app.request = None;
                        app.syncing = Some("starting".into());
                        background_sync(ctx, remembered.clone(), tx.clone());
                    }
                    if let Some(req) = app.request.take() {
                        app.message = Some(match carry_out(ctx, req) {
                            Ok(m) => m,
                            Err(e) => format!("not done: {e}"),
                        });
                        reload(ctx, &mut app, &remembered);
                    }
                }
                Event::Mouse(m) => match m.kind {
                    event::MouseEventKind::ScrollDown => app.apply(keymap::Action::Down),
                    event::MouseEventKind::ScrollUp => app.apply(keymap::Action::Up),
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(())
    })();
    restore();
    result
}

#[cfg(test)]
mod tests;
