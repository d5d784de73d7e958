//! Policy statements: grants and revocations, as stored in `policy/ID.yaml`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Category, Fpr};
use crate::id::Id;

/// What a grant allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Right {
    /// New entries in scope are encrypted to the grantee.
    Read,
    /// The grantee may add entries in scope.
    Write,
    /// The grantee may manage access on the patient's behalf within scope:
    /// grant others the rights it holds itself there, revoke such grants,
    /// add certificates and give later access. Only the patient grants it.
    Manage,
}

/// The role of someone holding the manage right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A parent or legal representative (e.g. for a child's record).
    Guardian,
}

/// Why access is granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// Care of the patient.
    Treatment,
    /// Break-glass access to the emergency summary.
    Emergency,
    /// De-identified research use.
    Research,
}

/// Which categories a grant covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scope {
    /// The word `all`: every category.
    All(AllWord),
    /// The named categories.
    Some(Vec<Category>),
}

/// The literal `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AllWord {
    /// `all`
    All,
}

impl Scope {
    /// Whether `c` is in scope.
    pub fn covers(&self, c: &Category) -> bool {
        match self {
            Scope::All(_) => true,
            Scope::Some(cs) => cs.contains(c),
        }
    }
}

/// A grant of rights on categories to a grantee's certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// The grantee's certificate fingerprint; its certificate is in `keys/`.
    pub grantee: Fpr,
    /// Categories covered.
    pub categories: Scope,
    /// Read, write, or both.
    pub rights: Vec<Right>,
    /// Why.
    pub purpose: Purpose,
    /// Valid from (inclusive).
    pub from: DateTime<Utc>,
    /// Valid until (exclusive); open-ended if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Free text for the patient's own reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For delegations: the delegate's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Whether the grant came with later access to the entries in scope
    /// that existed when it was made (the wraps are in the same commit).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_past: bool,
}

impl Grant {
    /// Whether the grant is in its validity window at `t` (revocation aside).
    pub fn in_window(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && self.until.is_none_or(|u| t < u)
    }
}

impl Scope {
    /// Whether every category of `other` is in this scope.
    pub fn contains(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::All(_), _) => true,
            (Scope::Some(_), Scope::All(_)) => false,
            (Scope::Some(mine), Scope::Some(theirs)) => theirs.iter().all(|c| mine.contains(c)),
        }
    }
}

/// The largest statement file accepted.
pub const MAX_STATEMENT: usize = 64 << 10;

/// A policy statement as stored in `policy/ID.yaml`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "statement", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Statement {
    /// Grants rights.
    Grant {
        /// Same as the file name.
        id: Id,
        /// When the patient made it.
        issued_at: DateTime<Utc>,
        /// What is granted.
        #[serde(flatten)]
        grant: Grant,
    },
    /// Ends a grant from `issued_at` on.
    Revoke {
        /// Same as the file name.
        id: Id,
        /// When the patient made it.
        issued_at: DateTime<Utc>,
        /// The grant revoked.
        revokes: Id,
    },
    /// Break-glass: the holder of an emergency grant records that it opened
    /// the emergency summary. Signed by the emergency key itself.
    EmergencyAccess {
        /// Same as the file name.
        id: Id,
        /// When.
        issued_at: DateTime<Utc>,
        /// The emergency grant used.
        grant: Id,
        /// Why (plain text, visible to anyone with a copy: keep it short).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A served SMART Health Link was opened: its server answered a
    /// manifest request (`hrx share log` records what `hrx share serve`
    /// logged). Signed by whoever made the link: the patient, or a reader
    /// sharing what it may read.
    ShareAccess {
        /// Same as the file name.
        id: Id,
        /// When it was recorded.
        issued_at: DateTime<Utc>,
        /// The share (its id on the device that made it: 12 hex digits).
        share: String,
        /// Its place in the link's access log (0 first): each is recorded once.
        line: u64,
        /// When the server answered.
        accessed_at: DateTime<Utc>,
        /// Who the requester said it is (nobody checked: plain text,
        /// visible to anyone with a copy).
        recipient: String,
        /// How many files it was handed.
        files: u32,
    },
    /// Declares every key of a participant's certificate unusable: by the
    /// patient for anyone but herself, or by the certificate's holder.
    RevokeKey {
        /// Same as the file name.
        id: Id,
        /// When.
        issued_at: DateTime<Utc>,
        /// The certificate (its primary key's fingerprint).
        certificate: Fpr,
        /// Compromised (in someone else's hands) or retired.
        reason: KeyRevocationReason,
        /// For a compromised key: from when it may have been in other hands.
        /// What it signed from then on is void, even where the record held
        /// it before the revocation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<DateTime<Utc>>,
        /// Free text (public: keep it short).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// Hands a participant's place over to a new certificate: signed with
    /// the old key, in the commit that adds the new certificate. The new
    /// key holds what the old one held (the patient's place, grants), and
    /// the old one signs nothing from then on.
    RotateKey {
        /// Same as the file name.
        id: Id,
        /// When.
        issued_at: DateTime<Utc>,
        /// The certificate handing over.
        from: Fpr,
        /// The new certificate (added in the same commit).
        to: Fpr,
        /// The new key's consent: an armoured signature by it over
        /// [`Statement::rotation_consent`], so that no one is handed a
        /// place without holding the key.
        consent: String,
    },
    /// Sets up recovery of the patient's key (see `hrx-repository(5)`,
    /// RECOVERY): the key, encrypted with a random secret, and that secret
    /// split into shares, each encrypted to one trustee, any `threshold` of
    /// which rebuild it. Signed by the patient; the latest one counts.
    Recovery {
        /// Same as the file name.
        id: Id,
        /// When.
        issued_at: DateTime<Utc>,
        /// The patient's key the set-up recovers.
        key: Fpr,
        /// How many trustees must approve a recovery (at least 2).
        threshold: u8,
        /// Each trustee's share.
        trustees: Vec<TrusteeShare>,
        /// The patient's secret key, encrypted with the shared secret (an
        /// armoured OpenPGP message with one password-encrypted session
        /// key; the password is the secret in hex).
        secret: String,
    },
}

/// One trustee's share of a recovery secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrusteeShare {
    /// The trustee's certificate (in `keys/`).
    pub certificate: Fpr,
    /// The share, an armoured OpenPGP message encrypted to the trustee only
    /// and signed by the patient.
    pub share: String,
}

/// The most trustees a recovery set-up names.
pub const MAX_TRUSTEES: usize = 16;

/// Why a key is revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyRevocationReason {
    /// The key may be in someone else's hands: nothing it signs that the
    /// record did not hold counts, whatever its date.
    Compromised,
    /// The key is no longer used: it signs nothing from the revocation on.
    Retired,
}

impl KeyRevocationReason {
    /// Its name in a statement: `compromised` or `retired`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyRevocationReason::Compromised => "compromised",
            KeyRevocationReason::Retired => "retired",
        }
    }
}

impl Statement {
    /// The statement's id.
    pub fn id(&self) -> Id {
        match self {
            Statement::Grant { id, .. }
            | Statement::Revoke { id, .. }
            | Statement::EmergencyAccess { id, .. }
            | Statement::ShareAccess { id, .. }
            | Statement::RevokeKey { id, .. }
            | Statement::RotateKey { id, .. }
            | Statement::Recovery { id, .. } => *id,
        }
    }

    /// When the statement says it was made.
    pub fn issued_at(&self) -> DateTime<Utc> {
        match self {
            Statement::Grant { issued_at, .. }
            | Statement::Revoke { issued_at, .. }
            | Statement::EmergencyAccess { issued_at, .. }
            | Statement::ShareAccess { issued_at, .. }
            | Statement::RevokeKey { issued_at, .. }
            | Statement::RotateKey { issued_at, .. }
            | Statement::Recovery { issued_at, .. } => *issued_at,
        }
    }

    /// What the new key of a rotation signs to consent to it.
    pub fn rotation_consent(id: &Id, from: &str, to: &str) -> String {
        format!("hrx rotate-key {id}: {from} hands its place over to {to}\n")
    }

    /// Parses a statement file.
    pub fn from_yaml(bytes: &[u8]) -> Result<Statement, String> {
        super::yaml::check(bytes, MAX_STATEMENT)?;
        serde_yaml_ng::from_slice(bytes).map_err(|e| e.to_string())
    }

    /// Serialises for storage.
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("statements serialise")
    }
}
