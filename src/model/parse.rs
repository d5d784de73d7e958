//! What people type for grants and times, parsed into the record's types:
//! one set of parsers for the CLI and the TUI.

use crate::error::{Error, Result};
use crate::model::Right;
use crate::model::statement::{AllWord, Scope};

/// Parses a `--categories` list.
pub fn scope(cats: &[String]) -> Result<Scope> {
    if cats.iter().any(|c| c == "all") {
        return Ok(Scope::All(AllWord::All));
    }
    if cats.is_empty() {
        return Err(Error::Usage("--categories is required (a list, or `all`)".into()));
    }
    Ok(Scope::Some(
        cats.iter()
            .map(|c| c.parse().map_err(|e: crate::model::category::UnknownCategory| Error::Usage(e.to_string())))
            .collect::<Result<_>>()?,
    ))
}

/// Parses a `--rights` list.
pub fn rights(rights: &[String]) -> Result<Vec<Right>> {
    let mut out = rights
        .iter()
        .map(|r| match r.as_str() {
            "read" => Ok(Right::Read),
            "write" => Ok(Right::Write),
            o => Err(Error::Usage(format!("--rights: unknown right {o:?}; use read, read,write or write"))),
        })
        .collect::<Result<Vec<_>>>()?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Parses a date or date-time given on the command line.
pub fn time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        .map_err(|_| Error::Usage(format!("{s:?} is not a date (YYYY-MM-DD) or RFC 3339 time")))
}
