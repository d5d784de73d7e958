//! A PDF of text (PDF 1.4, A4 pages), for the printable summary. The text
//! is set in DejaVu Sans, embedded (only the glyphs the pages draw), so
//! every script that font covers
//! (Latin, Greek, Cyrillic, ...) prints as it reads, and stays searchable
//! and copyable (each glyph maps back to its character). Nothing outside
//! the file is referred to. Text is laid out left to right, one glyph per
//! character: scripts that need shaping (Arabic, Indic) print unjoined.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;

/// The font the text is set in (its licence is in `assets/fonts`).
const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// A4, in points.
const PAGE: (f32, f32) = (595.28, 841.89);
/// The margin on every side, in points.
const MARGIN: f32 = 42.0;

/// A run of text in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The text (one line: line breaks are spaces).
    pub text: String,
    /// In points.
    pub size: f32,
    /// Drawn heavier.
    pub bold: bool,
}

impl Span {
    /// `text` at `size` points, regular.
    pub fn new(text: impl Into<String>, size: f32) -> Span {
        Span { text: text.into(), size, bold: false }
    }

    /// `text` at `size` points, bold.
    pub fn bold(text: impl Into<String>, size: f32) -> Span {
        Span { text: text.into(), size, bold: true }
    }
}

/// What a page holds, top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph: its spans, wrapped to the width, `indent` points in,
    /// `before` points below what came before.
    Text { spans: Vec<Span>, indent: f32, before: f32 },
    /// A horizontal rule across the width, `weight` points thick.
    Rule { weight: f32, before: f32 },
}

/// The font as the layout needs it.
struct Font<'a> {
    face: ttf_parser::Face<'a>,
    per_em: f32,
}

impl Font<'_> {
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }

    /// A glyph's advance, in thousandths of the font size.
    fn advance(&self, g: u16) -> f32 {
        self.face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0) as f32 * 1000.0 / self.per_em
    }

    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(self.glyph(c))).sum::<f32>() * size / 1000.0
    }
}

/// One laid-out line: (x, spans) at a baseline.
struct Placed {
    y: f32,
    x: f32,
    spans: Vec<Span>,
}

/// A page laid out: its lines, and its rules (height, weight).
#[derive(Default)]
struct Page {
    lines: Vec<Placed>,
    rules: Vec<(f32, f32)>,
}

/// Lays `blocks` out on A4 pages and writes them as a PDF, with `footer` and
/// the page number ("1/2") at the foot of every page.
pub fn render(title: &str, blocks: &[Block], footer: &str) -> Vec<u8> {
    let face = ttf_parser::Face::parse(FONT, 0).expect("the embedded font parses");
    let font = Font { per_em: face.units_per_em() as f32, face };
    let width = PAGE.0 - 2.0 * MARGIN;
    let bottom = MARGIN + 24.0; // room for the footer
    let mut pages: Vec<Page> = vec![Page::default()];
    let mut y = PAGE.1 - MARGIN;
    for b in blocks {
        match b {
            Block::Rule { weight, before } => {
                y -= before;
                if y < bottom {
                    pages.push(Page::default());
                    y = PAGE.1 - MARGIN;
                }
                pages.last_mut().expect("a page").rules.push((y, *weight));
                y -= weight + 2.0;
            }
            Block::Text { spans, indent, before } => {
                y -= before;
                for line in wrap(&font, spans, width - indent) {
                    let height = line.iter().map(|s| s.size).fold(0.0, f32::max) * 1.3;
                    if y - height < bottom {
                        pages.push(Page::default());
                        y = PAGE.1 - MARGIN;
                    }
                    y -= height;
                    pages.last_mut().expect("a page").lines.push(Placed {
                        y: y + height * 0.25,
                        x: MARGIN + indent,
                        spans: line,
                    });
                }
            }
        }
    }
    write(&font, title, &pages, footer)
}

/// Breaks spans into lines no wider than `width` points, at spaces (a word
/// wider than a line is broken where it must).
fn wrap(font: &Font, spans: &[Span], width: f32) -> Vec<Vec<Span>> {
    fn push(line: &mut Vec<Span>, s: &Span, text: &str) {
        match line.last_mut() {
            Some(l) if l.bold == s.bold && l.size == s.size => l.text.push_str(text),
            _ => line.push(Span { text: text.to_string(), ..s.clone() }),
        }
    }
    let mut lines: Vec<Vec<Span>> = vec![];
    let mut line: Vec<Span> = vec![];
    let mut used = 0.0;
    for s in spans {
        let text = s.text.replace(['\n', '\r', '\t'], " ");
        // Each piece is a word with the spaces after it.
        for piece in text.split_inclusive(' ') {
            let (full, word) = (font.width(piece, s.size), font.width(piece.trim_end(), s.size));
            if used + word <= width {
                push(&mut line, s, piece);
                used += full;
                continue;
            }
            if word <= width {
                lines.push(std::mem::take(&mut line));
                push(&mut line, s, piece);
                used = full;
                continue;
            }
            // Wider than a line: as much as fits, then the rest.
            for c in piece.chars() {
                let cw = font.width(c.encode_utf8(&mut [0; 4]), s.size);
                if used + cw > width && used > 0.0 {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                }
                push(&mut line, s, c.encode_utf8(&mut [0; 4]));
                used += cw;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.retain(|l| !l.is_empty());
    lines
}

/// A PDF string of glyph ids (the font is Identity-H encoded).
fn glyphs(font: &Font, text: &str, used: &mut BTreeMap<u16, char>) -> String {
    let mut hex = String::with_capacity(text.len() * 4 + 2);
    hex.push('<');
    for c in text.chars() {
        let g = font.glyph(c);
        used.entry(g).or_insert(c);
        let _ = write!(hex, "{g:04X}");
    }
    hex.push('>');
    hex
}

/// A PDF literal string (document information).
fn literal(s: &str) -> String {
    // UTF-16BE with a byte-order mark: any title reads right.
    let mut hex = String::from("<FEFF");
    for u in s.encode_utf16() {
        let _ = write!(hex, "{u:04X}");
    }
    hex.push('>');
    hex
}

fn deflate(b: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let _ = z.write_all(b);
    z.finish().unwrap_or_default()
}

fn write(font: &Font, title: &str, pages: &[Page], footer: &str) -> Vec<u8> {
    let mut used: BTreeMap<u16, char> = BTreeMap::new();
    let n = pages.len();
    let mut contents = vec![];
    for (i, Page { lines, rules }) in pages.iter().enumerate() {
        let mut c = String::new();
        for (y, w) in rules {
            let _ = writeln!(c, "{w:.2} w {MARGIN:.2} {y:.2} m {:.2} {y:.2} l S", PAGE.0 - MARGIN);
        }
        let mut text = |x: f32, y: f32, spans: &[Span], c: &mut String| {
            let _ = writeln!(c, "BT {x:.2} {y:.2} Td");
            for s in spans {
                // Bold is the regular face filled and outlined.
                let mode = if s.bold { format!("2 Tr {:.2} w", s.size * 0.035) } else { "0 Tr".into() };
                let _ = writeln!(c, "/F1 {:.2} Tf {mode} {} Tj", s.size, glyphs(font, &s.text, &mut used));
            }
            c.push_str("ET\n");
        };
        for l in lines {
            text(l.x, l.y, &l.spans, &mut c);
        }
        let foot = [Span::new(footer, 8.0)];
        text(MARGIN, MARGIN, &foot, &mut c);
        let number = format!("{}/{n}", i + 1);
        let x = PAGE.0 - MARGIN - font.width(&number, 8.0);
        text(x, MARGIN, &[Span::new(number, 8.0)], &mut c);
        contents.push(c);
    }
    // Objects: 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor,
    // 6 font file, 7 to-Unicode map, 8 info, then a page and its content each.
    let mut objects: Vec<Vec<u8>> = vec![];
    let page_id = |i: usize| 9 + 2 * i;
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", page_id(i))).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    let glyph_set: BTreeSet<u16> = used.keys().copied().collect();
    let (file, name) = match subset(FONT, &glyph_set) {
        Some(f) => (f, format!("{}+DejaVuSans", tag(&glyph_set))),
        None => (FONT.to_vec(), "DejaVuSans".to_string()),
    };
    objects.push(
        format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [4 0 R] /ToUnicode 7 0 R >>"
        )
        .into_bytes(),
    );
    let mut widths = String::new();
    for g in used.keys() {
        let _ = write!(widths, "{g} [{:.0}] ", font.advance(*g));
    }
    objects.push(
        format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 5 0 R /DW 600 /W [{widths}] /CIDToGIDMap /Identity >>"
        )
        .into_bytes(),
    );
    let scale = |v: i16| (v as f32 * 1000.0 / font.per_em).round();
    let bbox = font.face.global_bounding_box();
    objects.push(
        format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 6 0 R >>",
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
            scale(font.face.ascender()),
            scale(font.face.descender()),
            scale(font.face.capital_height().unwrap_or(font.face.ascender())),
        )
        .into_bytes(),
    );
    objects.push(stream(&format!("/Length1 {}", file.len()), &file));
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let pairs: Vec<(&u16, &char)> = used.iter().collect();
    for chunk in pairs.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", chunk.len());
        for (g, c) in chunk {
            let mut u = String::new();
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(u, "{unit:04X}");
            }
            let _ = writeln!(cmap, "<{g:04X}> <{u}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    objects.push(stream("", cmap.as_bytes()));
    objects.push(format!("<< /Title {} /Producer (hrx) >>", literal(title)).into_bytes());
    for (i, c) in contents.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                PAGE.0,
                PAGE.1,
                page_id(i) + 1
            )
            .into_bytes(),
        );
        objects.push(stream("", c.as_bytes()));
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(table, "{o:010} 00000 n ");
    }
    let _ =
        write!(table, "trailer\n<< /Size {} /Root 1 0 R /Info 8 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1);
    out.extend_from_slice(table.as_bytes());
    out
}

/// A stream object of `data`, deflated, with more `dict` entries.
fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let z = deflate(data);
    let mut o = format!("<< {dict} /Length {} /Filter /FlateDecode >>\nstream\n", z.len()).into_bytes();
    o.extend_from_slice(&z);
    o.extend_from_slice(b"\nendstream");
    o
}

/// A subset's tag: six capital letters from the glyphs it holds (as PDF
/// asks, so that two subsets of one font are told apart).
fn tag(glyphs: &BTreeSet<u16>) -> String {
    let mut h: u32 = 2_166_136_261;
    for g in glyphs {
        for b in g.to_be_bytes() {
            h = (h ^ b as u32).wrapping_mul(16_777_619);
        }
    }
    (0..6).map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char).collect()
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// A TrueType table's checksum: the sum of its big-endian words.
fn checksum(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |sum, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(w))
    })
}

/// The font with the outlines of `used` glyphs only (and of the glyphs
/// those are made of): every other glyph is left empty, so glyph ids stay
/// as they are (`/CIDToGIDMap /Identity`), and the tables a PDF reader
/// draws with are kept (not the character map, names, kerning or layout).
/// None if the font is not as expected.
fn subset(font: &[u8], used: &BTreeSet<u16>) -> Option<Vec<u8>> {
    let mut tables: BTreeMap<[u8; 4], &[u8]> = BTreeMap::new();
    for i in 0..be16(font, 4)? as usize {
        let r = 12 + 16 * i;
        let (at, len) = (be32(font, r + 8)? as usize, be32(font, r + 12)? as usize);
        tables.insert(font.get(r..r + 4)?.try_into().ok()?, font.get(at..at.checked_add(len)?)?);
    }
    let (head, loca, glyf) = (*tables.get(b"head")?, *tables.get(b"loca")?, *tables.get(b"glyf")?);
    let long = be16(head, 50)? == 1;
    let count = be16(tables.get(b"maxp")?, 4)? as usize;
    let offset = |g: usize| -> Option<usize> {
        if long { be32(loca, 4 * g).map(|o| o as usize) } else { be16(loca, 2 * g).map(|o| o as usize * 2) }
    };
    let outline = |g: usize| -> Option<&[u8]> { glyf.get(offset(g)?..offset(g + 1)?) };
    let mut keep: BTreeSet<u16> = used.iter().copied().filter(|g| (*g as usize) < count).collect();
    keep.insert(0);
    let mut todo: Vec<u16> = keep.iter().copied().collect();
    while let Some(g) = todo.pop() {
        let data = outline(g as usize)?;
        // A composite glyph (fewer than 0 contours) names its parts.
        if data.len() < 10 || i16::from_be_bytes([data[0], data[1]]) >= 0 {
            continue;
        }
        let mut p = 10;
        loop {
            let (flags, part) = (be16(data, p)?, be16(data, p + 2)?);
            if (part as usize) < count && keep.insert(part) {
                todo.push(part);
            }
            p += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            p += match flags {
                f if f & 0x0008 != 0 => 2,
                f if f & 0x0040 != 0 => 4,
                f if f & 0x0080 != 0 => 8,
                _ => 0,
            };
            if flags & 0x0020 == 0 {
                break;
            }
        }
    }
    let (mut new_glyf, mut new_loca) = (vec![], vec![]);
    for g in 0..count {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if keep.contains(&(g as u16)) {
            new_glyf.extend_from_slice(outline(g)?);
            new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let mut new_head = head.to_vec();
    new_head.get_mut(50..52)?.copy_from_slice(&1u16.to_be_bytes()); // long offsets
    new_head.get_mut(8..12)?.copy_from_slice(&[0; 4]); // the adjustment, set below
    let mut out: Vec<([u8; 4], Vec<u8>)> = vec![];
    for t in [b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep"] {
        let data = match t {
            b"glyf" => std::mem::take(&mut new_glyf),
            b"loca" => std::mem::take(&mut new_loca),
            b"head" => new_head.clone(),
            _ => match tables.get(t) {
                Some(d) => d.to_vec(),
                None => continue,
            },
        };
        out.push((*t, data));
    }
    let n = out.len() as u16;
    let power = 1u16 << (15 - n.leading_zeros() as u16);
    let mut file = vec![];
    file.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for v in [n, power * 16, power.trailing_zeros() as u16, n * 16 - power * 16] {
        file.extend_from_slice(&v.to_be_bytes());
    }
    let mut at = 12 + 16 * out.len();
    let mut head_at = 0;
    for (t, data) in &out {
        if t == b"head" {
            head_at = at;
        }
        file.extend_from_slice(t);
        for v in [checksum(data), at as u32, data.len() as u32] {
            file.extend_from_slice(&v.to_be_bytes());
        }
        at += data.len().next_multiple_of(4);
    }
    for (_, data) in &out {
        file.extend_from_slice(data);
        file.resize(file.len().next_multiple_of(4), 0);
    }
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&file));
    file.get_mut(head_at + 8..head_at + 12)?.copy_from_slice(&adjust.to_be_bytes());
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bounds(Option<ttf_parser::Rect>);
    impl ttf_parser::OutlineBuilder for Bounds {
        fn move_to(&mut self, _: f32, _: f32) {}
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }

    fn outline(face: &ttf_parser::Face, g: u16) -> Option<ttf_parser::Rect> {
        let mut b = Bounds(None);
        b.0 = face.outline_glyph(ttf_parser::GlyphId(g), &mut b);
        b.0
    }

    #[test]
    fn a_subset_draws_its_glyphs_as_the_whole_font_does_and_no_others() {
        let full = ttf_parser::Face::parse(FONT, 0).unwrap();
        // Accented letters are composites in DejaVu: their parts must come.
        let text = "Żółkiewska Ηλίας Трамадол é";
        let used: BTreeSet<u16> = text.chars().filter_map(|c| full.glyph_index(c)).map(|g| g.0).collect();
        let small = subset(FONT, &used).unwrap();
        assert!(small.len() < FONT.len() / 10, "{} bytes", small.len());
        let sub = ttf_parser::Face::parse(&small, 0).unwrap();
        assert_eq!(sub.number_of_glyphs(), full.number_of_glyphs(), "glyph ids unchanged");
        // Some of them are composites (fewer than 0 contours).
        let raw = full.raw_face();
        let (glyf, loca) = (
            raw.table(ttf_parser::Tag::from_bytes(b"glyf")).unwrap(),
            raw.table(ttf_parser::Tag::from_bytes(b"loca")).unwrap(),
        );
        let start = |g: u16| be32(loca, 4 * g as usize).unwrap() as usize;
        assert_eq!(be16(raw.table(ttf_parser::Tag::from_bytes(b"head")).unwrap(), 50), Some(1), "long offsets");
        let composites = used
            .iter()
            .filter(|g| start(**g + 1) > start(**g) && be16(glyf, start(**g)).is_some_and(|n| (n as i16) < 0))
            .count();
        assert!(composites > 0, "no composite glyph among {used:?}");
        for g in &used {
            assert_eq!(outline(&sub, *g), outline(&full, *g), "glyph {g}");
        }
        let other = full.glyph_index('Q').unwrap().0;
        assert!(outline(&full, other).is_some() && outline(&sub, other).is_none(), "Q is not drawn, so not kept");
        assert_eq!(checksum(&small), 0xB1B0_AFBA, "the file's checksum adjustment is right");
    }
}
