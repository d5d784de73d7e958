//! `hrx demo`: the Berlin part of the scenario, in a temporary place.

use std::path::PathBuf;

use serde_json::json;

use super::output::Out;
use super::{Cli, log::line};
use crate::clock::Clock;
use crate::crypto::cert::NewCert;
use crate::crypto::{Identity, Keystore, PassphraseProvider};
use crate::error::{Error, Result};
use crate::model::statement::{AllWord, Scope};
use crate::model::{Kind, Purpose, Right};
use crate::ops::grant::GrantRequest;
use crate::ops::{self, Context};

/// Arguments of `hrx demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to create the demo (must not exist) [default: a new temporary directory]
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// Demo keys have no passphrase (said so on screen).
struct NoPassphrase;
impl PassphraseProvider for NoPassphrase {
    fn passphrase(&mut self, who: &Identity, _: u32) -> Result<sequoia_openpgp::crypto::Password> {
        Err(Error::Key(format!("demo key {} is unexpectedly locked", who.fingerprint)))
    }
    fn new_passphrase(&mut self) -> Result<sequoia_openpgp::crypto::Password> {
        Err(Error::Usage("demo keys have no passphrase".into()))
    }
}

fn party(base: &std::path::Path, who: &str, record: &std::path::Path, clock: Clock) -> Context {
    Context {
        keystore: Keystore::open(&base.join(format!("home-{who}"))),
        key: None,
        clock,
        dir: record.to_path_buf(),
        passphrase: Box::new(NoPassphrase),
    }
}

/// Runs `hrx demo`.
pub fn run(_cli: &Cli, a: &Args, out: &Out) -> Result<i32> {
    let base = match &a.dir {
        Some(d) => {
            if d.exists() {
                return Err(Error::State(format!("{} exists; give a new directory", d.display())));
            }
            d.clone()
        }
        None => std::env::temp_dir().join(format!("hrx-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    let clock = Clock::from_env()?;
    let record = base.join("anna-record");
    let mut anna = party(&base, "anna", &record, clock);
    let mut klein = party(&base, "klein", &record, clock);
    let mut therapist = party(&base, "therapist", &record, clock);

    out.info(&format!("demo in {} (keys without passphrases: demo only)", base.display()));
    let new = |n: &str, o: Option<&str>| NewCert {
        name: n.into(),
        email: None,
        organisation: o.map(str::to_string),
        country: Some("DE".into()),
    };
    let anna_id = ops::key::generate(&anna, &new("Anna Weber", None), None)?;
    let klein_id = ops::key::generate(&klein, &new("Dr. Klein", Some("Praxis Dr. Klein")), None)?;
    let ther_id = ops::key::generate(&therapist, &new("Dr. Roth", Some("Psychotherapie Roth")), None)?;
    for c in [&klein_id, &ther_id] {
        let bytes = if c.fingerprint == klein_id.fingerprint {
            ops::key::export(&klein, &c.fingerprint, false)?
        } else {
            ops::key::export(&therapist, &c.fingerprint, false)?
        };
        ops::key::import(&anna, &bytes)?;
    }
    out.line(&format!("patient   Anna Weber        {}", anna_id.fingerprint));
    out.line(&format!("provider  Praxis Dr. Klein  {}", klein_id.fingerprint));
    out.line(&format!("provider  Dr. Roth          {}", ther_id.fingerprint));

    let init = ops::init::init(&mut anna, &record, None)?;
    // Providers pin the root Anna read out to them.
    let pin = crate::repo::Pin {
        root: git2::Oid::from_str(&init.root).map_err(Error::Git)?,
        patient: anna_id.fingerprint.clone(),
    };
    let _ = pin;
    out.line(&format!("record    {} (root {})", record.display(), &init.root[..12]));

    let general: Vec<_> = [
        "general",
        "allergy",
        "medication",
        "problem",
        "immunization",
        "results",
        "procedure",
        "document",
        "device",
        "advance-directive",
        "demographics",
    ]
    .iter()
    .map(|c| c.parse().expect("known"))
    .collect();
    ops::grant::grant(
        &mut anna,
        GrantRequest {
            grantee: klein_id.fingerprint.clone(),
            categories: Scope::Some(general),
            rights: vec![Right::Read, Right::Write],
            purpose: Purpose::Treatment,
            from: None,
            until: Some(clock.now() + chrono::Duration::days(365)),
            note: Some("GP".into()),
            role: None,
            include_past: false,
        },
    )?;
    ops::grant::grant(
        &mut anna,
        GrantRequest {
            grantee: ther_id.fingerprint.clone(),
            categories: Scope::Some(vec!["mental-health".parse().expect("known")]),
            rights: vec![Right::Read, Right::Write],
            purpose: Purpose::Treatment,
            from: None,
            until: None,
            note: None,
            role: None,
            include_past: false,
        },
    )?;
    let _ = AllWord::All;

    ops::add::add(
        &mut anna,
        Kind::Note,
        json!({"title": "Travel plans", "text": "Trip to Valencia in spring.", "language": "en"}),
    )?;
    ops::add::add(
        &mut klein,
        Kind::Allergy,
        json!({
            "substance": {"system": "snomed", "code": "764146007", "display": {"en": "Penicillin", "de": "Penicillin", "es": "Penicilina"}},
            "criticality": "high", "clinical_status": "active",
        }),
    )?;
    ops::add::add(
        &mut klein,
        Kind::Medication,
        json!({
            "medication": {"system": "atc", "code": "C09AA05", "display": {"en": "Ramipril", "de": "Ramipril"}},
            "intent": "prescription", "dosage": {"text": "5 mg once daily"},
        }),
    )?;
    ops::add::add(
        &mut klein,
        Kind::Note,
        json!({"title": "Hausbesuch", "text": "Blutdruck 150/95, Ramipril begonnen.", "language": "de"}),
    )?;
    ops::add::add(
        &mut therapist,
        Kind::Note,
        json!({"category": "mental-health", "title": "Session 1", "text": "Initial assessment.", "language": "en"}),
    )?;

    let report = ops::verify::verify(&mut anna, true)?;
    out.line(&format!(
        "verify    ok: {} commits, {} entries, {} inner signatures checked",
        report.commits, report.entries, report.inner_checked
    ));
    for (name, ctx) in [("Anna (patient)", &mut anna), ("Praxis Dr. Klein", &mut klein)] {
        out.line(&format!("\nhrx log as {name}:"));
        for v in ops::read::log(ctx, &Default::default())? {
            out.line(&format!("  {}", line(&v)));
        }
    }
    out.line(&format!("\nTry:  HRX_HOME={} hrx -C {} log", base.join("home-anna").display(), record.display()));
    Ok(super::exit::OK)
}
