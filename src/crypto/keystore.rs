//! The keystore in `$HRX_HOME`: the user's own certificates with their
//! (passphrase-protected) secret keys, and other people's certificates.
//!
//! ```text
//! $HRX_HOME/secret/FPR.pgp   own certificate with secret keys, armoured, 0600
//! $HRX_HOME/agent/FPR.asc    own certificate whose secret keys gpg-agent holds
//! $HRX_HOME/certs/FPR.asc    public certificates (own and imported)
//! $HRX_HOME/config.yaml      default_key: FPR
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use openpgp::Cert;
use openpgp::cert::CertParser;
use openpgp::crypto::{KeyPair, Password};
use openpgp::parse::Parse;
use openpgp::serialize::SerializeInto;
use sequoia_openpgp as openpgp;

use super::cert::{Identity, fpr, identity};
use super::secret::SecretKey;
use super::{policy, system_time};
use crate::error::{Error, Result};
use crate::fsutil::{private_dir, write_private};
use crate::model::{Fpr, parse_fpr};
use chrono::{DateTime, Utc};
use openpgp::Packet;

/// The fewest characters of a passphrase hrx takes without a warning
/// (NIST SP 800-63B's minimum for a secret a person chooses).
pub const PASSPHRASE_MIN_CHARS: usize = 8;

/// Why a new passphrase is easy to guess, if it is. A copied keystore can
/// be attacked offline, where nothing limits the guesses, so a short one
/// protects the key for minutes, not years.
pub fn weak_passphrase(p: &str) -> Option<String> {
    let n = p.chars().count();
    let mut distinct: Vec<char> = p.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if n < PASSPHRASE_MIN_CHARS {
        Some(format!(
            "a passphrase of {n} character{} is guessed in moments by anyone who copies the keystore; \
             {PASSPHRASE_MIN_CHARS} or more (a few words) is better",
            if n == 1 { "" } else { "s" }
        ))
    } else if distinct.len() <= 2 {
        Some("a passphrase of one or two characters repeated is among the first guesses; a few words are better".into())
    } else {
        None
    }
}

/// How many times a locked key's passphrase is asked for.
pub const UNLOCK_TRIES: u32 = 3;

/// Asks for the passphrase of a locked key. The CLI reads a file or the
/// terminal; the TUI asks in a dialog; tests pass one in.
pub trait PassphraseProvider {
    /// The passphrase for the key of `who`; `attempt` counts from 1.
    fn passphrase(&mut self, who: &Identity, attempt: u32) -> Result<Password>;
    /// A new passphrase for a key about to be generated.
    fn new_passphrase(&mut self) -> Result<Password>;
    /// Whether it would ask a person (a terminal prompt) rather than read
    /// a file; the TUI asks in its own dialog instead.
    fn interactive(&self) -> bool {
        false
    }
}

/// A user's keystore.
#[derive(Clone, Debug)]
pub struct Keystore {
    home: PathBuf,
}

/// A key in the keystore, for listings.
#[derive(Clone, Debug, serde::Serialize)]
pub struct KeyInfo {
    /// Who it belongs to.
    #[serde(flatten)]
    pub identity: Identity,
    /// Whether the secret key is here.
    pub secret: bool,
    /// Whether the secret key is passphrase-protected; absent for someone
    /// else's certificate (no secret key here to lock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked: Option<bool>,
    /// Where the secret key is: `keystore` (hrx's, passphrase-protected
    /// unless made without) or `gpg-agent` (GnuPG's agent, which may keep
    /// it on an OpenPGP card); absent for someone else's certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_in: Option<&'static str>,
    /// Every user id of the certificate (printable).
    pub user_ids: Vec<String>,
    /// Whether it is the default key for signing.
    pub default: bool,
    /// What it can do, and until when.
    #[serde(flatten)]
    pub validity: super::cert::Validity,
}

/// A certificate with its secret keys decrypted, ready to sign and decrypt.
pub struct Unlocked {
    /// The certificate (public parts).
    pub cert: Cert,
    /// Who it is.
    pub identity: Identity,
    /// The signing key.
    pub signer: SecretKey,
    /// Every encryption-capable secret key.
    pub decryptors: Vec<SecretKey>,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_key: Option<Fpr>,
}

/// What an import brought in.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Imported {
    /// Who.
    #[serde(flatten)]
    pub identity: Identity,
    /// Whether secret keys came with it.
    pub secret: bool,
}

impl Keystore {
    /// The keystore in `home` (created on first write).
    pub fn open(home: &Path) -> Keystore {
        Keystore { home: home.to_path_buf() }
    }

    /// The default home: `$HRX_HOME`, else `$XDG_DATA_HOME/hrx`, else `~/.local/share/hrx`.
    pub fn default_home() -> Result<PathBuf> {
        if let Some(h) = std::env::var_os("HRX_HOME").filter(|h| !h.is_empty()) {
            return Ok(PathBuf::from(h));
        }
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|h| !h.is_empty()) {
            return Ok(PathBuf::from(x).join("hrx"));
        }
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::Usage("cannot find the hrx home: set HRX_HOME (or HOME or XDG_DATA_HOME)".into()))?;
        Ok(PathBuf::from(home).join(".local/share/hrx"))
    }

    /// Where it lives.
    pub fn home(&self) -> &Path {
        &self.home
    }

    fn secret_path(&self, f: &str) -> PathBuf {
        self.home.join("secret").join(format!("{f}.pgp"))
    }
    fn cert_path(&self, f: &str) -> PathBuf {
        self.home.join("certs").join(format!("{f}.asc"))
    }
    fn agent_path(&self, f: &str) -> PathBuf {
        self.home.join("agent").join(format!("{f}.asc"))
    }

    /// Whether the secret keys of `f` are held by gpg-agent.
    pub fn in_agent(&self, f: &str) -> bool {
        self.agent_path(f).exists()
    }

    /// Takes `cert` (public) as one of the user's own keys whose secret
    /// keys gpg-agent holds: checked with the agent (its signing key must
    /// be there), then kept in `agent/` and made the default if there is
    /// none. Nothing secret is read or written.
    pub fn store_agent(&self, cert: &Cert, now: DateTime<Utc>) -> Result<Imported> {
        if cert.is_tsk() {
            return Err(Error::Invalid(
                "this holds secret keys; give the certificate only (gpg --export FPR): gpg-agent keeps the secret"
                    .into(),
            ));
        }
        let u = unlock_in_agent(cert.clone(), Some(now))?;
        let f = fpr(cert);
        private_dir(&self.home.join("agent"))?;
        let armored = cert.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
        write_private(&self.agent_path(&f), &armored)?;
        self.store_cert(cert)?;
        if self.config()?.default_key.is_none() {
            self.set_default(&f)?;
        }
        Ok(Imported { identity: u.identity, secret: true })
    }

    /// Moves the secret keys of `f` from the keystore into gpg-agent, as
    /// they are (still protected by their passphrase, which the agent asks
    /// for on first use and then keeps for as long as it is configured
    /// to); the keystore's copy is removed once the agent holds every key.
    pub fn move_to_agent(&self, f: &str, now: DateTime<Utc>) -> Result<Imported> {
        let tsk = self.secret(f)?;
        let who = identity(&tsk);
        let fail = |e: anyhow::Error| Error::Key(format!("gpg-agent did not take the key of {}: {e}", who.name));
        let rt = agent_runtime()?;
        rt.block_on(async {
            let mut agent = sequoia_gpg_agent::Agent::connect_to_default().await.map_err(|e| fail(e.into()))?;
            for ka in tsk.keys().secret() {
                let key = ka.key().clone().role_into_unspecified();
                match agent.import(policy(), &tsk, &key, true, false).await {
                    Ok(_) | Err(sequoia_gpg_agent::Error::KeyExists(..)) => {}
                    Err(e) => return Err(fail(e.into())),
                }
            }
            Ok::<_, Error>(())
        })?;
        let imported = self.store_agent(&tsk.strip_secret_key_material(), now)?;
        fs::remove_file(self.secret_path(f)).map_err(|e| Error::io(self.secret_path(f), e))?;
        Ok(imported)
    }

    /// Changes the passphrase of key `f` in the keystore: unlocked with the
    /// old one (asked of `pp`), every secret key is encrypted again with
    /// `new` (None: stored without one) and the file replaced at once.
    pub fn passwd(&self, f: &str, pp: &mut dyn PassphraseProvider, new: Option<Password>) -> Result<()> {
        if self.in_agent(f) {
            return Err(Error::Usage(format!(
                "the secret of {f} is held by gpg-agent; change its passphrase there: gpg --change-passphrase {f}"
            )));
        }
        let plain = self.plain_secret(f, pp)?;
        let updated = match &new {
            Some(pw) => protect(plain, pw)?,
            None => plain,
        };
        let armored = updated.as_tsk().armored().to_vec().map_err(|e| Error::crypto("serialising key", e))?;
        write_private(&self.secret_path(f), &armored)
    }

    /// Key `f` with every secret key decrypted (the passphrase asked of
    /// `pp`), in memory only: for re-encrypting it elsewhere (recovery).
    pub fn plain_secret(&self, f: &str, pp: &mut dyn PassphraseProvider) -> Result<Cert> {
        let tsk = self.secret(f)?;
        let who = identity(&tsk);
        // Unlocked with the passphrase the first protected key takes.
        let mut password: Option<Password> = None;
        map_secrets(tsk, |key| {
            if key.has_unencrypted_secret() {
                return Ok(None);
            }
            unlock_key(key.clone().parts_into_public(), &who, pp, &mut password)?;
            let pw = password.as_ref().expect("set by unlock_key");
            key.clone().decrypt_secret(pw).map(Some).map_err(|e| Error::crypto("unlocking key", e))
        })
    }

    /// Removes key `f` (secret and certificate) from the keystore; the
    /// default key is cleared if it was `f`.
    pub fn remove(&self, f: &str) -> Result<()> {
        for p in [self.secret_path(f), self.cert_path(f)] {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(p, e)),
            }
        }
        if self.config()?.default_key.as_deref() == Some(f) {
            write_private(&self.home.join("config.yaml"), b"{}\n")?;
        }
        Ok(())
    }

    fn config(&self) -> Result<Config> {
        let p = self.home.join("config.yaml");
        match fs::read_to_string(&p) {
            Ok(s) => serde_yaml_ng::from_str(&s).map_err(|e| Error::Invalid(format!("{}: {e}", p.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(Error::io(p, e)),
        }
    }

    /// Makes `f` the key hrx acts with when none is named.
    pub fn set_default(&self, f: &str) -> Result<()> {
        private_dir(&self.home)?;
        let c = Config { default_key: Some(f.to_string()) };
        write_private(&self.home.join("config.yaml"), serde_yaml_ng::to_string(&c).expect("config").as_bytes())
    }

    /// Stores a certificate with secret keys (0600) and its public part.
    /// The first secret key stored becomes the default.
    pub fn store_secret(&self, tsk: &Cert) -> Result<()> {
        let f = fpr(tsk);
        private_dir(&self.home.join("secret"))?;
        let merged = match self.read_cert_file(&self.secret_path(&f))? {
            Some(old) => old.merge_public_and_secret(tsk.clone()).map_err(|e| Error::crypto("merging keys", e))?,
            None => tsk.clone(),
        };
        let armored = merged.as_tsk().armored().to_vec().map_err(|e| Error::crypto("serialising key", e))?;
        write_private(&self.secret_path(&f), &armored)?;
        self.store_cert(&merged.clone().strip_secret_key_material())?;
        if self.config()?.default_key.is_none() {
            self.set_default(&f)?;
        }
        Ok(())
    }

    /// Stores a public certificate (merged with what is there).
    pub fn store_cert(&self, cert: &Cert) -> Result<()> {
        let f = fpr(cert);
        private_dir(&self.home.join("certs"))?;
        let cert = cert.clone().strip_secret_key_material();
        let merged = match self.read_cert_file(&self.cert_path(&f))? {
            Some(old) => old.merge_public(cert).map_err(|e| Error::crypto("merging certificate", e))?,
            None => cert,
        };
        let armored = merged.armored().to_vec().map_err(|e| Error::crypto("serialising certificate", e))?;
        write_private(&self.cert_path(&f), &armored)
    }

    fn read_cert_file(&self, p: &Path) -> Result<Option<Cert>> {
        match fs::read(p) {
            Ok(b) => Cert::from_bytes(&b)
                .map(Some)
                .map_err(|e| Error::Invalid(format!("{}: not a certificate: {e}", p.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(p, e)),
        }
    }

    /// Imports every certificate and secret key in `bytes` (armoured or binary,
    /// one or many, e.g. from `gpg --export-secret-keys`).
    pub fn import(&self, bytes: &[u8]) -> Result<Vec<Imported>> {
        let certs = parse_certs(bytes)?;
        let mut out = Vec::new();
        for c in certs {
            let secret = c.is_tsk();
            if secret {
                self.store_secret(&c)?;
            } else {
                self.store_cert(&c)?;
            }
            out.push(Imported { identity: identity(&c), secret });
        }
        Ok(out)
    }

    /// Every key in the store.
    pub fn list(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<KeyInfo>> {
        let default = self.config()?.default_key;
        let mut fprs: BTreeSet<Fpr> = BTreeSet::new();
        for (dir, ext) in [("certs", "asc"), ("secret", "pgp"), ("agent", "asc")] {
            let d = self.home.join(dir);
            let rd = match fs::read_dir(&d) {
                Ok(rd) => rd,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::io(d, e)),
            };
            for ent in rd {
                let name = ent.map_err(|e| Error::io(&d, e))?.file_name().to_string_lossy().to_string();
                fprs.extend(name.strip_suffix(&format!(".{ext}")).and_then(parse_fpr));
            }
        }
        let mut out = Vec::with_capacity(fprs.len());
        for f in fprs {
            out.extend(self.info_with(&f, default.as_deref(), now)?);
        }
        Ok(out)
    }

    /// One key of the store, as [`Keystore::list`] shows it.
    pub fn info(&self, f: &str, now: DateTime<Utc>) -> Result<Option<KeyInfo>> {
        self.info_with(f, self.config()?.default_key.as_deref(), now)
    }

    fn info_with(&self, f: &str, default: Option<&str>, now: DateTime<Utc>) -> Result<Option<KeyInfo>> {
        let mut info: Option<KeyInfo> = None;
        for (path, agent) in [(self.cert_path(f), false), (self.secret_path(f), false), (self.agent_path(f), true)] {
            let Some(cert) = self.read_cert_file(&path)? else { continue };
            let secret = cert.is_tsk() || agent;
            let locked = cert.is_tsk() && cert.keys().secret().any(|k| !k.key().has_unencrypted_secret());
            let i = info.get_or_insert_with(|| KeyInfo {
                identity: identity(&cert),
                secret: false,
                locked: None,
                secret_in: None,
                user_ids: cert
                    .userids()
                    .map(|u| crate::model::text::printable(&String::from_utf8_lossy(u.userid().value())).into_owned())
                    .collect(),
                default: default == Some(f),
                validity: super::cert::validity(&cert, now),
            });
            i.secret |= secret;
            if secret {
                i.locked = Some(i.locked.unwrap_or(false) | locked);
                i.secret_in = Some(if agent { "gpg-agent" } else { "keystore" });
            }
        }
        Ok(info)
    }

    /// Resolves a user-typed key name: a fingerprint, or empty for the default.
    pub fn resolve(&self, name: Option<&str>) -> Result<Fpr> {
        match name {
            Some(n) => parse_fpr(n).ok_or_else(|| Error::Usage(format!("{n:?} is not a fingerprint (40 hex digits)"))),
            None => self.config()?.default_key.ok_or_else(|| {
                Error::Key(format!(
                    "no default key in {}: run `hrx key generate --name NAME` or `hrx key import FILE`, or pass --key FPR",
                    self.home.display()
                ))
            }),
        }
    }

    /// A public certificate.
    pub fn cert(&self, f: &str) -> Result<Cert> {
        if let Some(c) = self.read_cert_file(&self.cert_path(f))? {
            return Ok(c);
        }
        if let Some(c) = self.read_cert_file(&self.secret_path(f))? {
            return Ok(c.strip_secret_key_material());
        }
        Err(Error::NotFound(format!(
            "no certificate {f} in {}; import it with `hrx key import FILE`",
            self.home.display()
        )))
    }

    /// A certificate with its secret keys, still locked.
    pub fn secret(&self, f: &str) -> Result<Cert> {
        if self.in_agent(f) {
            return Err(Error::Key(format!(
                "the secret of {f} is held by gpg-agent, not by hrx: change the key with GnuPG (gpg --quick-set-expire, gpg --gen-revoke, gpg --export-secret-keys) and bring the certificate in with hrx key update"
            )));
        }
        self.read_cert_file(&self.secret_path(f))?.ok_or_else(|| {
            Error::Key(format!(
                "no secret key for {f} in {}; import it with `hrx key import FILE`",
                self.home.display()
            ))
        })
    }

    /// Exports a certificate, armoured; with `secret`, the secret keys too
    /// (still protected by their passphrase).
    pub fn export(&self, f: &str, secret: bool) -> Result<Vec<u8>> {
        if secret { self.secret(f)?.as_tsk().armored().to_vec() } else { self.cert(f)?.armored().to_vec() }
            .map_err(|e| Error::crypto("serialising", e))
    }

    /// Decrypts the secret keys of `f`, asking `pp` for the passphrase if they
    /// are protected (three attempts when asking interactively is possible).
    pub fn unlock(&self, f: &str, pp: &mut dyn PassphraseProvider) -> Result<Unlocked> {
        if self.in_agent(f) {
            return unlock_in_agent(self.cert(f)?, None);
        }
        unlock(self.secret(f)?, pp)
    }

    /// [`Keystore::unlock`], choosing the keys that are valid at `now` (the
    /// command's clock) rather than at the computer's time.
    pub fn unlock_at(&self, f: &str, pp: &mut dyn PassphraseProvider, now: DateTime<Utc>) -> Result<Unlocked> {
        if self.in_agent(f) {
            return unlock_in_agent(self.cert(f)?, Some(now));
        }
        unlock_at(self.secret(f)?, pp, Some(now))
    }

    /// Sets when key `f` expires (primary key and every subkey; None: never),
    /// with self-signatures dated `now`, and keeps the result. Works on an
    /// already expired key: extending it is the way back. Returns the
    /// public certificate, to publish.
    pub fn set_expiry(
        &self,
        f: &str,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        pp: &mut dyn PassphraseProvider,
    ) -> Result<Cert> {
        use openpgp::packet::signature::SignatureBuilder;
        use openpgp::types::SignatureType;
        let tsk = self.secret(f)?;
        let who = identity(&tsk);
        if until.is_some_and(|u| u <= now) {
            return Err(Error::Usage("the new expiry must be in the future".into()));
        }
        let crypto = |e: anyhow::Error| Error::crypto("setting the expiry", e);
        let vc = tsk
            .with_policy(policy(), system_time(now))
            .map_err(|e| Error::Key(format!("certificate {f} is not valid: {e}")))?;
        let period =
            |created: std::time::SystemTime| until.map(|u| system_time(u).duration_since(created).unwrap_or_default());
        // The primary key signs every binding; a signing subkey also signs
        // its own back-signature.
        let mut password: Option<Password> = None;
        let mut primary = unlock_key(vc.primary_key().key().clone().role_into_unspecified(), &who, pp, &mut password)?;
        let t = system_time(now);
        let mut sigs: Vec<Packet> = Vec::new();
        let primary_period = period(vc.primary_key().key().creation_time());
        if let Ok(direct) = vc.direct_key_signature() {
            let s = SignatureBuilder::from(direct.clone())
                .set_signature_creation_time(t)
                .and_then(|b| b.set_key_validity_period(primary_period))
                .and_then(|b| b.sign_direct_key(&mut primary, None))
                .map_err(crypto)?;
            sigs.push(s.into());
        }
        for ua in vc.userids() {
            let s = SignatureBuilder::from(ua.binding_signature().clone())
                .set_signature_creation_time(t)
                .and_then(|b| b.set_key_validity_period(primary_period))
                .and_then(|b| b.sign_userid_binding(&mut primary, None, ua.userid()))
                .map_err(crypto)?;
            sigs.push(s.into());
        }
        for ka in vc.keys().subkeys().revoked(false) {
            let mut b = SignatureBuilder::from(ka.binding_signature().clone())
                .set_signature_creation_time(t)
                .and_then(|b| b.set_key_validity_period(period(ka.key().creation_time())))
                .map_err(crypto)?;
            if ka.for_signing() {
                let mut sub = unlock_key(ka.key().clone().role_into_unspecified(), &who, pp, &mut password)?;
                let back = SignatureBuilder::new(SignatureType::PrimaryKeyBinding)
                    .set_signature_creation_time(t)
                    .and_then(|b| b.sign_primary_key_binding(&mut sub, vc.primary_key().key(), ka.key()))
                    .map_err(crypto)?;
                b = b.set_embedded_signature(back).map_err(crypto)?;
            }
            let s = b.sign_subkey_binding(&mut primary, None, ka.key()).map_err(crypto)?;
            sigs.push(s.into());
        }
        self.keep_signatures(tsk, sigs)
    }

    /// Revokes key `f` as a whole (its primary key), with a revocation
    /// dated `now`: `hard` for a key that may be in someone else's hands
    /// (compromised), else retired. Keeps the result; returns the public
    /// certificate carrying the revocation, to publish.
    pub fn revoke(
        &self,
        f: &str,
        hard: bool,
        reason: &str,
        now: DateTime<Utc>,
        pp: &mut dyn PassphraseProvider,
    ) -> Result<Cert> {
        use openpgp::types::ReasonForRevocation;
        let tsk = self.secret(f)?;
        let who = identity(&tsk);
        let mut password: Option<Password> = None;
        let mut primary = unlock_key(tsk.primary_key().key().clone().role_into_unspecified(), &who, pp, &mut password)?;
        let code = if hard { ReasonForRevocation::KeyCompromised } else { ReasonForRevocation::KeyRetired };
        let crypto = |e: anyhow::Error| Error::crypto("revoking the key", e);
        let sig = openpgp::cert::CertRevocationBuilder::new()
            .set_signature_creation_time(system_time(now))
            .and_then(|b| b.set_reason_for_revocation(code, reason.as_bytes()))
            .and_then(|b| b.build(&mut primary, &tsk, None))
            .map_err(crypto)?;
        self.keep_signatures(tsk, vec![Packet::from(sig)])
    }

    /// Adds new self-signatures to key `tsk` and keeps it; returns the
    /// public certificate, to publish.
    fn keep_signatures(&self, tsk: Cert, sigs: Vec<Packet>) -> Result<Cert> {
        let (updated, _) = tsk.insert_packets(sigs).map_err(|e| Error::crypto("adding self-signatures", e))?;
        self.store_secret(&updated)?;
        Ok(updated.strip_secret_key_material())
    }
}

/// Decrypts one secret key, asking for the passphrase (kept in `password`
/// for the next key) up to three times.
fn unlock_key(
    k: openpgp::packet::Key<openpgp::packet::key::PublicParts, openpgp::packet::key::UnspecifiedRole>,
    who: &Identity,
    pp: &mut dyn PassphraseProvider,
    password: &mut Option<Password>,
) -> Result<KeyPair> {
    let k = k
        .parts_into_secret()
        .map_err(|_| Error::Key(format!("no secret key for {} in the keystore", who.fingerprint)))?;
    for attempt in 0..=UNLOCK_TRIES {
        if k.has_unencrypted_secret() {
            return k.into_keypair().map_err(|e| Error::crypto("unlocking key", e));
        }
        if let Some(pw) = password.as_ref()
            && let Ok(kp) = k.clone().decrypt_secret(pw).and_then(|k| k.into_keypair())
        {
            return Ok(kp);
        }
        if attempt == UNLOCK_TRIES {
            break;
        }
        match pp.passphrase(who, attempt + 1) {
            Ok(p) => *password = Some(p),
            // The provider has nothing better to offer (a file): the one tried was wrong.
            Err(_) if password.is_some() => break,
            Err(e) => return Err(e),
        }
    }
    Err(Error::WrongPassphrase(format!("wrong passphrase for {} ({})", who.name, who.fingerprint)))
}

/// Decrypts a certificate's secret keys; see [`Keystore::unlock`].
pub fn unlock(tsk: Cert, pp: &mut dyn PassphraseProvider) -> Result<Unlocked> {
    unlock_at(tsk, pp, None)
}

/// [`unlock`] with the keys valid at `now` (default: the computer's time).
pub fn unlock_at(tsk: Cert, pp: &mut dyn PassphraseProvider, now: Option<DateTime<Utc>>) -> Result<Unlocked> {
    let who = identity(&tsk);
    let vc = tsk
        .with_policy(policy(), now.map(system_time))
        .map_err(|e| Error::Key(format!("certificate {} is not valid: {e}", who.fingerprint)))?;
    let signing: Vec<_> = vc.keys().secret().for_signing().alive().revoked(false).map(|k| k.key().clone()).collect();
    let encrypting: Vec<_> = vc
        .keys()
        .secret()
        .for_storage_encryption()
        .for_transport_encryption()
        .revoked(false)
        .map(|k| k.key().clone())
        .collect();
    let Some(sign_key) = signing.first().cloned() else {
        return Err(Error::Key(format!("certificate {} has no usable signing key", who.fingerprint)));
    };
    let mut password: Option<Password> = None;
    let signer = unlock_key(sign_key.parts_into_public().role_into_unspecified(), &who, pp, &mut password)?;
    let signer = SecretKey::Local(signer);
    // The encryption keys open with the passphrase the signing key took.
    let decrypt = |k: openpgp::packet::Key<_, _>| -> Option<KeyPair> {
        if k.has_unencrypted_secret() {
            return k.into_keypair().ok();
        }
        k.decrypt_secret(password.as_ref()?).ok()?.into_keypair().ok()
    };
    let decryptors =
        encrypting.into_iter().filter_map(|k| decrypt(k.role_into_unspecified())).map(SecretKey::local).collect();
    Ok(Unlocked { cert: tsk.strip_secret_key_material(), identity: who, signer, decryptors })
}

/// A runtime to talk to gpg-agent on (its client is asynchronous).
fn agent_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Key(format!("cannot reach gpg-agent: {e}")))
}

/// The keys of `cert` that gpg-agent holds, valid at `now`, as signing and
/// decryption keys that go through the agent (GnuPG's own, found as gpg
/// finds it: `GNUPGHOME`). The agent asks for the passphrase itself (its
/// pinentry) and keeps it for as long as it is configured to.
fn unlock_in_agent(cert: Cert, now: Option<DateTime<Utc>>) -> Result<Unlocked> {
    let who = identity(&cert);
    let unavailable = |e: anyhow::Error| {
        Error::Key(format!(
            "gpg-agent is not reachable for the key of {} ({}): {e}; is GnuPG installed and GNUPGHOME right?",
            who.name, who.fingerprint
        ))
    };
    let vc = cert
        .with_policy(policy(), now.map(system_time))
        .map_err(|e| Error::Key(format!("certificate {} is not valid: {e}", who.fingerprint)))?;
    let signing: Vec<_> =
        vc.keys().for_signing().alive().revoked(false).map(|k| k.key().clone().role_into_unspecified()).collect();
    let encrypting: Vec<_> = vc
        .keys()
        .for_storage_encryption()
        .for_transport_encryption()
        .revoked(false)
        .map(|k| k.key().clone().role_into_unspecified())
        .collect();
    let rt = agent_runtime()?;
    let (signer, decryptors) = rt.block_on(async {
        let mut agent = sequoia_gpg_agent::Agent::connect_to_default().await.map_err(|e| unavailable(e.into()))?;
        let held = |keys: Vec<openpgp::packet::Key<_, _>>| keys.into_iter().map(|k| (k, false)).collect::<Vec<_>>();
        let mut signing = held(signing);
        let mut encrypting = held(encrypting);
        for (k, has) in signing.iter_mut().chain(encrypting.iter_mut()) {
            *has = agent.has_key(k).await.map_err(|e| unavailable(e.into()))?;
        }
        let pair =
            |k: &openpgp::packet::Key<openpgp::packet::key::PublicParts, openpgp::packet::key::UnspecifiedRole>| {
                agent
                    .keypair(k)
                    .map(|p| SecretKey::Agent(super::secret::AgentKey::new(k.clone(), p.with_cert(&vc))))
                    .map_err(|e| unavailable(e.into()))
            };
        let signer = match signing.iter().find(|(_, has)| *has) {
            Some((k, _)) => pair(k)?,
            None => {
                return Err(Error::Key(format!(
                    "gpg-agent holds no signing key of {} ({}); import its secret key into GnuPG first (gpg --import)",
                    who.name, who.fingerprint
                )));
            }
        };
        let decryptors = encrypting.iter().filter(|(_, has)| *has).map(|(k, _)| pair(k)).collect::<Result<Vec<_>>>()?;
        Ok::<_, Error>((signer, decryptors))
    })?;
    Ok(Unlocked { cert, identity: who, signer, decryptors })
}

/// Every certificate (or key) in `bytes`, armoured or binary; at least one.
pub fn parse_certs(bytes: &[u8]) -> Result<Vec<Cert>> {
    let certs: Vec<Cert> = CertParser::from_bytes(bytes)
        .map_err(|e| Error::Invalid(format!("not OpenPGP data: {e}")))?
        .collect::<openpgp::Result<Vec<_>>>()
        .map_err(|e| Error::Invalid(format!("not a valid certificate: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Invalid("no certificate found in the input".into()));
    }
    Ok(certs)
}

/// Protects every unprotected secret key of `tsk` with `pw`.
pub fn protect(tsk: Cert, pw: &Password) -> Result<Cert> {
    map_secrets(tsk, |key| {
        if !key.has_unencrypted_secret() {
            return Ok(None);
        }
        key.clone().encrypt_secret(pw).map(Some).map_err(|e| Error::crypto("protecting key", e))
    })
}

/// `tsk` with each secret key that `f` gives a replacement for replaced.
fn map_secrets(
    tsk: Cert,
    mut f: impl FnMut(
        &openpgp::packet::Key<openpgp::packet::key::SecretParts, openpgp::packet::key::UnspecifiedRole>,
    ) -> Result<
        Option<openpgp::packet::Key<openpgp::packet::key::SecretParts, openpgp::packet::key::UnspecifiedRole>>,
    >,
) -> Result<Cert> {
    let mut packets: Vec<Packet> = Vec::new();
    for ka in tsk.keys().secret() {
        let Some(again) = f(&ka.key().clone().role_into_unspecified())? else { continue };
        packets.push(if again.fingerprint() == tsk.fingerprint() {
            Packet::SecretKey(again.role_into_primary())
        } else {
            Packet::SecretSubkey(again.role_into_subordinate())
        });
    }
    Ok(tsk.insert_packets(packets).map_err(|e| Error::crypto("updating key", e))?.0)
}

/// For keys stored without a passphrase (the demo, tests, benchmarks): it
/// has nothing to offer, so a locked key is an error instead of a prompt.
pub struct NoPassphrase;

impl PassphraseProvider for NoPassphrase {
    fn passphrase(&mut self, who: &Identity, _attempt: u32) -> Result<Password> {
        Err(Error::Key(format!(
            "the key of {} ({}) is locked and no passphrase is available",
            who.name, who.fingerprint
        )))
    }
    fn new_passphrase(&mut self) -> Result<Password> {
        Err(Error::Usage("no passphrase is available here; generate with --no-passphrase".into()))
    }
}
