//! `hrx remote add|list`.

use clap::Subcommand;

use super::output::Out;
use crate::error::Result;
use crate::ops::Context;
use crate::ops::sync::{remote_add, remotes};

/// Remote subcommands.
#[derive(Subcommand, Debug)]
pub enum RemoteCommand {
    /// Add a remote copy of the record (any git URL)
    Add {
        /// Its name, e.g. hub
        name: String,
        /// Its URL: a path, file://, git://, ssh or https
        url: String,
    },
    /// List the remotes
    List,
}

/// Runs a remote subcommand.
pub fn run(ctx: &mut Context, cmd: &RemoteCommand, out: &Out) -> Result<i32> {
    match cmd {
        RemoteCommand::Add { name, url } => {
            remote_add(ctx, name, url)?;
            out.info(&format!("added remote {name}"));
        }
        RemoteCommand::List => {
            let rec = ctx.record()?;
            let list = remotes(&rec)?;
            if out.json {
                let v: Vec<_> = list.iter().map(|(n, u)| serde_json::json!({"name": n, "url": u})).collect();
                out.json("remotes", &v);
            } else {
                for (n, u) in list {
                    out.line(&format!("{n}\t{u}"));
                }
            }
        }
    }
    Ok(super::exit::OK)
}
