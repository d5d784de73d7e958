//! `hrx clone`.

use std::path::PathBuf;

use super::output::Out;
use super::progress::Progress;
use crate::error::Result;
use crate::model::text::printable;
use crate::ops::Context;
use crate::ops::sync::clone;

/// Arguments of `hrx clone`.
#[derive(clap::Args, Debug)]
#[command(after_help = "The record is verified from its root before it is usable. Compare the trust root it prints \
with what the patient reads out to you, or pass it with --trust-root.")]
pub struct Args {
    /// A git URL (path, file://, git://, ssh, https) or a bundle file
    pub source: String,
    /// Directory to create [default: the last part of SOURCE]
    // Its own id: sharing the global -C's id ("dir") made clap fill both.
    #[arg(id = "record_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The patient's fingerprint or the root commit, as the patient reads it out
    #[arg(long, value_name = "FPR|COMMIT")]
    pub trust_root: Option<String>,
}

/// Runs `hrx clone`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let dir = match &a.dir {
        Some(d) if d.is_absolute() => d.clone(),
        Some(d) => ctx.dir.join(d),
        None => {
            let base = a.source.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or("record");
            ctx.dir.join(base.trim_end_matches(".git").trim_end_matches(".bundle"))
        }
    };
    let mut p = Progress::new(out.quiet || out.json);
    let done = clone(ctx, &a.source, &dir, a.trust_root.as_deref(), &mut |w, d, t| p.report(w, d, t))?;
    drop(p);
    if out.json {
        out.json("clone", &done);
    } else {
        out.line(&format!("cloned the record of {} into {}", printable(&done.patient_name), printable(&done.path)));
        out.line(&format!("trust root: patient {}", done.patient));
        out.line(&format!("            root commit {}", done.root));
        out.line(&format!("verified {} commits, {} entries", done.commits, done.entries));
        if a.trust_root.is_none() {
            out.info("compare the trust root with what the patient reads out to you");
        }
    }
    Ok(super::exit::OK)
}
