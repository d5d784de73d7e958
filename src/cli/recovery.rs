//! `hrx recovery setup|status|start|approve|finish`.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::output::Out;
use crate::error::Result;
use crate::model::text::printable;
use crate::ops::Context;
use crate::ops::recovery;

/// Recovery subcommands.
#[derive(Subcommand, Debug)]
pub enum RecoveryCommand {
    /// Let trustees recover your key together (the patient, once)
    #[command(after_help = "Your secret key goes into the record encrypted with a random secret; the secret is \
split into one share per trustee (Shamir's scheme), each encrypted to that trustee alone. Any THRESHOLD of them \
can together give your key back to you on a new device; fewer learn nothing. Who the trustees are is visible to \
anyone with a copy; their shares are not. Running it again (adding or removing a trustee, another threshold) replaces \
the set-up and replaces your key too (hrx key rotate): the earlier trustees' shares, which stay in the history, \
then open only the old key, which signs nothing, and only the new set-up's trustees hold shares of the new one. \
--no-rotate keeps the key, and the earlier shares with it.")]
    Setup {
        /// The trustees' fingerprints (or unique prefixes), comma-separated: participants, or certificates in your keystore
        #[arg(long, value_delimiter = ',', required = true, value_name = "FPR,FPR,...")]
        trustees: Vec<String>,
        /// How many trustees must approve a recovery (at least 2)
        #[arg(long, required = true)]
        threshold: u8,
        /// When it replaces a set-up of your key: keep the key instead of
        /// replacing it (the earlier trustees' shares then still open it)
        #[arg(long)]
        no_rotate: bool,
        /// Store the new secret key of the rotation without a passphrase
        #[arg(long, conflicts_with = "no_rotate")]
        no_passphrase: bool,
    },
    /// Who holds shares of the patient's key, and whether the set-up is current
    Status,
    /// On a new device with a copy of the record: ask the trustees for the patient's key
    #[command(after_help = "Makes a one-time key (kept in this device's keystore, protected by the passphrase) \
and writes a request to send to each trustee. Tell each trustee the request's code by phone or in person: they \
check it before approving. Then run hrx recovery finish with their approvals.")]
    Start {
        /// Where to write the request
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Keep the one-time key without a passphrase (and the recovered key, later)
        #[arg(long)]
        no_passphrase: bool,
    },
    /// As a trustee: approve a recovery request with your share
    #[command(after_help = "Check the code printed here against the one the patient (or her guardian) tells \
you by phone or in person before you send the approval: whoever holds enough approvals holds her key.")]
    Approve {
        /// The request file (from hrx recovery start)
        request: PathBuf,
        /// Where to write the approval, for the requester
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Finish a recovery with the trustees' approvals: the patient's key is back in this keystore
    Finish {
        /// The approval files
        #[arg(required = true)]
        approvals: Vec<PathBuf>,
        /// Keep the recovered key without a passphrase
        #[arg(long)]
        no_passphrase: bool,
    },
}

/// Reads a request or an approval.
fn read_small(p: &Path) -> Result<Vec<u8>> {
    crate::fsutil::read_small(p, recovery::MAX_FILE as u64, "a recovery file")
}

/// Runs a recovery subcommand.
pub fn run(ctx: &mut Context, cmd: &RecoveryCommand, out: &Out) -> Result<i32> {
    match cmd {
        RecoveryCommand::Setup { trustees, threshold, no_rotate, no_passphrase } => {
            // A set-up replacing one of the same key rotates the key, so
            // that the earlier shares open nothing that signs; the new
            // passphrase is asked before anything is written.
            let me = ctx.key_fpr()?;
            let rotate = !*no_rotate && recovery::status(ctx)?.is_some_and(|s| s.key == me);
            let pw = if rotate && !*no_passphrase { Some(ctx.passphrase.new_passphrase()?) } else { None };
            let s = recovery::setup(ctx, trustees, *threshold)?;
            let rotated = if rotate { Some(crate::ops::key::rotate(ctx, pw)?) } else { None };
            if out.json {
                let mut v = serde_json::to_value(&s).expect("serialises");
                if let Some(r) = &rotated {
                    v["rotated"] = serde_json::to_value(r).expect("serialises");
                }
                out.json("recovery", &v);
            } else {
                out.line(&s.id.to_string());
                out.info(&format!(
                    "any {} of {} trustees can now recover your key ({}), in commit {}; sync so that their copies have their shares",
                    s.threshold,
                    s.trustees.len(),
                    s.trustees.iter().map(|t| printable(&t.name)).collect::<Vec<_>>().join(", "),
                    &s.commit[..12]
                ));
                match &rotated {
                    Some(r) => out.info(&format!(
                        "your key {} is replaced by {} (now your default key); the trustees hold shares of the new key only",
                        r.from, r.to
                    )),
                    None if s.earlier_still_opens => out.info(
                        "warning: the earlier set-up's trustees can still open your current key together (--no-rotate); to shut them out, replace your key: hrx key rotate",
                    ),
                    None => {}
                }
            }
        }
        RecoveryCommand::Status => {
            let s = recovery::status(ctx)?;
            if out.json {
                out.json("recovery", &s);
                return Ok(super::exit::OK);
            }
            let Some(s) = s else {
                out.line(
                    "no recovery set-up: the patient makes one with hrx recovery setup --trustees ... --threshold N",
                );
                return Ok(super::exit::OK);
            };
            out.line(&format!(
                "set-up {} of {}: any {} of {} trustees recover key {}",
                s.id,
                s.at.format("%Y-%m-%d"),
                s.threshold,
                s.trustees.len(),
                s.key
            ));
            for t in &s.trustees {
                out.line(&format!(
                    "  {}  {}{}",
                    t.identity.fingerprint,
                    printable(&t.identity.name),
                    t.problem.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()
                ));
            }
            if s.current {
                out.line("current: yes");
            } else {
                for p in &s.problems {
                    out.line(&format!("current: no: {p}"));
                }
            }
        }
        RecoveryCommand::Start { output, no_passphrase } => {
            crate::fsutil::refuse_existing(output)?;
            let pw = if *no_passphrase { None } else { Some(ctx.passphrase.new_passphrase()?) };
            let s = recovery::start(ctx, pw)?;
            crate::fsutil::write_private(output, s.request.as_bytes())?;
            if out.json {
                out.json("request", &s);
            } else {
                out.line(&s.code);
                out.info(&format!(
                    "wrote the request to {}: send it to {} of the trustees ({}) and tell each the code {} by phone or in person; then run hrx recovery finish with their approvals",
                    output.display(),
                    s.threshold,
                    s.trustees.iter().map(|t| printable(&t.name)).collect::<Vec<_>>().join(", "),
                    s.code
                ));
            }
        }
        RecoveryCommand::Approve { request, output } => {
            crate::fsutil::refuse_existing(output)?;
            let bytes = read_small(request)?;
            let a = recovery::approve(ctx, &bytes)?;
            crate::fsutil::write_private(output, a.approval.as_bytes())?;
            if out.json {
                out.json("approval", &a);
            } else {
                out.line(&a.code);
                out.info(&format!(
                    "wrote your approval to {}; send it to the requester only after checking that the code {} is the one the patient gave you",
                    output.display(),
                    a.code
                ));
            }
        }
        RecoveryCommand::Finish { approvals, no_passphrase } => {
            let files = approvals.iter().map(|p| read_small(p)).collect::<Result<Vec<_>>>()?;
            let pw = if *no_passphrase { None } else { Some(ctx.passphrase.new_passphrase()?) };
            let f = recovery::finish(ctx, &files, pw)?;
            if out.json {
                out.json("recovered", &f);
            } else {
                out.line(&f.key);
                out.info(&format!(
                    "the patient's key {} is back in this keystore (now the default), approved by {} trustees; if a lost device may be in someone else's hands, replace the key now: hrx key rotate",
                    f.key,
                    f.approved_by.len()
                ));
            }
        }
    }
    Ok(super::exit::OK)
}
