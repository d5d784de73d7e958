//! Output: human text or versioned JSON, written through one handle.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use serde::Serialize;

/// The version of every `--json` document; bumped on incompatible change.
pub const JSON_VERSION: u32 = 1;

/// Where a command's results go.
pub struct Out {
    /// Print JSON instead of text.
    pub json: bool,
    /// Suppress informational text (not results).
    pub quiet: bool,
    /// Colour text results: stdout is a terminal and `NO_COLOR` is unset
    /// or empty.
    pub color: bool,
    /// Whether a long listing may go through a pager: stdout is a
    /// terminal, the output is text, and `--no-pager` was not given.
    may_page: bool,
    paging: Mutex<Paging>,
}

/// The pager's state: asked for by a long listing, started with its first
/// line (so that an error before any result is never paged), then fed.
enum Paging {
    Off,
    Wanted,
    On(std::process::Child),
}

/// How a part of a line is shown on a colour terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// As it is.
    Plain,
    /// Less important (ids, who wrote it).
    Dim,
    /// The thing a line is about (an entry's kind).
    Bold,
    /// Verified, good.
    Good,
    /// Needs a look (late, expiring, a warning).
    Warn,
    /// Failed, void, not good.
    Bad,
    /// A label (a category).
    Accent,
}

impl Style {
    fn sgr(self) -> Option<&'static str> {
        match self {
            Style::Plain => None,
            Style::Dim => Some("2"),
            Style::Bold => Some("1"),
            Style::Good => Some("32"),
            Style::Warn => Some("33"),
            Style::Bad => Some("1;31"),
            Style::Accent => Some("36"),
        }
    }
}

impl Out {
    /// Output as the environment asks: colour and paging only on a
    /// terminal, colour off with `NO_COLOR`, paging off with `no_pager`.
    pub fn new(json: bool, quiet: bool, no_pager: bool) -> Out {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Out {
            json,
            quiet,
            color: tty && !json && !no_color,
            may_page: tty && !json && !no_pager,
            paging: Mutex::new(Paging::Off),
        }
    }

    /// Sends the text results that follow through the user's pager, if
    /// this is a terminal: for listings that may be long (log, audit, show).
    pub fn page(&self) {
        if self.may_page {
            *self.paging.lock().unwrap_or_else(|e| e.into_inner()) = Paging::Wanted;
        }
    }

    /// Ends paging: the pager gets the end of its input, and hrx waits
    /// until the user leaves it.
    pub fn finish(&self) {
        let mut p = self.paging.lock().unwrap_or_else(|e| e.into_inner());
        if let Paging::On(mut child) = std::mem::replace(&mut *p, Paging::Off) {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    /// Prints a JSON document `{"version": 1, KIND: value}`.
    pub fn json<T: Serialize>(&self, kind: &str, value: &T) {
        let doc = serde_json::json!({ "version": JSON_VERSION, kind: value });
        let text = serde_json::to_string_pretty(&doc).expect("json");
        let mut o = std::io::stdout().lock();
        if writeln!(o, "{}", crate::model::text::json_safe(&text)).is_err() {
            std::process::exit(0);
        }
    }

    /// One JSON document on one line (`--json` lines, for results that
    /// come one at a time: `sync --records`).
    pub fn json_line<T: Serialize>(&self, kind: &str, value: &T) {
        let doc = serde_json::json!({ "version": JSON_VERSION, kind: value });
        let text = serde_json::to_string(&doc).expect("json");
        let mut o = std::io::stdout().lock();
        if writeln!(o, "{}", crate::model::text::json_safe(&text)).and_then(|_| o.flush()).is_err() {
            std::process::exit(0);
        }
    }

    /// [`Out::json`] of a list, each item made into JSON on its own core:
    /// a lifetime's `hrx log --json` is tens of megabytes of it. The same
    /// document (keys sorted, as everywhere).
    pub fn json_list<T: Serialize + Sync>(&self, kind: &str, items: &[T]) {
        let out = std::io::stdout().lock();
        if write_json_list(std::io::BufWriter::with_capacity(1 << 20, out), kind, items).is_err() {
            std::process::exit(0);
        }
    }

    /// Prints a line of results. A closed pipe ends the program quietly.
    pub fn line(&self, s: &str) {
        self.write(&crate::model::text::terminal_safe(s));
    }

    /// Prints a line of results made of parts, each escaped for the
    /// terminal and then coloured by its style (the colours are hrx's own;
    /// nothing in a part can make one).
    pub fn parts<S: AsRef<str>>(&self, parts: &[(Style, S)]) {
        let mut line = String::new();
        for (style, text) in parts {
            let text = crate::model::text::terminal_safe(text.as_ref());
            match style.sgr().filter(|_| self.color) {
                Some(code) if !text.is_empty() => {
                    line.push_str(&format!("\x1b[{code}m{text}\x1b[0m"));
                }
                _ => line.push_str(&text),
            }
        }
        self.write(&line);
    }

    /// Writes one line, already made safe, to the pager or stdout.
    fn write(&self, line: &str) {
        let mut p = self.paging.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(*p, Paging::Wanted) {
            *p = start_pager().map_or(Paging::Off, Paging::On);
        }
        let written = match &mut *p {
            Paging::On(child) => match child.stdin.as_mut() {
                Some(stdin) => writeln!(stdin, "{line}"),
                None => Ok(()),
            },
            _ => writeln!(std::io::stdout().lock(), "{line}"),
        };
        // A closed pipe (or a pager the user left): the rest is not wanted.
        if written.is_err() {
            if let Paging::On(child) = &mut *p {
                let _ = child.wait();
            }
            std::process::exit(0);
        }
    }

    /// Prints information to stderr unless quiet.
    pub fn info(&self, s: &str) {
        if !self.quiet {
            eprintln!("{}", crate::model::text::terminal_safe(s));
        }
    }
}

/// Starts the user's pager (`HRX_PAGER`, else `PAGER`, else `less`) through
/// the shell, as git does, with `LESS=FRX` unless `LESS` is set: it quits
/// at once when everything fits on one screen, shows colours, and leaves
/// the text on the terminal. An empty setting or `cat` means no pager.
fn start_pager() -> Option<std::process::Child> {
    let cmd = std::env::var("HRX_PAGER").or_else(|_| std::env::var("PAGER")).unwrap_or_else(|_| "less".into());
    if cmd.trim().is_empty() || cmd.trim() == "cat" {
        return None;
    }
    let mut c = std::process::Command::new("sh");
    c.arg("-c").arg(&cmd).stdin(std::process::Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        c.env("LESS", "FRX");
    }
    if std::env::var_os("LV").is_none() {
        c.env("LV", "-c");
    }
    c.spawn().ok()
}

/// Writes `{"version": 1, KIND: [items]}` exactly as `to_string_pretty`
/// of that document (keys sorted) followed by a newline, made safe for a
/// terminal: each item is made into text on its own core and indented as
/// it sits in the document (a JSON text holds no raw newline but between
/// its tokens), so nothing waits for one thread to write tens of megabytes.
fn write_json_list<W: Write, T: Serialize + Sync>(mut w: W, kind: &str, items: &[T]) -> std::io::Result<()> {
    let parts = crate::cores::map(items, |i| {
        let v = serde_json::to_value(i).expect("json");
        let text = serde_json::to_string_pretty(&v).expect("json");
        crate::model::text::json_safe(&format!("    {}", text.replace('\n', "\n    "))).into_owned()
    });
    let name = crate::model::text::json_safe(&serde_json::to_string(kind).expect("json")).into_owned();
    let version = format!("  \"version\": {JSON_VERSION}");
    let list = if parts.is_empty() { format!("  {name}: []") } else { format!("  {name}: [\n") };
    w.write_all(b"{\n")?;
    if kind > "version" {
        w.write_all(version.as_bytes())?;
        w.write_all(b",\n")?;
    }
    w.write_all(list.as_bytes())?;
    for (n, p) in parts.iter().enumerate() {
        if n > 0 {
            w.write_all(b",\n")?;
        }
        w.write_all(p.as_bytes())?;
    }
    if !parts.is_empty() {
        w.write_all(b"\n  ]")?;
    }
    if kind < "version" {
        w.write_all(b",\n")?;
        w.write_all(version.as_bytes())?;
    }
    w.write_all(b"\n}\n")?;
    discard(parts);
    w.flush()
}

/// Frees a large result off the main thread. Freeing a lifetime's entries
/// costs about as much as printing them; it is the command's last work,
/// and the process may end before it is done.
pub fn discard<T: Send + 'static>(x: T) {
    std::thread::spawn(move || drop(x));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list written item by item is the document `to_string_pretty`
    /// makes, byte for byte.
    #[test]
    fn a_json_list_is_the_pretty_document() {
        let items = [
            serde_json::json!({"b": [1, {"c": []}], "a": "two\nlines \u{1b}[31m", "d": {}, "e": {"f": null}}),
            serde_json::json!({}),
            serde_json::json!([[], [1]]),
        ];
        for kind in ["entries", "zeta"] {
            for items in [&items[..], &items[..0]] {
                let mut got = vec![];
                write_json_list(&mut got, kind, items).unwrap();
                let doc = serde_json::json!({ "version": JSON_VERSION, kind: items });
                let want = format!("{}\n", crate::model::text::json_safe(&serde_json::to_string_pretty(&doc).unwrap()));
                assert_eq!(String::from_utf8(got).unwrap(), want);
            }
        }
    }
}
