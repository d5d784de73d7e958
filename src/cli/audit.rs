//! `hrx audit`.

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::audit::audit;

/// Arguments of `hrx audit`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `hrx audit`. Exits 1 if the history does not verify (after listing it).
pub fn run(ctx: &mut Context, _a: &Args, out: &Out) -> Result<i32> {
    let a = audit(ctx)?;
    if out.json {
        out.json("audit", &a);
    } else {
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
            let mark = match (e.emergency, e.status) {
                (true, _) => "!!",
                (_, "verified") if !e.warnings.is_empty() => "!?",
                (_, "verified") => "ok",
                (_, "failed") => "XX",
                (_, "void") => "VV",
                _ => "??",
            };
            out.line(&format!("{mark} {}  {}  {}", e.time.format("%Y-%m-%d %H:%M"), &e.commit[..12], who));
            for act in &e.actions {
                out.line(&format!("      {act}"));
            }
            if let Some(p) = &e.problem {
                out.line(&format!("      DOES NOT VERIFY: {p}"));
            }
            for w in &e.warnings {
                out.line(&format!("      LATE: {w}"));
            }
        }
    }
    Ok(if a.verified { super::exit::OK } else { super::exit::VERIFY_FAILED })
}
