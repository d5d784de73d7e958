//! The TUI's state and what each action does to it. No terminal, no I/O.

use chrono::{DateTime, Datelike, Utc};

use super::keymap::Action;
use crate::model::when::{bound_from, bound_until};
use crate::ops::audit::AuditEvent;
use crate::ops::grant::GrantView;
use crate::ops::read::EntryView;
use crate::verify::Failure;

/// What the record holds, as the library reported it.
#[derive(Default)]
pub struct Snapshot {
    /// Entries, oldest first (as `log` returns them).
    pub entries: Vec<EntryView>,
    /// All grants, with their status.
    pub grants: Vec<GrantView>,
    /// The audit trail, oldest first.
    pub audit: Vec<AuditEvent>,
    /// The remotes and where this copy stands with each.
    pub remotes: Vec<crate::ops::sync::RemoteStatus>,
    /// Why the record could not be shown, if it does not verify.
    pub failure: Option<Failure>,
    /// When it was loaded.
    pub now: DateTime<Utc>,
    /// The head it shows (entries opened in the background are matched to it).
    pub head: String,
    /// What needs doing about keys (`hrx status`): the user's own key or a
    /// grantee's certificate expiring within the month, a revoked or
    /// replaced key.
    pub warnings: Vec<String>,
    /// The certificates this device knows of others, (name, fingerprint),
    /// to pick a grantee from by name.
    pub people: Vec<(String, String)>,
    /// The links this device made of the record (`hrx share list`).
    pub shares: Vec<crate::ops::share::Share>,
}

/// The screens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// All entries, newest first.
    Timeline,
    /// One entry in full.
    Detail,
    /// Who holds which rights.
    Grants,
    /// Every commit.
    Audit,
    /// Remotes and syncing.
    Sync,
    /// The links this device made (`hrx share`).
    Shares,
}

/// A change the user asked for, which the event loop carries out through
/// the library (the state itself does no I/O).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `hrx grant GRANTEE --categories .. --rights .. [--until ..]`.
    Grant {
        /// Fingerprint of a certificate in the keystore.
        grantee: String,
        /// Comma-separated categories or `all`.
        categories: String,
        /// `read` or `read,write`.
        rights: String,
        /// Optional end date.
        until: Option<String>,
    },
    /// `hrx revoke ID`.
    Revoke {
        /// The grant.
        id: String,
    },
    /// `hrx sync --all`, in the background.
    Sync,
    /// `hrx share show ID`: the link, drawn full-screen as its QR code.
    ShareQr {
        /// The share.
        id: String,
    },
    /// Unlock the key with this passphrase.
    Unlock(String),
    /// `hrx show ID --save-attachment PATH`.
    SaveAttachment {
        /// The entry.
        id: String,
        /// Where to write the file.
        path: String,
    },
}

/// The one certificate in `people` that `typed` names: a part of its name
/// (any case) or the start of its fingerprint. Else why not, for the
/// status line.
pub fn pick(people: &[(String, String)], typed: &str) -> Result<(String, String), String> {
    let t = typed.trim();
    if t.is_empty() {
        return Err("type a name (or a fingerprint) of someone whose certificate you have imported".into());
    }
    let lower = t.to_lowercase();
    let hex = t.len() >= 8 && t.chars().all(|c| c.is_ascii_hexdigit());
    let found: Vec<&(String, String)> = people
        .iter()
        .filter(|(n, f)| n.to_lowercase().contains(&lower) || (hex && f.to_uppercase().starts_with(&t.to_uppercase())))
        .collect();
    match found.as_slice() {
        [one] => Ok((one.0.clone(), one.1.clone())),
        [] => Err(format!("no certificate you have names {t:?}: import it first (hrx key import FILE)")),
        many => Err(format!(
            "{} certificates match {t:?} ({}): type more of the name",
            many.len(),
            many.iter().map(|(n, _)| n.as_str()).take(4).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// A form being filled in (one question at a time), then confirmed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// The questions.
    pub questions: Vec<String>,
    /// The answers so far; the last one is being typed.
    pub answers: Vec<String>,
    /// For a revocation: the grant and whom it is for.
    pub revoke: Option<(String, String)>,
    /// For saving an attachment: the entry.
    pub save: Option<String>,
    /// A passphrase: shown as stars, answered without a confirmation.
    pub secret: bool,
    /// For a grant: the grantee's name, once picked (the first answer is
    /// then its fingerprint).
    pub grantee: Option<String>,
}

impl Form {
    /// The dialog that asks for the passphrase of a locked key.
    pub fn passphrase(who: &str, retry: bool) -> Form {
        let q = format!("{}Passphrase for {who}", if retry { "Wrong passphrase. " } else { "" });
        Form { questions: vec![q], answers: vec![String::new()], revoke: None, save: None, secret: true, grantee: None }
    }
}

impl Form {
    /// Whether every question is answered and only the confirmation is left.
    pub fn confirming(&self) -> bool {
        self.answers.len() > self.questions.len()
    }

    /// Whether this is the form of a new grant.
    pub fn is_grant(&self) -> bool {
        !self.secret && self.revoke.is_none() && self.save.is_none()
    }

    /// What will happen, in words, for the confirmation.
    pub fn summary(&self) -> String {
        if let Some(id) = &self.save {
            return format!("Write the attached file of {id} to {} (decrypted)?", self.answers[0]);
        }
        match &self.revoke {
            Some((id, who)) => format!("Revoke grant {id} of {who}?"),
            None => {
                let a = &self.answers;
                let until = a.get(3).filter(|u| !u.is_empty()).map(|u| format!(" until {u}")).unwrap_or_default();
                let who = match &self.grantee {
                    Some(n) => format!("{n} ({})", &a[0][..a[0].len().min(16)]),
                    None => a[0].clone(),
                };
                format!("Grant {who} {} on {}{}?", a[2], a[1], until)
            }
        }
    }
}

/// A parsed search: free words and field filters, all of which must match.
#[derive(Default, Debug)]
pub struct Query {
    words: Vec<String>,
    /// Field, value, and for `from:`/`to:` the bound it names (parsed once,
    /// not per entry; `None`: not a date, which matches nothing).
    fields: Vec<(String, String, Option<DateTime<Utc>>)>,
}

impl Query {
    /// Parses `kind:allergy country:es penicillin from:2025`.
    pub fn parse(s: &str) -> Query {
        let mut q = Query::default();
        for tok in s.split_whitespace() {
            match tok.split_once(':') {
                Some((k, v))
                    if ["kind", "cat", "category", "author", "country", "from", "to"].contains(&k) && !v.is_empty() =>
                {
                    let bound = match k {
                        "from" => bound_from(v).ok(),
                        "to" => bound_until(v).ok(),
                        _ => None,
                    };
                    q.fields.push((k.to_string(), v.to_lowercase(), bound))
                }
                _ => q.words.push(tok.to_lowercase()),
            }
        }
        q
    }

    /// Whether an entry matches.
    pub fn matches(&self, e: &EntryView) -> bool {
        self.matches_with(e, &haystack(e))
    }

    /// [`Query::matches`] with the entry's searchable text computed beforehand.
    pub fn matches_with(&self, e: &EntryView, hay: &str) -> bool {
        if self.fields.is_empty() && self.words.is_empty() {
            return true;
        }
        let fields_ok = self.fields.iter().all(|(k, v, bound)| match k.as_str() {
            "kind" => e.kind.as_deref().is_some_and(|x| x == v),
            "cat" | "category" => e.category == *v,
            "author" => {
                e.author.name.to_lowercase().contains(v)
                    || e.author.organisation.as_deref().is_some_and(|o| o.to_lowercase().contains(v))
            }
            "country" => e.author.country.as_deref().is_some_and(|c| c.to_lowercase() == *v),
            // By when it happened (as `hrx log --since/--until`): any part
            // of it from the start of `from:`, up to the end of `to:`.
            "from" => bound.is_some_and(|f| e.within(Some(f), None, false)),
            "to" => bound.is_some_and(|u| e.within(None, Some(u), false)),
            _ => true,
        });
        fields_ok && self.words.iter().all(|w| hay.contains(w.as_str()))
    }
}

/// What a free word is searched in, lower-cased: the summary (readable
/// entries only), kind, category, author, organisation and country.
pub fn haystack(e: &EntryView) -> String {
    [
        e.summary.as_deref().unwrap_or(""),
        e.kind.as_deref().unwrap_or(""),
        &e.category,
        &e.author.name,
        e.author.organisation.as_deref().unwrap_or(""),
        e.author.country.as_deref().unwrap_or(""),
    ]
    .join("\u{1f}")
    .to_lowercase()
}

/// Display languages the `l` key cycles through.
pub const LANGS: &[&str] = &["en", "de", "fr", "es", "it"];

/// The TUI's state.
pub struct App {
    /// The data.
    pub snapshot: Snapshot,
    /// The current screen.
    pub view: View,
    /// Whether the help overlay is open.
    pub help: bool,
    /// Set when the user quits.
    pub quit: bool,
    /// Selected row in the timeline (index into [`App::timeline`]).
    pub selected: usize,
    /// Selected row in the grants list.
    pub grant_selected: usize,
    /// Selected row in the audit trail.
    pub audit_selected: usize,
    /// Scroll offset of the detail view.
    pub detail_scroll: u16,
    /// The search being typed, while `/` is active.
    pub typing: Option<String>,
    /// The search in effect.
    pub search: String,
    /// The display language.
    pub lang: usize,
    /// Draw without colours (NO_COLOR).
    pub no_color: bool,
    /// A grant or revocation being entered.
    pub form: Option<Form>,
    /// A change confirmed and waiting for the event loop.
    pub request: Option<Request>,
    /// The outcome of the last change, for the status line (until the
    /// next screen).
    pub message: Option<String>,
    /// The entry view shows the record's raw YAML instead of the reading.
    pub raw: bool,
    /// The grants or audit screen shows its selected row in full.
    pub inspect: bool,
    /// Progress of a sync running in the background.
    pub syncing: Option<String>,
    /// Selected row in the shares list.
    pub share_selected: usize,
    /// A share's link shown full-screen as its QR code: (title, link).
    pub qr: Option<(String, String)>,
    /// Each entry's searchable text, computed once per snapshot.
    haystacks: Vec<String>,
    /// Indices into `snapshot.entries` in timeline order, oldest first
    /// (by when they happened; known as entries are opened).
    order: Vec<usize>,
}

impl App {
    /// A new TUI state over `snapshot`.
    pub fn new(snapshot: Snapshot, no_color: bool) -> App {
        let haystacks = snapshot.entries.iter().map(haystack).collect();
        let mut app = App {
            snapshot,
            view: View::Timeline,
            help: false,
            quit: false,
            selected: 0,
            grant_selected: 0,
            audit_selected: 0,
            detail_scroll: 0,
            typing: None,
            search: String::new(),
            lang: 0,
            no_color,
            form: None,
            request: None,
            message: None,
            raw: false,
            inspect: false,
            syncing: None,
            share_selected: 0,
            qr: None,
            haystacks,
            order: vec![],
        };
        app.reorder();
        app
    }

    /// Puts the timeline in order again (entries opened, a new snapshot),
    /// keeping the selected entry selected wherever it moves to.
    fn reorder(&mut self) {
        let keep = self.current().map(|e| e.id.clone());
        let entries = &self.snapshot.entries;
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|&a, &b| entries[a].timeline_key(false).cmp(&entries[b].timeline_key(false)));
        self.order = order;
        if let Some(id) = keep
            && let Some(i) = self.timeline().iter().position(|e| e.id == id)
        {
            self.selected = i;
        }
    }

    /// The display language code.
    pub fn lang(&self) -> &'static str {
        LANGS[self.lang]
    }

    /// The timeline: newest first (by when entries happened, else when
    /// they were recorded), filtered by the search. The search is
    /// words matched against what the user can read and the public metadata,
    /// and filters: `kind:`, `cat:`, `author:`, `country:`, `from:` and `to:`
    /// (dates as YYYY, YYYY-MM or YYYY-MM-DD).
    pub fn timeline(&self) -> Vec<&EntryView> {
        let q = Query::parse(&self.search);
        self.order
            .iter()
            .rev()
            .filter_map(|&i| Some((self.snapshot.entries.get(i)?, self.haystacks.get(i)?)))
            .filter(|(e, h)| q.matches_with(e, h))
            .map(|(e, _)| e)
            .collect()
    }

    /// Takes in entries opened in the background (`start` is their index in
    /// `snapshot.entries`), unless the snapshot moved on to another head.
    pub fn opened(&mut self, head: &str, start: usize, views: Vec<EntryView>) {
        if head != self.snapshot.head {
            return;
        }
        for (i, v) in views.into_iter().enumerate() {
            let k = start + i;
            if k < self.snapshot.entries.len() && self.snapshot.entries[k].id == v.id {
                self.haystacks[k] = haystack(&v);
                self.snapshot.entries[k] = v;
            }
        }
        self.reorder();
    }

    /// How many entries are still being opened.
    pub fn opening(&self) -> usize {
        self.snapshot.entries.iter().filter(|e| e.pending).count()
    }

    /// Replaces the data (after a reload or a change).
    pub fn set_snapshot(&mut self, s: Snapshot) {
        let keep = self.current().map(|e| e.id.clone());
        self.haystacks = s.entries.iter().map(haystack).collect();
        self.snapshot = s;
        self.order.clear();
        self.reorder();
        let tl = self.timeline();
        self.selected = match keep.and_then(|id| tl.iter().position(|e| e.id == id)) {
            Some(i) => i,
            None => self.selected.min(tl.len().saturating_sub(1)),
        };
        self.share_selected = self.share_selected.min(self.snapshot.shares.len().saturating_sub(1));
    }

    /// The entry under the cursor.
    pub fn current(&self) -> Option<&EntryView> {
        self.timeline().get(self.selected).copied()
    }

    fn rows(&self) -> usize {
        match self.view {
            View::Timeline | View::Detail => self.timeline().len(),
            View::Grants => self.snapshot.grants.len(),
            View::Audit => self.snapshot.audit.len(),
            View::Sync => self.snapshot.remotes.len(),
            View::Shares => self.snapshot.shares.len(),
        }
    }

    fn cursor(&mut self) -> &mut usize {
        match self.view {
            View::Timeline | View::Detail => &mut self.selected,
            View::Grants => &mut self.grant_selected,
            View::Audit | View::Sync => &mut self.audit_selected,
            View::Shares => &mut self.share_selected,
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.view == View::Detail {
            self.detail_scroll = (self.detail_scroll as isize + delta).max(0) as u16;
            return;
        }
        let n = self.rows();
        let c = self.cursor();
        *c = if n == 0 { 0 } else { (*c as isize + delta).clamp(0, n as isize - 1) as usize };
    }

    /// Moves to the first entry of the previous (`-1`) or next (`+1`) year.
    fn jump_year(&mut self, dir: i32) {
        let tl = self.timeline();
        let Some(cur) = tl.get(self.selected) else { return };
        let year = cur.when().year();
        // Newest first: an older year is further down.
        let target = if dir < 0 {
            tl.iter().position(|e| e.when().year() < year)
        } else {
            tl.iter().rposition(|e| e.when().year() > year).map(|i| {
                let y = tl[i].when().year();
                tl.iter().position(|e| e.when().year() == y).unwrap_or(i)
            })
        };
        if let Some(t) = target {
            self.selected = t;
        }
    }

    /// Applies an action.
    pub fn apply(&mut self, a: Action) {
        if self.snapshot.failure.is_some() && !matches!(a, Action::Quit | Action::Help | Action::Back | Action::Refresh)
        {
            return;
        }
        if let Some(f) = &mut self.form {
            match a {
                Action::SearchInput(c) if f.confirming() => match c {
                    'y' | 'Y' => {
                        let req = match (&f.revoke, &f.save) {
                            (_, Some(id)) => {
                                Request::SaveAttachment { id: id.clone(), path: f.answers[0].trim().to_string() }
                            }
                            (Some((id, _)), _) => Request::Revoke { id: id.clone() },
                            (None, None) => Request::Grant {
                                grantee: f.answers[0].trim().to_string(),
                                categories: f.answers[1].trim().to_string(),
                                rights: f.answers[2].trim().to_string(),
                                until: Some(f.answers[3].trim().to_string()).filter(|u| !u.is_empty()),
                            },
                        };
                        self.request = Some(req);
                        self.form = None;
                    }
                    'n' | 'N' => {
                        self.form = None;
                        self.message = Some("cancelled".into());
                    }
                    _ => {}
                },
                Action::SearchInput(c) => f.answers.last_mut().expect("an answer is open").push(c),
                Action::SearchBackspace => {
                    if let Some(x) = f.answers.last_mut() {
                        x.pop();
                    }
                }
                Action::SearchDone if f.secret => {
                    self.request = Some(Request::Unlock(f.answers[0].clone()));
                    self.form = None;
                }
                Action::SearchDone if !f.confirming() && f.is_grant() && f.answers.len() == 1 => {
                    // The grantee by name: one known certificate must match.
                    match pick(&self.snapshot.people, &f.answers[0]) {
                        Ok((name, fpr)) => {
                            f.grantee = Some(name);
                            f.answers[0] = fpr;
                            f.answers.push(String::new());
                        }
                        Err(why) => self.message = Some(why),
                    }
                }
                Action::SearchDone if !f.confirming() => f.answers.push(String::new()),
                Action::SearchCancel | Action::Quit => {
                    self.form = None;
                    self.message = Some("cancelled".into());
                }
                _ => {}
            }
            return;
        }
        match a {
            Action::Quit => self.quit = true,
            Action::AddGrant => {
                self.view = View::Grants;
                self.form = Some(Form {
                    questions: [
                        "Grant to (a name or fingerprint)",
                        "Categories (comma-separated, or all)",
                        "Rights (read or read,write)",
                        "Until (YYYY-MM-DD, empty: open-ended)",
                    ]
                    .map(String::from)
                    .to_vec(),
                    answers: vec![String::new()],
                    revoke: None,
                    save: None,
                    secret: false,
                    grantee: None,
                });
            }
            Action::SyncNow => {
                self.view = View::Sync;
                if self.syncing.is_none() {
                    self.request = Some(Request::Sync);
                }
            }
            Action::SaveAttachment => {
                let id = self
                    .current()
                    .filter(|e| e.record.as_ref().is_some_and(|r| r.get("attachment").is_some()))
                    .map(|e| e.id.clone());
                match id {
                    Some(id) if self.view == View::Detail => {
                        self.form = Some(Form {
                            questions: vec!["Save the attached file to (path)".into()],
                            answers: vec![String::new()],
                            revoke: None,
                            save: Some(id),
                            secret: false,
                            grantee: None,
                        })
                    }
                    _ => self.message = Some("this entry has no attached file".into()),
                }
            }
            Action::RevokeGrant => {
                if self.view == View::Grants
                    && let Some(g) = self.snapshot.grants.get(self.grant_selected)
                {
                    self.form = Some(Form {
                        questions: vec![],
                        answers: vec![String::new()],
                        revoke: Some((g.id.clone(), g.grantee.name.clone())),
                        save: None,
                        secret: false,
                        grantee: None,
                    });
                }
            }
            Action::Help => self.help = !self.help,
            Action::Back => {
                self.message = None;
                if self.qr.is_some() {
                    self.qr = None;
                } else if self.help {
                    self.help = false;
                } else if self.inspect {
                    self.inspect = false;
                } else if self.view == View::Detail {
                    self.view = View::Timeline;
                } else if !self.search.is_empty() {
                    self.search.clear();
                    self.selected = 0;
                }
            }
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-10),
            Action::PageDown => self.move_by(10),
            Action::Top => {
                *self.cursor() = 0;
                self.detail_scroll = 0;
            }
            Action::Bottom => {
                let n = self.rows().saturating_sub(1);
                *self.cursor() = n;
            }
            Action::Open => {
                self.message = None;
                if self.view == View::Timeline && self.current().is_some() {
                    self.view = View::Detail;
                    self.detail_scroll = 0;
                } else if matches!(self.view, View::Grants | View::Audit) && self.rows() > 0 {
                    self.inspect = true;
                } else if self.view == View::Shares
                    && let Some(s) = self.snapshot.shares.get(self.share_selected)
                {
                    // Only a link that still opens is worth showing to a clinician.
                    match s.status(self.snapshot.now) {
                        crate::ops::share::Status::Active => self.request = Some(Request::ShareQr { id: s.id.clone() }),
                        st => {
                            self.message = Some(
                                format!("share {} is {st:?}; make a new one with hrx share ips", s.id).to_lowercase(),
                            )
                        }
                    }
                }
            }
            Action::Show(v) => {
                self.view = v;
                self.help = false;
                self.inspect = false;
                self.message = None;
            }
            Action::ToggleRaw => self.raw = !self.raw,
            Action::NextView => {
                self.inspect = false;
                self.message = None;
                self.view = match self.view {
                    View::Timeline | View::Detail => View::Grants,
                    View::Grants => View::Audit,
                    View::Audit => View::Sync,
                    View::Sync => View::Shares,
                    View::Shares => View::Timeline,
                }
            }
            Action::StartSearch => {
                self.view = View::Timeline;
                self.typing = Some(self.search.clone());
            }
            Action::SearchInput(c) => {
                if let Some(t) = &mut self.typing {
                    t.push(c);
                    self.search = t.clone();
                    self.selected = 0;
                }
            }
            Action::SearchBackspace => {
                if let Some(t) = &mut self.typing {
                    t.pop();
                    self.search = t.clone();
                    self.selected = 0;
                }
            }
            Action::SearchDone => self.typing = None,
            Action::SearchCancel => {
                self.typing = None;
                self.search.clear();
                self.selected = 0;
            }
            Action::CycleLang => self.lang = (self.lang + 1) % LANGS.len(),
            Action::PrevYear => self.jump_year(-1),
            Action::NextYear => self.jump_year(1),
            Action::Refresh => {
                self.selected = self.selected.min(self.timeline().len().saturating_sub(1));
            }
        }
    }
}
