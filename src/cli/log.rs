//! `hrx log`.

use super::output::{Out, Style};
use crate::error::{Error, Result};
use crate::model::when::{bound_from, bound_until};
use crate::ops::Context;
use crate::ops::read::{EntryView, Filter, log};

/// Arguments of `hrx log`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only entries of this kind
    #[arg(long, value_parser = super::kinds())]
    pub kind: Option<String>,
    /// Only entries that happened (in part) on or after this: YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only entries that happened (in part) up to the end of this: YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Order and filter by the time entries were recorded, not the time they happened
    #[arg(long)]
    pub recorded: bool,
    /// Show coded terms in this language where the record has it (else English, else the original)
    #[arg(long, value_name = "LANG", value_hint = clap::ValueHint::Other)]
    pub lang: Option<String>,
}

/// One line of the human listing: when it happened (with `recorded`, when
/// it was recorded), category, kind and summary, author.
pub fn line(v: &EntryView, recorded: bool) -> String {
    parts(v, recorded).into_iter().map(|(_, s)| s).collect()
}

/// [`line`] in parts, each with how it is shown on a colour terminal.
pub fn parts(v: &EntryView, recorded: bool) -> Vec<(Style, String)> {
    let who = match (&v.author.organisation, &v.author.country) {
        (Some(o), Some(c)) => format!("{} ({o}, {c})", v.author.name),
        (None, Some(c)) => format!("{} ({c})", v.author.name),
        (Some(o), None) => format!("{} ({o})", v.author.name),
        (None, None) => v.author.name.clone(),
    };
    let (kind, what, what_style) = if v.readable {
        (v.kind.as_deref().unwrap_or("?"), v.summary.clone().unwrap_or_default(), Style::Plain)
    } else if v.sealed {
        ("-", "(sealed: emergency access only; hrx emergency open --reason ...)".to_string(), Style::Warn)
    } else {
        ("-", "(not readable with your keys)".to_string(), Style::Dim)
    };
    let warn = match (&v.void, v.problems.is_empty()) {
        (Some(_), _) => "  [VOID]",
        (None, false) => "  [!]",
        (None, true) => "",
    };
    let when = if recorded { v.date.format("%Y-%m-%d %H:%M").to_string() } else { v.when_text() };
    vec![
        (Style::Dim, v.id.to_string()),
        (Style::Plain, format!("  {when:<16}  ")),
        (Style::Accent, format!("{:<17}", v.category)),
        (Style::Plain, " ".into()),
        (Style::Bold, format!("{kind:<12}")),
        (Style::Plain, " ".into()),
        (what_style, what),
        (Style::Dim, format!("  — {who}")),
        (Style::Bad, warn.into()),
    ]
}

/// Runs `hrx log`.
pub fn run(ctx: &mut Context, a: &Args, out: &Out) -> Result<i32> {
    let filter = Filter {
        kind: a
            .kind
            .as_deref()
            .map(|k| k.parse().map_err(|e: crate::model::kind::UnknownKind| Error::Usage(e.to_string())))
            .transpose()?,
        since: a.since.as_deref().map(bound_from).transpose().map_err(|e| Error::Usage(format!("--since: {e}")))?,
        until: a.until.as_deref().map(bound_until).transpose().map_err(|e| Error::Usage(format!("--until: {e}")))?,
        recorded: a.recorded,
    };
    if let (Some(s), Some(u)) = (filter.since, filter.until)
        && u <= s
    {
        return Err(Error::Usage(format!(
            "--until {} is before --since {}",
            a.until.as_deref().unwrap_or(""),
            a.since.as_deref().unwrap_or("")
        )));
    }
    let mut entries = log(ctx, &filter)?;
    if let Some(l) = &a.lang {
        for e in &mut entries {
            if let Some(x) = &e.entry {
                e.summary = Some(x.summary(Some(l)));
            }
        }
    }
    if out.json {
        out.json_list("entries", &entries);
    } else {
        if entries.is_empty() {
            out.info("no entries");
        }
        if ctx.key_fpr().is_err() && !entries.is_empty() {
            out.info(
                "you have no key here, so nothing can be decrypted: give your keystore with --home or HRX_HOME, or make a key (`hrx key generate`) and ask the patient for a grant",
            );
        }
        out.page();
        for v in &entries {
            out.parts(&parts(v, a.recorded));
        }
    }
    super::output::discard(entries);
    Ok(super::exit::OK)
}
