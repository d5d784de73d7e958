//! `hrx key generate|list|export|import`.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::output::Out;
use crate::crypto::cert::NewCert;
use crate::error::{Error, Result};
use crate::ops::{Context, key};

/// Key subcommands.
#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Generate a new key (Ed25519 signing, Cv25519 encryption) in your keystore
    Generate {
        /// Your name, or the name of the practice or hospital
        #[arg(long)]
        name: String,
        /// Email address
        #[arg(long)]
        email: Option<String>,
        /// Organisation (practice, hospital, contact point)
        #[arg(long)]
        organisation: Option<String>,
        /// Country, ISO 3166-1 alpha-2 (e.g. DE, ES)
        #[arg(long)]
        country: Option<String>,
        /// Store the secret key without a passphrase
        #[arg(long)]
        no_passphrase: bool,
    },
    /// List the keys and certificates in your keystore
    List,
    /// Print a certificate (or, with --secret, the secret key), armoured
    Export {
        /// Fingerprint
        fpr: String,
        /// Export the secret key too (still protected by its passphrase)
        #[arg(long)]
        secret: bool,
        /// Write to FILE (mode 0600) instead of standard output; a secret
        /// key is never printed on a terminal
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Write a paper backup of your secret key: lines to type back and a QR code
    #[command(after_help = "The backup holds your secret key protected by a passphrase you choose for it \
(asked after your key's own): keep paper and passphrase apart. FILE ending in .svg is a printable A4 page; \
anything else is plain text (the QR code drawn in characters, for a monospace printout). Every line has its \
own check, so hrx key restore names the line with a typo.")]
    Backup {
        /// A paper backup (the only kind)
        #[arg(long, required = true)]
        paper: bool,
        /// Where to write it (mode 0600; .svg for a printable page)
        #[arg(short = 'o', long = "output", value_name = "FILE", required = true)]
        output: PathBuf,
    },
    /// Restore your secret key from a paper backup (typed back, or the QR code's text)
    Restore {
        /// The typed or scanned text
        file: PathBuf,
    },
    /// Import certificates or secret keys (armoured or binary, e.g. from gpg)
    ///
    /// With --gpg-agent, FILE holds your own certificate (gpg --export FPR)
    /// whose secret keys GnuPG's agent holds (a GnuPG key, an OpenPGP card):
    /// hrx then signs and decrypts through gpg-agent, which asks for the
    /// passphrase (or card PIN) itself and caches it as configured
    /// (default-cache-ttl); hrx never sees the secret.
    Import {
        /// File to read, or - for standard input
        file: PathBuf,
        /// The secret keys stay in gpg-agent; FILE is the certificate
        #[arg(long)]
        gpg_agent: bool,
    },
    /// Move your secret key from hrx's keystore into gpg-agent
    ///
    /// The key goes over as it is, still protected by its passphrase.
    /// gpg-agent then asks for the passphrase when the key is first used
    /// (its pinentry) and keeps it for as long as it is configured to
    /// (default-cache-ttl, max-cache-ttl in gpg-agent.conf): one passphrase
    /// per session instead of one per command. hrx's copy is removed once
    /// the agent holds every key; keep a backup (hrx key export --secret -o
    /// FILE) first if you want one.
    ToAgent,
    /// Change the passphrase of your key in the keystore
    ///
    /// Asks for the current passphrase, then the new one (twice on a
    /// terminal). The key file is replaced at once, still mode 0600. For a
    /// key held by gpg-agent, use gpg --change-passphrase.
    Passwd {
        /// Store the key without a passphrase from now on
        #[arg(long, conflicts_with = "new_passphrase_file")]
        no_passphrase: bool,
        /// Read the new passphrase from the first line of FILE (scripts)
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Add a participant's newer certificate to the record (extended
    /// expiry, new subkeys, revocations), as an appended keys/FPR/ID.asc
    ///
    /// The holder of the certificate, the patient or a delegate may do this.
    /// The update travels with `hrx sync`; signatures it adds may not be
    /// dated before the record's newest commit (an update changes what holds
    /// from now on, never the past).
    Update {
        /// A certificate file (e.g. from `gpg --export`), or the fingerprint
        /// of a certificate in your keystore (after `hrx key import`)
        source: String,
    },
    /// Revoke a key (your own, or, as the patient, a participant's) and
    /// publish the revocation into the record
    ///
    /// --compromised (the key may be in someone else's hands): every copy
    /// that has the revocation refuses what the key signs that the record
    /// did not already hold, whatever its date. With --since TIME, what it
    /// signed from TIME on is void even where the record already holds it:
    /// kept (nothing is deleted) but counting for nothing: its entries are
    /// marked void and left out of exports, its grants are never in force.
    /// --retired: what it signs from now on. A revoked key signs nothing
    /// afterwards; a new key is granted anew by the patient. Your own key is
    /// revoked in your keystore too, and the OpenPGP revocation travels in
    /// the record so that GnuPG sees it; the patient's key is never revoked.
    #[command(group = clap::ArgGroup::new("how").required(true).args(["compromised", "retired"]))]
    Revoke {
        /// Whose key: a participant's fingerprint (or a unique prefix);
        /// default your own. Only the patient revokes another's key.
        fpr: Option<String>,
        /// The key may be in someone else's hands
        #[arg(long)]
        compromised: bool,
        /// The key is no longer used
        #[arg(long)]
        retired: bool,
        /// With --compromised: from when the key may have been in other
        /// hands (YYYY-MM-DD or RFC 3339); what it signed from then on is void
        #[arg(long, value_name = "TIME", requires = "compromised")]
        since: Option<String>,
        /// Why, in a few words (kept in the revocation, public)
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Replace your key with a new one, keeping your place in the record
    ///
    /// A new key with the same name is made in your keystore and becomes
    /// the default. In one commit signed with the old key, the record gains
    /// its certificate, a statement handing your place over to it (the
    /// patient's place, or your grants), and a later-access wrap for every
    /// earlier entry your old key reads, so that the new key reads the
    /// whole history; no entry is rewritten. The old key signs nothing
    /// afterwards (on every copy that has the rotation); keep it to read
    /// copies made before. For a key that may be in someone else's hands,
    /// revoke it instead (hrx key revoke --compromised).
    Rotate {
        /// Store the new secret key without a passphrase
        #[arg(long)]
        no_passphrase: bool,
    },
    /// Set when your key expires (an expired key too), and publish the
    /// refreshed certificate into the record when run in one
    #[command(group = clap::ArgGroup::new("when").required(true).args(["until", "period", "never"]))]
    Extend {
        /// The new expiry: a date (YYYY-MM-DD) or RFC 3339 time
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// The new expiry from now: N followed by d, w, m or y (e.g. 2y)
        #[arg(long = "for", value_name = "PERIOD")]
        period: Option<String>,
        /// Never expire
        #[arg(long)]
        never: bool,
    },
}

/// `2y`, `18m`, `6w`, `90d` from `now`.
fn after(now: chrono::DateTime<chrono::Utc>, period: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    let bad = || Error::Usage(format!("--for {period:?}: give a number followed by d, w, m or y (e.g. 2y)"));
    let (n, unit) = period.split_at(period.len().saturating_sub(1));
    let n: u32 = n.parse().map_err(|_| bad())?;
    let t = match unit {
        "d" => now.checked_add_signed(chrono::Duration::days(n.into())),
        "w" => now.checked_add_signed(chrono::Duration::weeks(n.into())),
        "m" => now.checked_add_months(chrono::Months::new(n)),
        "y" => n.checked_mul(12).and_then(|m| now.checked_add_months(chrono::Months::new(m))),
        _ => None,
    };
    t.filter(|t| t.timestamp() < u32::MAX as i64).ok_or_else(bad)
}

/// Runs a key subcommand.
pub fn run(ctx: &mut Context, cmd: &KeyCommand, out: &Out) -> Result<i32> {
    match cmd {
        KeyCommand::Generate { name, email, organisation, country, no_passphrase } => {
            let new = NewCert {
                name: name.clone(),
                email: email.clone(),
                organisation: organisation.clone(),
                country: country.clone(),
            };
            crate::crypto::cert::check_new(&new)?;
            let pw = if *no_passphrase { None } else { Some(ctx.passphrase.new_passphrase()?) };
            let id = key::generate(ctx, &new, pw)?;
            if out.json {
                out.json("key", &id);
            } else {
                out.line(&id.fingerprint);
                out.info(&format!("generated key for {} in {}", id.name, ctx.keystore.home().display()));
            }
        }
        KeyCommand::List => {
            let keys = key::list(ctx)?;
            let now = ctx.clock.now();
            if out.json {
                out.json("keys", &keys);
            } else {
                if keys.is_empty() {
                    out.info(
                        "no keys in this keystore; make one with `hrx key generate --name NAME`, or import a certificate with `hrx key import FILE` (a GnuPG key: `hrx key import --gpg-agent FILE`)",
                    );
                }
                for k in keys {
                    let mut tags = vec![];
                    if k.secret {
                        tags.push(match (k.secret_in, k.locked.unwrap_or(false)) {
                            (Some("gpg-agent"), _) => "secret in gpg-agent",
                            (_, true) => "secret, passphrase",
                            _ => "secret",
                        });
                    }
                    if k.default {
                        tags.push("default");
                    }
                    let org = [k.identity.organisation.clone(), k.identity.country.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                    let v = &k.validity;
                    if v.status != "valid" {
                        tags.push(v.status);
                    }
                    out.line(&format!(
                        "{}  {}{}{}",
                        k.identity.fingerprint,
                        k.identity.name,
                        if org.is_empty() { String::new() } else { format!(" ({org})") },
                        if tags.is_empty() { String::new() } else { format!("  [{}]", tags.join(", ")) }
                    ));
                    let expiry = match v.expires {
                        Some(e) => format!("expires {}", e.format("%Y-%m-%d")),
                        None => "does not expire".into(),
                    };
                    let keys: Vec<String> =
                        v.keys.iter().map(|k| format!("{} {}", k.algorithm, k.capabilities.join("+"))).collect();
                    out.line(&format!("    created {}, {expiry}; {}", v.created.format("%Y-%m-%d"), keys.join(", ")));
                    for u in &k.user_ids {
                        out.line(&format!("    user id: {u}"));
                    }
                    let days = v.expires.map(|e| (e - now).num_days());
                    match (v.status, days) {
                        ("expires-soon", Some(d)) => out.info(&format!(
                            "warning: the certificate of {} expires in {d} days ({}); extend it before then, or entries can no longer be encrypted to it",
                            k.identity.name,
                            v.expires.map(|e| e.format("%Y-%m-%d").to_string()).unwrap_or_default()
                        )),
                        ("expired", _) => out.info(&format!(
                            "warning: the certificate of {} has expired; entries can no longer be encrypted to it",
                            k.identity.name
                        )),
                        _ => {}
                    }
                }
            }
        }
        KeyCommand::Export { fpr, secret, output } => {
            use std::io::IsTerminal;
            if *secret && output.is_none() && std::io::stdout().is_terminal() {
                return Err(Error::Usage(
                    "refusing to print a secret key on the terminal; write it to a file with -o FILE".into(),
                ));
            }
            let bytes = key::export(ctx, fpr, *secret)?;
            match output {
                Some(p) => {
                    crate::fsutil::refuse_existing(p)?;
                    crate::fsutil::write_private(p, &bytes)?;
                    out.info(&format!("wrote {} (mode 0600)", p.display()));
                }
                None => {
                    let mut o = std::io::stdout().lock();
                    o.write_all(&bytes).map_err(|e| Error::io("stdout", e))?;
                }
            }
        }
        KeyCommand::Backup { paper: _, output } => {
            crate::fsutil::refuse_existing(output)?;
            let b = key::backup(ctx, |c| c.passphrase.new_passphrase())?;
            let svg = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
            let page = if svg {
                crate::crypto::paper::svg_page(&b.heading, &b.data)?
            } else {
                crate::crypto::paper::text_page(&b.heading, &b.data)?
            };
            crate::fsutil::write_private(output, page.as_bytes())?;
            if out.json {
                out.json("backup", &serde_json::json!({"fingerprint": b.identity.fingerprint, "file": output}));
            } else {
                out.line(&b.identity.fingerprint);
                out.info(&format!(
                    "wrote a paper backup of your key to {} (mode 0600): print it, delete the file, keep the paper and its passphrase apart",
                    output.display()
                ));
            }
        }
        KeyCommand::Restore { file } => {
            let text =
                String::from_utf8_lossy(&crate::fsutil::read_small(file, 1 << 20, "a paper backup")?).to_string();
            let who = key::restore(ctx, &text)?;
            if out.json {
                out.json("restored", &who);
            } else {
                out.line(&who.fingerprint);
                out.info(&format!(
                    "restored the secret key of {} ({}); it keeps the backup's passphrase (change it with hrx key passwd)",
                    crate::model::text::printable(&who.name),
                    who.fingerprint
                ));
            }
        }
        KeyCommand::ToAgent => {
            let f = ctx.key_fpr()?;
            let i = ctx.keystore.move_to_agent(&f, ctx.clock.now())?;
            if out.json {
                out.json("moved", &i);
            } else {
                out.line(&f);
                out.info(&format!(
                    "the secret key of {} is now held by gpg-agent, which asks for its passphrase once and keeps it",
                    crate::model::text::printable(&i.identity.name)
                ));
            }
        }
        KeyCommand::Passwd { no_passphrase, new_passphrase_file } => {
            let f = key::passwd(ctx, |ctx| match (no_passphrase, new_passphrase_file) {
                (true, _) => Ok(None),
                (false, Some(p)) => super::passphrase::CliPassphrase::read_new_file(p).map(Some),
                (false, None) => ctx.passphrase.new_passphrase().map(Some),
            })?;
            if out.json {
                out.json("passwd", &serde_json::json!({ "fingerprint": f }));
            } else {
                out.info(&format!("changed the passphrase of {f}"));
            }
        }
        KeyCommand::Update { source } => {
            let u = key::update(ctx, source)?;
            if out.json {
                out.json("updated", &u);
            } else {
                out.line(&u.commit);
                let expiry = match u.validity.expires {
                    Some(e) => format!("expires {}", e.format("%Y-%m-%d")),
                    None => "does not expire".into(),
                };
                out.info(&format!(
                    "updated the certificate {} in the record ({}, {expiry})",
                    u.fingerprint, u.validity.status
                ));
                for (k, t) in &u.revokes {
                    out.info(&if *t == crate::crypto::commit::HARD {
                        format!("key {k} is revoked as compromised: nothing it signs counts unless the record held it before this update")
                    } else {
                        format!("key {k} is retired: it signs nothing dated from {} on", t.to_rfc3339())
                    });
                }
            }
        }
        KeyCommand::Rotate { no_passphrase } => {
            let pw = if *no_passphrase { None } else { Some(ctx.passphrase.new_passphrase()?) };
            let r = key::rotate(ctx, pw)?;
            if out.json {
                out.json("rotated", &r);
            } else {
                out.line(&r.to);
                out.info(&format!(
                    "your key {} is replaced by {} (now your default key); {} earlier entr{} wrapped for it in commit {}; sync so that every copy learns it",
                    r.from,
                    r.to,
                    r.wrapped,
                    if r.wrapped == 1 { "y" } else { "ies" },
                    &r.commit[..12]
                ));
                if let Some(w) = &r.recovery_warning {
                    out.info(&format!("warning: {w}"));
                }
                if let Some(n) = r.recovery_reissued {
                    out.info(&format!(
                        "your recovery set-up passed to the new key: {n} trustees hold new shares (the old ones open only the old key)"
                    ));
                }
                if !r.refused.is_empty() {
                    out.info(&format!(
                        "warning: {} entr{} not authentic, not passed on: {}",
                        r.refused.len(),
                        if r.refused.len() == 1 { "y is" } else { "ies are" },
                        r.refused.join(", ")
                    ));
                }
            }
        }
        KeyCommand::Extend { until, period, never } => {
            let now = ctx.clock.now();
            let until = match (until, period, never) {
                (Some(u), _, _) => Some(crate::model::parse::time(u)?),
                (_, Some(p), _) => Some(after(now, p)?),
                _ => None,
            };
            let e = key::extend(ctx, until)?;
            if out.json {
                out.json("extended", &e);
            } else {
                out.line(&e.fingerprint);
                out.info(&match e.expires {
                    Some(t) => format!("your key now expires on {}", t.format("%Y-%m-%d")),
                    None => "your key no longer expires".into(),
                });
                match &e.published {
                    Some(u) => out.info(&format!("published into the record in commit {}", &u.commit[..12])),
                    None => out.info(
                        "not in a record you take part in: run it again with -C RECORD, or send the certificate (hrx key export) to be added with hrx key update",
                    ),
                }
            }
        }
        KeyCommand::Revoke { fpr, compromised, retired: _, since, reason } => {
            let since = since.as_deref().map(crate::model::parse::time).transpose()?;
            let u = key::revoke(ctx, fpr.as_deref(), *compromised, since, reason)?;
            if out.json {
                out.json("revoked", &u);
            } else {
                out.line(&u.commit);
                let whose = if u.update.is_some() { "your key" } else { "the key of" };
                out.info(&format!(
                    "revoked {whose} {} ({}) and published it into the record; sync so that every copy learns it",
                    u.fingerprint,
                    u.reason.as_str()
                ));
                if let Some(s) = u.since {
                    out.info(&format!(
                        "what it signed from {} on is void: {} commit{} of this record",
                        s.to_rfc3339(),
                        u.void.len(),
                        if u.void.len() == 1 { "" } else { "s" }
                    ));
                    for (c, why) in &u.void {
                        out.info(&format!("  void {}: {}", &c[..12.min(c.len())], crate::model::text::printable(why)));
                    }
                }
            }
        }
        KeyCommand::Import { file, gpg_agent } => {
            let bytes = crate::fsutil::read_input(file, crate::ops::key::MAX_KEY_FILE, "a key file is at most 16 MiB")?;
            let done = if *gpg_agent { key::import_agent(ctx, &bytes)? } else { key::import(ctx, &bytes)? };
            if out.json {
                out.json("imported", &done);
            } else {
                for i in done {
                    out.line(&format!(
                        "{}  {}{}",
                        i.identity.fingerprint,
                        i.identity.name,
                        match (i.secret, *gpg_agent) {
                            (true, true) => "  [secret in gpg-agent]",
                            (true, false) => "  [secret]",
                            _ => "",
                        }
                    ));
                }
            }
        }
    }
    Ok(super::exit::OK)
}
