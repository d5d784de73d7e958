//! `hrx status`.

use super::output::Out;
use crate::error::Result;
use crate::model::text::printable;
use crate::ops::Context;
use crate::ops::status::status;

/// Arguments of `hrx status`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Warnings come a month before a key or a grantee's certificate expires, and whenever a \
key is revoked or replaced. The exit status is 0 whatever they say.")]
pub struct Args {}

/// Runs `hrx status`.
pub fn run(ctx: &mut Context, _a: &Args, out: &Out) -> Result<i32> {
    let s = status(ctx)?;
    if out.json {
        out.json("status", &s);
        return Ok(super::exit::OK);
    }
    if let Some(k) = &s.key {
        let expiry = match k.validity.expires {
            Some(e) => format!("expires {}", e.format("%Y-%m-%d")),
            None => "does not expire".into(),
        };
        out.line(&format!(
            "key:     {}  {} ({}, {expiry}; secret in {})",
            k.identity.fingerprint,
            printable(&k.identity.name),
            k.validity.status,
            k.secret_in.unwrap_or("no store: certificate only")
        ));
    }
    if let Some(r) = &s.record {
        out.line(&format!("record:  root {}, head {}", &r.root[..12], &r.head[..12]));
        let day = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
        out.line(&format!(
            "checked: {}{}",
            match &r.verified_from_root {
                Some(t) => format!("from the root by hrx verify on {}", day(t)),
                None => "never from the root on this device here (run hrx verify)".into(),
            },
            r.head_since.as_ref().map(|t| format!("; this head since {}", day(t))).unwrap_or_default()
        ));
        out.line(&format!("you:     {} ({} grants in force)", r.role, r.active_grants));
    }
    for w in &s.warnings {
        out.line(&format!("warning: {}", printable(w)));
    }
    Ok(super::exit::OK)
}
