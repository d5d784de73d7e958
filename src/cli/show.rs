//! `hrx show ID`.

use super::output::{Out, Style};
use crate::crypto::message::SignatureStatus;
use crate::error::{Error, Result};
use crate::model::attachment;
use crate::model::text::printable;
use crate::ops::Context;
use crate::ops::read::show;

/// Arguments of `hrx show`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Entry id (or a unique prefix)
    pub id: String,
    /// Show coded terms in this language where the record has it (else English, else the original)
    #[arg(long, value_name = "LANG", value_hint = clap::ValueHint::Other)]
    pub lang: Option<String>,
    /// Write the entry's attached file to PATH (decrypted: you choose where)
    #[arg(long, value_name = "PATH")]
    pub save_attachment: Option<std::path::PathBuf>,
}

/// Runs `hrx show`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let v = show(ctx, &a.id)?;
    if let Some(path) = &a.save_attachment {
        let record =
            v.record.as_ref().ok_or_else(|| Error::Key(format!("entry {} is not readable with your keys", v.id)))?;
        let bytes = attachment::bytes(record)
            .ok_or_else(|| Error::NotFound(format!("entry {} has no attachment", v.id)))?
            .map_err(Error::Invalid)?;
        crate::fsutil::write_private(path, &bytes)?;
        out.info(&format!("wrote {} bytes to {}", bytes.len(), path.display()));
    }
    if out.json {
        out.json("entry", &v);
        return Ok(super::exit::OK);
    }
    out.page();
    out.line(&format!("entry:      {}", v.id));
    if let Some(c) = &v.clinical {
        out.line(&format!("happened:   {c}"));
    }
    out.line(&format!("recorded:   {}", v.date.to_rfc3339()));
    out.line(&format!("category:   {}", v.category));
    // Everything below the header lines comes from the entry or a
    // certificate: one line each, whatever it holds (a newline in a name
    // or a display must not forge a line of hrx's own).
    out.line(&format!("committed:  {} by {} ({})", &v.commit[..12], printable(&v.author.name), v.author.fingerprint));
    for r in &v.recipients {
        let who = match (&r.name, &r.fingerprint) {
            (Some(n), Some(f)) => format!("{} ({f})", printable(n)),
            _ => format!("unknown key {}", r.key_id),
        };
        out.line(&format!("encrypted to: {who}"));
    }
    for r in &v.later_readers {
        let who =
            format!("{} ({})", printable(r.name.as_deref().unwrap_or("?")), r.fingerprint.as_deref().unwrap_or("?"));
        let since = match (&r.granted_at, &r.granted_in) {
            (Some(t), Some(c)) => {
                format!(" since {} (commit {})", t.format("%Y-%m-%d %H:%M UTC"), &c[..12.min(c.len())])
            }
            _ => String::new(),
        };
        out.line(&format!("later access: {who}{since} (its key wrapped for them after it was written)"));
    }
    if let Some(by) = v.entered_by {
        out.line(&format!("entered by: {}", by.describe()));
    }
    if let Some(e) = &v.entry {
        for a in e.record.get("attributed").and_then(serde_json::Value::as_array).into_iter().flatten() {
            out.line(&format!(
                "{}: {}",
                a["role"].as_str().unwrap_or("by"),
                printable(&crate::model::entry::party_text(a))
            ));
        }
    }
    match &v.signature {
        Some(SignatureStatus::Good { signer, time }) => out.parts(&[
            (Style::Plain, "signature:  ".to_string()),
            (Style::Good, "good".to_string()),
            (Style::Plain, format!(", by {signer} at {}", time.to_rfc3339())),
        ]),
        Some(other) => out.parts(&[
            (Style::Plain, "signature:  ".to_string()),
            (Style::Bad, "NOT GOOD".to_string()),
            (Style::Plain, format!(": {other:?}")),
        ]),
        None => {}
    }
    if let Some(why) = &v.void {
        out.parts(&[
            (Style::Bad, "VOID:"),
            (Style::Plain, "       this entry counts for nothing: "),
            (Style::Plain, &printable(why)),
        ]);
    }
    for p in &v.problems {
        out.parts(&[(Style::Warn, "WARNING:"), (Style::Plain, "    "), (Style::Plain, &printable(p))]);
    }
    match &v.entry {
        Some(e) => {
            let lang = a.lang.as_deref();
            for field in ["code", "substance", "medication", "vaccine", "device_type", "directive"] {
                if let Some(t) = e.record.get(field).and_then(|c| crate::model::entry::display_of(c, lang)) {
                    let pad = " ".repeat(11usize.saturating_sub(field.len() + 1));
                    out.line(&format!("{field}:{pad}{}", printable(&t)));
                }
            }
            out.line("---");
            out.line(e.to_yaml().trim_end());
        }
        None => out.line("(not readable with your keys: it is not encrypted to you)"),
    }
    Ok(super::exit::OK)
}
