//! The library's error type. The CLI maps each variant to a message and an
//! exit code in one place (`cli::exit`).

use std::path::PathBuf;

/// Result with the library's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in hrx, grouped by what the user can do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or environment was wrong.
    #[error("{0}")]
    Usage(String),

    /// A record, statement or other input does not validate.
    #[error("{0}")]
    Invalid(String),

    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),

    /// A key is missing or locked, or unusable for what is asked.
    #[error("{0}")]
    Key(String),

    /// The passphrase given for a secret key does not unlock it.
    #[error("{0}")]
    WrongPassphrase(String),

    /// The policy does not allow the caller to do this.
    #[error("{0}")]
    Denied(String),

    /// The history does not verify.
    #[error("{0}")]
    Verification(#[from] crate::verify::Failure),

    /// History from elsewhere (a remote, a bundle, a clone source) was
    /// refused: it does not verify, or not together with this copy's. The
    /// local record is unchanged.
    #[error("{0}")]
    Refused(crate::verify::Failure),

    /// The repository is not in a state where this can be done.
    #[error("{0}")]
    State(String),

    /// A remote refused to move its branch to what was pushed (it moved
    /// meanwhile, or its hook said no). The local record is unchanged.
    #[error("{0}")]
    PushRejected(String),

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },

    /// git reported an error.
    #[error("git: {0}")]
    Git(#[from] git2::Error),

    /// OpenPGP processing failed unexpectedly.
    #[error("OpenPGP: {0}")]
    Crypto(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io { path: path.into(), source }
    }

    /// An unexpected OpenPGP error, with context.
    pub fn crypto(context: &str, e: impl std::fmt::Display) -> Error {
        Error::Crypto(format!("{context}: {e}"))
    }
}
