//! The policy: who may do what to a record, as of a given commit.
//!
//! The state is built by replaying the history; each commit is judged by the
//! policy of its parent (as sequoia-git does), so a statement can never
//! authorise the commit that carries it, and replaying an old grant after its
//! revocation fails by itself. Pure logic: no I/O, the time is passed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::id::Id;
use crate::model::{Category, Fpr, Grant, Right, Statement};

/// How far a commit's signature time may lie before its parent's. Clocks of
/// providers in different places disagree a little; more than this is treated
/// as backdating (which could smuggle a write in before a grant expired).
pub const CLOCK_SKEW_SECS: i64 = 3600;

/// One addition a commit makes, as the policy sees it.
#[derive(Clone, Debug)]
pub enum Change {
    /// A participant's certificate.
    Key(Fpr),
    /// A grant or revocation.
    Statement(Statement),
    /// An entry in a category.
    Entry(Category, Id),
    /// A later-access key wrap for an entry.
    Access(Id, Fpr),
}

/// A grant in force or once in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantRecord {
    /// Its id.
    pub id: Id,
    /// When the patient issued it.
    pub issued_at: DateTime<Utc>,
    /// What it grants.
    pub grant: Grant,
    /// Revocation statement and its time, if revoked.
    pub revoked: Option<(Id, DateTime<Utc>)>,
}

impl GrantRecord {
    /// Whether the grant is in force at `t`.
    pub fn active_at(&self, t: DateTime<Utc>) -> bool {
        self.revoked.is_none() && self.grant.in_window(t)
    }
}

/// The policy state of a record after some commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The patient: the trust root, who governs everything.
    pub patient: Fpr,
    /// Participants whose certificates are in `keys/`.
    pub keys: BTreeSet<Fpr>,
    /// Every grant ever made, by id.
    pub grants: BTreeMap<Id, GrantRecord>,
}

impl Policy {
    /// The policy of a new record: the patient alone.
    pub fn new(patient: Fpr) -> Policy {
        let keys = BTreeSet::from([patient.clone()]);
        Policy { patient, keys, grants: BTreeMap::new() }
    }

    /// Grants to `who` in force at `t`.
    pub fn active_grants<'a>(&'a self, who: &'a str, t: DateTime<Utc>) -> impl Iterator<Item = &'a GrantRecord> + 'a {
        self.grants.values().filter(move |g| g.grant.grantee == who && g.active_at(t))
    }

    /// Whether `who` holds `right` on `category` at `t`. The patient holds every right.
    pub fn allows(&self, who: &str, right: Right, category: &Category, t: DateTime<Utc>) -> bool {
        who == self.patient
            || self
                .active_grants(who, t)
                .any(|g| g.grant.rights.contains(&right) && g.grant.categories.covers(category))
    }

    /// Who a new entry in `category` written by `author` at `t` is encrypted
    /// to: the patient, the author, and every reader the grants name.
    pub fn recipients(&self, category: &Category, author: &str, t: DateTime<Utc>) -> BTreeSet<Fpr> {
        let mut r = BTreeSet::from([self.patient.clone(), author.to_string()]);
        for g in self.grants.values() {
            if g.active_at(t) && g.grant.rights.contains(&Right::Read) && g.grant.categories.covers(category) {
                r.insert(g.grant.grantee.clone());
            }
        }
        r
    }

    /// Judges whether `signer` may make `change` at time `t` under this
    /// policy (the parent's). `after` is the state with the commit's other
    /// changes applied, for checks that need them (a grant's key added in
    /// the same commit).
    pub fn judge(&self, signer: &str, change: &Change, t: DateTime<Utc>, after: &Policy) -> Result<(), String> {
        let is_patient = signer == self.patient;
        match change {
            Change::Key(f) => {
                if !is_patient {
                    return Err(format!("adds certificate {f}, but only the patient may add certificates"));
                }
            }
            Change::Statement(s) => {
                if !is_patient {
                    return Err(format!(
                        "adds policy statement {}, but only the patient may change the policy",
                        s.id()
                    ));
                }
                match s {
                    Statement::Grant { grant, .. } => {
                        if !after.keys.contains(&grant.grantee) {
                            return Err(format!(
                                "grants rights to {}, whose certificate is not in keys/",
                                grant.grantee
                            ));
                        }
                        if grant.rights.is_empty() {
                            return Err(format!("grant {} gives no rights", s.id()));
                        }
                    }
                    Statement::Revoke { revokes, .. } => match self.grants.get(revokes) {
                        None => {
                            return Err(format!("revokes grant {revokes}, which does not exist"));
                        }
                        Some(g) if g.revoked.is_some() => {
                            return Err(format!("revokes grant {revokes}, which is already revoked"));
                        }
                        Some(_) => {}
                    },
                }
            }
            Change::Entry(category, id) => {
                if !self.keys.contains(signer) {
                    return Err(format!("adds entry {id}, but the signer's certificate is not in keys/"));
                }
                if !self.allows(signer, Right::Write, category, t) {
                    return Err(format!(
                        "adds entry {id} in category {category}, but the signer holds no write grant for {category} in force at {}",
                        t.to_rfc3339()
                    ));
                }
            }
            Change::Access(entry, reader) => {
                if !is_patient {
                    return Err(format!("adds later access to entry {entry} for {reader}, but only the patient may"));
                }
            }
        }
        Ok(())
    }

    /// Applies a change (already judged).
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Key(f) => {
                self.keys.insert(f.clone());
            }
            Change::Statement(Statement::Grant { id, issued_at, grant }) => {
                self.grants
                    .insert(*id, GrantRecord { id: *id, issued_at: *issued_at, grant: grant.clone(), revoked: None });
            }
            Change::Statement(Statement::Revoke { id, issued_at, revokes }) => {
                if let Some(g) = self.grants.get_mut(revokes) {
                    g.revoked = Some((*id, *issued_at));
                }
            }
            Change::Entry(..) | Change::Access(..) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::statement::{Purpose, Scope};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }
    fn fpr(c: char) -> Fpr {
        c.to_string().repeat(40)
    }
    fn cat(s: &str) -> Category {
        s.parse().unwrap()
    }
    fn grant(id: u8, who: Fpr, cats: &[&str], rights: Vec<Right>, until: Option<i64>) -> Statement {
        Statement::Grant {
            id: Id::from_parts(t(0), [id; 10]),
            issued_at: t(0),
            grant: Grant {
                grantee: who,
                categories: Scope::Some(cats.iter().map(|c| cat(c)).collect()),
                rights,
                purpose: Purpose::Treatment,
                from: t(0),
                until: until.map(t),
                note: None,
            },
        }
    }

    #[test]
    fn grants_scope_writes_and_readers() {
        let mut p = Policy::new(fpr('A'));
        p.apply(&Change::Key(fpr('B')));
        let g = grant(1, fpr('B'), &["medication"], vec![Right::Read, Right::Write], Some(100));
        p.judge(&fpr('A'), &Change::Statement(g.clone()), t(1), &p.clone()).unwrap();
        p.apply(&Change::Statement(g.clone()));
        let id = Id::from_parts(t(1), [9; 10]);
        assert!(p.judge(&fpr('B'), &Change::Entry(cat("medication"), id), t(50), &p).is_ok());
        assert!(p.judge(&fpr('B'), &Change::Entry(cat("mental-health"), id), t(50), &p).is_err());
        assert!(p.judge(&fpr('B'), &Change::Entry(cat("medication"), id), t(100), &p).is_err(), "until is exclusive");
        assert!(p.recipients(&cat("medication"), &fpr('A'), t(5)).contains(&fpr('B')));
        assert!(!p.recipients(&cat("mental-health"), &fpr('A'), t(5)).contains(&fpr('B')));
        // Only the patient changes the policy.
        assert!(p.judge(&fpr('B'), &Change::Statement(g.clone()), t(2), &p).is_err());
        assert!(p.judge(&fpr('B'), &Change::Key(fpr('C')), t(2), &p).is_err());
        // Revocation ends writing and reading.
        let r = Statement::Revoke { id: Id::from_parts(t(3), [2; 10]), issued_at: t(3), revokes: g.id() };
        p.judge(&fpr('A'), &Change::Statement(r.clone()), t(3), &p).unwrap();
        p.apply(&Change::Statement(r.clone()));
        assert!(p.judge(&fpr('B'), &Change::Entry(cat("medication"), id), t(50), &p).is_err());
        assert!(!p.recipients(&cat("medication"), &fpr('A'), t(50)).contains(&fpr('B')));
        assert!(p.judge(&fpr('A'), &Change::Statement(r), t(4), &p).is_err(), "double revocation");
    }

    #[test]
    fn grant_needs_the_grantees_key_and_a_right() {
        let p = Policy::new(fpr('A'));
        let g = grant(1, fpr('B'), &["general"], vec![Right::Read], None);
        assert!(p.judge(&fpr('A'), &Change::Statement(g), t(1), &p).is_err());
        let mut after = p.clone();
        after.apply(&Change::Key(fpr('B')));
        let g = grant(1, fpr('B'), &["general"], vec![], None);
        assert!(p.judge(&fpr('A'), &Change::Statement(g), t(1), &after).is_err());
    }
}
