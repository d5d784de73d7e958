//! Contexts for other threads: a context's passphrase provider (a
//! terminal prompt) does not cross threads, so the passphrase is asked for
//! once and passed on (the TUI's background work, `sync --records`).

use super::Context;
use crate::error::{Error, Result};

/// What another thread needs to make its own context (a context's
/// passphrase provider does not cross threads; the passphrase does).
#[derive(Clone)]
pub struct Detached {
    keystore: crate::crypto::Keystore,
    key: Option<String>,
    clock: crate::clock::Clock,
    dir: std::path::PathBuf,
    password: Option<sequoia_openpgp::crypto::Password>,
}

impl Detached {
    /// What `ctx` holds, with the passphrase to pass on.
    pub fn of(ctx: &Context, password: Option<sequoia_openpgp::crypto::Password>) -> Detached {
        Detached {
            keystore: ctx.keystore.clone(),
            key: ctx.key.clone(),
            clock: ctx.clock,
            dir: ctx.dir.clone(),
            password,
        }
    }

    /// The same, for another record directory.
    pub fn at(mut self, dir: std::path::PathBuf) -> Detached {
        self.dir = dir;
        self
    }

    /// A context of its own.
    pub fn context(self) -> Context {
        Context {
            keystore: self.keystore,
            key: self.key,
            clock: self.clock,
            dir: self.dir,
            passphrase: Box::new(Remembered(self.password)),
            skip_unusable_recipients: false,
        }
    }
}

/// Passes on one passphrase, asked for once at the start.
pub struct Remembered(pub Option<sequoia_openpgp::crypto::Password>);

impl crate::crypto::PassphraseProvider for Remembered {
    fn passphrase(&mut self, who: &crate::crypto::Identity, attempt: u32) -> Result<sequoia_openpgp::crypto::Password> {
        match (&self.0, attempt) {
            (Some(p), 1) => Ok(p.clone()),
            _ => Err(Error::Key(format!("the key of {} is locked; enter its passphrase when hrx starts", who.name))),
        }
    }
    fn new_passphrase(&mut self) -> Result<sequoia_openpgp::crypto::Password> {
        Err(Error::Usage("no key is generated here".into()))
    }
}

/// Records the passphrase the user gives while unlocking, to reuse it.
pub struct Recording<'a> {
    /// Asks.
    pub inner: &'a mut dyn crate::crypto::PassphraseProvider,
    /// The last passphrase given.
    pub last: Option<sequoia_openpgp::crypto::Password>,
}

impl crate::crypto::PassphraseProvider for Recording<'_> {
    fn passphrase(&mut self, who: &crate::crypto::Identity, attempt: u32) -> Result<sequoia_openpgp::crypto::Password> {
        let p = self.inner.passphrase(who, attempt)?;
        self.last = Some(p.clone());
        Ok(p)
    }
    fn new_passphrase(&mut self) -> Result<sequoia_openpgp::crypto::Password> {
        self.inner.new_passphrase()
    }
}

/// Unlocks the key to act with once (asking as the context asks) and
/// makes the context pass that passphrase on from then on; returns it for
/// other threads' contexts. None: no secret key here, or none needed.
pub fn remember_passphrase(ctx: &mut Context) -> Result<Option<sequoia_openpgp::crypto::Password>> {
    let Ok(f) = ctx.key_fpr() else { return Ok(None) };
    if !ctx.keystore.in_agent(&f) && ctx.keystore.secret(&f).is_err() {
        return Ok(None); // no secret key: read-only browsing
    }
    let mut rec = Recording { inner: ctx.passphrase.as_mut(), last: None };
    ctx.keystore.unlock(&f, &mut rec)?;
    let last = rec.last.take();
    ctx.passphrase = Box::new(Remembered(last.clone()));
    Ok(last)
}
