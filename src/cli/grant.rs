//! `hrx grant`.

use super::output::Out;
use crate::error::{Error, Result};
use crate::model::{Purpose, Right};
use crate::ops::Context;
use crate::ops::grant::{GrantRequest, grant, resolve_grantee};

/// Arguments of `hrx grant`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Revocation (hrx revoke) stops new entries from being encrypted to the grantee and ends its \
right to write. It cannot take back what the grantee already read or copied.")]
pub struct Args {
    /// The grantee: a certificate fingerprint in your keystore, or a certificate file
    pub grantee: String,
    /// Categories, comma-separated, or `all`: required (for --purpose emergency the default is the emergency summary)
    #[arg(long, value_delimiter = ',', value_name = "CATEGORIES", value_parser = super::categories())]
    pub categories: Vec<String>,
    /// Rights: read, read,write, or write (write alone: adds entries in these categories, reads only its own)
    #[arg(long, value_delimiter = ',', default_value = "read", value_parser = ["read", "write"])]
    pub rights: Vec<String>,
    /// Purpose: treatment, emergency or research
    #[arg(long, default_value = "treatment", value_parser = ["treatment", "emergency", "research"])]
    pub purpose: String,
    /// Valid from (YYYY-MM-DD or RFC 3339) [default: now]
    #[arg(long)]
    pub from: Option<String>,
    /// Valid until, exclusive (YYYY-MM-DD or RFC 3339) [default: open-ended]
    #[arg(long)]
    pub until: Option<String>,
    /// Also let the grantee read the existing entries in scope (always, for emergency grants)
    #[arg(long)]
    pub include_past: bool,
    /// A note for your own reference (stored in plain text)
    #[arg(long)]
    pub note: Option<String>,
}

/// Runs `hrx grant`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let purpose = match a.purpose.as_str() {
        "treatment" => Purpose::Treatment,
        "emergency" => Purpose::Emergency,
        "research" => Purpose::Research,
        o => {
            return Err(Error::Usage(format!(
                "--purpose: unknown purpose {o:?}; use treatment, emergency or research"
            )));
        }
    };
    let grantee = crate::crypto::cert::fpr(&resolve_grantee(ctx, &a.grantee)?);
    let mut req = if purpose == Purpose::Emergency && a.categories.is_empty() {
        GrantRequest::emergency(grantee)
    } else {
        GrantRequest::new(grantee, crate::model::parse::scope(&a.categories)?, crate::model::parse::rights(&a.rights)?)
    };
    if purpose == Purpose::Emergency && req.rights.contains(&Right::Write) {
        return Err(Error::Usage("an emergency grant is read-only; drop --rights write".into()));
    }
    req.purpose = purpose;
    req.from = a.from.as_deref().map(crate::model::parse::time).transpose()?;
    req.until = a.until.as_deref().map(crate::model::parse::time).transpose()?;
    req.note = a.note.clone();
    // Emergency grants always cover the past: an allergy recorded last year matters tonight.
    req.include_past = a.include_past || purpose == Purpose::Emergency;
    let done = grant(ctx, req)?;
    // On stderr either way: scripts see it in the JSON too.
    if let Some(w) = &done.warning {
        out.info(&format!("warning: {w}"));
    }
    if out.json {
        out.json("grant", &done);
    } else {
        out.line(&done.id);
        if a.include_past {
            out.info(&format!(
                "gave access to {} earlier entries{}",
                done.past_entries_opened,
                if done.past_entries_skipped > 0 {
                    format!(" ({} in scope you cannot read yourself were left out)", done.past_entries_skipped)
                } else {
                    String::new()
                }
            ));
        }
        if !done.past_entries_refused.is_empty() {
            out.info(&format!(
                "warning: {} earlier entries did not decrypt and authenticate and were NOT shared (damaged or forged; \
                 hrx verify names them): {}",
                done.past_entries_refused.len(),
                done.past_entries_refused.join(", ")
            ));
        }
    }
    Ok(super::exit::OK)
}
