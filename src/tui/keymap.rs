//! Keys to actions: vim-style and arrow keys. Every binding is listed in
//! [`HELP`], which the help overlay shows.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, View};

/// What the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave.
    Quit,
    /// Toggle the help overlay.
    Help,
    /// Close the overlay, the detail view, or clear the search.
    Back,
    /// Cursor up.
    Up,
    /// Cursor down.
    Down,
    /// Ten up.
    PageUp,
    /// Ten down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Open the entry under the cursor.
    Open,
    /// Go to a screen.
    Show(View),
    /// Next screen.
    NextView,
    /// Start typing a search.
    StartSearch,
    /// A character of the search.
    SearchInput(char),
    /// Delete the last character of the search.
    SearchBackspace,
    /// Keep the search and stop typing.
    SearchDone,
    /// Drop the search.
    SearchCancel,
    /// Next display language.
    CycleLang,
    /// Older year.
    PrevYear,
    /// Newer year.
    NextYear,
    /// Reload the record.
    Refresh,
    /// Start a new grant (grants screen).
    AddGrant,
    /// Revoke the grant under the cursor (grants screen).
    RevokeGrant,
    /// Save the open entry's attached file (entry screen).
    SaveAttachment,
    /// Sync with every remote now, in the background.
    SyncNow,
    /// Entry screen: the raw YAML instead of the reading, or back.
    ToggleRaw,
}

/// Every key, for the help overlay.
pub const HELP: &[(&str, &str)] = &[
    ("j / Down", "next row (mouse wheel too)"),
    ("k / Up", "previous row"),
    ("PgDn / Ctrl-d", "ten rows down"),
    ("PgUp / Ctrl-u", "ten rows up"),
    ("Home / End", "first / last row"),
    ("Enter", "open entry, grant, commit, share QR"),
    ("Esc", "back, close help, clear search"),
    ("1 2 3 4 5", "timeline/grants/audit/sync/shares"),
    ("Tab", "next screen"),
    ("/", "search; filters kind: cat: author:"),
    ("", "  country: from: to: (e.g. from:2025)"),
    ("[ / ]", "older / newer year"),
    ("l", "display language"),
    ("r", "reload the record"),
    ("a / x", "grants: add a grant / revoke one"),
    ("s / y", "entry: save the attached file / YAML"),
    ("S", "sync with every remote now"),
    ("?", "this help"),
    ("q / Ctrl-c", "quit"),
];

/// The action for a key in the current state, if any.
pub fn action(app: &App, k: KeyEvent) -> Option<Action> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && k.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    // A QR code on screen is for someone else to scan: any key puts it away.
    if app.qr.is_some() {
        return Some(Action::Back);
    }
    // Forms and the search take every key as text; Enter answers, Esc cancels.
    if app.form.is_some() || app.typing.is_some() {
        return match k.code {
            KeyCode::Enter => Some(Action::SearchDone),
            KeyCode::Esc => Some(Action::SearchCancel),
            KeyCode::Backspace => Some(Action::SearchBackspace),
            KeyCode::Char(c) if !ctrl => Some(Action::SearchInput(c)),
            _ => None,
        };
    }
    Some(match k.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        KeyCode::Char('d') if ctrl => Action::PageDown,
        KeyCode::Char('u') if ctrl => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::Home => Action::Top,
        KeyCode::End => Action::Bottom,
        KeyCode::Enter => Action::Open,
        KeyCode::Char('1') => Action::Show(View::Timeline),
        KeyCode::Char('2') => Action::Show(View::Grants),
        KeyCode::Char('3') => Action::Show(View::Audit),
        KeyCode::Char('4') => Action::Show(View::Sync),
        KeyCode::Char('5') => Action::Show(View::Shares),
        KeyCode::Char('S') => Action::SyncNow,
        KeyCode::Tab => Action::NextView,
        KeyCode::Char('/') => Action::StartSearch,
        KeyCode::Char('[') => Action::PrevYear,
        KeyCode::Char(']') => Action::NextYear,
        KeyCode::Char('l') => Action::CycleLang,
        KeyCode::Char('r') => Action::Refresh,
        KeyCode::Char('a') if app.view == View::Grants => Action::AddGrant,
        KeyCode::Char('x') if app.view == View::Grants => Action::RevokeGrant,
        KeyCode::Char('s') if app.view == View::Detail => Action::SaveAttachment,
        KeyCode::Char('y') if app.view == View::Detail => Action::ToggleRaw,
        _ => return None,
    })
}
