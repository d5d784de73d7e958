//! A record's remotes as git keeps them (`remote.NAME.url` in its config),
//! with what this device keeps of each (the refs under `refs/hrx/`: its
//! high-water mark and the quarantine of what a fetch brought) moving with
//! them.

use git2::Oid;

use super::Record;
use super::transport::{incoming_ref, verified_ref};
use crate::error::{Error, Result};

impl Record {
    /// Whether a remote `name` is configured.
    pub fn has_remote(&self, name: &str) -> bool {
        self.repo.find_remote(name).is_ok()
    }

    /// Configures remote `name` at `url`.
    pub fn add_remote(&self, name: &str, url: &str) -> Result<()> {
        self.repo.remote(name, url)?;
        Ok(())
    }

    /// Removes remote `name` and what this device kept of it.
    pub fn remove_remote(&self, name: &str) -> Result<()> {
        self.repo.remote_delete(name)?;
        for r in [verified_ref(name), incoming_ref(name)] {
            if let Ok(mut r) = self.repo.find_reference(&r) {
                r.delete()?;
            }
        }
        Ok(())
    }

    /// Renames remote `old` to `new`; what this device kept of it goes
    /// with it.
    pub fn rename_remote(&self, old: &str, new: &str) -> Result<()> {
        let problems = self.repo.remote_rename(old, new)?;
        if let Some(p) = problems.iter().flatten().flatten().next() {
            return Err(Error::State(format!("renamed {old} to {new}, but git could not rename its refspec {p}")));
        }
        for (from, to) in [(verified_ref(old), verified_ref(new)), (incoming_ref(old), incoming_ref(new))] {
            if let Ok(mut r) = self.repo.find_reference(&from) {
                r.rename(&to, false, "hrx: remote renamed")?;
            }
        }
        Ok(())
    }

    /// Points remote `name` at `url`; what this device kept of it stays.
    pub fn set_remote_url(&self, name: &str, url: &str) -> Result<()> {
        self.repo.remote_set_url(name, url)?;
        Ok(())
    }

    /// The configured remotes: (name, url), in git's order.
    pub fn remotes(&self) -> Result<Vec<(String, String)>> {
        let names = self.repo.remotes()?;
        let mut out = vec![];
        for n in names.iter().flatten().flatten() {
            let r = self.repo.find_remote(n)?;
            out.push((n.to_string(), r.url().unwrap_or("").to_string()));
        }
        Ok(out)
    }

    /// The head this device last verified of remote `name` (or pushed to
    /// it): its high-water mark.
    pub fn verified_mark(&self, name: &str) -> Option<Oid> {
        self.repo.refname_to_id(&verified_ref(name)).ok()
    }

    /// Sets remote `name`'s high-water mark to `head` (verified, or pushed).
    pub fn set_verified_mark(&self, name: &str, head: Oid, why: &str) -> Result<()> {
        self.repo.reference(&verified_ref(name), head, true, why)?;
        Ok(())
    }

    /// Drops the quarantine ref of what a fetch from `name` (or a bundle:
    /// `bundle`) brought.
    pub fn drop_incoming(&self, name: &str) {
        let _ = self.repo.find_reference(&incoming_ref(name)).and_then(|mut r| r.delete());
    }
}
