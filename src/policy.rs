//! The policy: who may do what to a record, as of a given commit.
//!
//! The state is built by replaying the history; each commit is judged by the
//! policy of its parent (as sequoia-git does), so a statement can never
//! authorise the commit that carries it, and replaying an old grant after its
//! revocation fails by itself. Pure logic: no I/O, the time is passed in.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use crate::id::Id;
use crate::model::statement::{KeyRevocationReason, Scope};
use crate::model::{Category, Fpr, Grant, Purpose, Right, Statement};

/// How far a commit's signature time may lie before its parent's. Clocks of
/// providers in different places disagree a little; more than this is treated
/// as backdating (which could smuggle a write in before a grant expired).
pub const CLOCK_SKEW_SECS: i64 = 3600;

/// The most updates one certificate may have in a record (one a year for a
/// lifetime, with room to spare): each costs every verification time.
pub const MAX_KEY_UPDATES: usize = 100;

/// The most openings of one shared link a participant records: a link
/// holder requesting it over and over cannot grow the record without end
/// (the rest stay in the server's access log).
pub const MAX_SHARE_ACCESSES: usize = 1000;

/// The most openings of shared links, all links together, a participant
/// other than the patient records (it can make as many links as it likes).
pub const MAX_SHARE_ACCESSES_BY_GRANTEE: usize = 1000;

/// The time a hard revocation (key compromised, or no reason given) takes
/// effect from: the beginning. What the key signed counts only where the
/// revoking commit contains it; a thief's signature dated before the
/// revocation, on a copy made before it, is refused.
pub const HARD: DateTime<Utc> = DateTime::<Utc>::UNIX_EPOCH;

/// One addition a commit makes, as the policy sees it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// A participant's certificate.
    Key(Fpr),
    /// A later version of a participant's certificate (`keys/FPR/ID.asc`),
    /// with the keys its holder revoked in it and from when that counts.
    KeyUpdate {
        /// Whose certificate.
        fpr: Fpr,
        /// The update.
        id: Id,
        /// (key fingerprint, in effect from) for each key it revokes.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        revokes: Vec<(Fpr, DateTime<Utc>)>,
    },
    /// A grant, revocation or emergency access event.
    Statement(Statement),
    /// An entry in a category.
    Entry(Category, Id),
    /// A later-access key wrap for an entry (of the given category).
    Access {
        /// The entry.
        entry: Id,
        /// Its category.
        category: Category,
        /// Who may now read it.
        reader: Fpr,
    },
}

/// A grant in force or once in force.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrantRecord {
    /// Its id.
    pub id: Id,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Who issued it (the patient or a delegate).
    pub issued_by: Fpr,
    /// What it grants.
    pub grant: Grant,
    /// Revocation statement and the signature time of the commit that
    /// carried it, if revoked.
    pub revoked: Option<(Id, DateTime<Utc>)>,
    /// For a grant made by a delegate: the delegations (manage grants) it was
    /// made under. It is in force only while one of them is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issued_under: Vec<Id>,
    /// The commit (hex id) that carried the revocation, if known: commits
    /// it contains were made before it, whatever their clocks say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_in: Option<String>,
    /// Made in a commit that is void (signed with a key after it was
    /// compromised, see [`Policy::void`]): never in force.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub void: bool,
}

impl GrantRecord {
    /// Whether the grant itself is in force at `t`, judged by a history that
    /// contains everything before `t`: a known revocation ends it whatever
    /// its time (a commit on top of a revocation was made after it).
    pub fn active_at(&self, t: DateTime<Utc>) -> bool {
        self.revoked.is_none() && self.grant.in_window(t)
    }

    /// Whether a revocation signed at or before `t` ended the grant: the
    /// test for commits on other lines of history than the revocation.
    pub fn revoked_by(&self, t: DateTime<Utc>) -> bool {
        self.revoked.is_some_and(|(_, rt)| rt <= t)
    }

    /// When the grant ended or ends (its expiry, or its revocation), if it does.
    pub fn ends(&self) -> Option<DateTime<Utc>> {
        match (self.grant.until, self.revoked.map(|r| r.1)) {
            (Some(u), Some(r)) => Some(u.min(r)),
            (u, r) => u.or(r),
        }
    }
}

/// The grants that authorised one change: any one of them, still in force at
/// the commit's time by everything a verifier knows, suffices. Empty when the
/// patient made the change (the patient needs no grant).
pub type Authority = Vec<Id>;

/// A break-glass access, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmergencyEvent {
    /// The event id.
    pub id: Id,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: Fpr,
    /// The emergency grant used.
    pub grant: Id,
    /// Why.
    pub reason: Option<String>,
}

/// A revoked key: by its holder in a certificate update, by the patient or
/// the holder in a `revoke-key` statement, or retired by a rotation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyRevocation {
    /// The certificate the key belongs to.
    pub cert: Fpr,
    /// From when signatures by the key are refused: the earliest revocation
    /// known ([`HARD`] for a compromised key), but never before the commit
    /// that brought it.
    pub at: DateTime<Utc>,
    /// The commits (hex ids) that brought a revocation of it, once known:
    /// commits one of them contains were made before it, whatever their
    /// clocks say. One per line of history that revoked it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_in: Vec<String>,
    /// Those of `revoked_in` the key's own holder signed. When anyone else
    /// (the patient) revoked the key too, only the others' count: a thief
    /// holding the key could revoke it itself on an old copy to make what
    /// it wrote there look older than the patient's revocation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_holder: Vec<String>,
}

impl KeyRevocation {
    /// A revocation of a key of `cert` from `at`, its revoking commit not
    /// known yet.
    pub fn new(cert: Fpr, at: DateTime<Utc>) -> KeyRevocation {
        KeyRevocation { cert, at, revoked_in: vec![], by_holder: vec![] }
    }

    /// The revoking commits whose contents the revocation spares.
    pub fn sparing(&self) -> Vec<&String> {
        let others: Vec<&String> = self.revoked_in.iter().filter(|c| !self.by_holder.contains(c)).collect();
        if others.is_empty() { self.revoked_in.iter().collect() } else { others }
    }
}

/// A key revoked as compromised since a time (`revoke-key` with `since`):
/// what it signed from then on is void, even in commits the revoking commit
/// contains.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Compromise {
    /// The certificate (every key of it).
    pub cert: Fpr,
    /// From when it may have been in other hands.
    pub since: DateTime<Utc>,
    /// Whether the patient declared it (then what drew its authority from
    /// void commits is void too; a holder's own word voids only its own).
    pub by_patient: bool,
    /// The commit (hex id) that carried the statement, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_in: Option<String>,
}

/// The policy state of a record after some commit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    /// The patient: the trust root, who governs everything.
    pub patient: Fpr,
    /// Participants whose certificates are in `keys/`.
    pub keys: BTreeSet<Fpr>,
    /// Every grant ever made, by id.
    pub grants: BTreeMap<Id, GrantRecord>,
    /// Every break-glass access.
    pub emergencies: Vec<EmergencyEvent>,
    /// The certificate updates this history holds, by participant: the
    /// certificate as known here is `keys/FPR.asc` merged with these.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub key_updates: BTreeMap<Fpr, BTreeSet<Id>>,
    /// Keys revoked in certificate updates, by key fingerprint.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub revoked_keys: BTreeMap<Fpr, KeyRevocation>,
    /// Keys revoked as compromised since a time, by statement id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub compromises: BTreeMap<Id, Compromise>,
    /// Commits (hex id) the record holds but that count for nothing: signed
    /// with a key after it was compromised, or drawing their authority from
    /// such a commit; with why. Found after the whole history is walked.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub void: BTreeMap<String, String>,
    /// Certificates handed over to a new one (`rotate-key`): old -> new.
    /// The new one holds what the old one held.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rotated: BTreeMap<Fpr, Rotation>,
    /// The latest recovery set-up of the patient's key (`recovery`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoverySetup>,
    /// Answered requests of served links recorded (`share-access`): (who
    /// recorded it, share, line of its access log), with the statements that
    /// did. One line of history records each line once (one participant's
    /// records never stand in for another's); two lines a merge joins may
    /// both have (two devices that logged before they synced), and every
    /// statement counts against the limits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", with = "share_access_list")]
    pub share_accesses: BTreeMap<(Fpr, String, u64), BTreeSet<Id>>,
}

/// A recovery set-up, as recorded (the shares stay in its statement).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecoverySetup {
    /// Its statement.
    pub id: Id,
    /// The patient's key it recovers.
    pub key: Fpr,
    /// How many trustees must approve.
    pub threshold: u8,
    /// The trustees, in the statement's order.
    pub trustees: Vec<Fpr>,
    /// The signature time of the commit that made it.
    pub at: DateTime<Utc>,
}

/// A key rotation, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rotation {
    /// The new certificate.
    pub to: Fpr,
    /// The signature time of the commit that made it.
    pub at: DateTime<Utc>,
}

impl Policy {
    /// The policy of a new record: the patient alone.
    pub fn new(patient: Fpr) -> Policy {
        let keys = BTreeSet::from([patient.clone()]);
        Policy {
            patient,
            keys,
            grants: BTreeMap::new(),
            emergencies: Vec::new(),
            key_updates: BTreeMap::new(),
            revoked_keys: BTreeMap::new(),
            compromises: BTreeMap::new(),
            void: BTreeMap::new(),
            rotated: BTreeMap::new(),
            recovery: None,
            share_accesses: BTreeMap::new(),
        }
    }

    /// Whether grant `g` is in force at `t`: itself, and the delegation it
    /// was made under (grants made by a delegate fall with the delegation).
    pub fn in_force(&self, g: &GrantRecord, t: DateTime<Utc>) -> bool {
        self.with_delegation(g, &|g| g.active_at(t)) && !self.cert_revoked(self.holder(&g.grant.grantee), t)
    }

    /// Why commit `c` is void, if it is (see [`Policy::void`]). Most
    /// records have no void commit: then nothing is formatted.
    pub fn void_of(&self, c: impl std::fmt::Display) -> Option<&String> {
        if self.void.is_empty() { None } else { self.void.get(&c.to_string()) }
    }

    /// Whether certificate `f` as a whole (its primary key) is revoked by
    /// `t`: a revoked participant holds nothing, and nothing is encrypted
    /// to it.
    pub fn cert_revoked(&self, f: &str, t: DateTime<Utc>) -> bool {
        self.revoked_keys.get(f).is_some_and(|r| r.cert == f && r.at <= t)
    }

    /// Whether `test` holds for grant `g` and, if a delegate made it, for
    /// one of the delegations it was made under: the one rule by which a
    /// grant falls with its delegation, whatever the test.
    fn with_delegation(&self, g: &GrantRecord, test: &dyn Fn(&GrantRecord) -> bool) -> bool {
        let test = |g: &GrantRecord| !g.void && test(g);
        test(g) && (g.issued_under.is_empty() || g.issued_under.iter().any(|d| self.grants.get(d).is_some_and(test)))
    }

    /// Whether grant `g` was in force at a past time `t`, by what is known
    /// now: issued by then (whatever its `from` says), in its window, not yet
    /// revoked, and made under a delegation that was in force then too.
    pub fn was_in_force(&self, g: &GrantRecord, t: DateTime<Utc>) -> bool {
        self.with_delegation(g, &|g| g.issued_at <= t && g.grant.in_window(t) && !g.revoked_by(t))
    }

    /// Grants to `who` in force at `t` (grants made to a certificate `who`
    /// took over by rotation included).
    pub fn active_grants<'a>(&'a self, who: &'a str, t: DateTime<Utc>) -> impl Iterator<Item = &'a GrantRecord> + 'a {
        self.grants.values().filter(move |g| self.holder(&g.grant.grantee) == who && self.in_force(g, t))
    }

    /// Who holds what was granted to `f` now: `f`, or the certificate it
    /// was handed over to by rotation (and so on).
    pub fn holder<'a>(&'a self, f: &'a str) -> &'a str {
        let mut h = f;
        // Each rotation goes to a certificate new to the record, so the
        // chain has no cycle; bounded all the same.
        for _ in 0..=self.rotated.len() {
            match self.rotated.get(h) {
                Some(r) => h = &r.to,
                None => break,
            }
        }
        h
    }

    /// Whether the authority a commit relied on still holds at its time `t`
    /// by everything this policy knows (revocations from every line of
    /// history): some grant of `a` was not revoked by `t`, nor was every
    /// delegation it was made under. `predates(g)` says whether the commit is
    /// contained in the commit that revoked `g` (then it was made before the
    /// revocation, whatever the clocks say, and the revocation does not
    /// count against it).
    pub fn authority_holds(&self, a: &Authority, t: DateTime<Utc>, predates: &dyn Fn(&GrantRecord) -> bool) -> bool {
        let ok = |g: &GrantRecord| !g.revoked_by(t) || predates(g);
        a.is_empty() || a.iter().any(|id| self.grants.get(id).is_some_and(|g| self.with_delegation(g, &ok)))
    }

    /// The grants of `who` in force at `t` that give `right` on `category`.
    fn granting(&self, who: &str, right: Right, category: &Category, t: DateTime<Utc>) -> Authority {
        self.active_grants(who, t)
            .filter(|g| g.grant.rights.contains(&right) && g.grant.categories.covers(category))
            .map(|g| g.id)
            .collect()
    }

    /// The delegations (manage grants) of `who` in force at `t`.
    fn delegations(&self, who: &str, t: DateTime<Utc>) -> Authority {
        self.active_grants(who, t).filter(|g| g.grant.rights.contains(&Right::Manage)).map(|g| g.id).collect()
    }

    /// What lets `who` sign a merge at `t`: the patient, or any grant in force.
    pub fn merge_authority(&self, who: &str, t: DateTime<Utc>) -> Result<Authority, String> {
        if who == self.patient {
            return Ok(vec![]);
        }
        let a: Authority = self.active_grants(who, t).map(|g| g.id).collect();
        if a.is_empty() {
            return Err(format!("is a merge signed by {who}, who holds no grant in force at {}", t.to_rfc3339()));
        }
        Ok(a)
    }

    /// Whether `who` holds `right` on `category` at `t`. The patient holds every right.
    pub fn allows(&self, who: &str, right: Right, category: &Category, t: DateTime<Utc>) -> bool {
        who == self.patient
            || self
                .active_grants(who, t)
                .any(|g| g.grant.rights.contains(&right) && g.grant.categories.covers(category))
    }

    /// Whether `who` holds `right` on every category of `scope` at `t`.
    fn allows_scope(&self, who: &str, right: Right, scope: &Scope, t: DateTime<Utc>) -> bool {
        who == self.patient
            || match scope {
                Scope::All(_) => self
                    .active_grants(who, t)
                    .any(|g| g.grant.rights.contains(&right) && matches!(g.grant.categories, Scope::All(_))),
                Scope::Some(cs) => cs.iter().all(|c| self.allows(who, right, c, t)),
            }
    }

    /// Whether `who` may manage anything (the patient or a delegate) at `t`.
    pub fn is_manager(&self, who: &str, t: DateTime<Utc>) -> bool {
        who == self.patient || self.active_grants(who, t).any(|g| g.grant.rights.contains(&Right::Manage))
    }

    /// Who a new entry in `category` written by `author` at `t` is encrypted
    /// to: the patient, the author, and every reader the grants name.
    pub fn recipients(&self, category: &Category, author: &str, t: DateTime<Utc>) -> BTreeSet<Fpr> {
        let mut r = BTreeSet::from([self.patient.clone(), author.to_string()]);
        for g in self.grants.values() {
            if self.in_force(g, t) && g.grant.rights.contains(&Right::Read) && g.grant.categories.covers(category) {
                r.insert(self.holder(&g.grant.grantee).to_string());
            }
        }
        r
    }

    /// Judges whether `signer` may make `change` at time `t` under this
    /// policy (the parent's). `after` is the state with the commit's other
    /// changes applied, for checks that need them (a grant's key added in
    /// the same commit, wraps for a reader granted in the same commit).
    /// Returns the grants that allowed it ([`Authority`]).
    pub fn judge(&self, signer: &str, change: &Change, t: DateTime<Utc>, after: &Policy) -> Result<Authority, String> {
        let is_patient = signer == self.patient;
        match change {
            Change::Key(f) => {
                // A rotation brings its new certificate in the same commit.
                let rotation = after.rotated.get(signer).is_some_and(|r| r.to == *f) && !self.keys.contains(f);
                if rotation {
                    return Ok(vec![]);
                }
                if !self.is_manager(signer, t) {
                    return Err(format!(
                        "adds certificate {f}, but only the patient or a delegate may add certificates"
                    ));
                }
                if !is_patient {
                    return Ok(self.delegations(signer, t));
                }
            }
            Change::KeyUpdate { fpr: f, .. } => {
                if !self.keys.contains(f) {
                    return Err(format!("updates certificate {f}, which is not a participant's (not in keys/)"));
                }
                if self.key_updates.get(f).is_some_and(|u| u.len() >= MAX_KEY_UPDATES) {
                    return Err(format!(
                        "updates certificate {f}, which has {MAX_KEY_UPDATES} updates already; a certificate that needs more is replaced (a new key, granted anew)"
                    ));
                }
                // The holder may refresh its own certificate while it takes
                // part; the patient and delegates may for anyone.
                if is_patient {
                    return Ok(vec![]);
                }
                if signer == f {
                    let a: Authority = self.active_grants(signer, t).map(|g| g.id).collect();
                    if a.is_empty() {
                        return Err(format!(
                            "updates its own certificate, but holds no grant in force at {}",
                            t.to_rfc3339()
                        ));
                    }
                    return Ok(a);
                }
                if !self.is_manager(signer, t) {
                    return Err(format!(
                        "updates certificate {f}, but only its holder, the patient or a delegate may update a certificate"
                    ));
                }
                return Ok(self.delegations(signer, t));
            }
            Change::Statement(s) => return self.judge_statement(signer, s, t, after),
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
                if !is_patient {
                    return Ok(self.granting(signer, Right::Write, category, t));
                }
            }
            Change::Access { entry, category, reader } => {
                // A rotating participant gives its new key what it reads.
                let own_successor = after.rotated.get(signer).is_some_and(|r| r.to == *reader);
                if !is_patient && !own_successor && !self.allows(signer, Right::Manage, category, t) {
                    return Err(format!(
                        "adds later access to entry {entry} for {reader}, but only the patient or a delegate for {category} may"
                    ));
                }
                if !after.allows(reader, Right::Read, category, t) {
                    return Err(format!(
                        "adds later access to entry {entry} ({category}) for {reader}, who holds no read grant for {category}"
                    ));
                }
                if !is_patient {
                    return Ok(self.granting(signer, Right::Manage, category, t));
                }
            }
        }
        Ok(vec![])
    }

    fn judge_statement(
        &self,
        signer: &str,
        s: &Statement,
        t: DateTime<Utc>,
        after: &Policy,
    ) -> Result<Authority, String> {
        let is_patient = signer == self.patient;
        match s {
            Statement::Grant { grant, .. } => {
                if !self.is_manager(signer, t) {
                    return Err(format!(
                        "adds policy statement {}, but only the patient or a delegate may change the policy",
                        s.id()
                    ));
                }
                if !after.keys.contains(&grant.grantee) {
                    return Err(format!("grants rights to {}, whose certificate is not in keys/", grant.grantee));
                }
                if grant.rights.is_empty() {
                    return Err(format!("grant {} gives no rights", s.id()));
                }
                if !is_patient {
                    if grant.rights.contains(&Right::Manage) {
                        return Err(format!("grant {} delegates management, which only the patient may", s.id()));
                    }
                    if !self.allows_scope(signer, Right::Manage, &grant.categories, t) {
                        return Err(format!("grant {} covers categories the delegate does not manage", s.id()));
                    }
                    for r in &grant.rights {
                        if !self.allows_scope(signer, *r, &grant.categories, t) {
                            return Err(format!(
                                "grant {} gives the right {r:?} on categories where the delegate does not hold it",
                                s.id()
                            ));
                        }
                    }
                    return Ok(self.delegations(signer, t));
                }
            }
            Statement::Revoke { revokes, .. } => {
                let g = match self.grants.get(revokes) {
                    None => return Err(format!("revokes grant {revokes}, which does not exist")),
                    Some(g) if g.revoked.is_some() => {
                        return Err(format!("revokes grant {revokes}, which is already revoked"));
                    }
                    Some(g) => g,
                };
                if !is_patient {
                    let own = self.holder(&g.grant.grantee) == signer;
                    // A delegate revokes only grants it could have made:
                    // rights it holds itself, on categories it manages.
                    let manages = !g.grant.rights.contains(&Right::Manage)
                        && self.allows_scope(signer, Right::Manage, &g.grant.categories, t)
                        && g.grant.rights.iter().all(|r| self.allows_scope(signer, *r, &g.grant.categories, t));
                    // A grantee may always give up its own grant.
                    if !own && !manages {
                        return Err(format!(
                            "revokes grant {revokes}, but only the patient or a delegate managing its categories may"
                        ));
                    }
                    if !own {
                        return Ok(self.delegations(signer, t));
                    }
                }
            }
            Statement::RevokeKey { certificate, reason, since, .. } => {
                if !self.keys.contains(certificate) {
                    return Err(format!(
                        "revokes the key of {certificate}, which is not a participant's (not in keys/)"
                    ));
                }
                if *certificate == self.patient {
                    return Err(format!(
                        "revokes the patient's own key {certificate}; the patient's key is replaced (rotation, recovery), never revoked"
                    ));
                }
                if !is_patient && signer != certificate {
                    return Err(format!(
                        "revokes the key of {certificate}, but only the patient or the key's holder may revoke a key"
                    ));
                }
                // Voiding the hand-over the signer holds its own place by
                // would leave the record to a revoked key.
                if let Some(r) = self.rotated.get(certificate)
                    && self.holder(certificate) == signer
                    && since.is_some_and(|s| s < r.at)
                {
                    return Err(format!(
                        "revokes the key of {certificate} as compromised since before it was handed over to {} ({}), which would void that hand-over, the signer's own place; name a since after it",
                        r.to,
                        r.at.to_rfc3339()
                    ));
                }
                match (reason, since) {
                    (KeyRevocationReason::Retired, Some(_)) => {
                        return Err(format!(
                            "revokes the key of {certificate} as retired since a time; a retired key's past stays valid (since is for a compromised key)"
                        ));
                    }
                    (_, Some(s)) if *s > t => {
                        return Err(format!(
                            "revokes the key of {certificate} as compromised since {}, after the statement was signed ({})",
                            s.to_rfc3339(),
                            t.to_rfc3339()
                        ));
                    }
                    _ => {}
                }
            }
            Statement::RotateKey { from, to, .. } => {
                if signer != from {
                    return Err(format!("hands the place of {from} over to {to}, but only {from} itself may"));
                }
                if !self.keys.contains(from) {
                    return Err(format!("hands the place of {from} over, which is not a participant's"));
                }
                if self.keys.contains(to) || !after.keys.contains(to) {
                    return Err(format!(
                        "hands the place of {from} over to {to}, which must be a new certificate added in the same commit"
                    ));
                }
                if self.rotated.contains_key(from) {
                    return Err(format!("hands the place of {from} over again; it was handed over already"));
                }
                if self.revoked_keys.contains_key(from) {
                    return Err(format!("hands the place of {from} over, but its key is revoked"));
                }
                if !is_patient {
                    let a: Authority = self.active_grants(signer, t).map(|g| g.id).collect();
                    if a.is_empty() {
                        return Err(format!(
                            "hands the place of {from} over, but it holds no grant in force at {}",
                            t.to_rfc3339()
                        ));
                    }
                    return Ok(a);
                }
            }
            Statement::Recovery { key, threshold, trustees, .. } => {
                if !is_patient {
                    return Err(format!(
                        "sets up recovery of the patient's key, which only the patient may ({})",
                        s.id()
                    ));
                }
                // The patient's key after this commit: a rotation in the
                // same commit hands the shares to the new key.
                if *key != after.patient {
                    return Err(format!("sets up recovery of {key}, which is not the patient's key {}", after.patient));
                }
                let n = trustees.len();
                if n > crate::model::statement::MAX_TRUSTEES {
                    return Err(format!(
                        "names {n} trustees; at most {} hold shares",
                        crate::model::statement::MAX_TRUSTEES
                    ));
                }
                if *threshold < 2 || usize::from(*threshold) > n {
                    return Err(format!(
                        "asks {threshold} of {n} trustees to approve a recovery; the threshold is at least 2 and at most the number of trustees"
                    ));
                }
                let mut seen = BTreeSet::new();
                for tr in trustees {
                    if !seen.insert(&tr.certificate) {
                        return Err(format!("names trustee {} twice", tr.certificate));
                    }
                    if tr.certificate == after.patient || self.holder(&tr.certificate) == after.patient {
                        return Err("names the patient as her own trustee".to_string());
                    }
                    if !after.keys.contains(&tr.certificate) {
                        return Err(format!("names trustee {}, whose certificate is not in keys/", tr.certificate));
                    }
                    if self.cert_revoked(&tr.certificate, t) || self.rotated.contains_key(&tr.certificate) {
                        return Err(format!("names trustee {}, whose key is revoked or replaced", tr.certificate));
                    }
                }
            }
            Statement::ShareAccess { share, line, accessed_at, recipient, .. } => {
                if share.len() != 12 || !share.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
                    return Err(format!(
                        "records an access to share {share:?}, which is not a share id (12 hex digits)"
                    ));
                }
                if recipient.trim().is_empty() || recipient.chars().count() > 256 {
                    return Err("records an access without a recipient, or with one over 256 characters".into());
                }
                if *accessed_at > t + chrono::Duration::seconds(CLOCK_SKEW_SECS) {
                    return Err(format!(
                        "records an access at {}, after its own commit ({})",
                        accessed_at.to_rfc3339(),
                        t.to_rfc3339()
                    ));
                }
                // `after` holds what this commit recorded before this one,
                // under the key that holds the signer's place after it (a
                // rotation earlier in this commit hands it on: apply
                // records under that key).
                let by = after.holder(signer).to_string();
                if after.share_access_recorded(&by, share, *line) {
                    return Err(format!("records line {line} of share {share}'s access log again"));
                }
                if after.share_access_count(&by, share) >= MAX_SHARE_ACCESSES {
                    return Err(format!(
                        "records an access to share {share}, which has {MAX_SHARE_ACCESSES} recorded by its signer already (the most a record keeps of one link)"
                    ));
                }
                if signer != self.patient {
                    let readers: Vec<&GrantRecord> =
                        self.active_grants(signer, t).filter(|g| g.grant.rights.contains(&Right::Read)).collect();
                    if readers.is_empty() {
                        return Err(
                            "records an access to a shared link, but its signer holds no grant to read in force".into(),
                        );
                    }
                    // It shared what a grant let it read: not before that grant.
                    if !readers.iter().any(|g| *accessed_at >= g.issued_at.max(g.grant.from)) {
                        return Err(format!(
                            "records an access at {}, before the signer held a grant to read",
                            accessed_at.to_rfc3339()
                        ));
                    }
                    // A grantee makes the links it records, as many as it
                    // likes: its records of them all together are bounded.
                    if after.share_access_total(&by) >= MAX_SHARE_ACCESSES_BY_GRANTEE {
                        return Err(format!(
                            "records an access to a shared link, but its signer has recorded {MAX_SHARE_ACCESSES_BY_GRANTEE} already (the most a record keeps of a participant other than the patient)"
                        ));
                    }
                    return Ok(readers.iter().map(|g| g.id).collect());
                }
            }
            Statement::EmergencyAccess { grant, .. } => match self.grants.get(grant) {
                Some(g)
                    if self.holder(&g.grant.grantee) == signer
                        && g.grant.purpose == Purpose::Emergency
                        && self.in_force(g, t) =>
                {
                    return Ok(vec![*grant]);
                }
                _ => {
                    return Err(format!(
                        "records emergency access under grant {grant}, but the signer holds no emergency grant {grant} in force"
                    ));
                }
            },
        }
        Ok(vec![])
    }

    /// Applies a change (already judged) made by `signer` in a commit signed
    /// at `t`; `authority` is what the judgement returned. Statements take
    /// effect at the signature time, not at the time they claim.
    pub fn apply(&mut self, change: &Change, signer: &str, t: DateTime<Utc>, authority: &Authority) {
        match change {
            Change::Key(f) => {
                self.keys.insert(f.clone());
            }
            Change::KeyUpdate { fpr, id, revokes } => {
                self.key_updates.entry(fpr.clone()).or_default().insert(*id);
                for (k, at) in revokes {
                    self.revoke_key(k, KeyRevocation::new(fpr.clone(), *at));
                }
            }
            Change::Statement(Statement::Grant { id, issued_at, grant }) => {
                self.grants.insert(
                    *id,
                    GrantRecord {
                        id: *id,
                        issued_at: *issued_at,
                        issued_by: signer.to_string(),
                        grant: grant.clone(),
                        revoked: None,
                        issued_under: authority.clone(),
                        revoked_in: None,
                        void: false,
                    },
                );
            }
            Change::Statement(Statement::Revoke { id, revokes, .. }) => {
                if let Some(g) = self.grants.get_mut(revokes) {
                    g.revoked = Some((*id, t));
                }
            }
            Change::Statement(Statement::ShareAccess { id, share, line, .. }) => {
                let by = self.holder(signer).to_string();
                self.share_accesses.entry((by, share.clone(), *line)).or_default().insert(*id);
            }
            Change::Statement(Statement::EmergencyAccess { id, grant, reason, .. }) => {
                self.emergencies.push(EmergencyEvent {
                    id: *id,
                    at: t,
                    by: signer.to_string(),
                    grant: *grant,
                    reason: reason.clone(),
                });
            }
            Change::Statement(Statement::RevokeKey { id, certificate, reason, since, .. }) => {
                let at = match reason {
                    KeyRevocationReason::Compromised => HARD,
                    KeyRevocationReason::Retired => t,
                };
                self.revoke_key(certificate, KeyRevocation::new(certificate.clone(), at));
                if let (KeyRevocationReason::Compromised, Some(since)) = (reason, since) {
                    let by_patient = signer == self.patient;
                    let c = Compromise { cert: certificate.clone(), since: *since, by_patient, revoked_in: None };
                    self.compromises.insert(*id, c);
                }
            }
            Change::Statement(Statement::RotateKey { from, to, .. }) => {
                self.rotated.insert(from.clone(), Rotation { to: to.clone(), at: t });
                if self.patient == *from {
                    self.patient = to.clone();
                }
                // The old key is retired: it signs nothing from now on.
                self.revoke_key(from, KeyRevocation::new(from.clone(), t));
            }
            Change::Statement(Statement::Recovery { id, key, threshold, trustees, .. }) => {
                self.recovery = Some(RecoverySetup {
                    id: *id,
                    key: key.clone(),
                    threshold: *threshold,
                    trustees: trustees.iter().map(|t| t.certificate.clone()).collect(),
                    at: t,
                });
            }
            Change::Entry(..) | Change::Access { .. } => {}
        }
    }

    /// Records that key `k` is revoked; of two revocations of one key the
    /// earlier time counts, and every revoking commit is kept.
    fn revoke_key(&mut self, k: &str, r: KeyRevocation) {
        match self.revoked_keys.get_mut(k) {
            Some(e) => {
                e.at = e.at.min(r.at);
                let add = |to: &mut Vec<String>, from: Vec<String>| {
                    for c in from {
                        if !to.contains(&c) {
                            to.push(c);
                        }
                    }
                };
                add(&mut e.revoked_in, r.revoked_in);
                add(&mut e.by_holder, r.by_holder);
            }
            None => {
                self.revoked_keys.insert(k.to_string(), r);
            }
        }
    }

    /// Judges all the changes of one commit by `signer` at `t` under this
    /// policy (the parent's) and returns the policy after it. Keys, then
    /// statements, then the rest are applied as they pass, so a grant may
    /// name a key added with it and wraps may serve a reader granted in the
    /// same commit; each is still judged by this, the parent's, policy.
    /// Used by `verify`, and by every operation before it writes.
    /// Also returns the authority each change relied on (non-empty ones only),
    /// for the check against revocations known from other lines of history.
    pub fn judge_commit<'c>(
        &self,
        signer: &str,
        changes: &'c [Change],
        t: DateTime<Utc>,
    ) -> Result<(Policy, Vec<Authority>), (&'c Change, String)> {
        // A rotation is part of setting up certificates: its new
        // certificate comes with it.
        let rank = |c: &Change| match c {
            Change::Key(_) | Change::KeyUpdate { .. } | Change::Statement(Statement::RotateKey { .. }) => 0,
            Change::Statement(_) => 1,
            Change::Entry(..) | Change::Access { .. } => 2,
        };
        let mut ordered: Vec<&Change> = changes.iter().collect();
        ordered.sort_by_key(|c| rank(c));
        let mut after = self.clone();
        for c in ordered.iter().filter(|c| rank(c) == 0) {
            after.apply(c, signer, t, &vec![]);
        }
        let mut needs: Vec<Authority> = Vec::new();
        for c in ordered {
            let a = self.judge(signer, c, t, &after).map_err(|r| (c, r))?;
            if rank(c) > 0 {
                after.apply(c, signer, t, &a);
            }
            if !a.is_empty() && !needs.contains(&a) {
                needs.push(a);
            }
        }
        Ok((after, needs))
    }

    /// [`Policy::judge_commit`] for an operation about to write: the policy
    /// after it, or why not.
    pub fn judge_commit_checked<'c>(
        &self,
        signer: &str,
        changes: &'c [Change],
        t: DateTime<Utc>,
    ) -> Result<Policy, (&'c Change, String)> {
        self.judge_commit(signer, changes, t).map(|(p, _)| p)
    }

    /// `by` and every certificate it took over by rotation: a participant's
    /// records under an earlier key are its own still.
    fn identities<'a>(&'a self, by: &'a str) -> Vec<&'a str> {
        let mut ids = vec![by];
        ids.extend(self.rotated.keys().map(String::as_str).filter(|f| *f != by && self.holder(f) == by));
        ids
    }

    /// Whether participant `by` (under any of its keys) has recorded line
    /// `line` of share `share`.
    pub fn share_access_recorded(&self, by: &str, share: &str, line: u64) -> bool {
        self.identities(by).iter().any(|f| self.share_accesses.contains_key(&(f.to_string(), share.to_string(), line)))
    }

    /// How many openings of `share` participant `by` has recorded (its
    /// statements), under any of its keys (at most one more than
    /// [`MAX_SHARE_ACCESSES`] lines are counted for each).
    pub fn share_access_count(&self, by: &str, share: &str) -> usize {
        self.identities(by)
            .iter()
            .map(|f| {
                let (f, share) = (f.to_string(), share.to_string());
                self.share_accesses
                    .range((f.clone(), share.clone(), 0)..=(f, share, u64::MAX))
                    .take(MAX_SHARE_ACCESSES + 1)
                    .map(|(_, ids)| ids.len())
                    .sum::<usize>()
            })
            .sum()
    }

    /// How many openings of shared links participant `by` has recorded,
    /// all links and all its keys together (at most one more than
    /// [`MAX_SHARE_ACCESSES_BY_GRANTEE`] are counted for each key).
    pub fn share_access_total(&self, by: &str) -> usize {
        self.identities(by)
            .iter()
            .map(|f| {
                self.share_accesses
                    .range((f.to_string(), String::new(), 0)..)
                    .take_while(|((g, _, _), _)| g == f)
                    .take(MAX_SHARE_ACCESSES_BY_GRANTEE + 1)
                    .map(|(_, ids)| ids.len())
                    .sum::<usize>()
            })
            .sum()
    }

    /// [`merge`](Self::merge), for a merge commit: what the two lines
    /// recorded of shared links together keeps the limits one line keeps
    /// (at most [`MAX_SHARE_ACCESSES`] statements of one link by one
    /// recorder, under any of its keys; [`MAX_SHARE_ACCESSES_BY_GRANTEE`]
    /// by one other than the patient): forks must not add up to more. A
    /// line of an access log recorded on both (two devices that logged it
    /// before they synced) is taken, each statement counted.
    pub fn merge_checked(&mut self, other: Policy) -> Result<(), String> {
        self.merge(other);
        let mut of_share: std::collections::HashMap<(&str, &str), usize> = Default::default();
        let mut of_holder: std::collections::HashMap<&str, usize> = Default::default();
        for ((f, share, _), ids) in &self.share_accesses {
            let h = self.holder(f);
            let n = of_share.entry((h, share.as_str())).or_default();
            *n += ids.len();
            if *n > MAX_SHARE_ACCESSES {
                return Err(format!(
                    "joins lines that together record more than {MAX_SHARE_ACCESSES} openings of share {share} by one participant (the most a record keeps of one link)"
                ));
            }
            if h != self.patient {
                let n = of_holder.entry(h).or_default();
                *n += ids.len();
                if *n > MAX_SHARE_ACCESSES_BY_GRANTEE {
                    return Err(format!(
                        "joins lines that together record more than {MAX_SHARE_ACCESSES_BY_GRANTEE} openings of shared links by {h} (the most a record keeps of a participant other than the patient)"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Joins the policy of another verified history into this one (a merge).
    pub fn merge(&mut self, other: Policy) {
        self.keys.extend(other.keys);
        for (k, ids) in other.share_accesses {
            self.share_accesses.entry(k).or_default().extend(ids);
        }
        for (id, g) in other.grants {
            let e = self.grants.entry(id).or_insert_with(|| g.clone());
            e.void |= g.void;
            // The earliest revocation known on either side counts.
            match (e.revoked, g.revoked) {
                (None, Some(_)) => {
                    e.revoked = g.revoked;
                    e.revoked_in = g.revoked_in;
                }
                (Some(a), Some(b)) if b.1 < a.1 => {
                    e.revoked = Some(b);
                    e.revoked_in = g.revoked_in;
                }
                _ => {}
            }
        }
        for e in other.emergencies {
            if !self.emergencies.iter().any(|x| x.id == e.id) {
                self.emergencies.push(e);
            }
        }
        self.emergencies.sort_by_key(|e| e.id);
        for (f, ids) in other.key_updates {
            self.key_updates.entry(f).or_default().extend(ids);
        }
        for (k, r) in other.revoked_keys {
            self.revoke_key(&k, r);
        }
        for (id, c) in other.compromises {
            let e = self.compromises.entry(id).or_insert_with(|| c.clone());
            if e.revoked_in.is_none() {
                e.revoked_in = c.revoked_in;
            }
        }
        self.void.extend(other.void);
        for (f, r) in other.rotated {
            self.rotated.entry(f).or_insert(r);
        }
        // Of two lines' recovery set-ups the later one counts (by signature
        // time, then id), whichever side the merge names first.
        if let Some(o) = other.recovery
            && self.recovery.as_ref().is_none_or(|m| (o.at, o.id) > (m.at, m.id))
        {
            self.recovery = Some(o);
        }
        // Both lines start from one root: a patient who rotated on one line
        // is the patient of the join.
        self.patient = self.holder(&self.patient).to_string();
    }
}

/// [`Policy::share_accesses`] as kept in the verified state: a list of
/// (recorder, share, line, statement) (JSON maps take only string keys).
mod share_access_list {
    use super::{BTreeMap, BTreeSet, Fpr, Id};
    use serde::{Deserialize, Deserializer, Serializer};

    type Accesses = BTreeMap<(Fpr, String, u64), BTreeSet<Id>>;

    pub fn serialize<S: Serializer>(m: &Accesses, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter().flat_map(|((f, share, line), ids)| ids.iter().map(move |id| (f, share, line, id))))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Accesses, D::Error> {
        let mut m = Accesses::new();
        for (f, share, line, id) in Vec::<(Fpr, String, u64, Id)>::deserialize(d)? {
            m.entry((f, share, line)).or_default().insert(id);
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn of_two_lines_recovery_set_ups_the_later_counts_whichever_merges_first() {
        let setup = |id: u8, at: i64| RecoverySetup {
            id: Id::from_parts(t(at), [id; 10]),
            key: "P".into(),
            threshold: 2,
            trustees: vec!["A".into(), "B".into()],
            at: t(at),
        };
        let mut a = Policy::new("P".into());
        a.recovery = Some(setup(1, 10));
        let mut b = Policy::new("P".into());
        b.recovery = Some(setup(2, 20));
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(b);
        ba.merge(a);
        assert_eq!(ab.recovery.as_ref().unwrap().at, t(20));
        assert_eq!(ba.recovery, ab.recovery);
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
                role: None,
                include_past: false,
            },
        }
    }

    #[test]
    fn grants_scope_writes_and_readers() {
        let mut p = Policy::new(fpr('A'));
        p.apply(&Change::Key(fpr('B')), &fpr('A'), t(0), &vec![]);
        let g = grant(1, fpr('B'), &["medication"], vec![Right::Read, Right::Write], Some(100));
        p.judge(&fpr('A'), &Change::Statement(g.clone()), t(1), &p.clone()).unwrap();
        p.apply(&Change::Statement(g.clone()), &fpr('A'), t(1), &vec![]);
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
        p.apply(&Change::Statement(r.clone()), &fpr('A'), t(3), &vec![]);
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
        after.apply(&Change::Key(fpr('B')), &fpr('A'), t(0), &vec![]);
        let g = grant(1, fpr('B'), &["general"], vec![], None);
        assert!(p.judge(&fpr('A'), &Change::Statement(g), t(1), &after).is_err());
    }

    #[test]
    fn certificate_updates_are_judged_and_bounded() {
        let mut p = Policy::new(fpr('A'));
        p.apply(&Change::Key(fpr('B')), &fpr('A'), t(0), &vec![]);
        let g = grant(1, fpr('B'), &["general"], vec![Right::Read, Right::Write], Some(100));
        p.apply(&Change::Statement(g), &fpr('A'), t(1), &vec![]);
        let upd =
            |n: u8, f: char| Change::KeyUpdate { fpr: fpr(f), id: Id::from_parts(t(2), [n; 10]), revokes: vec![] };
        // Only for a participant; by its holder while granted, or the patient.
        assert!(p.judge(&fpr('A'), &upd(0, 'C'), t(2), &p).is_err());
        assert!(p.judge(&fpr('B'), &upd(0, 'B'), t(2), &p).is_ok());
        assert!(p.judge(&fpr('B'), &upd(0, 'B'), t(100), &p).is_err(), "its grant has ended");
        assert!(p.judge(&fpr('B'), &upd(0, 'A'), t(2), &p).is_err(), "not the patient's");
        for n in 0..MAX_KEY_UPDATES as u8 {
            p.apply(&upd(n, 'B'), &fpr('A'), t(2), &vec![]);
        }
        assert!(p.judge(&fpr('A'), &upd(200, 'B'), t(3), &p).is_err(), "at most {MAX_KEY_UPDATES}");
    }
}
