//! `hrx hook`: the hub side of a provider's git server.

use std::io::Read;

use clap::Subcommand;

use super::output::Out;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::ops::hub;

/// Hook subcommands.
#[derive(Subcommand, Debug)]
pub enum HookCommand {
    /// Make a bare repository (-C DIR) a hub that refuses every push that would not verify
    #[command(after_help = "Verifies what the hub holds already, writes hooks/pre-receive to run `hrx hook \
pre-receive` on every push (through git daemon, ssh, https or a plain `git push` to a path), points HEAD at main \
(so a plain `git clone` of the hub checks out the record) and sets receive.denyDeletes and \
receive.denyNonFastForwards. Pushes by hrx to a path remote go through libgit2, which runs no hooks: hrx verifies \
before it pushes.")]
    Install {
        /// The patient whose record the hub holds (fingerprint): the first push must be hers
        #[arg(long, value_name = "FPR")]
        patient: Option<String>,
        /// Replace a pre-receive hook that is not hrx's
        #[arg(long)]
        force: bool,
    },
    /// Judge a push (run by git's receive-pack, reading "OLD NEW REF" lines)
    #[command(after_help = "Refuses (exit non-zero, with the reason shown to the pusher) any update of a ref other \
than main, a deletion of main, a push that does not build on what the hub holds, and history that does not verify \
from its root (or, on an empty hub, is not the record of the patient `hook install --patient` named).")]
    PreReceive,
}

/// Runs a hook subcommand. Needs no keystore: a hub judges signatures and
/// policy, and reads nothing encrypted.
pub fn run(dir: Option<&std::path::Path>, cmd: &HookCommand, out: &Out) -> Result<i32> {
    let here = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().map_err(|e| Error::io(".", e))?,
    };
    let now = Clock::from_env()?.now();
    match cmd {
        HookCommand::Install { patient, force } => {
            let patient = patient
                .as_deref()
                .map(|p| {
                    crate::model::parse_fpr(p)
                        .ok_or_else(|| Error::Usage(format!("--patient {p:?} is not a fingerprint (40 hex digits)")))
                })
                .transpose()?;
            let exe = std::env::current_exe().map_err(|e| Error::io("hrx's own path", e))?;
            let done = hub::install(&here, &exe, patient.as_ref(), *force, now)?;
            if done.patient.is_none() {
                out.info("hrx: warning: no patient named: the first record pushed here claims this hub; name hers with --patient FPR");
            }
            if out.json {
                out.json("hook-install", &done);
            } else {
                out.line(&format!(
                    "{} is a hub: every push is verified from the root ({} commits there now){}",
                    done.hub,
                    done.commits,
                    done.patient.as_deref().map(|p| format!("; the record of {p} only")).unwrap_or_default()
                ));
            }
        }
        HookCommand::PreReceive => {
            let mut input = String::new();
            std::io::stdin()
                .take(hub::MAX_INPUT as u64 + 1)
                .read_to_string(&mut input)
                .map_err(|e| Error::io("the ref updates on standard input", e))?;
            if input.len() > hub::MAX_INPUT {
                return Err(Error::Denied(format!(
                    "the push sends more than {} KiB of ref updates; a hub takes one update of main; nothing was taken",
                    hub::MAX_INPUT >> 10
                )));
            }
            let updates = hub::parse_updates(&input)?;
            let (rec, quarantine) = hub::open_for_hook(&here)?;
            let ok = hub::check_push(&rec, quarantine.as_deref(), &updates, now).map_err(for_the_pusher)?;
            // On standard error: git shows it to the pusher.
            out.info(&format!(
                "hrx: verified {} commits from the root of {}'s record; main may move to {}",
                ok.commits,
                ok.patient,
                &ok.head[..12]
            ));
        }
    }
    Ok(super::exit::OK)
}

/// A refusal said to the pusher about the hub (the verifier's wording
/// speaks of a local copy, which the hub is not).
fn for_the_pusher(e: Error) -> Error {
    match e {
        Error::Refused(f) => Error::Denied(format!("push refused ({}): {}", f.code, f.reason)),
        other => other,
    }
}
