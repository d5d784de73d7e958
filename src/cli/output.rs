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
        let text = serde_json::to_string_pretty(&doc).expect("json");
        let mut o = std::io::stdout().lock();
        if writeln!(o, "{}", crate::model::text::json_safe(&text)).is_err() {
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
