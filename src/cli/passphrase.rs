//! Passphrases on the command line: from a file (scripts) or the terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use sequoia_openpgp::crypto::Password;

use crate::crypto::{Identity, PassphraseProvider};
use crate::error::{Error, Result};

/// Reads `--passphrase-file` / `HRX_PASSPHRASE_FILE`, else asks on the terminal.
pub struct CliPassphrase {
    file: Option<PathBuf>,
}

impl CliPassphrase {
    /// A provider reading `file` if given.
    pub fn new(file: Option<PathBuf>) -> CliPassphrase {
        CliPassphrase { file }
    }

    /// Reads a passphrase file: its first line.
    pub fn read_file(p: &std::path::Path) -> Result<Password> {
        let s = crate::fsutil::read_input_text(p, 64 << 10, "a passphrase file holds one line")?;
        let line = s.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(Error::Usage(format!("passphrase file {} is empty", p.display())));
        }
        Ok(Password::from(line))
    }

    fn ask_new(&self) -> Result<Password> {
        if let Some(p) = &self.file {
            return Self::read_file(p);
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "a passphrase is needed: pass --passphrase-file FILE (or HRX_PASSPHRASE_FILE), or --no-passphrase"
                    .into(),
            ));
        }
        let a = rpassword::prompt_password("New passphrase: ").map_err(|e| Error::io("/dev/tty", e))?;
        let b = rpassword::prompt_password("Repeat passphrase: ").map_err(|e| Error::io("/dev/tty", e))?;
        if a != b {
            return Err(Error::Usage("the passphrases do not match".into()));
        }
        if a.is_empty() {
            return Err(Error::Usage("an empty passphrase is not allowed; use --no-passphrase to opt out".into()));
        }
        Ok(Password::from(a))
    }
}

impl PassphraseProvider for CliPassphrase {
    fn interactive(&self) -> bool {
        self.file.is_none()
    }

    fn new_passphrase(&mut self) -> Result<Password> {
        self.ask_new()
    }

    fn passphrase(&mut self, who: &Identity, attempt: u32) -> Result<Password> {
        if let Some(p) = &self.file {
            if attempt > 1 {
                return Err(Error::Key(format!("wrong passphrase in {} for {}", p.display(), who.fingerprint)));
            }
            return Self::read_file(p);
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::Key(format!(
                "the secret key of {} ({}) is passphrase-protected; pass --passphrase-file FILE or set HRX_PASSPHRASE_FILE",
                who.name, who.fingerprint
            )));
        }
        let p = rpassword::prompt_password(format!("Passphrase for {} ({}): ", who.name, &who.fingerprint[..16]))
            .map_err(|e| Error::io("/dev/tty", e))?;
        Ok(Password::from(p))
    }
}
