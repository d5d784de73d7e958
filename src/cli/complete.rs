//! `hrx complete WHAT`: the values shell completion offers that only the
//! record and the keystore know (entry ids, grants, fingerprints, remotes,
//! display languages), one per line. Hidden: the completion scripts in
//! `completions/` call it. It never asks for a passphrase and never
//! decrypts: entry ids come from the verified metadata.

use std::io::Write;

use crate::error::{Error, Result};
use crate::ops::Context;

/// Arguments of `hrx complete`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to list
    #[arg(value_parser = ["entries", "grants", "fingerprints", "keys", "remotes", "languages"])]
    pub what: String,
}

/// Runs `hrx complete`.
pub fn run(ctx: &mut Context, a: &Args) -> Result<i32> {
    let now = ctx.clock.now();
    let values: Vec<String> = match a.what.as_str() {
        "languages" => crate::fhir::i18n::LANGUAGES.iter().map(|l| l.to_string()).collect(),
        "keys" => ctx.keystore.list(now)?.into_iter().filter(|k| k.secret).map(|k| k.identity.fingerprint).collect(),
        "fingerprints" => ctx.keystore.list(now)?.into_iter().map(|k| k.identity.fingerprint).collect(),
        "entries" => {
            let rec = ctx.record()?;
            let v = crate::ops::verified(ctx, &rec)?;
            // Newest first: the one just written is the likeliest.
            v.entries.iter().rev().map(|e| e.id.to_string()).collect()
        }
        "grants" => crate::ops::grant::list(ctx, false)?.into_iter().map(|g| g.id).collect(),
        _ => crate::ops::sync::remotes(&ctx.record()?)?.into_iter().map(|(name, _)| name).collect(),
    };
    let mut o = std::io::stdout().lock();
    for v in values {
        // Only what a shell word can be: nothing from a certificate or a
        // record reaches the terminal raw.
        if v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            writeln!(o, "{v}").map_err(|e| Error::io("stdout", e))?;
        }
    }
    Ok(super::exit::OK)
}
