//! `hrx demo`: Anna Weber's record (../shared/SCENARIO.md) in a temporary
//! place: her GP and therapist in Berlin, an emergency key for Spain, the
//! hospital in Valencia with access to past entries, break-glass access,
//! revocation, and the audit trail. Every step is the library operation the
//! CLI runs.

use std::path::PathBuf;

use serde_json::json;

use super::output::Out;
use super::{Cli, log::line};
use crate::clock::Clock;
use crate::crypto::cert::NewCert;
use crate::crypto::{Identity, Keystore, NoPassphrase};
use crate::error::{Error, Result};
use crate::model::statement::Scope;
use crate::model::{Kind, Right};
use crate::ops::grant::GrantRequest;
use crate::ops::{self, Context};

/// Arguments of `hrx demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to create the demo (must not exist) [default: a new temporary directory]
    // Its own id: sharing the global -C's id ("dir") made clap fill both.
    #[arg(long = "dir", id = "demo_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

struct Party {
    ctx: Context,
    id: Identity,
}

fn party(base: &std::path::Path, slug: &str, record: &std::path::Path, clock: Clock, new: NewCert) -> Result<Party> {
    let ctx = Context {
        keystore: Keystore::open(&base.join(format!("home-{slug}"))),
        key: None,
        clock,
        dir: record.to_path_buf(),
        passphrase: Box::new(NoPassphrase),
        skip_unusable_recipients: false,
    };
    let id = ops::key::generate(&ctx, &new, None)?;
    Ok(Party { ctx, id })
}

fn who(name: &str, org: Option<&str>, country: &str) -> NewCert {
    NewCert { name: name.into(), email: None, organisation: org.map(str::to_string), country: Some(country.into()) }
}

fn cats(names: &[&str]) -> Scope {
    Scope::Some(names.iter().map(|c| c.parse().expect("known category")).collect())
}

/// Runs `hrx demo`.
pub fn run(_cli: &Cli, a: &Args, out: &Out) -> Result<i32> {
    let base = match &a.dir {
        Some(d) if d.exists() => return Err(Error::State(format!("{} exists; give a new directory", d.display()))),
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("hrx-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    let clock = Clock::from_env()?;
    let record = base.join("anna-record");
    let mut anna = party(&base, "anna", &record, clock, who("Anna Weber", None, "DE"))?;
    let mut klein = party(&base, "klein", &record, clock, who("Dr. Klein", Some("Praxis Dr. Klein"), "DE"))?;
    let mut roth = party(&base, "roth", &record, clock, who("Dr. Roth", Some("Psychotherapie Roth"), "DE"))?;
    let mut ncp =
        party(&base, "ncp", &record, clock, who("Punto de Contacto Nacional", Some("Ministerio de Sanidad"), "ES"))?;
    let mut lafe = party(&base, "lafe", &record, clock, who("Dra. García", Some("Hospital La Fe"), "ES"))?;
    for p in [&klein, &roth, &ncp, &lafe] {
        let cert = ops::key::export(&p.ctx, &p.id.fingerprint, false)?;
        ops::key::import(&anna.ctx, &cert)?;
    }
    out.info(&format!("demo in {} (demo keys have no passphrase)", base.display()));

    // 1. Berlin: Anna creates her record and grants her GP and her therapist.
    let init = ops::init::init(&mut anna.ctx, &record, None)?;
    out.line(&format!("1. Anna created her record; trust root {} (root commit {})", init.patient, &init.root[..12]));
    let mut gp = GrantRequest::new(
        klein.id.fingerprint.clone(),
        cats(&["general", "allergy", "medication", "problem", "immunization", "results", "procedure", "document"]),
        vec![Right::Read, Right::Write],
    );
    gp.until = Some(clock.now() + chrono::Duration::days(365));
    ops::grant::grant(&mut anna.ctx, gp)?;
    let th = GrantRequest::new(roth.id.fingerprint.clone(), cats(&["mental-health"]), vec![Right::Read, Right::Write]);
    ops::grant::grant(&mut anna.ctx, th)?;
    ops::add::add(
        &mut klein.ctx,
        Kind::Allergy,
        json!({
            "substance": {"system": "snomed", "code": "764146007", "display": {"en": "Penicillin", "de": "Penicillin", "es": "Penicilina"}},
            "criticality": "high", "clinical_status": "active",
        }),
    )?;
    ops::add::add(
        &mut klein.ctx,
        Kind::Medication,
        json!({
            "medication": {"system": "atc", "code": "C09AA05", "display": {"en": "Ramipril", "de": "Ramipril"}},
            "intent": "prescription", "dosage": {"text": "5 mg once daily"},
        }),
    )?;
    ops::add::add(
        &mut klein.ctx,
        Kind::Note,
        json!({"title": "Hausbesuch", "text": "Blutdruck 150/95, Ramipril begonnen.", "language": "de"}),
    )?;
    out.line("   Praxis Dr. Klein (DE) added an allergy, a prescription and a visit note");
    // 2. The therapist's entries are for Anna and the therapist only.
    ops::add::add(
        &mut roth.ctx,
        Kind::Note,
        json!({"category": "mental-health", "title": "Session 1", "text": "Initial assessment.", "language": "de"}),
    )?;
    out.line("2. Dr. Roth added a mental-health note (readable by Anna and Dr. Roth only)");
    // 3. Before travelling: the Spanish contact point may break the glass.
    ops::grant::grant(&mut anna.ctx, GrantRequest::emergency(ncp.id.fingerprint.clone()))?;
    out.line("3. Anna pre-authorised the Spanish national contact point for emergency access");
    // 4. Valencia: the hospital gets her record, past entries included.
    let mut h = GrantRequest::new(
        lafe.id.fingerprint.clone(),
        cats(&["medication", "allergy", "results", "general"]),
        vec![Right::Read, Right::Write],
    );
    h.until = Some(clock.now() + chrono::Duration::days(14));
    h.include_past = true;
    let g = ops::grant::grant(&mut anna.ctx, h)?;
    out.line(&format!(
        "4. Anna granted Hospital La Fe (ES) four categories with --include-past: {} earlier entries opened",
        g.past_entries_opened
    ));
    // 5. The hospital adds a lab result and a discharge note.
    ops::add::add(
        &mut lafe.ctx,
        Kind::Observation,
        json!({
            "code": {"system": "loinc", "code": "2160-0", "display": {"en": "Creatinine", "es": "Creatinina"}},
            "observation_category": "laboratory", "value": {"value": 1.1, "unit": "mg/dL"},
        }),
    )?;
    ops::add::add(
        &mut lafe.ctx,
        Kind::Note,
        json!({"title": "Informe de alta", "text": "Alta sin complicaciones.", "language": "es"}),
    )?;
    out.line("5. Hospital La Fe added a lab result and a discharge note");
    // 6. A night doctor uses the emergency key.
    let opened = ops::emergency::open(&mut ncp.ctx, Some("night admission, Valencia".into()))?;
    out.line(&format!("6. Emergency access recorded; the summary shows {} entries:", opened.entries.len()));
    for e in &opened.entries {
        out.line(&format!("     {}", line(e, false)));
    }
    // 7. Back home, Anna revokes the hospital.
    ops::grant::revoke(&mut anna.ctx, &lafe.id.fingerprint)?;
    ops::add::add(&mut anna.ctx, Kind::Note, json!({"title": "Back home", "text": "Feeling well."}))?;
    out.line("7. Anna revoked Hospital La Fe; her next note is not encrypted to it");

    let report = ops::verify::verify(&mut anna.ctx, true, false)?;
    out.line(&format!(
        "\nverify    ok: {} commits, {} entries, {} inner signatures checked",
        report.commits, report.entries, report.inner_checked
    ));
    for (name, p) in [("Anna (patient)", &mut anna), ("Praxis Dr. Klein", &mut klein), ("Hospital La Fe", &mut lafe)] {
        out.line(&format!("\nhrx log as {name}:"));
        for v in ops::read::log(&mut p.ctx, &Default::default())? {
            out.line(&format!("  {}", line(&v, false)));
        }
    }
    out.line("\nhrx audit as Anna:");
    for e in ops::audit::audit(&mut anna.ctx)?.events {
        let signer = e.signer.map(|s| s.name).unwrap_or_default();
        out.line(&format!(
            "  {} {:<28} {}",
            if e.emergency { "!!" } else { "ok" },
            signer,
            e.actions.iter().map(|a| a.text.as_str()).collect::<Vec<_>>().join("; ")
        ));
    }
    let exe = std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_else(|_| "hrx".into());
    out.line(&format!("\nTry:  HRX_HOME={} {exe} -C {} tui", base.join("home-anna").display(), record.display()));
    Ok(super::exit::OK)
}
