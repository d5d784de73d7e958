//! Bounds on YAML before it reaches the parser.
//!
//! YAML parsers spend time that grows faster than the input on deeply nested
//! documents (200,000 `[` take minutes). Every YAML document hrx reads, from
//! the user or from a record, is first checked here: its size, how deeply
//! its flow collections (`[`, `{`) nest and how far its lines are indented.
//! The scan is linear and allocation-free.

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
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    let (mut line, mut indent, mut at_line_start) = (1usize, 0usize, true);
    let mut prev = b'\n';
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            indent = 0;
            at_line_start = true;
            comment = false;
            // Flow scalars may span lines; quotes stay open.
            prev = b;
            continue;
        }
        if at_line_start {
            if b == b' ' {
                indent += 1;
                if indent > MAX_INDENT {
                    return Err(format!("line {line} is indented more than {MAX_INDENT} columns: nested too deeply"));
                }
                prev = b;
                continue;
            }
            at_line_start = false;
        }
        if comment {
            prev = b;
            continue;
        }
        match quote {
            Some(q) => {
                if b == q && !(q == b'"' && prev == b'\\') {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' if matches!(prev, b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b':' | b'-') => {
                    quote = Some(b)
                }
                b'#' if matches!(prev, b' ' | b'\t' | b'\n') => comment = true,
                // Only where a flow collection can start; `a[b` is plain text.
                b'[' | b'{' if matches!(prev, b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b':' | b'-') => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Err(format!(
                            "line {line}: collections nested more than {MAX_FLOW_DEPTH} deep: nested too deeply"
                        ));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        // A doubled backslash does not escape the quote after it.
        prev = if prev == b'\\' && b == b'\\' { 0 } else { b };
    }
    Ok(())
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
    fn ordinary_documents_pass_and_brackets_in_text_do_not_count() {
        let ok = "text: \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"\n\
                  title: 'a [quoted] {thing}'\n# a comment [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n\
                  code: {system: snomed, code: '1', display: {en: x}}\nlist: [1, [2, [3]]]\n";
        check(ok.as_bytes(), 1 << 20).unwrap();
        let deep_block: String = (0..300).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        assert!(check(deep_block.as_bytes(), 1 << 20).is_err());
        assert!(check(b"x: 1", 3).is_err(), "size bound");
    }
}
