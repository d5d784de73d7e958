//! `hrx sync`.

use super::output::Out;
use super::progress::Progress;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::sync::sync;

/// Arguments of `hrx sync`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Fetches, verifies every new commit from the pinned root, integrates (fast-forward, or a \
signed merge when both sides appended) and pushes. A remote whose history was rewritten or rolled back, or that \
carries anything that does not verify, is refused and the local record stays as it was.")]
pub struct Args {
    /// The remote [default: all remotes]
    pub remote: Option<String>,
    /// Sync with every remote
    #[arg(long, conflicts_with = "remote")]
    pub all: bool,
    /// Accept commits that arrive more than 7 days after their signer's grant ended
    /// (offline work delivered late, or backdated: you decide)
    #[arg(long)]
    pub accept_late: bool,
}

/// Runs `hrx sync`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let mut p = Progress::new(out.quiet || out.json);
    let done =
        sync(ctx, if a.all { None } else { a.remote.as_deref() }, a.accept_late, &mut |w, d, t| p.report(w, d, t))?;
    drop(p);
    if out.json {
        out.json("sync", &done);
        return Ok(super::exit::OK);
    }
    for s in &done {
        out.line(&format!("{}: {}{}", s.remote, s.integrated.describe(), if s.pushed { "; pushed" } else { "" }));
        for f in &s.integrated.forks {
            out.line(&format!(
                "FORK: {} ({}) signed both {} (here) and {} ({}), which do not contain each other",
                f.name,
                f.signer,
                &f.local[..12],
                &f.remote[..12],
                s.remote
            ));
        }
    }
    Ok(super::exit::OK)
}
