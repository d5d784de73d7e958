//! A record's remotes as git keeps them (`remote.NAME.url` in its config),
//! with what this device keeps of each (the refs under `refs/hrx/`: its
//! high-water mark and the quarantine of what a fetch brought) moving with
//! them.

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
}
