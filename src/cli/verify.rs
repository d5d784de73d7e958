//! `hrx verify`.

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::verify::verify;

/// Arguments of `hrx verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Do not decrypt entries to check their inner signatures
    #[arg(long)]
    pub no_decrypt: bool,
    /// Accept a history older than the one this device verified in this copy before (an old backup restored on purpose)
    #[arg(long)]
    pub accept_rollback: bool,
}

/// Runs `hrx verify`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let r = verify(ctx, !a.no_decrypt, a.accept_rollback)?;
    if out.json {
        out.json("verify", &serde_json::json!({ "ok": true, "report": r }));
    } else {
        out.line(&format!(
            "ok: {} commits from root {} verified; patient {}{}",
            r.commits,
            &r.root[..12],
            r.patient,
            if r.pinned { "" } else { " (root not pinned on this device: taken from the repository)" }
        ));
        if let Some(g) = &r.gave_up {
            out.line(&format!("accepted as it is; given up: {}", crate::ops::device::describe(g)));
        }
        if let Some(p) = &r.patient_now {
            out.line(&format!("the patient's key is now {p} (handed over by rotation)"));
        }
        out.line(&format!(
            "{} entries; inner signatures checked: {}{}",
            r.entries,
            r.inner_checked,
            r.inner_skipped.as_ref().map(|s| format!(" (rest not checked: {s})")).unwrap_or_default()
        ));
        if !r.void.is_empty() {
            out.line(&format!(
                "{} void commit{} (kept, counting for nothing):",
                r.void.len(),
                if r.void.len() == 1 { "" } else { "s" }
            ));
            for (c, why) in &r.void {
                out.line(&format!("  void {}: {}", &c[..12.min(c.len())], crate::model::text::printable(why)));
            }
        }
    }
    Ok(super::exit::OK)
}
