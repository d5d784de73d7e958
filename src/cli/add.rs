//! `hrx add KIND`.

use std::io::Read;
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::output::Out;
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::model::entry::parse_yaml;
use crate::ops::{Context, add};

/// Arguments of `hrx add`.
#[derive(clap::Args, Debug)]
#[command(after_help = "The record's fields come from --file, from standard input, or for the simple kinds \
(note, allergy, condition, medication, document with --attach) from flags. hrx fills in id, kind, author and recorded_at.\n\n\
Examples:\n  hrx add note --title 'Visit' --text 'Headache for three days.'\n  \
hrx add allergy --example > allergy.yaml   (a complete record to edit; `hrx schema allergy` lists the fields)\n  \
hrx add allergy --code snomed:91936005 --display 'Allergy to penicillin' --criticality high\n  \
hrx add observation --file hba1c.yaml")]
pub struct Args {
    /// Entry kind: patient, note, allergy, condition, medication, immunization,
    /// observation, procedure, document, device, advance-directive
    #[arg(value_parser = super::kinds())]
    pub kind: String,
    /// Read the record from FILE (YAML), or - for standard input
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Free text (note: the note's text)
    #[arg(long)]
    pub text: Option<String>,
    /// Title (note)
    #[arg(long)]
    pub title: Option<String>,
    /// Coded term SYSTEM:CODE, e.g. snomed:91936005, atc:J01CA04, icd10:J45
    #[arg(long, value_name = "SYSTEM:CODE")]
    pub code: Option<String>,
    /// Display of the coded term (in --lang)
    #[arg(long)]
    pub display: Option<String>,
    /// Language of --display and --text
    #[arg(long, default_value = "en", value_hint = clap::ValueHint::Other)]
    pub lang: String,
    /// Category, if not the kind's default (e.g. mental-health)
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(crate::model::category::ALL))]
    pub category: Option<String>,
    /// When it happened, as precisely as known: YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339 (default: not said; listed by when it was recorded)
    #[arg(long = "date", visible_alias = "effective", value_name = "DATE")]
    pub date: Option<String>,
    /// Allergy criticality: low, high, unable-to-assess
    #[arg(long, value_parser = ["low", "high", "unable-to-assess"])]
    pub criticality: Option<String>,
    /// Medication dosage, free text
    #[arg(long)]
    pub dosage: Option<String>,
    /// Document: the file to attach (PDF, image, ...); it is stored encrypted
    #[arg(long, value_name = "FILE")]
    pub attach: Option<PathBuf>,
    /// Document: media type of --attach [default: from the file name]
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Print a complete example record of KIND (YAML to edit and give with --file), and add nothing
    #[arg(long)]
    pub example: bool,
    /// Write even if a reader's certificate has expired or was revoked,
    /// leaving that reader out (named on stderr); never the patient or you
    #[arg(long)]
    pub skip_unusable_recipients: bool,
}

/// Builds the input record from the flags.
fn from_flags(kind: Kind, a: &Args) -> Result<Value> {
    let mut m = Map::new();
    let term = || -> Result<Option<Value>> {
        match (&a.code, &a.display) {
            (Some(c), d) => {
                let (sys, code) = c
                    .split_once(':')
                    .ok_or_else(|| Error::Usage(format!("--code {c:?} must be SYSTEM:CODE, e.g. snomed:91936005")))?;
                let mut t = json!({ "system": sys, "code": code });
                if let Some(d) = d {
                    t["display"] = json!({ &a.lang: d });
                }
                Ok(Some(t))
            }
            (None, Some(d)) => Ok(Some(json!({ "text": d }))),
            (None, None) => Ok(None),
        }
    };
    if kind == Kind::Document {
        let f = a
            .attach
            .as_ref()
            .ok_or_else(|| Error::Usage("`hrx add document` needs --attach FILE (or --file FILE)".into()))?;
        let bytes = crate::fsutil::read_input(
            f,
            crate::model::attachment::MAX_ATTACHMENT,
            "a document attached to an entry is at most 35 MiB (an entry holds 48 MiB, base64-encoded): keep a larger file elsewhere",
        )?;
        let name = f.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "attachment".into());
        let ct = a.content_type.clone().unwrap_or_else(|| crate::model::attachment::content_type(&name).to_string());
        let sha = crate::crypto::sha256_hex(&bytes)?;
        m.insert("attachment".into(), crate::model::attachment::attachment(&name, &ct, &bytes, &sha));
        m.insert("title".into(), json!(a.title.clone().unwrap_or(name)));
        if let Some(t) = term()? {
            m.insert("type".into(), t);
        }
        m.insert("language".into(), json!(a.lang));
        return Ok(Value::Object(m));
    }
    let field = match kind {
        Kind::Note => None,
        Kind::Allergy => Some("substance"),
        Kind::Condition => Some("code"),
        Kind::Medication => Some("medication"),
        _ => {
            return Err(Error::Usage(format!(
                "`hrx add {kind}` takes its record from --file FILE or standard input; flags cover note, allergy, condition, medication and document"
            )));
        }
    };
    if let Some(f) = field {
        let t = term()?
            .ok_or_else(|| Error::Usage(format!("`hrx add {kind}` needs --code SYSTEM:CODE and/or --display TEXT")))?;
        m.insert(f.into(), t);
    } else if a.code.is_some() || a.display.is_some() {
        return Err(Error::Usage("--code and --display do not apply to notes; use --title and --text".into()));
    }
    if kind == Kind::Note {
        let text =
            a.text.clone().ok_or_else(|| Error::Usage("`hrx add note` needs --text TEXT (or --file FILE)".into()))?;
        m.insert("text".into(), json!(text));
        if let Some(t) = &a.title {
            m.insert("title".into(), json!(t));
        }
    } else if let Some(t) = &a.text {
        m.insert("note".into(), json!(t));
    }
    if let Some(c) = &a.criticality {
        m.insert("criticality".into(), json!(c));
    }
    if let Some(d) = &a.dosage {
        m.insert("dosage".into(), json!({ "text": d }));
    }
    m.insert("language".into(), json!(a.lang));
    Ok(Value::Object(m))
}

/// Runs `hrx add`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let kind: Kind = a.kind.parse().map_err(|e: crate::model::kind::UnknownKind| Error::Usage(e.to_string()))?;
    if a.example {
        let yaml = crate::model::example::example(kind);
        if out.json {
            let record = crate::model::entry::parse_yaml(yaml).map_err(|e| Error::Invalid(e.to_string()))?;
            out.json("example", &serde_json::json!({ "kind": kind.name(), "yaml": yaml, "record": record }));
        } else {
            print!("{yaml}");
        }
        return Ok(super::exit::OK);
    }
    let has_flags =
        a.text.is_some() || a.title.is_some() || a.code.is_some() || a.display.is_some() || a.attach.is_some();

    let mut input = match &a.file {
        Some(f) if has_flags => {
            return Err(Error::Usage(format!(
                "give the record either with --file {} or with flags, not both",
                f.display()
            )));
        }
        Some(f) => {
            let text = crate::fsutil::read_input_text(
                f,
                crate::model::entry::MAX_ENTRY_YAML as u64,
                "an entry is at most 48 MiB of YAML",
            )?;
            parse_yaml(&text).map_err(|e| Error::Invalid(format!("{}: {e}", f.display())))?
        }
        None if has_flags => from_flags(kind, a)?,
        None => {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                return Err(Error::Usage(format!(
                    "`hrx add {kind}` needs the record: --file FILE, standard input, or flags (see --help)"
                )));
            }
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| Error::io("stdin", e))?;
            parse_yaml(&s).map_err(|e| Error::Invalid(format!("standard input: {e}")))?
        }
    };
    if let (Some(c), Value::Object(m)) = (&a.category, &mut input) {
        m.insert("category".into(), json!(c));
    }
    if let Some(d) = &a.date {
        crate::model::when::Point::parse(d).map_err(|e| Error::Usage(format!("--date: {e}")))?;
        if let Value::Object(m) = &mut input {
            m.insert("effective".into(), json!(d));
        }
    }
    ctx.skip_unusable_recipients = a.skip_unusable_recipients;
    let done = add::add(ctx, kind, input)?;
    for (f, why) in &done.skipped {
        out.info(&format!("warning: not encrypted to {f}: {why}; it cannot read this entry"));
    }
    if out.json {
        out.json("entry", &done);
    } else {
        out.line(&done.id);
        out.info(&format!(
            "added {} entry ({}), encrypted to {} recipient(s)",
            done.kind,
            done.category,
            done.recipients.len()
        ));
    }
    Ok(super::exit::OK)
}
