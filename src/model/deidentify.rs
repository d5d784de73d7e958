//! De-identification for research exports. Pure: the caller chooses the date
//! offset. What it removes is listed in [`REMOVED`] and in the man page of
//! `hrx export research`.

use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value, json};

/// How dates are made less identifying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dates {
    /// Every date moved by the same number of days (intervals survive).
    Shift(i64),
    /// Every date cut to its year.
    Year,
}

/// What a research export leaves out, for people.
pub const REMOVED: &[&str] = &[
    "names, identifiers, addresses, phone numbers and e-mail addresses of the patient, and the people to contact for the patient",
    "the patient's birth date (only the birth year is kept)",
    "entry ids (replaced by new random ones) and author names, organisations and fingerprints (only the author's country is kept)",
    "who the source says performed, recorded or reported an entry: names, organisations, roles and identifiers (only the role and the kind of party, e.g. patient or practitioner, are kept)",
    "the original FHIR resources, narratives and attached files",
    "free text (text, note, title, and the text of coded terms) unless --keep-text is given",
    "exact dates: shifted by one random number of days per export, or cut to the year",
];

const DROP_ALWAYS: &[&str] =
    &["id", "source", "narrative", "attachment", "identifiers", "address", "telecom", "name", "author", "contacts"];
const FREE_TEXT: &[&str] = &["text", "note", "title"];
const DATE_KEYS: &[&str] = &["effective", "recorded_at", "start", "end"];

fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn fix_date(v: &mut Value, dates: Dates) {
    match v {
        Value::String(s) => {
            *s = match (dates, date_of(s)) {
                (Dates::Shift(d), Some(day)) => (day + Duration::days(d)).format("%Y-%m-%d").to_string(),
                (Dates::Shift(_), None) => s.get(..4).unwrap_or("").to_string(), // a year or year-month: keep the year only
                (Dates::Year, _) => s.get(..4).unwrap_or("").to_string(),
            }
        }
        Value::Object(m) => m.values_mut().for_each(|x| fix_date(x, dates)),
        _ => {}
    }
}

fn strip_text(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in FREE_TEXT {
                m.remove(*k);
            }
            m.values_mut().for_each(strip_text);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_text),
        _ => {}
    }
}

/// A de-identified copy of an entry's record.
pub fn deidentify(record: &Value, dates: Dates, keep_text: bool) -> Value {
    let Value::Object(src) = record else { return Value::Null };
    let mut m: Map<String, Value> = src.clone();
    let country = m.get("author").and_then(|a| a.get("country")).cloned();
    let birth_year = m.get("birth_date").and_then(Value::as_str).and_then(|d| d.get(..4)).map(str::to_string);
    for k in DROP_ALWAYS {
        m.remove(*k);
    }
    m.remove("birth_date");
    if let Some(y) = birth_year {
        m.insert("birth_year".into(), Value::String(y));
    }
    if let Some(c) = country {
        m.insert("author_country".into(), c);
    }
    // What a modifier extension says may be anything (a name, a number):
    // that the source had one, and where, is kept.
    if let Some(Value::Array(a)) = m.get_mut("modifiers") {
        for x in a.iter_mut() {
            if let Value::Object(o) = x {
                o.remove("value");
            }
        }
    }
    // Whether the patient or a clinician entered it is kept; who they are is not.
    if let Some(Value::Array(a)) = m.get_mut("attributed") {
        for p in a.iter_mut() {
            *p = json!({"role": p["role"], "party": p["party"]});
        }
    }
    for k in DATE_KEYS {
        if let Some(v) = m.get_mut(*k) {
            fix_date(v, dates);
        }
    }
    let mut v = Value::Object(m);
    if !keep_text {
        strip_text(&mut v);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_identity_and_moves_dates() {
        let r = json!({
            "id": "01JD3Q6R9Z8X7W6V5T4S3R2Q1P", "kind": "patient", "category": "demographics",
            "recorded_at": "2026-03-01T09:00:00Z", "author": {"name": "Dr X", "country": "DE", "fingerprint": "A"},
            "name": {"family": "Weber"}, "birth_date": "1980-07-14", "telecom": [{"system": "phone", "value": "+49"}],
            "gender": "female", "note": "lives alone", "effective": {"start": "2020-02-03"}
        });
        let d = deidentify(&r, Dates::Shift(10), false);
        let s = d.to_string();
        for gone in ["Weber", "1980-07-14", "+49", "Dr X", "01JD3Q6R9Z8X7W6V5T4S3R2Q1P", "lives alone", "2026-03-01"] {
            assert!(!s.contains(gone), "{gone} in {s}");
        }
        assert_eq!(d["birth_year"], "1980");
        assert_eq!(d["author_country"], "DE");
        assert_eq!(d["recorded_at"], "2026-03-11");
        assert_eq!(d["effective"]["start"], "2020-02-13");
        assert_eq!(deidentify(&r, Dates::Year, true)["note"], "lives alone");
        assert_eq!(deidentify(&r, Dates::Year, true)["recorded_at"], "2026");
    }
}
