//! Bounds on YAML before it reaches the parser.
//!
//! YAML parsers spend time that grows with the square of how deeply flow
//! collections nest (200,000 `[` take minutes). Every YAML document hrx
//! reads, from the user or from a record, is first checked here: its size,
//! how deeply its flow collections (`[`, `{`) nest and how far its lines are
//! indented. The scan is linear and allocation-free.
//!
//! It follows YAML's lexical rules as far as they decide where text is
//! quoted (a quote opens a scalar only where a scalar may start), where a
//! block scalar's lines are, and where comments are. Where it is unsure it
//! counts a bracket rather than skip it: a false alarm refuses a strange
//! document; a miss would let the parser run for hours.

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
    // Open quote and whether it is double (backslash escapes) or single.
    let mut quote: Option<u8> = None;
    // The indentation of the line that opened a block scalar (`|`, `>`):
    // more indented (and blank) lines after it are its text.
    let mut block: Option<usize> = None;
    // The previous content line: its indentation, and whether it ended in a
    // plain scalar (then a more indented line continues that scalar, and a
    // quote at its start is text).
    let mut prev_indent = 0usize;
    let mut prev_plain = false;
    for (n, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = n + 1;
        let indent = raw.iter().take_while(|&&b| b == b' ').count();
        let content = &raw[indent..];
        let blank = content.iter().all(|b| b.is_ascii_whitespace());
        if let Some(q) = quote {
            // A quoted scalar spanning lines: scan on from the line start.
            quote = scan(content, Some(q), &mut depth, line, false, &deep)?.0;
            continue;
        }
        if let Some(b) = block {
            if blank || indent > b {
                continue;
            }
            block = None;
        }
        if blank {
            continue;
        }
        if indent > MAX_INDENT {
            return Err(format!("line {line} is indented more than {MAX_INDENT} columns: nested too deeply"));
        }
        // A line that may continue the plain scalar before it: a quote at
        // its start is text then, so it must not hide what follows.
        let continuation = prev_plain && (depth > 0 || indent > prev_indent);
        let (q, ends_plain, opens_block) = scan(content, None, &mut depth, line, !continuation, &deep)?;
        quote = q;
        if opens_block {
            block = Some(indent);
        }
        if !continuation {
            // The indentation of the line that holds the scalar's start.
            prev_indent = indent;
        }
        prev_plain = (ends_plain || (continuation && q.is_none() && !opens_block)) && quote.is_none();
    }
    Ok(())
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
             note: |\n  {many}\n  \"unbalanced\n  {many}\nafter: a[b]c\n- \"item {many}\"\n"
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
