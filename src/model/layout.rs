//! The repository layout: which paths may exist, and what each one is.
//!
//! Every path in a record's tree must parse as a [`RepoPath`]; anything else
//! is rejected by `verify`. See `man 5 hrx-repository`.

use super::{Category, Fpr, parse_fpr};
use crate::id::Id;

/// The name of the record's header file at the top of the tree.
pub const HEADER: &str = "hrx.yaml";

/// A path in a record's tree, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepoPath {
    /// `hrx.yaml`: format version and the patient's fingerprint (trust root).
    Header,
    /// `keys/FPR.asc`: a participant's public certificate.
    Key(Fpr),
    /// `keys/FPR/ID.asc`: a later version of that certificate (extended
    /// expiry, new subkeys, revocations), merged with it.
    KeyUpdate {
        /// Whose certificate.
        fpr: Fpr,
        /// The update's id (its time is when it was made).
        id: Id,
    },
    /// `policy/ID.yaml`: a grant, revocation or other policy statement.
    Statement(Id),
    /// `entries/CATEGORY/SHARD/ID.pgp`: one encrypted, signed entry (SHARD
    /// is four directories, see [`Id::shard`]).
    Entry {
        /// Its category (visible metadata, so anyone can check write rights).
        category: Category,
        /// Its id.
        id: Id,
    },
    /// `access/SHARD/ID/FPR.pkesk`: an entry's session key wrapped for a later reader.
    Access {
        /// The entry.
        entry: Id,
        /// The reader.
        reader: Fpr,
    },
}

impl RepoPath {
    /// Parses a slash-separated path from a git tree.
    pub fn parse(path: &str) -> Option<RepoPath> {
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            [HEADER] => Some(RepoPath::Header),
            ["keys", f] => {
                let fpr = f.strip_suffix(".asc")?;
                let p = parse_fpr(fpr)?;
                (p == fpr).then_some(RepoPath::Key(p))
            }
            ["keys", f, u] => {
                let fpr = parse_fpr(f).filter(|p| p == f)?;
                Some(RepoPath::KeyUpdate { fpr, id: u.strip_suffix(".asc")?.parse().ok()? })
            }
            ["policy", f] => Some(RepoPath::Statement(f.strip_suffix(".yaml")?.parse().ok()?)),
            ["entries", cat, year, days, r1, r2, f] => {
                let id: Id = f.strip_suffix(".pgp")?.parse().ok()?;
                let category = cat.parse().ok()?;
                (id.shard() == format!("{year}/{days}/{r1}/{r2}")).then_some(RepoPath::Entry { category, id })
            }
            ["access", year, days, r1, r2, e, f] => {
                let entry: Id = e.parse().ok()?;
                if entry.shard() != format!("{year}/{days}/{r1}/{r2}") {
                    return None;
                }
                let fpr = f.strip_suffix(".pkesk")?;
                let reader = parse_fpr(fpr)?;
                (reader == fpr).then_some(RepoPath::Access { entry, reader })
            }
            _ => None,
        }
    }

    /// The path as stored in the tree.
    pub fn to_path(&self) -> String {
        match self {
            RepoPath::Header => HEADER.to_string(),
            RepoPath::Key(f) => format!("keys/{f}.asc"),
            RepoPath::KeyUpdate { fpr, id } => format!("keys/{fpr}/{id}.asc"),
            RepoPath::Statement(id) => format!("policy/{id}.yaml"),
            RepoPath::Entry { category, id } => {
                format!("entries/{category}/{}/{id}.pgp", id.shard())
            }
            RepoPath::Access { entry, reader } => format!("access/{}/{entry}/{reader}.pkesk", entry.shard()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_and_strangers_are_rejected() {
        let id: Id = "01JD3Q6R9Z8X7W6V5T4S3R2Q1P".parse().unwrap();
        let fpr = "A".repeat(40);
        for p in [
            RepoPath::Header,
            RepoPath::Key(fpr.clone()),
            RepoPath::KeyUpdate { fpr: fpr.clone(), id },
            RepoPath::Statement(id),
            RepoPath::Entry { category: "allergy".parse().unwrap(), id },
            RepoPath::Access { entry: id, reader: fpr.clone() },
        ] {
            assert_eq!(RepoPath::parse(&p.to_path()), Some(p));
        }
        assert_eq!(
            RepoPath::Entry { category: "allergy".parse().unwrap(), id }.to_path(),
            "entries/allergy/01J/D/P/1/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp"
        );
        for bad in [
            "README.md",
            "keys/abc.asc",
            &format!("keys/{}/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp", "A".repeat(40)),
            &format!("keys/{}/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.asc", "a".repeat(40)),
            &format!("keys/{}.asc", "a".repeat(40)),
            "entries/allergy/01J/E/P/1/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp",
            "entries/allergy/01J/D/P/Q/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp",
            "entries/allergy/01J/D/1/P/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp",
            "entries/allergy/01JD/P/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp",
            "access/01JD3Q6R9Z8X7W6V5T4S3R2Q1P/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.pkesk",
            "entries/unknown/01JD/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp",
            "entries/allergy/01JD3Q6R9Z8X7W6V5T4S3R2Q1P.pgp",
            "policy/../x.yaml",
        ] {
            assert_eq!(RepoPath::parse(bad), None, "{bad}");
        }
    }
}
