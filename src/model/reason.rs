//! Why a history was refused: one stable code per rule, the same in
//! `--json` output (`error.reason`), in messages (`code: ...`) and in the
//! REASON CODES table of `hrx-repository(5)`, which is generated from
//! [`Reason::ALL`].

use std::fmt;

/// The rule a history, a commit or an entry broke. Serialised as its
/// kebab-case code; a code, once published, keeps its meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A commit without a signature.
    Unsigned,
    /// Signed by a key the record does not hold.
    UnknownSigner,
    /// A signature that does not verify or is malformed.
    BadSignature,
    /// A signature by an algorithm or hash hrx no longer accepts.
    WeakCrypto,
    /// Signed earlier than its parent allows.
    Backdated,
    /// Signed in the future.
    Future,
    /// The commit's, signature's and entry's times disagree.
    TimeMismatch,
    /// The root is not the one this device pinned.
    RootRewritten,
    /// A second root commit: two histories joined.
    SecondRoot,
    /// The root's `hrx.yaml` is not what this hrx reads.
    Header,
    /// A file where the layout has none.
    Layout,
    /// A tree git would not write.
    MalformedTree,
    /// A commit object git would not write.
    MalformedCommit,
    /// An object larger than any record holds.
    TooLarge,
    /// A file deleted.
    Deleted,
    /// A file modified.
    Modified,
    /// A commit that adds nothing.
    EmptyCommit,
    /// A merge that is not the union of its parents.
    Merge,
    /// A certificate file that does not parse, holds secret key material,
    /// or is not the certificate its name says.
    BadKey,
    /// A certificate holding another participant's key.
    KeyConflict,
    /// A statement that does not parse or whose id is not its file name.
    BadStatement,
    /// An entry that is not an OpenPGP message of the right shape.
    BadEntry,
    /// An entry encrypted to someone without the right to read it.
    BadRecipient,
    /// One entry id under two categories.
    DuplicateId,
    /// A later-access wrap that does not open what it says.
    BadAccess,
    /// An entry written by someone without the right.
    Unauthorised,
    /// A statement its signer may not make.
    Policy,
    /// Signed under a grant after its revocation.
    Revoked,
    /// Signed by a key its holder had revoked by then.
    KeyRevoked,
    /// An entry's inner signature is missing, bad, or not its author's.
    InnerSignature,
    /// An entry's record inside does not match its file and commit.
    InnerContent,
    /// On receipt: written long after its grant ended.
    Late,
    /// On receipt: history that lacks what this device verified there.
    RolledBack,
    /// On receipt: two copies hold different content at one path.
    Conflict,
    /// On clone: the record is not the one the given trust root names.
    TrustRoot,
    /// This computer's clock stands before the newest verified commit.
    Clock,
    /// The repository could not be read (not a verdict on the history).
    Git,
    /// The record has no commits.
    Empty,
    /// Saved verification state that does not fit; verification starts
    /// again from the root (never shown).
    Resume,
    /// The TUI could not open the record (not a verdict on the history).
    Error,
}

impl Reason {
    /// Every reason, in the order the manual lists them.
    pub const ALL: &'static [Reason] = &[
        Reason::Unsigned,
        Reason::UnknownSigner,
        Reason::BadSignature,
        Reason::WeakCrypto,
        Reason::Backdated,
        Reason::Future,
        Reason::TimeMismatch,
        Reason::RootRewritten,
        Reason::SecondRoot,
        Reason::Header,
        Reason::Layout,
        Reason::MalformedTree,
        Reason::MalformedCommit,
        Reason::TooLarge,
        Reason::Deleted,
        Reason::Modified,
        Reason::EmptyCommit,
        Reason::Merge,
        Reason::BadKey,
        Reason::KeyConflict,
        Reason::BadStatement,
        Reason::BadEntry,
        Reason::BadRecipient,
        Reason::DuplicateId,
        Reason::BadAccess,
        Reason::Unauthorised,
        Reason::Policy,
        Reason::Revoked,
        Reason::KeyRevoked,
        Reason::InnerSignature,
        Reason::InnerContent,
        Reason::Late,
        Reason::RolledBack,
        Reason::Conflict,
        Reason::TrustRoot,
        Reason::Clock,
        Reason::Git,
        Reason::Empty,
        Reason::Resume,
        Reason::Error,
    ];

    /// The stable code.
    pub fn as_str(self) -> &'static str {
        use Reason::*;
        match self {
            Unsigned => "unsigned",
            UnknownSigner => "unknown-signer",
            BadSignature => "bad-signature",
            WeakCrypto => "weak-crypto",
            Backdated => "backdated",
            Future => "future",
            TimeMismatch => "time-mismatch",
            RootRewritten => "root-rewritten",
            SecondRoot => "second-root",
            Header => "header",
            Layout => "layout",
            MalformedTree => "malformed-tree",
            MalformedCommit => "malformed-commit",
            TooLarge => "too-large",
            Deleted => "deleted",
            Modified => "modified",
            EmptyCommit => "empty-commit",
            Merge => "merge",
            BadKey => "bad-key",
            KeyConflict => "key-conflict",
            BadStatement => "bad-statement",
            BadEntry => "bad-entry",
            BadRecipient => "bad-recipient",
            DuplicateId => "duplicate-id",
            BadAccess => "bad-access",
            Unauthorised => "unauthorised",
            Policy => "policy",
            Revoked => "revoked",
            KeyRevoked => "key-revoked",
            InnerSignature => "inner-signature",
            InnerContent => "inner-content",
            Late => "late",
            RolledBack => "rolled-back",
            Conflict => "conflict",
            TrustRoot => "trust-root",
            Clock => "clock",
            Git => "git",
            Empty => "empty",
            Resume => "resume",
            Error => "error",
        }
    }

    /// What the code means, for the manual.
    pub fn meaning(self) -> &'static str {
        use Reason::*;
        match self {
            Unsigned => "a commit without a signature (no gpgsig header)",
            UnknownSigner => "a commit signed by a key the record holds no certificate of",
            BadSignature => "a signature that is malformed or does not verify",
            WeakCrypto => {
                "a signature by an algorithm or hash the OpenPGP policy no longer accepts (Sequoia's standard policy: no MD5, no SHA-1)"
            }
            Backdated => "a commit whose signature time is more than one hour before its parent's",
            Future => "a commit whose signature time is more than one hour after the verifier's clock",
            TimeMismatch => {
                "the time in an entry's or statement's id, a statement's issued_at, an entry's recorded_at, or a commit's author or committer date, more than one hour from the signature time (or, for recorded_at, not the id's)"
            }
            RootRewritten => "the root commit is not the one this device pinned, or names another patient",
            SecondRoot => "a second root commit: two histories joined",
            Header => "the root's hrx.yaml does not parse, is too large, or is of a format this hrx does not read",
            Layout => "a file at a path the layout has no place for, or not a regular file",
            MalformedTree => "a tree that git would not write (modes, names, order)",
            MalformedCommit => "a commit object that git would not write, or one hrx cannot read unambiguously",
            TooLarge => "an object larger than any record holds (checked before it is inflated)",
            Deleted => "a file deleted: nothing is ever removed from a record",
            Modified => "a file modified: nothing is ever changed once written",
            EmptyCommit => "a commit that adds nothing",
            Merge => "a merge that is not exactly the union of its parents",
            BadKey => {
                "a certificate file that does not parse, holds secret key material, or is not the certificate its name says"
            }
            KeyConflict => {
                "a certificate or update holding a key (by fingerprint or key id) that another participant's certificate holds"
            }
            BadStatement => "a statement that does not parse or whose id is not its file name",
            BadEntry => {
                "an entry that is not an OpenPGP message of the shape hrx writes (a hidden recipient included), or does not decrypt with integrity"
            }
            BadRecipient => {
                "an entry encrypted to a key whose holder has no right to read its category at the commit's time"
            }
            DuplicateId => "one entry id under two categories",
            BadAccess => "a later-access wrap that does not open the entry it names, or names none",
            Unauthorised => "an entry written by someone without the right to write its category then",
            Policy => {
                "a statement its signer may not make (only the patient, a delegate, or a grantee of its own grant)"
            }
            Revoked => "a commit under a grant after the grant's revocation",
            KeyRevoked => "a commit signed by a key its holder had revoked by then (see CERTIFICATE UPDATES)",
            InnerSignature => "an entry whose inner signature is missing, bad, or not by the commit's signer",
            InnerContent => {
                "an entry whose record inside names another id, category, author or time than its file and commit"
            }
            Late => {
                "on receipt: a new commit under a grant that had ended more than 7 days before the receiving clock, not built on by a participant in force (taken with --accept-late)"
            }
            RolledBack => {
                "on receipt: a history that no longer contains what this device verified there, or lacks what it saw withdrawn"
            }
            Conflict => "on receipt: two copies hold different content at one path (tampering; nothing is merged)",
            TrustRoot => "on hrx clone: the record is not the one the given trust root names",
            Clock => {
                "this computer's clock stands before the newest commit this copy has verified; set the clock right"
            }
            Git => "the repository could not be read (no verdict on the history)",
            Empty => "the record has no commits",
            Resume => "internal: saved state that does not fit; hrx verifies from the root instead (never reported)",
            Error => "internal: the TUI could not open the record (no verdict on the history)",
        }
    }

    /// Whether the code is a verdict on the history (listed in the manual's
    /// table) rather than hrx's own bookkeeping.
    pub fn is_verdict(self) -> bool {
        !matches!(self, Reason::Git | Reason::Empty | Reason::Resume | Reason::Error)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The REASON CODES section of `hrx-repository(5)`, as roff.
pub fn man_section() -> String {
    let mut s = String::from(
        ".SH REASON CODES\nWhat \\fBhrx verify --json\\fR (and every command that refuses a history)\nreports as \\fBerror.reason\\fR, with exit status 1 (this table is\ngenerated from hrx's code):\n",
    );
    for r in Reason::ALL.iter().filter(|r| r.is_verdict()) {
        s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", r.as_str(), r.meaning()));
    }
    s
}

/// The reason codes as `hrx verify --help` and hrx-verify(1) list them.
pub fn help_text() -> String {
    let codes: Vec<&str> = Reason::ALL.iter().filter(|r| r.is_verdict()).map(|r| r.as_str()).collect();
    format!(
        "When the history does not verify, hrx exits with status 1 and its message ends in (code: CODE); with --json the code is error.reason. The codes: {}. hrx-repository(5) gives the rule behind each (REASON CODES).",
        codes.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_listed_once_and_serialises_as_its_code() {
        let mut seen = std::collections::HashSet::new();
        for r in Reason::ALL {
            assert!(seen.insert(r.as_str()), "{r} twice");
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.as_str()));
            let back: Reason = serde_json::from_value(serde_json::json!(r.as_str())).unwrap();
            assert_eq!(back, *r);
        }
        // A variant missing from ALL would fail the match above only at
        // compile time of as_str; this counts them the other way.
        assert_eq!(seen.len(), 40);
    }
}
