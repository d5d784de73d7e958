//! The record model: kinds, categories, entries, policy statements and the
//! repository layout. Pure data and rules; no I/O, and the time is passed in.

pub mod attachment;
pub mod category;
pub mod deidentify;
pub mod entry;
pub mod example;
pub mod header;
pub mod kind;
pub mod layout;
pub mod parse;
pub mod reason;
pub mod schema;
pub mod shlink;
pub mod statement;
pub mod summary;
pub mod text;
pub mod when;
pub mod yaml;

pub use category::Category;
pub use entry::{Author, Entry};
pub use header::Header;
pub use kind::Kind;
pub use layout::RepoPath;
pub use reason::Reason;
pub use statement::{Grant, Purpose, Right, Statement};
pub use when::ClinicalTime;

/// An OpenPGP fingerprint as 40 (v4) upper-case hex digits. The core keeps
/// fingerprints as text so that it does not depend on the crypto layer.
pub type Fpr = String;

/// Normalises a user-typed fingerprint: strips spaces, upper-cases, checks it
/// is 40 hex digits (v4; hrx makes RFC 4880 certificates for GnuPG's sake).
pub fn parse_fpr(s: &str) -> Option<Fpr> {
    let f: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let f = f.strip_prefix("0X").map(str::to_string).unwrap_or(f);
    (f.len() == 40 && f.bytes().all(|b| b.is_ascii_hexdigit())).then_some(f)
}
