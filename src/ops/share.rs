//! `hrx share`: the patient's summary for a clinic that has no hrx, as a
//! SMART Health Link (see [`crate::model::shlink`]).
//!
//! `hrx share ips` builds the International Patient Summary the caller may
//! read (as `hrx export ips` does, optionally of some categories only),
//! encrypts it as one JWE file with a new random key (AES-256-GCM, the
//! FHIR JSON compressed first) and writes only that ciphertext, under a
//! random 256-bit name, into a directory a web server publishes (flag
//! `U`: the receiver fetches the file directly). The link holds the file's
//! address and the key; the host sees only ciphertext.
//!
//! What this device keeps of each share, in `HRX_HOME/shares/ROOT/ID.json`
//! (0600): when it was made and ends, its label, address and file, and the
//! link itself encrypted to the caller's own key and signed by it (so that
//! `hrx share show` can draw its QR code again; nothing else can open it).
//! The home is the device's own, so a file a copy of the record brought
//! can never name what `hrx share revoke` deletes.
//!
//! A static host cannot end a link by itself: the file of a share that was
//! revoked or has ended is removed from its directory whenever `hrx share`
//! runs on this device; a copy of it made elsewhere (object storage) must
//! be removed there.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Context;
use super::export::{LeftOut, check_lang, ips_of};
use crate::crypto::message::{SignatureStatus, open, seal};
use crate::error::{Error, Result};
use crate::model::shlink::{Payload, b64, check_label, file_url};
use crate::model::{Category, Fpr, Right};

/// How long a link lasts when `--expires` is not given.
pub const DEFAULT_DAYS: i64 = 7;

/// The largest descriptor read from the home.
const MAX_DESCRIPTOR: u64 = 256 << 10;

/// What the sealed link's plaintext starts with: it is bound to its use,
/// record and share.
const LINK_LABEL: &str = "hrx share link 1";

/// Where a share's encrypted file is published.
#[derive(Debug, Clone)]
pub enum Host {
    /// One file in a directory any static web server publishes (flag `U`).
    Files(PathBuf),
    /// A manifest served by `hrx share serve` from this directory.
    Serve {
        /// The directory `hrx share serve` serves.
        dir: PathBuf,
        /// The passcode the receiver must give (flag `P`).
        passcode: Option<String>,
        /// How many wrong passcodes end the link for good.
        attempts: u32,
        /// The link is updated as the record grows (flag `L`, `hrx share update`).
        long_lived: bool,
    },
}

/// What `hrx share ips` is asked to make.
#[derive(Debug, Clone)]
pub struct Request {
    /// Display language of codes and narrative.
    pub lang: String,
    /// Only entries of these categories (and who the patient is); all the
    /// caller may read if `None`.
    pub categories: Option<Vec<Category>>,
    /// When the link ends; `None`: never.
    pub expires: Option<DateTime<Utc>>,
    /// What the receiver sees first.
    pub label: Option<String>,
    /// Where it is published.
    pub host: Host,
    /// The address that directory (or `hrx share serve`) is published at.
    pub url: String,
}

/// A share this device made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Share {
    /// Its id (for `hrx share show|revoke`).
    pub id: String,
    /// The record (its root commit).
    pub record: String,
    /// Whose key made it.
    pub by: Fpr,
    /// When it was made.
    pub created: DateTime<Utc>,
    /// When it ends (`None`: never).
    pub expires: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked: Option<DateTime<Utc>>,
    /// The label the receiver sees.
    pub label: Option<String>,
    /// The link's flags: `U` (one file), or for a manifest any of `L`
    /// (long-lived) and `P` (passcode), in alphabetical order.
    pub flag: String,
    /// The encrypted file's (`U`) or the manifest's address.
    pub url: String,
    /// The encrypted file on this machine.
    pub file: PathBuf,
    /// For a manifest: its directory under what `hrx share serve` serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<PathBuf>,
    /// The display language.
    pub lang: String,
    /// The categories shared (`None`: all the caller may read).
    pub categories: Option<Vec<Category>>,
    /// How many resources the summary holds.
    pub resources: usize,
    /// The link, encrypted to `by` and signed by it (base64).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    sealed_link: String,
}

/// Where a share stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The link opens its file.
    Active,
    /// Its time is over.
    Expired,
    /// Revoked with `hrx share revoke`.
    Revoked,
}

impl Share {
    /// Where it stands at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> Status {
        match (self.revoked, self.expires) {
            (Some(_), _) => Status::Revoked,
            (None, Some(e)) if e <= now => Status::Expired,
            _ => Status::Active,
        }
    }

    /// The share as shown to scripts: without its sealed link.
    pub fn public(&self) -> Share {
        Share { sealed_link: String::new(), ..self.clone() }
    }
}

/// A share just made: it, its link, and the entries its summary left out.
pub struct Made {
    /// The share.
    pub share: Share,
    /// The link (`shlink:/...`).
    pub link: String,
    /// Entries left out because they are not authentic.
    pub left_out: Vec<LeftOut>,
}

/// The directory of this device's shares of the record with root `root`.
fn shares_dir(ctx: &Context, root: &str) -> PathBuf {
    ctx.keystore.home().join("shares").join(root)
}

/// Makes a share (see the module's text). Nothing is written unless all of
/// it can be: the file is removed again if the share cannot be kept.
pub fn ips(ctx: &mut Context, req: &Request) -> Result<Made> {
    check_lang(&req.lang)?;
    if let Some(l) = &req.label {
        check_label(l)?;
    }
    let now = ctx.clock.now();
    if let Some(e) = req.expires
        && e <= now
    {
        return Err(Error::Usage(format!(
            "--expires {} is not in the future; give a later date (or `never`)",
            e.to_rfc3339()
        )));
    }
    // The address is checked before any work (a name has 43 characters).
    file_url(&req.url, &"x".repeat(43))?;
    let (dir, what) = match &req.host {
        Host::Files(d) => (d, "--files"),
        Host::Serve { dir, passcode, attempts, .. } => {
            if passcode.as_ref().is_some_and(|p| p.chars().count() < 4) {
                return Err(Error::Usage("the passcode is too short: give at least 4 characters".into()));
            }
            if *attempts == 0 || *attempts > 1000 {
                return Err(Error::Usage("--attempts: give a number from 1 to 1000".into()));
            }
            (dir, "--serve")
        }
    };
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{what} {}: not a directory; give the directory {} at {}",
            dir.display(),
            if what == "--files" { "your web server publishes" } else { "hrx share serve serves" },
            req.url
        )));
    }
    let rec = ctx.record()?;
    let v = super::verified_head(ctx, &rec)?;
    let me = ctx.key_fpr()?;
    let categories = shareable(&v.policy, &me, req.categories.as_deref(), now)?;
    let done = ips_of(ctx, &req.lang, categories.as_deref())?;

    let random = |n: usize| -> Result<Vec<u8>> {
        let mut b = vec![0u8; n];
        sequoia_openpgp::crypto::random(&mut b).map_err(|e| Error::crypto("making a random key", e))?;
        Ok(b)
    };
    let key: [u8; 32] = random(32)?.try_into().expect("32 bytes");
    let name = loop {
        let n = b64(&random(32)?);
        if n.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            break n;
        }
    };
    let id = crate::crypto::hex(&random(6)?).to_lowercase();
    let url = file_url(&req.url, &name)?;
    let jwe = crate::crypto::jwe::encrypt(done.document.as_bytes(), &key, "application/fhir+json", true)?;
    let (flag, file, manifest) = match &req.host {
        Host::Files(d) => ("U".to_string(), d.join(&name), None),
        Host::Serve { dir, passcode, long_lived, .. } => {
            let flag = format!("{}{}", if *long_lived { "L" } else { "" }, if passcode.is_some() { "P" } else { "" });
            let m = dir.join(&name);
            (flag, m.join("files").join("0.jwe"), Some(m))
        }
    };
    let payload = Payload {
        url: url.clone(),
        key: b64(&key),
        exp: req.expires.map(|e| e.timestamp()),
        flag: Some(flag.clone()).filter(|f| !f.is_empty()),
        label: req.label.clone(),
        v: Some(1),
    };
    let link = payload.to_uri();

    let u = ctx.unlock()?;
    let cert = v.certs.get(&me).cloned().unwrap_or_else(|| u.cert.clone());
    let plain = format!("{LINK_LABEL} {} {id} {link}", v.root);
    let sealed = seal(plain.as_bytes(), u.signer.clone(), &[&cert], now)?;
    let share = Share {
        id: id.clone(),
        record: v.root.to_string(),
        by: me,
        created: now,
        expires: req.expires,
        revoked: None,
        label: req.label.clone(),
        flag,
        url,
        file: std::path::absolute(&file).map_err(|e| Error::io(&file, e))?,
        manifest: manifest.as_ref().map(std::path::absolute).transpose().map_err(|e| Error::io(dir, e))?,
        lang: req.lang.clone(),
        categories: req.categories.clone(),
        resources: done.resources,
        sealed_link: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, sealed),
    };
    // The file is ciphertext only, for a web server to read (0644).
    let published = match (&share.manifest, &req.host) {
        (Some(m), Host::Serve { passcode, attempts, .. }) => {
            super::manifest::write_new(m, &share, passcode.as_deref(), *attempts, jwe.as_bytes())
        }
        _ => crate::fsutil::write_private(&share.file, jwe.as_bytes()).and_then(|_| set_mode(&share.file, 0o644)),
    };
    if let Err(e) = published.and_then(|_| keep(ctx, &share)) {
        match &share.manifest {
            // Made just now by this run (create_dir refuses one that was there).
            Some(m) if std::fs::symlink_metadata(m).is_ok_and(|t| t.file_type().is_dir()) => {
                let _ = std::fs::remove_dir_all(m);
            }
            _ => {
                let _ = std::fs::remove_file(&share.file);
            }
        }
        return Err(e);
    }
    prune(ctx, &v.root.to_string())?;
    Ok(Made { share, link, left_out: done.left_out })
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(|e| Error::io(path, e))
}

/// Writes a share's descriptor into the home.
fn keep(ctx: &Context, share: &Share) -> Result<()> {
    let dir = shares_dir(ctx, &share.record);
    // Both levels private: the record ids are this device's business too.
    crate::fsutil::private_dir(dir.parent().expect("under the home"))?;
    crate::fsutil::private_dir(&dir)?;
    let json = serde_json::to_vec_pretty(share).expect("json");
    crate::fsutil::write_private(&dir.join(format!("{}.json", share.id)), &json)
}

/// The shares this device made of the record, oldest first.
fn all(ctx: &Context, root: &str) -> Result<Vec<Share>> {
    let dir = shares_dir(ctx, root);
    let mut out = vec![];
    let Ok(rd) = std::fs::read_dir(&dir) else { return Ok(out) };
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let bytes = crate::fsutil::read_small(&p, MAX_DESCRIPTOR, "a share's descriptor")?;
        let s: Share = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Invalid(format!("{}: not a share this version of hrx wrote: {e}", p.display())))?;
        out.push(s);
    }
    out.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// Removes the files of shares that ended (a static host serves what it
/// has). Returns the shares.
fn prune(ctx: &Context, root: &str) -> Result<Vec<Share>> {
    let now = ctx.clock.now();
    let shares = all(ctx, root)?;
    for s in &shares {
        if s.status(now) != Status::Active {
            // A served link's files go only through end(), which checks
            // that they are still its own.
            if let Some(m) = &s.manifest {
                let _ = super::manifest::end(m);
                continue;
            }
            match std::fs::remove_file(&s.file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&s.file, e)),
            }
        }
    }
    Ok(shares)
}

/// The record's root, from its verified history (at the head: the
/// state kept, not the whole history's lists).
fn root(ctx: &Context) -> Result<String> {
    let rec = ctx.record()?;
    Ok(super::verified_head(ctx, &rec)?.root.to_string())
}

/// The shares this device made of the record (files of ended ones removed).
pub fn list(ctx: &Context) -> Result<Vec<Share>> {
    prune(ctx, &root(ctx)?)
}

fn find(ctx: &Context, root: &str, id: &str) -> Result<Share> {
    all(ctx, root)?.into_iter().find(|s| s.id == id).ok_or_else(|| {
        Error::NotFound(format!("no share {id:?} of this record on this device; `hrx share list` shows them"))
    })
}

/// A share and its link, opened with the caller's key; refused for a
/// share that ended.
pub fn show(ctx: &mut Context, id: &str) -> Result<(Share, String)> {
    let rec = ctx.record()?;
    let v = super::verified_head(ctx, &rec)?;
    let root = v.root.to_string();
    let s = find(ctx, &root, id)?;
    let now = ctx.clock.now();
    match s.status(now) {
        Status::Active => {}
        Status::Revoked => {
            return Err(Error::State(format!("share {id} was revoked; make a new one with `hrx share ips`")));
        }
        Status::Expired => {
            return Err(Error::State(format!(
                "share {id} ended on {}; make a new one with `hrx share ips`",
                s.expires.map(|e| e.to_rfc3339()).unwrap_or_default()
            )));
        }
    }
    let sealed = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &s.sealed_link)
        .map_err(|_| Error::Invalid(format!("share {id}: its kept link is damaged")))?;
    let mut u = ctx.unlock()?;
    let me = u.cert.fingerprint().to_hex();
    let opened = open(&sealed, None, &mut u.decryptors, &v.certs, &v.certs.update_ids(&me), now)?
        .ok_or_else(|| Error::Key(format!("share {id} was made with another key ({}); use --key {}", s.by, s.by)))?;
    if !matches!(&opened.signature, SignatureStatus::Good { signer, .. } if *signer == me) {
        return Err(Error::Invalid(format!("share {id}: its kept link is not signed by you; it is not used")));
    }
    let prefix = format!("{LINK_LABEL} {root} {id} ");
    let link = std::str::from_utf8(&opened.plaintext)
        .ok()
        .and_then(|t| t.strip_prefix(&prefix))
        .ok_or_else(|| Error::Invalid(format!("share {id}: its kept link is for another share")))?;
    Ok((s, link.to_string()))
}

/// Publishes a long-lived link's summary again, as the record is now (flag
/// `L`): the same link and key, its file replaced at once.
pub fn update(ctx: &mut Context, id: &str) -> Result<Share> {
    let (mut s, link) = show(ctx, id)?;
    let Some(m) = s.manifest.clone().filter(|_| s.flag.contains('L')) else {
        return Err(Error::State(format!(
            "share {id} is not long-lived; make one with hrx share ips --serve DIR --long-lived"
        )));
    };
    let key = Payload::from_uri(&link)?.key_bytes()?;
    let rec = ctx.record()?;
    let v = super::verified_head(ctx, &rec)?;
    let categories = shareable(&v.policy, &ctx.key_fpr()?, s.categories.as_deref(), ctx.clock.now())?;
    let done = ips_of(ctx, &s.lang, categories.as_deref())?;
    let jwe = crate::crypto::jwe::encrypt(done.document.as_bytes(), &key, "application/fhir+json", true)?;
    super::manifest::replace_file(&m, "0.jwe", jwe.as_bytes())?;
    s.resources = done.resources;
    keep(ctx, &s)?;
    Ok(s)
}

/// The categories a share by `me` may hold now (None: all, for the
/// patient): those asked for, each of which a read grant in force must
/// cover; or, when none are named, every category one covers. What an old
/// copy still decrypts is not what `me` may share: a grantee whose grants
/// ended shares nothing.
fn shareable(
    policy: &crate::policy::Policy,
    me: &str,
    asked: Option<&[Category]>,
    now: DateTime<Utc>,
) -> Result<Option<Vec<Category>>> {
    if me == policy.patient {
        return Ok(asked.map(<[Category]>::to_vec));
    }
    if let Some(cats) = asked {
        for c in cats {
            if !policy.allows(me, Right::Read, c, now) {
                return Err(Error::Denied(format!(
                    "you may not read {c} entries in this record, so you cannot share them; `hrx grants` shows what you may read"
                )));
            }
        }
        return Ok(Some(cats.to_vec()));
    }
    let mine: Vec<Category> = crate::model::category::ALL
        .iter()
        .filter_map(|c| c.parse::<Category>().ok())
        .filter(|c| policy.allows(me, Right::Read, c, now))
        .collect();
    if mine.is_empty() {
        return Err(Error::Denied(
            "you hold no grant to read in this record in force, so you cannot share from it; `hrx grants` shows yours"
                .into(),
        ));
    }
    Ok(Some(mine))
}

/// Ends a share at once: its file is removed and it is kept as revoked.
pub fn revoke(ctx: &Context, id: &str) -> Result<Share> {
    let root = root(ctx)?;
    let mut s = find(ctx, &root, id)?;
    let already = s.revoked.is_some();
    // Revoked here, but its link may not have been ended where it is
    // served (see below): revoking again ends it.
    if already && s.manifest.as_deref().is_none_or(super::manifest::is_ended) {
        return Err(Error::State(format!("share {id} is revoked already")));
    }
    if !already {
        s.revoked = Some(ctx.clock.now());
        keep(ctx, &s)?;
    }
    prune(ctx, &root)?;
    // A served link is ended only in its own directory: one moved or
    // replaced (by whoever can write to the served directory) may still
    // be answered, and revoking must not say otherwise.
    if let Some(m) = &s.manifest
        && !super::manifest::end(m)
    {
        return Err(Error::State(format!(
            "share {id} is revoked on this device, but its link at {} could not be ended: that is not the directory hrx made for it (moved, or replaced by a link), or it cannot be written. The server may still answer it: check the served directory, then run hrx share revoke again or remove the link's directory yourself",
            m.display()
        )));
    }
    Ok(s)
}

/// When a link made now ends by default.
pub fn default_expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(DEFAULT_DAYS)
}

/// An answered request of a served link, recorded in the record.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    /// The share.
    pub share: String,
    /// Its place in the link's access log.
    pub line: u64,
    /// When the server answered.
    pub at: DateTime<Utc>,
    /// Who the requester said it is.
    pub recipient: String,
    /// How many files it was handed.
    pub files: u32,
}

/// The most accesses of one share recorded by one `hrx share log`: a link
/// holder could otherwise fill the record (the rest waits for the next run).
pub const MAX_LOGGED_PER_RUN: usize = 100;

/// Who a requester said it is, as the record keeps it: without the spaces
/// around it, at most 256 characters, "(not given)" for nothing.
fn recipient(said: &str) -> String {
    let r: String = said.trim().chars().take(256).collect();
    if r.trim().is_empty() { "(not given)".into() } else { r }
}

/// The answered requests of the caller's served links (their servers'
/// `access.jsonl`) the record does not hold yet, and warnings (a log too
/// long to read whole, more than one run records).
fn unlogged(ctx: &Context, v: &crate::verify::Verified, me: &str) -> Result<(Vec<Logged>, Vec<String>)> {
    let now = ctx.clock.now();
    let mut out = vec![];
    let mut warnings = vec![];
    let mut total = v.policy.share_access_total(me);
    for s in all(ctx, &v.root.to_string())?.into_iter().filter(|s| s.by == me) {
        let Some(m) = &s.manifest else { continue };
        let super::manifest::AccessLog { lines, unreadable, more } = super::manifest::accesses(m);
        if !unreadable.is_empty() {
            let shown: Vec<String> = unreadable.iter().take(5).map(|l| (l + 1).to_string()).collect();
            warnings.push(format!(
                "share {}: {} line(s) of its access log do not read as an opening (line {}{}); the server writes none such, so someone else wrote to {}: those are not recorded",
                s.id,
                unreadable.len(),
                shown.join(", "),
                if unreadable.len() > shown.len() { ", ..." } else { "" },
                m.join("access.jsonl").display()
            ));
        }
        if more {
            warnings.push(format!(
                "share {}: its access log is over {} MiB; only its beginning was read (someone may be flooding the link: revoke it)",
                s.id,
                super::manifest::MAX_ACCESS_LOG >> 20
            ));
        }
        let mut n = 0;
        let mut kept = v.policy.share_access_count(me, &s.id);
        for (line, a) in lines {
            if v.policy.share_access_recorded(me, &s.id, line) {
                continue;
            }
            if me != v.policy.patient && total >= crate::policy::MAX_SHARE_ACCESSES_BY_GRANTEE {
                warnings.push(format!(
                    "the record holds {} openings of links you made, the most it keeps of a participant other than the patient; later ones are only in their servers' access logs",
                    crate::policy::MAX_SHARE_ACCESSES_BY_GRANTEE
                ));
                return Ok((out, warnings));
            }
            if kept >= crate::policy::MAX_SHARE_ACCESSES {
                warnings.push(format!(
                    "share {}: the record holds {} openings of it, the most it keeps of one link; later ones are only in its server's access log (revoke the link if they are not expected)",
                    s.id,
                    crate::policy::MAX_SHARE_ACCESSES
                ));
                break;
            }
            if n == MAX_LOGGED_PER_RUN {
                warnings.push(format!(
                    "share {}: more than {MAX_LOGGED_PER_RUN} new openings; the rest are recorded by the next hrx share log",
                    s.id
                ));
                break;
            }
            n += 1;
            kept += 1;
            total += 1;
            out.push(Logged {
                share: s.id.clone(),
                line,
                // Not before the share was made, not after now.
                at: a.at.clamp(s.created, now.max(s.created)),
                recipient: recipient(&a.recipient),
                files: a.files.len().min(u32::MAX as usize) as u32,
            });
        }
    }
    Ok((out, warnings))
}

/// Records in the record, as signed `share-access` statements in one
/// commit, every answered request of the caller's served links that it
/// does not hold yet (`hrx share log`); the patient then sees them in
/// `hrx audit`. Returns them, and the commit (none if there was nothing new).
pub fn log(ctx: &mut Context) -> Result<(Vec<Logged>, Option<String>, Vec<String>)> {
    use crate::model::{RepoPath, Statement};
    let rec = ctx.record()?;
    let me = ctx.key_fpr()?;
    let v = super::verified_head(ctx, &rec)?;
    let (first, warnings) = unlogged(ctx, &v, &me)?;
    if first.is_empty() {
        return Ok((vec![], None, warnings));
    }
    let now = ctx.clock.now();
    let (w, (new, warnings)) = super::write::begin(ctx, &rec, super::write::Start::Head, None, |ctx, v| {
        if me != v.policy.patient && !v.policy.active_grants(&me, now).any(|g| g.grant.rights.contains(&Right::Read)) {
            return Err(Error::Denied(
                "your key holds no grant to read in force in this record, so it records no openings of your links there"
                    .into(),
            ));
        }
        unlogged(ctx, v, &me)
    })?;
    let v = &w.v;
    if new.is_empty() {
        return Ok((vec![], None, warnings));
    }
    let (mut warnings, mut files, mut recorded) = (warnings, vec![], vec![]);
    // Each opening is judged as verify will, after the ones before it in
    // this commit: one the record would refuse (a line the host wrote by
    // hand) is said and left out, and never keeps the others from being
    // recorded. What is left is the commit verify accepts.
    let mut policy = v.policy.clone();
    let mut changes = vec![];
    for l in new {
        let id = super::add::new_id(now)?;
        let st = Statement::ShareAccess {
            id,
            issued_at: now,
            share: l.share.clone(),
            line: l.line,
            accessed_at: l.at,
            recipient: l.recipient.clone(),
            files: l.files,
        };
        let yaml = st.to_yaml();
        let change = crate::policy::Change::Statement(st);
        match policy.judge(&me, &change, now, &policy) {
            Ok(authority) => policy.apply(&change, &me, now, &authority),
            Err(why) => {
                warnings
                    .push(format!("share {}, line {} of its access log: not recorded, as this {why}", l.share, l.line));
                continue;
            }
        }
        files.push((RepoPath::Statement(id).to_path(), yaml.into_bytes()));
        changes.push(change);
        recorded.push(l);
    }
    if recorded.is_empty() {
        return Ok((vec![], None, warnings));
    }
    let commit = w.commit(ctx, &rec, &files, &changes, "hrx: shared links opened")?;
    Ok((recorded, Some(commit.to_string()), warnings))
}
