//! The one place errors become messages and exit codes. The codes are
//! stable and documented in `man hrx` (EXIT STATUS).

use crate::error::Error;

/// Success.
pub const OK: i32 = 0;
/// `verify` (or any command that reads the history) found it not authentic.
pub const VERIFY_FAILED: i32 = 1;
/// Bad command line or environment (clap uses 2 too).
pub const USAGE: i32 = 2;
/// An input record, statement or file does not validate.
pub const INVALID: i32 = 3;
/// A named record, entry, key or file does not exist.
pub const NOT_FOUND: i32 = 4;
/// A key is missing or locked, or the passphrase is wrong.
pub const KEY: i32 = 5;
/// The record's policy does not allow this.
pub const DENIED: i32 = 6;
/// The record or directory is not in a state that allows this.
pub const STATE: i32 = 7;
/// Reading or writing files, git, or OpenPGP failed unexpectedly.
pub const FAILURE: i32 = 8;
/// What a remote or bundle sent does not verify; nothing was taken in and
/// the local record is unchanged (its own code: the local copy is not in
/// doubt, as it is with 1).
pub const REFUSED: i32 = 9;

/// Every code with its meaning, for the man page.
pub const TABLE: &[(i32, &str)] = &[
    (OK, "success"),
    (VERIFY_FAILED, "the record's history does not verify (the message names the first bad commit and why)"),
    (USAGE, "bad command line or environment"),
    (INVALID, "input does not validate (YAML, schema, certificate, statement)"),
    (NOT_FOUND, "no such record, entry, key or file (hrx run outside a record: \"no hrx record here\")"),
    (KEY, "no usable key, a locked key without a passphrase, or a wrong passphrase"),
    (DENIED, "the record's policy does not allow the caller to do this"),
    (
        STATE,
        "the record or directory is not in a state that allows this (exists already, changed meanwhile; a bundle or remote that holds another record)",
    ),
    (FAILURE, "an unexpected I/O, git or OpenPGP failure"),
    (
        REFUSED,
        "what a remote or bundle sent does not verify (or is too large, or late): nothing was taken in, the local record is as it was, and it is not in doubt",
    ),
];

/// The exit code for an error.
pub fn code(e: &Error) -> i32 {
    match e {
        Error::Usage(_) => USAGE,
        Error::Invalid(_) => INVALID,
        Error::NotFound(_) => NOT_FOUND,
        Error::Key(_) | Error::WrongPassphrase(_) => KEY,
        Error::Denied(_) => DENIED,
        Error::Verification(_) => VERIFY_FAILED,
        Error::Refused(_) => REFUSED,
        Error::State(_) | Error::PushRejected(_) => STATE,
        Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => NOT_FOUND,
        Error::Io { .. } | Error::Git(_) | Error::Crypto(_) => FAILURE,
    }
}

/// The message for an error, with a hint of what to do where there is one.
///
/// What hrx's messages quote (a path, a URL, a name, a remote's words) is
/// not hrx's to lay out: any newline in the message itself is shown
/// escaped, so that no quoted text can make a line of its own (a forged
/// "synced" line in a report). Only the second line added here is one.
pub fn message(e: &Error) -> String {
    let one = |s: String| crate::model::text::printable(&s).into_owned();
    match e {
        Error::Verification(f) => format!(
            "the record does not verify: {}\nDo not trust this copy; obtain the record again from a source you trust (code: {})",
            one(f.to_string()),
            f.code
        ),
        Error::Refused(f) => {
            format!(
                "refused: {}\nNothing was taken in; the local record is as it was (code: {})",
                one(f.to_string()),
                f.code
            )
        }
        other => one(other.to_string()),
    }
}

/// The error as a JSON value, for `--json` callers: exit code, kind,
/// message, and for verification failures the commit and reason code.
pub fn json(e: &Error) -> serde_json::Value {
    let kind = match e {
        Error::Usage(_) => "usage",
        Error::Invalid(_) => "invalid",
        Error::NotFound(_) => "not-found",
        Error::Key(_) | Error::WrongPassphrase(_) => "key",
        Error::Denied(_) => "denied",
        Error::Verification(_) => "verification",
        Error::Refused(_) => "refused",
        Error::State(_) | Error::PushRejected(_) => "state",
        Error::Io { .. } => "io",
        Error::Git(_) => "git",
        Error::Crypto(_) => "openpgp",
    };
    let mut v = serde_json::json!({ "exit_code": code(e), "kind": kind, "message": e.to_string() });
    if let Error::Verification(f) | Error::Refused(f) = e {
        v["commit"] = serde_json::json!(f.commit);
        v["reason"] = serde_json::json!(f.code);
    }
    v
}
