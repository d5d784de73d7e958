//! `hrx audit`.

use super::output::{Out, Style};
use crate::error::{Error, Result};
use crate::ops::Context;
use crate::ops::audit::{Status, audit};

/// Arguments of `hrx audit`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `hrx audit`. Exits 1 if the history does not verify (after listing it).
pub fn run(ctx: &mut Context, _a: &Args, out: &Out) -> Result<i32> {
    let a = audit(ctx)?;
    if out.json {
        out.json("audit", &a);
    } else {
        out.page();
        for e in &a.events {
            let who = match &e.signer {
                Some(s) => {
                    let org = [s.organisation.clone(), s.country.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                    if org.is_empty() { s.name.clone() } else { format!("{} ({org})", s.name) }
                }
                None => "(signer not verified)".into(),
            };
            let (mark, style) = match (e.emergency, e.status) {
                (true, _) => ("!!", Style::Warn),
                (_, Status::Verified) if !e.warnings.is_empty() => ("!?", Style::Warn),
                (_, Status::Verified) => ("ok", Style::Good),
                (_, Status::Failed) => ("XX", Style::Bad),
                (_, Status::Void) => ("VV", Style::Bad),
                (_, Status::Unverified) => ("??", Style::Warn),
            };
            out.parts(&[
                (style, mark.to_string()),
                (Style::Plain, format!(" {}  ", e.time.format("%Y-%m-%d %H:%M"))),
                (Style::Dim, e.commit[..12].to_string()),
                (Style::Plain, format!("  {who}")),
            ]);
            for act in &e.actions {
                out.line(&format!("      {}", act.text));
            }
            if let Some(p) = &e.problem {
                out.parts(&[
                    (Style::Plain, "      "),
                    (Style::Bad, "DOES NOT VERIFY:"),
                    (Style::Plain, &format!(" {p}")),
                ]);
            }
            for w in &e.warnings {
                out.parts(&[(Style::Plain, "      "), (Style::Warn, "LATE:"), (Style::Plain, &format!(" {w}"))]);
            }
        }
        // A failure no listed commit shows (a head that cannot be read at
        // all): said as every command says it, not an empty listing.
        if let Some(f) = &a.failure
            && !a.events.iter().any(|e| e.problem.is_some())
        {
            out.finish();
            return Err(Error::Verification(f.clone()));
        }
    }
    Ok(if a.verified { super::exit::OK } else { super::exit::VERIFY_FAILED })
}
