//! One write to the record, in the order every writer follows (add,
//! import, grant, revoke, emergency access, key updates, revocations and
//! rotations, recovery, share logs):
//!
//! 1. what can be checked is checked on the state as it is, before the
//!    passphrase is asked (a write that cannot be made asks for nothing);
//! 2. the caller's key is unlocked and the record's lock taken;
//! 3. the state is verified again under the lock and checked again
//!    (another writer may have come first);
//! 4. the caller builds the commit's files and what they change;
//! 5. the changes are judged as `verify` will judge them, and only then is
//!    the commit signed and appended (nothing is written otherwise);
//! 6. the work tree is brought along and the new state kept, so the next
//!    command starts from it.
//!
//! [`begin`] does 1–3 and [`Writing::commit`] 5–6.

use crate::crypto::Unlocked;
use crate::error::Result;
use crate::model::Fpr;
use crate::policy::Change;
use crate::repo::{Record, WriteLock};
use crate::verify::Verified;

use super::Context;

/// The verified state a write starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The policy, certificates and header at the head: all most writes
    /// need, at a cost that does not grow with the record.
    Head,
    /// The whole history's lists too (entries and wraps): for writes that
    /// go over past entries (a grant with `--include-past`, a rotation).
    History,
}

impl Start {
    fn verified(self, ctx: &Context, rec: &Record) -> Result<Verified> {
        match self {
            Start::Head => super::verified_head(ctx, rec),
            Start::History => super::verified(ctx, rec),
        }
    }
}

/// A write under way: the record's lock held, the caller's key unlocked,
/// and the state verified under the lock.
pub struct Writing {
    /// The state verified under the lock.
    pub v: Verified,
    /// The caller's key.
    pub unlocked: Unlocked,
    /// The caller's fingerprint (the signer the record judges).
    pub me: Fpr,
    /// The time of the write.
    pub now: chrono::DateTime<chrono::Utc>,
    start: Start,
    _lock: WriteLock,
}

/// Begins a write (steps 1–3): `check` runs on the state as it is before
/// the key is unlocked, and again on the state verified under the lock,
/// whose answer is returned (it may read the context, not change it). `unlocked` is a key the caller unlocked
/// already (or `None`: the keystore's, asking for its passphrase).
pub fn begin<T>(
    ctx: &mut Context,
    rec: &Record,
    start: Start,
    unlocked: Option<Unlocked>,
    check: impl Fn(&Context, &Verified) -> Result<T>,
) -> Result<(Writing, T)> {
    let me = ctx.key_fpr()?;
    let now = ctx.clock.now();
    check(ctx, &start.verified(ctx, rec)?)?;
    let unlocked = match unlocked {
        Some(u) => u,
        None => ctx.unlock()?,
    };
    let lock = rec.lock()?;
    let v = start.verified(ctx, rec)?;
    let checked = check(ctx, &v)?;
    Ok((Writing { v, unlocked, me, now, start, _lock: lock }, checked))
}

impl Writing {
    /// Ends a write (steps 5–6): `changes` (what `files` add) judged on
    /// the verified state as `verify` will judge them, the commit signed
    /// and appended, the work tree brought along, the new state kept, and
    /// the lock let go. Nothing is written if the judgement refuses.
    pub fn commit(
        mut self,
        ctx: &Context,
        rec: &Record,
        files: &[(String, Vec<u8>)],
        changes: &[Change],
        message: &str,
    ) -> Result<git2::Oid> {
        super::judged(&self.v.policy, &self.me, changes, self.now)?;
        let commit = super::append(rec, &self.v, files, message, &mut self.unlocked, self.now)?;
        super::advance_worktree(rec, self.v.head, commit, files);
        match self.start {
            Start::Head => super::remember(ctx, rec),
            Start::History => super::remember_full(ctx, rec),
        }
        Ok(commit)
    }
}
