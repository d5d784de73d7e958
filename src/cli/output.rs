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
