//! The actions a user takes, shared by the CLI and the TUI. Each returns
//! plain data for the caller to present; none prints.

pub mod add;
pub mod audit;
pub mod cache;
pub mod detached;
pub mod device;
pub mod emergency;
pub mod export;
pub mod grant;
pub mod hub;
pub mod import;

pub mod init;
pub mod key;
pub mod manifest;
pub mod read;
pub mod readcache;
pub mod recovery;
pub mod remote;
pub mod serve;
pub mod share;
pub mod status;
pub mod sync;
pub mod verify;
pub mod write;

use std::path::PathBuf;

use crate::clock::Clock;
use crate::crypto::{Keystore, PassphraseProvider, Unlocked};
use crate::error::{Error, Result};
use crate::model::Fpr;
use crate::repo::Record;

/// What every action needs: whose keystore, which key, what time, where.
pub struct Context {
    /// The user's keystore.
    pub keystore: Keystore,
    /// The key to act with (`--key`), else the keystore default.
    pub key: Option<String>,
    /// The clock.
    pub clock: Clock,
    /// The record directory (`-C`), else the current directory.
    pub dir: PathBuf,
    /// Asks for passphrases.
    pub passphrase: Box<dyn PassphraseProvider>,
    /// Writes leave out readers whose certificate cannot be encrypted to
    /// (`--skip-unusable-recipients`), saying whom; never the patient or
    /// the author.
    pub skip_unusable_recipients: bool,
}

impl Context {
    /// The fingerprint of the key to act with.
    pub fn key_fpr(&self) -> Result<Fpr> {
        self.keystore.resolve(self.key.as_deref())
    }

    /// Unlocks the key to act with.
    pub fn unlock(&mut self) -> Result<Unlocked> {
        let f = self.key_fpr()?;
        self.keystore.unlock_at(&f, self.passphrase.as_mut(), self.clock.now())
    }

    /// Opens the record.
    pub fn record(&self) -> Result<Record> {
        Record::open(&self.dir)
    }

    /// This device's key for the verified state kept in records (see
    /// [`cache::DeviceKey`]), read once per process.
    pub fn device_key(&self) -> Option<cache::DeviceKey> {
        type Kept = Option<(std::path::PathBuf, Option<cache::DeviceKey>)>;
        static KEY: std::sync::Mutex<Kept> = std::sync::Mutex::new(None);
        let mut k = KEY.lock().unwrap_or_else(|e| e.into_inner());
        let home = self.keystore.home();
        match &*k {
            Some((h, key)) if h == home => key.clone(),
            _ => {
                let key = cache::DeviceKey::of(home);
                *k = Some((home.to_path_buf(), key.clone()));
                key
            }
        }
    }
}

/// The verified state of the record (continuing from the verified-state
/// cache where it fits); a history that does not verify is the error every
/// command reports. A history without what this device verified in this
/// copy before is one too ([`check_not_rolled_back`]).
pub fn verified(ctx: &Context, rec: &Record) -> Result<crate::verify::Verified> {
    is_a_record(ctx, rec)?;
    let v = verified_as_is(ctx, rec)?;
    device::check_not_rolled_back(ctx, rec, &v)?;
    Ok(v)
}

/// [`verified`] without the check against what this device verified in
/// this copy before: for `sync` and bundle imports, which bring removed
/// commits back (they check once they are done).
pub fn verified_as_is(ctx: &Context, rec: &Record) -> Result<crate::verify::Verified> {
    let pin = device::pinned(ctx, rec)?;
    cache::verified(rec, pin.as_ref(), ctx.clock.now(), false, ctx.device_key().as_ref()).map_err(Error::Verification)
}

/// [`verified`] without the whole history's lists of commits, entries and
/// wraps (`base` is set): the policy, certificates and header at the head,
/// which is all a writer needs, at a cost that does not grow with the record.
pub fn verified_head(ctx: &Context, rec: &Record) -> Result<crate::verify::Verified> {
    is_a_record(ctx, rec)?;
    let pin = device::pinned(ctx, rec)?;
    let v = cache::verified_head(rec, pin.as_ref(), ctx.clock.now(), false, ctx.device_key().as_ref())
        .map_err(Error::Verification)?;
    device::check_not_rolled_back(ctx, rec, &v)?;
    Ok(v)
}

/// A git repository with no `main` is not a record (hrx run in the wrong
/// place): said as such (exit 4), not as a history that fails to verify.
pub(crate) fn is_a_record(ctx: &Context, rec: &Record) -> Result<()> {
    match rec.head()? {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(format!(
            "no hrx record here: {} is a git repository without a main branch; run hrx in a record's directory, or give it with -C DIR",
            ctx.dir.display()
        ))),
    }
}

/// What went wrong after a commit was made, for the user to hear: the
/// commit stands (exit status 0), and the work tree, derived state, is
/// repaired by the next command that writes.
static AFTER_COMMIT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Brings the work tree from `from` to `to` after a commit; a failure is
/// not the operation's (the commit is made) but a warning
/// ([`after_commit_warnings`]).
pub fn advance_worktree(rec: &Record, from: git2::Oid, to: git2::Oid, files: &[(String, Vec<u8>)]) {
    if let Err(e) = rec.advance_worktree(from, to, files) {
        AFTER_COMMIT.lock().unwrap_or_else(|e| e.into_inner()).push(format!(
            "committed {}, but the work tree could not be updated ({e}); the next command that writes brings it up to date",
            &to.to_string()[..12]
        ));
    }
}

/// The warnings of this process's commits so far (see
/// [`advance_worktree`]), taken.
pub fn after_commit_warnings() -> Vec<String> {
    std::mem::take(&mut *AFTER_COMMIT.lock().unwrap_or_else(|e| e.into_inner()))
}

/// After an operation wrote: verifies what it wrote on top of the cached
/// state and keeps the result, so the next command starts from there.
/// Failure here is not the operation's failure (verify will report it).
pub fn remember(ctx: &Context, rec: &Record) {
    if let Ok(pin) = device::pinned(ctx, rec)
        && let Ok(v) = cache::verified_head(rec, pin.as_ref(), ctx.clock.now(), true, ctx.device_key().as_ref())
    {
        // The new head is what this device verified here now: undoing the
        // write (a revocation) is a rollback.
        let _ = device::check_not_rolled_back(ctx, rec, &v);
    }
}

/// The judgement `verify` will make of a commit by `who` adding `changes`
/// on top of `policy`, made before anything is written: the policy after
/// it, or why not (exit status 6).
pub fn judged(
    policy: &crate::policy::Policy,
    who: &str,
    changes: &[crate::policy::Change],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::policy::Policy> {
    policy.judge_commit_checked(who, changes, now).map_err(|(_, r)| Error::Denied(format!("not allowed: this {r}")))
}

/// [`remember`] for a commit with many later-access wraps (a rotation, a
/// grant with past entries): the wraps' entries are looked up in the kept
/// lists, which is cheaper for thousands of them than in the tree.
pub fn remember_full(ctx: &Context, rec: &Record) {
    if let Ok(pin) = device::pinned(ctx, rec)
        && let Ok(v) = cache::verified(rec, pin.as_ref(), ctx.clock.now(), true, ctx.device_key().as_ref())
    {
        let _ = device::check_not_rolled_back(ctx, rec, &v);
    }
}

/// Appends a commit adding `files` on top of the verified head, signed
/// with the caller's key, after checking that the record will accept that
/// signature: a key the record knows as expired or revoked (the keystore
/// may know better, before the refreshed certificate is in the record)
/// would make a commit every verifier refuses.
pub fn append(
    rec: &Record,
    v: &crate::verify::Verified,
    files: &[(String, Vec<u8>)],
    message: &str,
    unlocked: &mut crate::crypto::Unlocked,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<git2::Oid> {
    let me = &unlocked.identity.fingerprint;
    let key = unlocked.signer.public().fingerprint().to_hex();
    v.certs.can_sign(me, &key, crate::crypto::commit::Known::line(&v.policy), now).map_err(|e| {
        Error::Key(format!(
            "the record would refuse your signature: {e}. If you extended or replaced your key, the refreshed certificate must be in the record first: send it (hrx key export {me}) to the patient or a delegate to add with hrx key update"
        ))
    })?;
    rec.append(Some(v.head), files, message, &mut unlocked.signer, &unlocked.identity, now)
}
