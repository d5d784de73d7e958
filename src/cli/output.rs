//! Output: human text or versioned JSON, written through one handle.

use std::io::Write;

use serde::Serialize;

/// The version of every `--json` document; bumped on incompatible change.
pub const JSON_VERSION: u32 = 1;

/// Where a command's results go.
pub struct Out {
    /// Print JSON instead of text.
    pub json: bool,
    /// Suppress informational text (not results).
    pub quiet: bool,
}

impl Out {
    /// Prints a JSON document `{"version": 1, KIND: value}`.
    pub fn json<T: Serialize>(&self, kind: &str, value: &T) {
        let doc = serde_json::json!({ "version": JSON_VERSION, kind: value });
        self.line(&serde_json::to_string_pretty(&doc).expect("json"));
    }

    /// [`Out::json`] of a list, each item made into JSON on its own core:
    /// a lifetime's `hrx log --json` is tens of megabytes of it. The same
    /// document (keys sorted, as everywhere).
    pub fn json_list<T: Serialize + Sync>(&self, kind: &str, items: &[T]) {
        let values = crate::cores::map(items, |i| serde_json::to_value(i).expect("json"));
        let mut doc = serde_json::Map::new();
        doc.insert("version".into(), JSON_VERSION.into());
        doc.insert(kind.into(), values.into());
        let text = serde_json::to_string_pretty(&doc).expect("json");
        discard(doc);
        self.line(&text);
    }

    /// Prints a line of results. A closed pipe ends the program quietly.
    pub fn line(&self, s: &str) {
        let mut o = std::io::stdout().lock();
        if writeln!(o, "{}", crate::model::text::terminal_safe(s)).is_err() {
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

/// Frees a large result off the main thread. Freeing a lifetime's entries
/// costs about as much as printing them; it is the command's last work,
/// and the process may end before it is done.
pub fn discard<T: Send + 'static>(x: T) {
    std::thread::spawn(move || drop(x));
}
