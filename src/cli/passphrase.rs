//! Passphrases on the command line: from a file (scripts) or the terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use sequoia_openpgp::crypto::Password;

use crate::crypto::keystore::{UNLOCK_TRIES, weak_passphrase};
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

    /// Reads a new passphrase from a file, warning (never asking: scripts
    /// read this) when it is easy to guess.
    pub fn read_new_file(p: &std::path::Path) -> Result<Password> {
        let pw = Self::read_file(p)?;
        let weak = pw.map(|b| std::str::from_utf8(&b[..]).ok().and_then(weak_passphrase));
        if let Some(why) = weak {
            eprintln!("hrx: warning: {why} (from {})", p.display());
        }
        Ok(pw)
    }

    fn ask_new(&self) -> Result<Password> {
        if let Some(p) = &self.file {
            return Self::read_new_file(p);
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "a passphrase is needed: pass --passphrase-file FILE (or HRX_PASSPHRASE_FILE), or --no-passphrase"
                    .into(),
            ));
        }
        // A person typing blind mistypes: asked again, never sent away.
        for _ in 0..NEW_TRIES {
            let a = prompt("New passphrase: ")?;
            if a.is_empty() {
                eprintln!("An empty passphrase is not allowed (--no-passphrase opts out); try again.");
                continue;
            }
            if let Some(why) = weak_passphrase(&a) {
                eprintln!("Warning: {why}.");
                if !confirm("Use it anyway? [y/N] ")? {
                    continue;
                }
            }
            let b = prompt("Repeat passphrase: ")?;
            if a != b {
                eprintln!("The passphrases do not match; try again.");
                continue;
            }
            return Ok(Password::from(a));
        }
        Err(Error::Usage(format!("no passphrase was chosen in {NEW_TRIES} tries; nothing was changed")))
    }
}

/// How many times a new passphrase is asked for.
const NEW_TRIES: usize = 3;

fn prompt(text: &str) -> Result<String> {
    rpassword::prompt_password(text).map_err(|e| Error::io("/dev/tty", e))
}

/// Asks a yes/no question on the terminal; anything but y or yes is no.
fn confirm(question: &str) -> Result<bool> {
    use std::io::Write;
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| Error::io("stdin", e))?;
    Ok(matches!(line.trim().to_lowercase().as_str(), "y" | "yes"))
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
                return Err(Error::WrongPassphrase(format!(
                    "wrong passphrase in {} for {}",
                    p.display(),
                    who.fingerprint
                )));
            }
            return Self::read_file(p);
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::Key(format!(
                "the secret key of {} ({}) is passphrase-protected; pass --passphrase-file FILE or set HRX_PASSPHRASE_FILE",
                who.name, who.fingerprint
            )));
        }
        // Said, so that a person knows the last one was wrong and how many
        // tries are left.
        if attempt > 1 {
            eprintln!("Wrong passphrase; try again ({attempt} of {UNLOCK_TRIES}).");
        }
        let p = prompt(&format!(
            "Passphrase for {} ({}): ",
            crate::model::text::printable(&who.name),
            &who.fingerprint[..16]
        ))?;
        Ok(Password::from(p))
    }
}
