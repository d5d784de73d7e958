//! Text from a record, made safe to show on a terminal.
//!
//! Names, notes, reasons and titles come from other participants. A control
//! character in them (ESC starting a terminal escape sequence, a newline or
//! carriage return forging a line, a bidirectional override reordering what
//! is read) must never reach a terminal as such: it is shown escaped.

use std::borrow::Cow;

fn unsafe_char(c: char, keep_newlines: bool) -> bool {
    (c.is_control() && !(keep_newlines && (c == '\n' || c == '\t')))
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}'
            // Line and paragraph separators (a forged line in some
            // terminals), and characters that show as nothing.
            | '\u{2028}' | '\u{2029}' | '\u{200B}' | '\u{FEFF}' | '\u{00AD}'
        )
}

/// Whether `s` holds a character [`unsafe_char`] refuses. Output can be
/// megabytes (`hrx log --json`): ASCII, nearly all of it, is judged by the
/// byte, and only other characters are decoded.
pub fn any_unsafe(s: &str, keep_newlines: bool) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii() {
            if (b < 0x20 || b == 0x7f) && !(keep_newlines && (b == b'\n' || b == b'\t')) {
                return true;
            }
            i += 1;
        } else {
            let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else { return true };
            if unsafe_char(c, keep_newlines) {
                return true;
            }
            i += c.len_utf8();
        }
    }
    false
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !any_unsafe(s, keep_newlines) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c, keep_newlines) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of text from a record (a name, a title, a reason): every
/// control or direction-override character is shown escaped, newlines too.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// JSON made by serde_json, made safe for a terminal and still JSON: a
/// character [`printable`] would escape (inside a string: serde_json
/// leaves DEL, C1 controls and direction overrides as they are) becomes a
/// JSON escape, `\u202e`, which a JSON reader turns back into it.
pub fn json_safe(s: &str) -> Cow<'_, str> {
    if !any_unsafe(s, true) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c, true) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{:04x}", u));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Output already laid out in lines by hrx: control characters other than
/// newline and tab are shown escaped.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_made_safe_is_the_same_json() {
        for s in ["a\u{202e}b\u{85}c\u{7f}", "plain", "\u{2028}x\u{061c}"] {
            let text = serde_json::to_string(&serde_json::json!({ "k": s })).unwrap();
            let safe = json_safe(&text);
            assert!(!safe.chars().any(|c| unsafe_char(c, true)), "{safe}");
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            assert_eq!(back["k"], s);
        }
    }

    #[test]
    fn escapes_and_forged_lines_are_shown_not_obeyed() {
        let evil = "Mallory\u{1b}[8m\nPatient: 0000\r\u{1b}]0;x\u{7}\u{202e}";
        let p = printable(evil);
        assert!(!p.chars().any(|c| c.is_control()), "{p}");
        assert!(p.contains("\\u{1b}[8m") && p.contains("\\u{a}Patient"), "{p}");
        assert!(!p.contains('\u{202e}'));
        assert_eq!(terminal_safe("a\n\tb\u{1b}c"), "a\n\tb\\u{1b}c");
        assert!(matches!(printable("Anna Weber (Charité, DE)"), Cow::Borrowed(_)));
        // Judged by the byte or by the character, the same answer.
        for c in ['\u{0}', '\u{1f}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}', '\u{2066}', 'é', ' ', '~', '\n', '\t'] {
            for keep in [false, true] {
                let t = format!("a{c}b");
                assert_eq!(any_unsafe(&t, keep), t.chars().any(|c| unsafe_char(c, keep)), "{c:?} {keep}");
            }
        }
    }
}
