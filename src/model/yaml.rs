//! Bounds on YAML before it reaches the parser.
//!
//! YAML parsers spend time that grows with the square of how deeply flow
//! collections nest (200,000 `[` take minutes). Every YAML document hrx
//! reads, from the user or from a record, is first checked here: its size,
//! how deeply its flow collections (`[`, `{`) nest and how far its lines are
//! indented. The scan is linear and allocation-free.
//!
//! It follows YAML's lexical rules as far as they decide where text is
//! quoted (a quote opens a scalar only where a scalar may start) and where
//! comments are, with every line break YAML knows (`\n`, `\r`, NEL, U+2028,
//! U+2029). Where it could be wrong it errs towards counting: a quote never
//! hides more than the rest of its line, and the text of block scalars is
//! scanned like the rest. A false alarm refuses a strange document; a miss
//! would let the parser run for hours.

/// How deeply flow collections may nest. Records nest a few levels.
pub const MAX_FLOW_DEPTH: usize = 64;

/// How far a line may be indented (block nesting): 256 columns is over a
/// hundred levels at two spaces each.
pub const MAX_INDENT: usize = 256;

/// Checks `bytes` against `max_len` and the nesting bounds; says what is
/// wrong and where.
pub fn check(bytes: &[u8], max_len: usize) -> Result<(), String> {
    if bytes.len() > max_len {
        return Err(format!("is {} bytes; at most {max_len} are accepted", bytes.len()));
    }
    let deep =
        |line: usize| format!("line {line}: collections nested more than {MAX_FLOW_DEPTH} deep: nested too deeply");
    let mut depth = 0usize;
    // The previous content line: its indentation, and whether it ended in a
    // plain scalar (then a more indented line continues that scalar, and a
    // quote at its start is text).
    let mut prev_indent = 0usize;
    let mut prev_plain = false;
    for (n, raw) in Lines(bytes).enumerate() {
        let line = n + 1;
        let indent = raw.iter().take_while(|&&b| b == b' ').count();
        let content = &raw[indent..];
        if content.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if indent > MAX_INDENT {
            return Err(format!("line {line} is indented more than {MAX_INDENT} columns: nested too deeply"));
        }
        // A line that may continue the plain scalar before it: a quote at
        // its start is text then, so it must not hide what follows.
        let continuation = prev_plain && (depth > 0 || indent > prev_indent);
        // A quote still open at the end of the line is dropped: a quote the
        // scan opened where the parser sees text must not hide later lines.
        let (q, ends_plain, opens_block) = scan(content, None, &mut depth, line, !continuation, &deep)?;
        if !continuation {
            // The indentation of the line that holds the scalar's start.
            prev_indent = indent;
        }
        prev_plain = (ends_plain || (continuation && !opens_block)) && q.is_none();
    }
    Ok(())
}

/// The lines of a document, split at every line break YAML knows: `\n`,
/// `\r\n`, a lone `\r`, NEL (U+0085), LINE SEPARATOR and PARAGRAPH
/// SEPARATOR (U+2028, U+2029).
struct Lines<'a>(&'a [u8]);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.0.is_empty() {
            return None;
        }
        let s = self.0;
        let mut i = 0;
        while i < s.len() {
            let brk = match s[i] {
                b'\n' => 1,
                b'\r' if s.get(i + 1) == Some(&b'\n') => 2,
                b'\r' => 1,
                0xC2 if s.get(i + 1) == Some(&0x85) => 2,
                0xE2 if s.get(i + 1) == Some(&0x80) && matches!(s.get(i + 2), Some(0xA8 | 0xA9)) => 3,
                _ => 0,
            };
            if brk > 0 {
                self.0 = &s[i + brk..];
                return Some(&s[..i]);
            }
            i += 1;
        }
        self.0 = &[];
        Some(s)
    }
}

/// Scans one line's content. `start` says whether a scalar may start at its
/// first character. Returns the quote still open at its end, whether it
/// ended in plain text, and whether it opened a block scalar.
fn scan(
    s: &[u8],
    mut quote: Option<u8>,
    depth: &mut usize,
    line: usize,
    start: bool,
    deep: &dyn Fn(usize) -> String,
) -> Result<(Option<u8>, bool, bool), String> {
    let mut value_start = start && quote.is_none();
    let mut plain = false;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let next = s.get(i + 1).copied();
        if let Some(q) = quote {
            match (q, b) {
                (b'"', b'\\') => i += 1,
                (b'\'', b'\'') if next == Some(b'\'') => i += 1,
                _ if b == q => {
                    quote = None;
                    plain = false;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        let space_after = next.is_none_or(|c| c == b' ' || c == b'\t');
        match b {
            b' ' | b'\t' => {}
            b'#' if i == 0 || matches!(s[i - 1], b' ' | b'\t') => break,
            b'"' | b'\'' if value_start => {
                quote = Some(b);
                plain = false;
                value_start = false;
            }
            b'|' | b'>' if value_start && *depth == 0 => {
                // A block scalar: the rest of the line is its header.
                return Ok((None, false, true));
            }
            b'[' | b'{' if value_start || *depth > 0 || (i > 0 && matches!(s[i - 1], b' ' | b'[' | b'{')) => {
                *depth += 1;
                if *depth > MAX_FLOW_DEPTH {
                    return Err(deep(line));
                }
                value_start = true;
                plain = false;
            }
            b']' | b'}' if *depth > 0 => {
                *depth -= 1;
                value_start = false;
                plain = false;
            }
            b',' if *depth > 0 => {
                value_start = true;
                plain = false;
            }
            // A mapping value may start after `: `; a sequence entry (or
            // complex key) only where a node may start: `a - b` is text.
            b':' if space_after => {
                value_start = true;
                plain = false;
            }
            b'-' | b'?' if space_after && value_start => {
                plain = false;
            }
            _ => {
                value_start = false;
                plain = true;
            }
        }
        i += 1;
    }
    Ok((quote, plain, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_refused_quickly() {
        let deep = "[".repeat(200_000);
        let e = check(deep.as_bytes(), 1 << 20).unwrap_err();
        assert!(e.contains("nested too deeply"), "{e}");
        let deep = format!("text: {}", "{a: ".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err());
    }

    #[test]
    fn quotes_that_do_not_start_a_scalar_hide_nothing() {
        // A quote inside plain text is text: the brackets after it count.
        let deep = format!("title: a \"\nx: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "mid-scalar quote");
        // A quote at the start of a plain scalar's continuation line is text.
        let deep = format!("title: some text\n  \"continued\nx: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "continuation line");
        // A quote inside a block scalar's text is text, and the block ends.
        let deep = format!("text: |\n  \"\n  more\nx: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "block scalar");
        // Quoted flow inside quotes that span lines.
        let deep = format!("x: \"a\n  b\"\ny: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "multi-line quote closes");
        // A second continuation line is still a continuation.
        let deep = format!("key: value\n more\n \"q\n {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "second continuation line");
        // In flow context too.
        let deep = format!("x: [a\n\"x, {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "flow continuation");
        // `a - "` is text.
        let deep = format!("t: a - \"\nx: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "dash inside text");
        // Every YAML line break ends a comment.
        for brk in ["\r", "\u{85}", "\u{2028}", "\u{2029}"] {
            let deep = format!("text: hi # c{brk}x: {}", "[".repeat(100));
            assert!(check(deep.as_bytes(), 1 << 20).is_err(), "line break {brk:?}");
        }
        // A block scalar in a compact nested node ends before its line's indent.
        let deep = format!("x:\n- a: |\n  b: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "compact block");
        let deep = format!("- ? |\n  b: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "complex key block");
        // A quote at column 0 after a top-level plain scalar.
        let deep = format!("abc\n\"\n--- {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err(), "top-level continuation");
        // Single quotes escape by doubling.
        let deep = format!("x: 'it''s'\ny: {}", "[".repeat(100));
        assert!(check(deep.as_bytes(), 1 << 20).is_err());
    }

    #[test]
    fn ordinary_documents_pass_and_brackets_in_text_do_not_count() {
        let many = "[".repeat(100);
        let ok = format!(
            "text: \"{many}\"\ntitle: 'a [quoted] {{thing}} {many}'\n# a comment {many}\n\
             code: {{system: snomed, code: '1', display: {{en: x}}}}\nlist: [1, [2, [3]]]\n\
             note: |\n  a [bracketed] {{note}}\n  \"unbalanced\n  more\nafter: a[b]c\n- \"item {many}\"\n"
        );
        check(ok.as_bytes(), 1 << 20).unwrap();
        // What hrx itself writes, with a FHIR original inside.
        let v = serde_json::json!({"text": format!("{many} \"q\" 'p' #x"), "source": {"original": format!("{{\"a\":{many}")}});
        let y = serde_yaml_ng::to_string(&v).unwrap();
        check(y.as_bytes(), 1 << 20).unwrap_or_else(|e| panic!("{e}\n{y}"));
        let deep_block: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        assert!(check(deep_block.as_bytes(), 1 << 20).is_err());
        assert!(check(b"x: 1", 3).is_err(), "size bound");
    }
}
