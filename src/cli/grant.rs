//! `hrx grant`.

use super::log::parse_time;
use super::output::Out;
use crate::error::{Error, Result};
use crate::model::statement::{AllWord, Scope};
use crate::model::{Purpose, Right};
use crate::ops::Context;
use crate::ops::grant::{GrantRequest, grant};

/// Arguments of `hrx grant`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The grantee's certificate fingerprint (import it first with `hrx key import`)
    pub grantee: String,
    /// Categories, comma-separated, or `all`
    #[arg(long, value_delimiter = ',', required = true)]
    pub categories: Vec<String>,
    /// Rights: read, or read,write
    #[arg(long, value_delimiter = ',', default_value = "read")]
    pub rights: Vec<String>,
    /// Purpose: treatment, emergency or research
    #[arg(long, default_value = "treatment")]
    pub purpose: String,
    /// Valid from (YYYY-MM-DD or RFC 3339) [default: now]
    #[arg(long)]
    pub from: Option<String>,
    /// Valid until, exclusive (YYYY-MM-DD or RFC 3339) [default: open-ended]
    #[arg(long)]
    pub until: Option<String>,
    /// A note for your own reference (stored in plain text)
    #[arg(long)]
    pub note: Option<String>,
}

/// Runs `hrx grant`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let categories = if a.categories.iter().any(|c| c == "all") {
        Scope::All(AllWord::All)
    } else {
        Scope::Some(
            a.categories
                .iter()
                .map(|c| c.parse().map_err(|e: crate::model::category::UnknownCategory| Error::Usage(e.to_string())))
                .collect::<Result<_>>()?,
        )
    };
    let mut rights = a
        .rights
        .iter()
        .map(|r| match r.as_str() {
            "read" => Ok(Right::Read),
            "write" => Ok(Right::Write),
            o => Err(Error::Usage(format!("--rights: unknown right {o:?}; use read or read,write"))),
        })
        .collect::<Result<Vec<_>>>()?;
    rights.sort();
    rights.dedup();
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
    let grantee = ctx.keystore.resolve(Some(&a.grantee))?;
    let req = GrantRequest {
        grantee,
        categories,
        rights,
        purpose,
        from: a.from.as_deref().map(parse_time).transpose()?,
        until: a.until.as_deref().map(parse_time).transpose()?,
        note: a.note.clone(),
    };
    let done = grant(ctx, req)?;
    if out.json {
        out.json("grant", &done);
    } else {
        out.line(&done.id);
    }
    Ok(super::exit::OK)
}
