//! Paper backups of a secret key: lines a person can type back, each with
//! its own checksum so a typo is found on the line it is on, and a QR
//! code of the same bytes. The key inside is passphrase-protected (the
//! caller protects it); this module only encodes and decodes.

use crate::error::{Error, Result};

/// Base32 (RFC 4648) alphabet: no 0, 1, 8 or 9 to confuse with letters.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Characters of data per line (six groups of five).
const PER_LINE: usize = 30;

/// What the QR code holds before the data: format and version.
pub const QR_PREFIX: &str = "HRX1:";

/// Base32 without padding.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32 (upper case, no padding); `None` on a character outside
/// the alphabet.
pub fn unbase32(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// The check of line `n` holding `chunk`: four base32 characters of its
/// SHA-256 (one typo in 2^20 goes unnoticed).
fn check(n: usize, chunk: &str) -> Result<String> {
    let h = super::sha256_hex(format!("hrx paper {n:02} {chunk}").as_bytes())?;
    let bytes: Vec<u8> = (0..3).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0)).collect();
    Ok(base32(&bytes)[..4].to_string())
}

/// The numbered lines of `data`: `NN  ABCDE FGHIJ ... : CHCK`, then
/// `end: N lines`.
pub fn lines(data: &[u8]) -> Result<Vec<String>> {
    let b32 = base32(data);
    let chunks: Vec<&str> = b32.as_bytes().chunks(PER_LINE).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
    let mut out = vec![];
    for (i, c) in chunks.iter().enumerate() {
        let n = i + 1;
        let groups: Vec<&str> = c.as_bytes().chunks(5).map(|g| std::str::from_utf8(g).expect("ascii")).collect();
        out.push(format!("{n:02}  {:<35} : {}", groups.join(" "), check(n, c)?));
    }
    out.push(format!("end: {} lines", chunks.len()));
    Ok(out)
}

/// What the QR code holds: the prefix, the data in base32, and a check.
pub fn qr_text(data: &[u8]) -> Result<String> {
    let b = base32(data);
    Ok(format!("{QR_PREFIX}{b}:{}", check(0, &b)?))
}

/// Reads back what [`lines`] or [`qr_text`] made, from text a person typed
/// or a scanner gave: other lines are ignored, case and spaces do not
/// matter, 0/1/8 are read as O/I/B. A wrong check, a missing, doubled or
/// extra line is an error naming the line.
pub fn read(text: &str) -> Result<Vec<u8>> {
    let fix = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c.to_ascii_uppercase() {
                '0' => 'O',
                '1' => 'I',
                '8' => 'B',
                c => c,
            })
            .collect()
    };
    for l in text.lines() {
        if let Some(rest) = l.trim().strip_prefix(QR_PREFIX) {
            let (data, sum) =
                rest.rsplit_once(':').ok_or_else(|| Error::Invalid("the QR code's text has no check".into()))?;
            let data = fix(data);
            if check(0, &data)? != fix(sum) {
                return Err(Error::Invalid("the QR code's text does not match its check: scan it again".into()));
            }
            return unbase32(&data).ok_or_else(|| Error::Invalid("the QR code's text is not base32".into()));
        }
    }
    let mut got: std::collections::BTreeMap<usize, String> = Default::default();
    let mut end: Option<usize> = None;
    for l in text.lines() {
        let l = l.trim();
        if let Some(n) = l.strip_prefix("end:") {
            let n = n.trim().trim_end_matches("lines").trim();
            end =
                Some(n.parse().map_err(|_| Error::Invalid(format!("the end line {l:?} does not say how many lines")))?);
            continue;
        }
        let Some((left, sum)) = l.rsplit_once(':') else { continue };
        let mut parts = left.split_whitespace();
        let Some(n) = parts.next().and_then(|n| n.parse::<usize>().ok()) else { continue };
        let chunk = fix(&parts.collect::<String>());
        if check(n, &chunk)? != fix(sum) {
            return Err(Error::Invalid(format!(
                "line {n:02} does not match its check ({}): check what is typed on that line",
                fix(sum)
            )));
        }
        if got.insert(n, chunk).is_some() {
            return Err(Error::Invalid(format!("line {n:02} appears twice")));
        }
    }
    let Some(end) = end else {
        return Err(Error::Invalid(
            "no paper backup here: its lines (NN  ABCDE ... : CHCK) and its end line (end: N lines) are missing".into(),
        ));
    };
    if let Some(n) = (1..=end).find(|n| !got.contains_key(n)) {
        return Err(Error::Invalid(format!("line {n:02} of {end} is missing")));
    }
    if let Some(n) = got.keys().find(|n| **n > end) {
        return Err(Error::Invalid(format!("line {n:02} is after the end ({end} lines)")));
    }
    let all: String = got.into_values().collect();
    unbase32(&all).ok_or_else(|| Error::Invalid("the lines are not base32".into()))
}

/// The QR code of `text` (level M, as for printing), or why not.
fn qr(text: &str) -> Result<qrcode::QrCode> {
    crate::qr::encode(text, "the key")
}

/// A plain-text page: `heading`, the QR code drawn in Unicode blocks (for
/// a monospace printout), and the lines.
pub fn text_page(heading: &[String], data: &[u8]) -> Result<String> {
    let code = qr(&qr_text(data)?)?;
    let drawn = crate::qr::blocks(&code, crate::qr::Ink::Paper);
    let mut out = heading.join("\n");
    out.push_str("\n\n");
    out.push_str(&drawn);
    out.push_str("\n\n");
    out.push_str(&lines(data)?.join("\n"));
    out.push('\n');
    Ok(out)
}

/// A printable A4 SVG page: `heading`, the QR code, and the lines.
pub fn svg_page(heading: &[String], data: &[u8]) -> Result<String> {
    let code = qr(&qr_text(data)?)?;
    let w = code.width();
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"210mm\" height=\"297mm\" viewBox=\"0 0 210 297\">\n<rect width=\"210\" height=\"297\" fill=\"#fff\"/>\n<g font-family=\"monospace\" font-size=\"3.2\">\n",
    );
    for (i, h) in heading.iter().enumerate() {
        out.push_str(&format!("<text x=\"20\" y=\"{}\">{}</text>\n", 20 + i * 5, esc(h)));
    }
    for (i, l) in lines(data)?.iter().enumerate() {
        out.push_str(&format!(
            "<text x=\"20\" y=\"{:.1}\" xml:space=\"preserve\">{}</text>\n",
            145.0 + i as f64 * 4.6,
            esc(l)
        ));
    }
    out.push_str("</g>\n");
    // The code, 90 mm square, one rectangle per dark module.
    out.push_str(&format!(
        "<svg x=\"20\" y=\"45\" width=\"90\" height=\"90\" viewBox=\"-4 -4 {0} {0}\" shape-rendering=\"crispEdges\">\n<path fill=\"#000\" d=\"",
        w + 8
    ));
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            out.push_str(&format!("M{} {}h1v1h-1z", i % w, i / w));
        }
    }
    out.push_str("\"/>\n</svg>\n</svg>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_qr_text_read_back_and_a_typo_is_named() {
        let data: Vec<u8> = (0..=255u8).chain(0..77).collect();
        let lines = lines(&data).unwrap();
        let text = lines.join("\n");
        assert_eq!(read(&text).unwrap(), data);
        assert_eq!(read(&qr_text(&data).unwrap()).unwrap(), data);
        // Lower case and extra spaces are fine.
        assert_eq!(read(&text.to_lowercase().replace(' ', "  ")).unwrap(), data);
        // One wrong character on line 3.
        let l3 = &lines[2];
        let pos = 6;
        let wrong = if &l3[pos..pos + 1] == "A" { "B" } else { "A" };
        let typo = text.replacen(l3, &format!("{}{wrong}{}", &l3[..pos], &l3[pos + 1..]), 1);
        let e = read(&typo).unwrap_err().to_string();
        assert!(e.contains("line 03"), "{e}");
        // A missing line.
        let e = read(&text.replacen(&lines[4], "", 1)).unwrap_err().to_string();
        assert!(e.contains("line 05") && e.contains("missing"), "{e}");
    }
}
