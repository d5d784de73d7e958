//! `hrx grants`.

use super::output::Out;
use crate::error::Result;
use crate::model::statement::Scope;
use crate::ops::Context;
use crate::ops::grant::{GrantStatus, GrantView, list};

/// Arguments of `hrx grants`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Include expired and revoked grants
    #[arg(long)]
    pub all: bool,
}

/// One line for a grant.
pub fn line(g: &GrantView) -> String {
    let cats = match &g.categories {
        Scope::All(_) => "all".to_string(),
        Scope::Some(cs) => cs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(","),
    };
    let rights = g.rights.iter().map(|r| format!("{r:?}").to_lowercase()).collect::<Vec<_>>().join(",");
    let who = match (&g.grantee.organisation, &g.grantee.country) {
        (Some(o), Some(c)) => format!("{} ({o}, {c})", g.grantee.name),
        (None, Some(c)) => format!("{} ({c})", g.grantee.name),
        _ => g.grantee.name.clone(),
    };
    let cert = match g.certificate {
        "valid" => String::new(),
        other => format!(
            "  [certificate {other}{}]",
            g.encryptable_until.map(|u| format!(" {}", u.format("%Y-%m-%d"))).unwrap_or_default()
        ),
    };
    format!(
        "{}  {:<8} {}  {} on {}  for {:?}{}  until {}  granted by {}{cert}",
        g.id,
        format!("{:?}", g.status).to_lowercase(),
        who,
        rights,
        cats,
        g.purpose,
        g.role.map(|r| format!(" as {r:?}")).unwrap_or_default(),
        g.until.map(|u| u.to_rfc3339()).unwrap_or_else(|| "-".into()),
        g.granted_by.name
    )
}

/// Runs `hrx grants`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let grants = list(ctx, a.all)?;
    if out.json {
        out.json("grants", &grants);
    } else {
        if grants.is_empty() {
            out.info("no grants");
        }
        for g in &grants {
            out.line(&line(g));
        }
        for g in grants
            .iter()
            .filter(|g| matches!(g.status, GrantStatus::Active | GrantStatus::Pending | GrantStatus::KeyRevoked))
        {
            if let Some(w) = &g.warning {
                out.info(&format!("warning: grant {}: {w}", g.id));
            }
        }
    }
    Ok(super::exit::OK)
}
