//! The shape of a record's verified history as git's commit graph knows
//! it: for commits already verified (libgit2 reads commits unbounded; see
//! [`super::object`] for bounded reads of the rest).

use git2::Oid;

use super::Record;
use crate::error::Result;

impl Record {
    /// Whether commit `a` is `b` or has it among its ancestors (false if
    /// the graph cannot be read; see [`super::object::descends_from`] for
    /// commits not verified yet).
    pub fn contains(&self, a: Oid, b: Oid) -> bool {
        a == b || self.repo.graph_descendant_of(a, b).unwrap_or(false)
    }

    /// Whether verified commit `a` has `b` among its ancestors (git's
    /// commit graph; an error if it cannot be read).
    pub fn is_descendant(&self, a: Oid, b: Oid) -> Result<bool> {
        Ok(self.repo.graph_descendant_of(a, b)?)
    }

    /// How many commits `a` has that `b` has not, and the other way round.
    pub fn ahead_behind(&self, a: Oid, b: Oid) -> Result<(usize, usize)> {
        Ok(self.repo.graph_ahead_behind(a, b)?)
    }

    /// The commits reachable from `from` and not from `hidden`, newest first.
    pub fn commits_between(&self, from: Oid, hidden: Option<Oid>) -> Result<Vec<Oid>> {
        let mut w = self.repo.revwalk()?;
        w.push(from)?;
        if let Some(h) = hidden {
            w.hide(h)?;
        }
        Ok(w.collect::<std::result::Result<Vec<_>, _>>()?)
    }

    /// When commit `c` says it was made.
    pub fn commit_time(&self, c: Oid) -> Option<chrono::DateTime<chrono::Utc>> {
        let c = self.repo.find_commit(c).ok()?;
        chrono::DateTime::from_timestamp(c.time().seconds(), 0)
    }

    /// The commit a revision (`main~3`, a commit id) names, or git's word
    /// on why none.
    pub fn commit_named(&self, rev: &str) -> std::result::Result<Oid, String> {
        self.repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| e.message().to_string())
    }
}
