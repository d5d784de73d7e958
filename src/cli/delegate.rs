//! `hrx delegate`.

use super::output::Out;
use crate::error::{Error, Result};
use crate::model::Right;
use crate::model::statement::{AllWord, Role, Scope};
use crate::ops::Context;
use crate::ops::grant::{GrantRequest, grant, resolve_grantee};

/// Arguments of `hrx delegate`.
#[derive(clap::Args, Debug)]
#[command(after_help = "A delegate (a parent for a child's record, a legal representative) reads and writes the \
categories in scope and manages access to them: it may grant others the rights it holds there, revoke such \
grants and give later access. Only the patient delegates; revoke a delegation with hrx revoke.")]
pub struct Args {
    /// The delegate: a certificate fingerprint in your keystore, or a certificate file
    pub delegate: String,
    /// The delegate's role
    #[arg(long, default_value = "guardian")]
    pub role: String,
    /// Categories in scope, comma-separated, or `all`
    #[arg(long, value_delimiter = ',', default_value = "all", value_parser = super::categories())]
    pub categories: Vec<String>,
    /// Valid until, exclusive (YYYY-MM-DD or RFC 3339) [default: open-ended]
    #[arg(long)]
    pub until: Option<String>,
    /// Also let the delegate read the existing entries in scope
    #[arg(long)]
    pub include_past: bool,
}

/// Runs `hrx delegate`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let role = match a.role.as_str() {
        "guardian" => Role::Guardian,
        o => return Err(Error::Usage(format!("--role: unknown role {o:?}; use guardian"))),
    };
    let who = crate::crypto::cert::fpr(&resolve_grantee(ctx, &a.delegate)?);
    let scope =
        if a.categories.is_empty() { Scope::All(AllWord::All) } else { crate::model::parse::scope(&a.categories)? };
    let mut req = GrantRequest::new(who, scope, vec![Right::Read, Right::Write, Right::Manage]);
    req.role = Some(role);
    req.until = a.until.as_deref().map(crate::model::parse::time).transpose()?;
    req.include_past = a.include_past;
    let done = grant(ctx, req)?;
    if out.json {
        out.json("grant", &done);
    } else {
        out.line(&done.id);
    }
    Ok(super::exit::OK)
}
