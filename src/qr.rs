//! QR codes for what a person scans or prints: a key's paper backup, a
//! SMART Health Link. One encoder (level M, as both the paper backup and
//! the SMART Health Links specification ask for) and three drawings of
//! it: Unicode blocks for a terminal or a monospace printout, SVG, PNG.

use std::io::Write;

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{Error, Result};

/// Modules of light margin around a code, as the QR standard asks for
/// (scanners need it to find the code).
pub const QUIET: usize = 4;

/// The QR code of `text` at error correction level M, or why not (`what`
/// names the text in the error: "the key", "the link").
pub fn encode(text: &str, what: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Invalid(format!("{what} is too large for a QR code: {e}")))
}

/// Whether module (x, y) of `code` is dark; the quiet zone around it (and
/// anything outside) is light. `x` and `y` count from the zone's corner.
fn dark(code: &QrCode, x: usize, y: usize) -> bool {
    let w = code.width();
    let (Some(x), Some(y)) = (x.checked_sub(QUIET), y.checked_sub(QUIET)) else { return false };
    x < w && y < w && code[(x, y)] == Color::Dark
}

/// How a code drawn in characters meets the eye: the glyphs are printed in
/// the foreground colour, so which modules they draw depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ink {
    /// Dark glyphs on light paper (a monospace printout): the dark modules are drawn.
    Paper,
    /// A terminal: light modules are drawn, so that on the usual dark
    /// background the code reads dark on light; with `ansi`, every line
    /// also sets white on black, for a terminal with a light background.
    Screen {
        /// Whether to set the colours with ANSI escapes.
        ansi: bool,
    },
}

/// The code drawn with Unicode half blocks, two rows of modules per line,
/// with its quiet zone.
pub fn blocks(code: &QrCode, ink: Ink) -> String {
    let side = code.width() + 2 * QUIET;
    let drawn = |x: usize, y: usize| y < side && dark(code, x, y) == (ink == Ink::Paper);
    let ansi = matches!(ink, Ink::Screen { ansi: true });
    let mut out = String::with_capacity(side * side * 2);
    for y in (0..side).step_by(2) {
        if ansi {
            out.push_str("\x1b[97;40m");
        }
        for x in 0..side {
            out.push(match (drawn(x, y), drawn(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        if ansi {
            out.push_str("\x1b[0m");
        }
        out.push('\n');
    }
    out
}

/// The code as a standalone SVG image, `mm` millimetres square (quiet
/// zone included), one path of dark modules.
pub fn svg(code: &QrCode, mm: u32) -> String {
    let side = code.width() + 2 * QUIET;
    let mut path = String::new();
    for y in 0..side {
        for x in 0..side {
            if dark(code, x, y) {
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{mm}mm\" height=\"{mm}mm\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\">\n<rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"{path}\"/>\n</svg>\n"
    )
}

/// The code as a PNG image: 8-bit greyscale, `scale` pixels per module,
/// quiet zone included. Written here (a few chunks) rather than with an
/// image library: hrx needs no other image.
pub fn png(code: &QrCode, scale: usize) -> Vec<u8> {
    let side = (code.width() + 2 * QUIET) * scale;
    let mut raw = Vec::with_capacity((side + 1) * side);
    for py in 0..side {
        raw.push(0); // filter: none
        for px in 0..side {
            raw.push(if dark(code, px / scale, py / scale) { 0 } else { 255 });
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw).expect("writing to memory");
    let idat = z.finish().expect("writing to memory");
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&(side as u32).to_be_bytes());
    ihdr.extend_from_slice(&(side as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8 bits, greyscale, deflate, no filter, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", &ihdr[..]), (b"IDAT", &idat[..]), (b"IEND", &[][..])] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

/// An image file a code can be drawn into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Image {
    /// PNG, 8 pixels a module.
    Png,
    /// SVG, 60 mm square.
    Svg,
}

/// What `path` would be drawn as, as its extension says (`.png` or
/// `.svg`), if nothing is there yet: checked before any work is done.
pub fn image_file(path: &std::path::Path) -> Result<Image> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let kind = match ext.as_deref() {
        Some("png") => Image::Png,
        Some("svg") => Image::Svg,
        _ => {
            return Err(Error::Usage(format!(
                "{}: a QR code is written as .png or .svg; name the file so",
                path.display()
            )));
        }
    };
    crate::fsutil::refuse_existing(path)?;
    Ok(kind)
}

/// The code drawn into the file `path` (see [`image_file`]); never over an
/// existing file.
pub fn write_image(code: &QrCode, path: &std::path::Path) -> Result<()> {
    let bytes = match image_file(path)? {
        Image::Png => png(code, 8),
        Image::Svg => svg(code, 60).into_bytes(),
    };
    crate::fsutil::write_private(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawings_hold_the_same_modules() {
        let code = encode("shlink:/eyJ0ZXN0Ijp0cnVlfQ", "the link").unwrap();
        let side = code.width() + 2 * QUIET;
        // Blocks: two rows a line, light drawn on a screen.
        let text = blocks(&code, Ink::Screen { ansi: false });
        let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
        assert_eq!(lines.len(), side.div_ceil(2));
        for y in 0..side {
            assert_eq!(lines[y / 2].len(), side);
            for (x, &c) in lines[y / 2].iter().enumerate() {
                let light = if y % 2 == 0 { matches!(c, '█' | '▀') } else { matches!(c, '█' | '▄') };
                assert_eq!(light, !dark(&code, x, y), "module ({x}, {y})");
            }
        }
        // The quiet zone is light all round; on paper, it is left blank.
        assert!(lines[0].iter().all(|c| *c == '█'));
        let paper = blocks(&code, Ink::Paper);
        assert!(paper.lines().next().unwrap().chars().all(|c| c == ' '));
        // A cell of two dark modules: a full block on paper, a blank on a screen.
        let count = |t: &str, g: char| t.chars().filter(|c| *c == g).count();
        assert_eq!(count(&paper, '█'), count(&text, ' '));
        // PNG: the signature, and the size in IHDR.
        let p = png(&code, 3);
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(u32::from_be_bytes(p[16..20].try_into().unwrap()) as usize, side * 3);
        assert!(svg(&code, 60).contains(&format!("viewBox=\"0 0 {side} {side}\"")));
    }

    #[test]
    fn too_much_for_a_code_is_said() {
        let Err(e) = encode(&"x".repeat(4000), "the link") else { panic!("4000 bytes in a QR code") };
        assert!(e.to_string().contains("the link is too large for a QR code"), "{e}");
    }
}
