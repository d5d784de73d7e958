//! `hrx remote`.

use clap::Subcommand;

use super::output::Out;
use crate::error::Result;
use crate::model::text::printable;
use crate::ops::Context;
use crate::ops::remote;
use crate::ops::sync::remotes;

/// Remote subcommands.
#[derive(Subcommand, Debug)]
pub enum RemoteCommand {
    /// Add a remote copy of the record (any git URL)
    Add {
        /// Its name, e.g. hub
        name: String,
        /// Its URL: a path, file://, git://, ssh or https
        url: String,
        /// Make a new hub there first (a path on this machine): a bare repository that refuses every push that does not verify
        #[arg(long)]
        create: bool,
    },
    /// List the remotes
    List,
    /// Remove a remote (and what this device remembers of it)
    #[command(alias = "rm")]
    Remove {
        /// Its name
        name: String,
    },
    /// Rename a remote (it is still held to what was verified from it)
    Rename {
        /// Its name now
        old: String,
        /// Its new name
        new: String,
    },
    /// Point a remote at a new URL (it must still hold what was verified from it)
    SetUrl {
        /// Its name
        name: String,
        /// Its new URL
        url: String,
    },
}

/// Runs a remote subcommand.
pub fn run(ctx: &mut Context, cmd: &RemoteCommand, out: &Out) -> Result<i32> {
    match cmd {
        RemoteCommand::Add { name, url, create } => {
            let added = remote::add(ctx, name, url, *create)?;
            if let Some(c) = &added.created {
                out.info(&format!(
                    "created hub {} (every push there is verified; the record of {} only)",
                    printable(&c.hub),
                    c.patient.as_deref().unwrap_or("?")
                ));
            }
            out.info(&format!("added remote {name}; `hrx sync {name}` sends the record there"));
        }
        RemoteCommand::List => {
            let rec = ctx.record()?;
            let list = remotes(&rec)?;
            if out.json {
                let v: Vec<_> = list.iter().map(|(n, u)| serde_json::json!({"name": n, "url": u})).collect();
                out.json("remotes", &v);
            } else {
                for (n, u) in list {
                    out.line(&format!("{}\t{}", printable(&n), printable(&u)));
                }
            }
        }
        RemoteCommand::Remove { name } => {
            remote::remove(ctx, name)?;
            out.info(&format!("removed remote {name}"));
        }
        RemoteCommand::Rename { old, new } => {
            remote::rename(ctx, old, new)?;
            out.info(&format!("renamed remote {old} to {new}"));
        }
        RemoteCommand::SetUrl { name, url } => {
            remote::set_url(ctx, name, url)?;
            out.info(&format!("remote {name} is now {}", printable(url)));
        }
    }
    Ok(super::exit::OK)
}
