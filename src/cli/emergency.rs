//! `hrx emergency open`.

use clap::Subcommand;

use super::log::line;
use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::emergency::open;

/// Emergency subcommands.
#[derive(Subcommand, Debug)]
pub enum EmergencyCommand {
    /// Break the glass: record a signed access event, then show the emergency summary
    #[command(after_help = "Only a key the patient pre-authorised with `hrx grant KEY --purpose emergency` can do \
this. The access event (who, when, why) is appended to the record and shown to the patient in `hrx audit`; \
the summary stays open to this key for 24 hours.")]
    Open {
        /// Why: required, it is the accountability (stored in plain text in the record: keep it short, no diagnosis)
        #[arg(long)]
        reason: String,
    },
}

/// Runs an emergency subcommand.
pub fn run(ctx: &mut Context, cmd: &EmergencyCommand, out: &Out) -> Result<i32> {
    match cmd {
        EmergencyCommand::Open { reason } => {
            let done = open(ctx, Some(reason.clone()))?;
            if out.json {
                out.json("emergency", &done);
            } else {
                out.info(&format!("emergency access recorded as {} (commit {})", done.event, &done.commit[..12]));
                for e in &done.entries {
                    out.line(&line(e, false));
                }
            }
        }
    }
    Ok(super::exit::OK)
}
