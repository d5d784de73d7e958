//! The remotes of a record: add (and create a hub), remove, rename,
//! change a URL. Each remote's high-water mark (`refs/hrx/verified/NAME`,
//! the last head verified from it) goes with its name.

use serde::Serialize;

use super::Context;
use crate::error::{Error, Result};
use crate::repo::Record;
use crate::repo::transport::local_path;

/// What adding a remote did.
#[derive(Debug, Serialize)]
pub struct Added {
    /// Its name.
    pub name: String,
    /// Its URL.
    pub url: String,
    /// The hub made for it (`--create`), if one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<super::hub::Installed>,
}

fn check_name(name: &str) -> Result<()> {
    let bad = name.is_empty()
        || name == "bundle"
        || name.starts_with(['-', '.'])
        || name.ends_with(".lock")
        || name.contains(['/', ' ', ':', '\\', '*', '?', '[', '~', '^'])
        || name.contains("..")
        || name.chars().any(char::is_control);
    if bad {
        return Err(Error::Usage(format!(
            "{name:?} is not a usable remote name (letters, digits, '-' and '_', e.g. hub or stick)"
        )));
    }
    Ok(())
}

fn exists(rec: &Record, name: &str) -> Result<()> {
    if !rec.has_remote(name) {
        return Err(Error::NotFound(format!("no remote {name}; `hrx remote list` shows them")));
    }
    Ok(())
}

/// Adds a remote. With `create`, first makes a new hub there (a path on
/// this machine): a bare repository whose hook refuses every push that
/// does not verify, for this record's patient only.
pub fn add(ctx: &Context, name: &str, url: &str, create: bool) -> Result<Added> {
    let rec = ctx.record()?;
    check_name(name)?;
    if rec.has_remote(name) {
        return Err(Error::State(format!(
            "remote {name} exists already (`hrx remote set-url {name} URL` changes where it points)"
        )));
    }
    // A relative path is taken from where hrx runs, and kept whole: git
    // would resolve it against wherever a later sync runs.
    let url = match local_path(url) {
        Some(p) if p.is_relative() => std::path::absolute(&p).map_err(|e| Error::io(&p, e))?.display().to_string(),
        _ => url.to_string(),
    };
    let created = if create {
        let Some(dir) = local_path(&url) else {
            return Err(Error::Usage(format!(
                "--create makes a hub on this machine only, and {url} is not a path; on the server run `git init --bare -b main DIR && hrx -C DIR hook install --patient FPR`"
            )));
        };
        if let Some(w) = rec.workdir()
            && let (Ok(w), Some(parent)) = (std::fs::canonicalize(w), dir.parent())
            && std::fs::canonicalize(parent).is_ok_and(|p| p.starts_with(&w))
        {
            return Err(Error::Usage(format!(
                "{} is inside the record's own directory; make the hub somewhere else (a server directory, a USB stick)",
                dir.display()
            )));
        }
        let v = super::verified_head(ctx, &rec)?;
        let exe = std::env::current_exe().map_err(|e| Error::io("hrx's own path", e))?;
        Some(super::hub::create(&dir, &exe, &v.header.patient, ctx.clock.now())?)
    } else {
        None
    };
    rec.add_remote(name, &url)?;
    Ok(Added { name: name.into(), url, created })
}

/// Removes a remote, and what this device kept of it (its high-water mark).
pub fn remove(ctx: &Context, name: &str) -> Result<()> {
    let rec = ctx.record()?;
    exists(&rec, name)?;
    let _lock = rec.lock()?;
    rec.remove_remote(name)
}

/// Renames a remote; its high-water mark goes with it, so the renamed
/// remote is still held to what was verified from it.
pub fn rename(ctx: &Context, old: &str, new: &str) -> Result<()> {
    let rec = ctx.record()?;
    exists(&rec, old)?;
    check_name(new)?;
    if rec.has_remote(new) {
        return Err(Error::State(format!("remote {new} exists already")));
    }
    let _lock = rec.lock()?;
    rec.rename_remote(old, new)
}

/// Points a remote at a new URL (the hub moved). Its high-water mark
/// stays: the copy there must still hold what was verified from the old
/// place, or the next sync refuses it as rolled back.
pub fn set_url(ctx: &Context, name: &str, url: &str) -> Result<()> {
    let rec = ctx.record()?;
    exists(&rec, name)?;
    rec.set_remote_url(name, url)
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn remote_names_git_could_not_store_are_refused() {
        for ok in ["hub", "la-fe", "usb_stick", "hub2"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "bundle", "-x", ".x", "a/b", "a b", "a:b", "a..b", "x.lock", "a\u{1b}[31m", "a~1"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
