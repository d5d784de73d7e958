//! `hrx log` and `hrx show`: entries, decrypted where the caller can.

use chrono::{DateTime, Utc};

use serde::Serialize;

use super::{Context, verified};
use crate::crypto::message::{SignatureStatus, open};
use crate::crypto::{Identity, Unlocked};
use crate::error::{Error, Result};
use crate::model::Reason;
use crate::model::{ClinicalTime, Entry, Fpr, Kind};
use crate::verify::{EntryRef, Verified};

/// One entry as the caller sees it.
#[derive(Debug, Serialize)]
pub struct EntryView {
    /// Its id.
    pub id: String,
    /// When it was recorded (from its id).
    pub date: DateTime<Utc>,
    /// When what it records happened, as precisely as it says (readable
    /// entries that say; see [`crate::model::when`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical: Option<ClinicalTime>,
    /// Its category (public metadata).
    pub category: String,
    /// Who committed it.
    pub author: Identity,
    /// The commit that added it.
    pub commit: String,
    /// Whether the caller could decrypt it.
    pub readable: bool,
    /// Its kind, if readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// One-line summary, if readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The inner signature, if readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureStatus>,
    /// Who the entry is encrypted to, read from its PKESKs (not from hrx's
    /// bookkeeping).
    pub recipients: Vec<Recipient>,
    /// Who was given access later (a wrap of its session key appended after
    /// it: `grant --include-past`, a rotation, emergency access), by
    /// fingerprint and name (for every entry opened).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub later_readers: Vec<Recipient>,
    /// The full record, if readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<serde_json::Value>,
    /// Problems found on opening (inner signature not by the committer, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    #[serde(skip)]
    /// The parsed entry, if readable.
    pub entry: Option<Entry>,
    /// Readable by the caller only through break-glass access, which it has
    /// not opened (`hrx emergency open`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sealed: bool,
    /// Not opened yet (listed from the verified metadata only; the TUI
    /// opens entries in the background).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    /// The reason code of the first problem (as `hrx verify` reports it).
    #[serde(skip)]
    pub problem_code: Option<Reason>,
    /// Who entered it: the patient, a person close to her, her delegate or
    /// a clinician (see [`crate::model::entry::EnteredBy`]), once opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entered_by: Option<crate::model::entry::EnteredBy>,
    /// Why the entry counts for nothing, if it does: its commit is void
    /// (signed with a key after it was compromised; see `hrx key revoke
    /// --since`). Kept, shown marked, never exported or shared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void: Option<String>,
}

impl EntryView {
    /// Where it goes in a timeline: when it happened, if it says (and the
    /// caller can read it), else when it was recorded.
    pub fn when(&self) -> DateTime<Utc> {
        self.clinical.as_ref().map_or(self.date, ClinicalTime::sort_time)
    }

    /// [`EntryView::when`] as precisely as it is known: `2015`,
    /// `2015-03-04`, a period; a recorded time as its day.
    pub fn when_text(&self) -> String {
        match &self.clinical {
            Some(c) => c.to_string(),
            None => self.date.format("%Y-%m-%d").to_string(),
        }
    }

    /// Whether it falls in [`from`, `until`): any part of its clinical time
    /// (else the moment it was recorded), or with `recorded` its recorded
    /// time.
    pub fn within(&self, from: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>, recorded: bool) -> bool {
        match (&self.clinical, recorded) {
            (Some(c), false) => c.overlaps(from, until),
            _ => from.is_none_or(|f| self.date >= f) && until.is_none_or(|u| self.date < u),
        }
    }

    /// Its place in a timeline (ascending): when it happened (or, with
    /// `recorded`, was recorded), then when it was recorded, then its id.
    /// Every copy orders the same entries the same way, whatever order
    /// merges put them in.
    pub fn timeline_key(&self, recorded: bool) -> (DateTime<Utc>, DateTime<Utc>, &str) {
        (if recorded { self.date } else { self.when() }, self.date, &self.id)
    }

    /// Notes a problem found on opening, with its reason code.
    pub fn problem(&mut self, code: Reason, what: impl Into<String>) {
        self.problem_code.get_or_insert(code);
        self.problems.push(what.into());
    }
}

/// One recipient of an entry.
#[derive(Debug, Serialize)]
pub struct Recipient {
    /// The encryption key id in the PKESK.
    pub key_id: String,
    /// The certificate it belongs to, if it is in keys/.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Its holder's name, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a later reader (`hrx show`): when its wrap was given, and in
    /// which commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The commit that gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_in: Option<String>,
}

/// Which entries to list, in which order.
#[derive(Default, Debug, Clone)]
pub struct Filter {
    /// Only this kind (only readable entries have a known kind).
    pub kind: Option<Kind>,
    /// Only entries (any part of) whose time is at or after this.
    pub since: Option<DateTime<Utc>>,
    /// Only entries (any part of) whose time is before this.
    pub until: Option<DateTime<Utc>>,
    /// Order and filter by recorded time instead of clinical time.
    pub recorded: bool,
}

/// Tries to unlock the caller's key for reading. No key at all is not an
/// error (everything is listed as not readable); a wrong passphrase is.
pub fn unlock_reader(ctx: &mut Context) -> Result<Option<Unlocked>> {
    let Ok(f) = ctx.key_fpr() else { return Ok(None) };
    if !ctx.keystore.in_agent(&f) && ctx.keystore.secret(&f).is_err() {
        return Ok(None);
    }
    ctx.unlock().map(Some)
}

/// The caller as a reader of one verified record: its decryption keys and
/// the certificates entries may be signed by.
#[derive(Clone)]
pub struct Reader {
    /// The caller's fingerprint, if it has a key.
    pub me: Option<Fpr>,
    /// Its decryption keys (empty if it has none).
    pub keys: Vec<crate::crypto::SecretKey>,
    /// Its signing key, if it has one.
    pub signer: Option<crate::crypto::SecretKey>,
    /// What it opened before (see [`super::readcache`]), if it uses that.
    pub cache: Option<std::sync::Arc<super::readcache::ReadCache>>,
    /// The key ids of `keys`, as PKESKs name them.
    keyids: Vec<String>,
}

impl Reader {
    /// A reader with the caller's keys, unlocked.
    pub fn new(ctx: &mut Context) -> Result<Reader> {
        let u = unlock_reader(ctx)?;
        Ok(Reader::with(u))
    }

    /// A reader from already unlocked keys.
    pub fn with(u: Option<Unlocked>) -> Reader {
        match u {
            Some(u) => Reader {
                me: Some(u.identity.fingerprint.clone()),
                keyids: u.decryptors.iter().map(|k| k.public().keyid().to_hex()).collect(),
                keys: u.decryptors,
                signer: Some(u.signer),
                cache: None,
            },
            None => Reader { me: None, keys: vec![], signer: None, cache: None, keyids: vec![] },
        }
    }

    /// Uses (and makes, if need be) this reader's cache in `rec`, whose
    /// verified state is `v`. Without a key there is nothing to keep.
    pub fn with_cache(mut self, rec: &crate::repo::Record, v: &Verified, now: DateTime<Utc>) -> Reader {
        if let (Some(me), Some(signer)) = (&self.me, &self.signer) {
            self.cache =
                super::readcache::ReadCache::open(rec, v, me, &mut self.keys, signer, now).map(std::sync::Arc::new);
        }
        self
    }

    /// Keeps what this reader opened (if it uses a cache).
    pub fn keep(&self) {
        if let Some(c) = &self.cache {
            c.store();
        }
    }
}

/// An entry as the verified history lists it, before it is opened: date,
/// category, author. No decryption, no file read.
pub fn unopened(v: &Verified, e: &EntryRef) -> EntryView {
    EntryView {
        id: e.id.to_string(),
        date: e.id.time(),
        clinical: None,
        category: e.category.to_string(),
        author: v.certs.identity_or_unknown(&e.signer),
        commit: e.commit.to_string(),
        readable: false,
        kind: None,
        summary: None,
        signature: None,
        recipients: vec![],
        later_readers: vec![],
        record: None,
        problems: vec![],
        entry: None,
        sealed: false,
        pending: true,
        problem_code: None,
        entered_by: None,
        void: v.policy.void_of(e.commit).cloned(),
    }
}

/// Opens one entry for `r`.
pub fn view(
    rec: &crate::repo::Record,
    v: &Verified,
    e: &EntryRef,
    r: &mut Reader,
    now: DateTime<Utc>,
) -> Result<EntryView> {
    let author = v.certs.identity_or_unknown(&e.signer);
    let mut out = EntryView {
        id: e.id.to_string(),
        date: e.id.time(),
        clinical: None,
        category: e.category.to_string(),
        author,
        commit: e.commit.to_string(),
        readable: false,
        kind: None,
        summary: None,
        signature: None,
        recipients: vec![],
        later_readers: vec![],
        record: None,
        problem_code: None,
        entered_by: None,
        problems: vec![],
        entry: None,
        sealed: false,
        pending: false,
        void: v.policy.void_of(e.commit).cloned(),
    };
    let recipients = |keyids: Vec<String>| -> Vec<Recipient> {
        keyids
            .into_iter()
            .map(|k| {
                let owner = v.certs.owner(&k).map(|c| c.fingerprint().to_hex());
                let name = owner.as_ref().and_then(|f| v.certs.identity(f)).map(|i| i.name);
                Recipient { fingerprint: owner, name, key_id: k, granted_at: None, granted_in: None }
            })
            .collect()
    };
    let sealed = r.me.as_ref().is_some_and(|me| super::emergency::sealed(&v.policy, me, &e.category, e.time, now));
    if !sealed && let Some(c) = r.cache.as_ref().and_then(|c| c.get(e.blob, e.commit)) {
        // Opened before: what the verified history says of it is checked
        // again, including who it is encrypted to (its PKESKs' key ids, as
        // verification read them; the verified state is the device's own,
        // authenticated). The cache says what an entry holds, never that
        // the reader may read it: one the reader's keys could not open (no
        // session key for them, no later-access wrap) is not believed,
        // whatever a segment says (someone with a stolen key could write
        // segments).
        if e.to.iter().any(|k| r.keyids.contains(k))
            || r.me.as_ref().is_some_and(|me| v.access.contains_key(&(e.id, me.clone())))
        {
            out.recipients = recipients(e.to.clone());
            let entry = Entry::from_record(c.record);
            return Ok(entered(readable(out, e, entry, c.signature), v, e));
        }
    }
    let bytes = rec.blob(e.blob)?;
    // Its PKESKs' key ids, as verification read them (it checked the
    // entry's structure).
    out.recipients = recipients(e.to.clone());
    if sealed {
        // Readable only by break-glass, and the glass is not broken.
        out.sealed = true;
        return Ok(out);
    }
    let mut opened = open(&bytes, None, &mut r.keys, &v.certs, &e.certs_at, now);
    if matches!(opened, Ok(None))
        && let Some(blob) = r.me.as_ref().and_then(|me| v.access.get(&(e.id, me.clone())))
    {
        // Later access: the caller's wrap of the session key goes in front.
        let prefix = rec.blob(blob.blob)?;
        opened = open(&bytes, Some(&prefix), &mut r.keys, &v.certs, &e.certs_at, now);
    }
    let o = match opened {
        Ok(Some(o)) => o,
        Ok(None) => return Ok(out),
        Err(err) => {
            out.problem(Reason::BadEntry, format!("the entry does not decrypt and authenticate: {err}"));
            return Ok(out);
        }
    };
    let Ok(text) = String::from_utf8(o.plaintext) else {
        out.problem(Reason::BadEntry, format!("entry {} is not UTF-8 text", e.id));
        return Ok(out);
    };
    let entry = Entry::from_yaml(&text);
    if let (Some(cache), Ok(entry)) = (&r.cache, &entry) {
        cache.put(e.blob, e.commit, entry.record.clone(), o.signature.clone());
    }
    Ok(entered(readable(out, e, entry, o.signature), v, e))
}

/// `out` with the opened entry and its inner signature, and whatever in
/// them disagrees with the verified history.
/// Notes who entered an opened entry: its attribution, or whose key
/// signed it (one of the patient's keys, a delegate's, or a provider's).
fn entered(mut out: EntryView, v: &Verified, e: &EntryRef) -> EntryView {
    use crate::model::entry::EnteredBy;
    let signer = if patient_key(v, &e.signer) {
        EnteredBy::Patient
    } else if v.policy.is_manager(&e.signer, e.time) {
        EnteredBy::Delegate
    } else {
        EnteredBy::Clinician
    };
    out.entered_by = out.entry.as_ref().map(|en| en.entered_by(signer));
    if out.later_readers.is_empty() {
        out.later_readers = later_readers(v, e);
    }
    out
}

/// Whether `f` is, or was, the patient's key: the root's, or one it was
/// handed over to by rotation.
pub fn patient_key(v: &Verified, f: &str) -> bool {
    let mut k = &v.header.patient;
    // Bounded: each key is handed over once.
    for _ in 0..=v.policy.rotated.len() {
        if k == f {
            return true;
        }
        match v.policy.rotated.get(k) {
            Some(r) => k = &r.to,
            None => break,
        }
    }
    false
}

fn readable(
    mut out: EntryView,
    e: &EntryRef,
    entry: std::result::Result<Entry, crate::model::entry::Invalid>,
    signature: SignatureStatus,
) -> EntryView {
    for (code, what) in inconsistencies(e, &signature, &entry) {
        out.problem(code, what);
    }
    if let Ok(entry) = entry {
        out.clinical = entry.clinical_time();
        out.kind = Some(entry.kind.to_string());
        out.summary = Some(crate::model::text::printable(&entry.summary(None)).into_owned());
        out.record = Some(entry.record.clone());
        out.entry = Some(entry);
    }
    out.readable = true;
    out.signature = Some(signature);
    out
}

/// [`view`] of many entries, on every core (each worker with its own
/// repository handle and copy of the reader's keys); in the order given.
pub fn views(
    rec: &crate::repo::Record,
    v: &Verified,
    entries: &[&EntryRef],
    r: &mut Reader,
    now: DateTime<Utc>,
) -> Result<Vec<EntryView>> {
    let threads = crate::cores::count();
    if threads == 1 || entries.len() < 32 {
        return entries.iter().map(|e| view(rec, v, e, r, now)).collect();
    }
    let git_dir = rec.git_dir().to_path_buf();
    let per = entries.len().div_ceil(threads);
    let reader = &*r;
    std::thread::scope(|scope| {
        let workers: Vec<_> = entries
            .chunks(per)
            .map(|chunk| {
                let git_dir = git_dir.clone();
                scope.spawn(move || -> Result<Vec<EntryView>> {
                    let rec = crate::repo::Record { repo: git2::Repository::open(&git_dir)? };
                    let mut r = reader.clone();
                    chunk.iter().map(|e| view(&rec, v, e, &mut r, now)).collect()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(entries.len());
        for w in workers {
            out.extend(w.join().map_err(|_| Error::State("a reader thread failed".into()))??);
        }
        Ok(out)
    })
}

/// Where a decrypted entry disagrees with what the verified history says of
/// it (the id and category of its file, the committer, the signature time),
/// or is not a record, or is not signed by its committer: each with its
/// reason code. Empty for an authentic entry. Readers report these; later
/// access is given only to entries that have none.
pub fn inconsistencies(
    e: &EntryRef,
    signature: &SignatureStatus,
    entry: &std::result::Result<Entry, crate::model::entry::Invalid>,
) -> Vec<(Reason, String)> {
    let mut out = vec![];
    match entry {
        Ok(entry) => {
            if entry.id != e.id {
                out.push((
                    Reason::InnerContent,
                    format!("the record inside says id {}, but the file is {}", entry.id, e.id),
                ));
            }
            if entry.category != e.category {
                out.push((
                    Reason::InnerContent,
                    format!("the record inside says category {}, but it is filed under {}", entry.category, e.category),
                ));
            }
            if (entry.recorded_at - e.time).abs() > chrono::Duration::seconds(crate::policy::CLOCK_SKEW_SECS) {
                out.push((
                    Reason::TimeMismatch,
                    format!(
                        "the record says it was recorded at {}, but it was signed at {}",
                        entry.recorded_at.to_rfc3339(),
                        e.time.to_rfc3339()
                    ),
                ));
            }
            if entry.author.fingerprint != e.signer {
                out.push((
                    Reason::InnerSignature,
                    format!("the record names author {}, but {} committed it", entry.author.fingerprint, e.signer),
                ));
            }
        }
        Err(err) => out.push((Reason::BadEntry, err.to_string())),
    }
    match signature {
        SignatureStatus::Good { signer, .. } if *signer != e.signer => out.push((
            Reason::InnerSignature,
            format!("the entry's inner signature is by {signer}, not by {} who committed it", e.signer),
        )),
        SignatureStatus::Good { time, .. }
            if (*time - e.time).abs() > chrono::Duration::seconds(crate::policy::CLOCK_SKEW_SECS) =>
        {
            out.push((
                Reason::TimeMismatch,
                format!(
                    "the entry's inner signature is dated {}, but it was committed at {}",
                    time.to_rfc3339(),
                    e.time.to_rfc3339()
                ),
            ))
        }
        SignatureStatus::Good { .. } => {}
        other => out.push((Reason::InnerSignature, format!("the entry's inner signature is not good: {other:?}"))),
    }
    out
}

/// The entries of the record, oldest first, filtered.
pub fn log(ctx: &mut Context, filter: &Filter) -> Result<Vec<EntryView>> {
    let rec = ctx.record()?;
    let v = verified(ctx, &rec)?;
    let now = ctx.clock.now();
    let mut reader = Reader::new(ctx)?.with_cache(&rec, &v, now);
    // Recorded times are known without opening anything; clinical times
    // only once entries are open (cheap from the reader's cache).
    let recorded = |e: &&EntryRef| {
        !filter.recorded
            || filter.since.is_none_or(|s| e.id.time() >= s) && filter.until.is_none_or(|u| e.id.time() < u)
    };
    let wanted: Vec<&EntryRef> = v.entries.iter().filter(recorded).collect();
    let mut out = views(&rec, &v, &wanted, &mut reader, now)?;
    reader.keep();
    if let Some(k) = filter.kind {
        out.retain(|view| view.kind.as_deref() == Some(k.name()));
    }
    out.retain(|view| view.within(filter.since, filter.until, filter.recorded));
    out.sort_by(|a, b| a.timeline_key(filter.recorded).cmp(&b.timeline_key(filter.recorded)));
    Ok(out)
}

/// One entry by id (or a unique prefix of it).
pub fn show(ctx: &mut Context, id: &str) -> Result<EntryView> {
    let rec = ctx.record()?;
    let v = verified(ctx, &rec)?;
    let want = id.to_uppercase();
    let matches: Vec<&EntryRef> = v.entries.iter().filter(|e| e.id.to_string().starts_with(&want)).collect();
    let e = match matches.as_slice() {
        [e] => *e,
        [] => {
            return Err(Error::NotFound(format!("no entry {id} in this record; `hrx log` lists the entries")));
        }
        _ => {
            let shown: Vec<String> = matches.iter().take(10).map(|e| e.id.to_string()).collect();
            let more = if matches.len() > 10 { format!(", and {} more", matches.len() - 10) } else { String::new() };
            return Err(Error::Usage(format!(
                "{id} matches {} entries ({}{more}); give more of the id",
                matches.len(),
                shown.join(", ")
            )));
        }
    };
    let mut reader = Reader::new(ctx)?;
    let mut out = view(&rec, &v, e, &mut reader, ctx.clock.now())?;
    out.later_readers = later_readers_since(&rec, &v, e);
    Ok(out)
}

/// Who got a wrap of an entry's session key after it was written (a grant
/// with past entries, a rotation, break-glass): with its PKESKs'
/// recipients, everyone who can read it. Looked up per participant, so a
/// listing does not scan every wrap for every entry.
pub fn later_readers(v: &Verified, e: &EntryRef) -> Vec<Recipient> {
    v.policy
        .keys
        .iter()
        .filter(|f| v.access.contains_key(&(e.id, (*f).clone())))
        .map(|f| Recipient {
            key_id: String::new(),
            fingerprint: Some(f.clone()),
            name: v.certs.identity(f).map(|i| i.name),
            granted_at: None,
            granted_in: None,
        })
        .collect()
}

/// [`later_readers`] with when and in which commit each was given access
/// (for one entry: it looks the commits up one by one).
pub fn later_readers_since(rec: &crate::repo::Record, v: &Verified, e: &EntryRef) -> Vec<Recipient> {
    let mut out = later_readers(v, e);
    for r in &mut out {
        let Some(w) = r.fingerprint.as_ref().and_then(|f| v.access.get(&(e.id, f.clone()))) else { continue };
        r.granted_in = Some(w.commit.to_string());
        // A state kept at the head lists only the newest commits; the
        // commit itself (verified, as part of the history) has the time.
        r.granted_at = v.commits.iter().find(|c| c.oid == w.commit).map(|c| c.time).or_else(|| {
            rec.repo.find_commit(w.commit).ok().and_then(|c| chrono::DateTime::from_timestamp(c.time().seconds(), 0))
        });
    }
    out
}
