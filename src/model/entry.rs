//! Entries: one health record each, as YAML inside an encrypted message.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Category, Fpr, Kind, schema};
use crate::id::Id;

/// Who wrote an entry. Filled in by hrx from the signing certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Certificate fingerprint of the signer.
    pub fingerprint: Fpr,
    /// Name from the certificate's user id.
    pub name: String,
    /// Organisation, if the author gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// ISO 3166-1 alpha-2 country code, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Fields hrx fills in itself; an input record must not set them.
pub const FILLED_BY_HRX: &[&str] = &["id", "kind", "author", "recorded_at"];

/// A validated entry: the full record as a JSON value, plus its header.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The entry id (also its file name).
    pub id: Id,
    /// Its kind.
    pub kind: Kind,
    /// Its category (also its directory).
    pub category: Category,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it.
    pub author: Author,
    /// The whole record, header included.
    pub record: Value,
}

/// Why a record is not a valid entry.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Invalid {
    /// Not YAML at all.
    #[error("not valid YAML: {0}")]
    Yaml(String),
    /// YAML, but not a mapping.
    #[error("a record must be a YAML mapping of field names to values")]
    NotMapping,
    /// The input set a field hrx fills in.
    #[error("field `{0}` is set by hrx; remove it from the input")]
    Reserved(String),
    /// The category is unknown.
    #[error("field `category`: {0}")]
    Category(String),
    /// Schema violations, listed on one line.
    #[error("{} does not match records-schema/{}.schema.yaml: {}", .kind, .kind, .problems.join("; "))]
    Schema {
        /// The kind checked against.
        kind: Kind,
        /// What is wrong, with the field's path and the rule.
        problems: Vec<String>,
    },
    /// A stored entry's header does not parse.
    #[error("stored entry is malformed: {0}")]
    Stored(String),
    /// Written as it is, no reader would open it (see `yaml::check`).
    #[error(
        "the entry as YAML would not be read back ({0}): a line of its text indented that deep, or that many brackets, is refused by every reader"
    )]
    Unreadable(String),
    /// Larger than any reader will open.
    #[error("the entry is {0} bytes as YAML; an entry holds at most {max} bytes (48 MiB): keep a large file elsewhere and give its url", max = MAX_ENTRY_YAML)]
    TooLarge(usize),
}

/// Refuses a record no reader would open (see [`MAX_ENTRY_YAML`]): it
/// would be written, encrypted and committed, and then never read.
fn check_size(record: &Value) -> Result<(), Invalid> {
    let yaml = serde_yaml_ng::to_string(record).map_err(|e| Invalid::Yaml(e.to_string()))?;
    if yaml.len() > MAX_ENTRY_YAML {
        return Err(Invalid::TooLarge(yaml.len()));
    }
    // What a reader checks before parsing (indentation, nesting) is
    // checked before writing: an entry no reader opens is never written.
    super::yaml::check(yaml.as_bytes(), MAX_ENTRY_YAML).map_err(Invalid::Unreadable)
}

/// Statuses that change what an entry says (it did not happen, is wrong,
/// or was ruled out): shown with its summary, never only in the details.
const MEANING_STATUSES: &[&str] = &["refuted", "entered-in-error", "not-done", "not-taken", "stopped", "cancelled"];

/// Fields an import never leaves out to make a record fit: those hrx
/// fills in, and where it came from.
const HEADER: &[&str] = &["id", "kind", "category", "recorded_at", "author", "language", "source"];

/// The record of an entry of `kind` from user input `input`: the input
/// checked (a mapping, no field hrx fills in, a known category) and the
/// header fields filled in; not yet validated. Returns its category too.
fn assemble(
    kind: Kind,
    input: Value,
    id: Id,
    author: &Author,
    recorded_at: DateTime<Utc>,
) -> Result<(Category, Value), Invalid> {
    let Value::Object(mut body) = input else {
        return Err(Invalid::NotMapping);
    };
    // A coded term's display written as plain text is in the entry's
    // language: what one writes by hand, or on the command line.
    let lang = body.get("language").and_then(Value::as_str).unwrap_or("en").to_string();
    body.values_mut().for_each(|v| displays_by_language(v, &lang));
    // A year written by hand is a YAML number (`effective: 2019`).
    if let Some(e) = body.get_mut("effective") {
        let year = |v: &mut Value| {
            if let Some(y) = v.as_u64().filter(|y| (1000..=9999).contains(y)) {
                *v = Value::String(y.to_string());
            }
        };
        year(e);
        if let Value::Object(p) = e {
            p.values_mut().for_each(year);
        }
    }
    if let Some(f) = FILLED_BY_HRX.iter().find(|f| body.contains_key(**f)) {
        return Err(Invalid::Reserved(f.to_string()));
    }
    let category = match body.get("category") {
        None => kind.default_category(),
        Some(Value::String(s)) => {
            s.parse().map_err(|e: super::category::UnknownCategory| Invalid::Category(e.to_string()))?
        }
        Some(_) => return Err(Invalid::Category("must be a category name".into())),
    };
    let mut record = Map::new();
    record.insert("id".into(), Value::String(id.to_string()));
    record.insert("kind".into(), Value::String(kind.name().into()));
    record.insert("category".into(), Value::String(category.to_string()));
    record.insert("recorded_at".into(), Value::String(recorded_at.to_rfc3339()));
    record.insert("author".into(), serde_json::to_value(author).expect("author serialises"));
    for (k, v) in body {
        if k != "category" {
            record.insert(k, v);
        }
    }
    Ok((category, Value::Object(record)))
}

/// Turns `display: TEXT` of every coded term (a mapping with a `code` or
/// `coding`) into `display: {LANG: TEXT}`.
fn displays_by_language(v: &mut Value, lang: &str) {
    match v {
        Value::Object(m) => {
            if (m.contains_key("code") || m.contains_key("system"))
                && let Some(Value::String(text)) = m.get("display")
            {
                let text = text.clone();
                m.insert("display".into(), serde_json::json!({ lang: text }));
            }
            m.values_mut().for_each(|x| displays_by_language(x, lang));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| displays_by_language(x, lang)),
        _ => {}
    }
}

/// The schema checks a date's shape; whether the day exists (and a period
/// runs forwards) is checked here.
fn check_dates(kind: Kind, record: &Value) -> Result<(), Invalid> {
    for (field, v) in clinical_fields(record) {
        if let Err(e) = super::ClinicalTime::parse(v) {
            return Err(Invalid::Schema { kind, problems: vec![format!("field {field}: {e}")] });
        }
    }
    Ok(())
}

/// Removes what is at `place` (pointer tokens) in `v`, returning it.
fn remove_at(v: &mut Value, place: &[String]) -> Option<Value> {
    let (last, parents) = place.split_last()?;
    let mut at = v;
    for t in parents {
        at = match at {
            Value::Object(m) => m.get_mut(t)?,
            Value::Array(a) => a.get_mut(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match at {
        Value::Object(m) => m.remove(last),
        Value::Array(a) => {
            let i = last.parse::<usize>().ok()?;
            (i < a.len()).then(|| a.remove(i))
        }
        _ => None,
    }
}

/// The fields of `record` that say when what it records happened, first
/// the one that counts.
fn clinical_fields(record: &Value) -> Vec<(&'static str, &Value)> {
    let mut out = vec![];
    if let Some(v) = record.get("effective") {
        out.push(("effective", v));
    }
    if let Some(v) = record.get("encounter").and_then(|e| e.get("period")) {
        out.push(("encounter.period", v));
    }
    out
}

/// The largest entry document accepted (attachments are base64 inside).
pub const MAX_ENTRY_YAML: usize = 48 << 20;

/// Parses YAML input into a JSON value (YAML 1.2: dates stay strings).
pub fn parse_yaml(text: &str) -> Result<Value, Invalid> {
    super::yaml::check(text.as_bytes(), MAX_ENTRY_YAML).map_err(Invalid::Yaml)?;
    serde_yaml_ng::from_str::<Value>(text).map_err(|e| Invalid::Yaml(e.to_string()))
}

/// Who entered what an entry records, as far as the record can tell: the
/// source's attribution (who recorded, asserted, reported or wrote it) if
/// it has one, else whose key signed it in. Patient-entered data stays
/// distinguishable from a clinician's (the EU's EHDS requires it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnteredBy {
    /// The patient.
    Patient,
    /// A relative or other person close to the patient (FHIR RelatedPerson).
    RelatedPerson,
    /// A delegate the patient appointed (signed with the delegate's key).
    Delegate,
    /// A practitioner or organisation.
    Clinician,
}

/// One attributed party as a line of text: "Dr A (practitioner, Clinic;
/// GP)".
pub fn party_text(a: &Value) -> String {
    let party = a["party"].as_str().unwrap_or("other").replace('-', " ");
    let mut details = vec![party.clone()];
    if let Some(o) = a["organization"].as_str() {
        details.push(o.to_string());
    }
    let mut text = match a["name"].as_str() {
        Some(n) => format!("{n} ({})", details.join(", ")),
        None if party == "patient" => "the patient".to_string(),
        None => format!("({})", details.join(", ")),
    };
    if let Some(q) = a.get("qualification").and_then(|q| display_of(q, None)) {
        text.insert_str(text.len() - usize::from(text.ends_with(')')), &format!("; {q}"));
    }
    text
}

impl EnteredBy {
    /// How `show` says it.
    pub fn describe(self) -> &'static str {
        match self {
            EnteredBy::Patient => "the patient",
            EnteredBy::RelatedPerson => "a person close to the patient",
            EnteredBy::Delegate => "the patient's delegate",
            EnteredBy::Clinician => "a clinician",
        }
    }
}

impl Entry {
    /// Who entered it (see [`EnteredBy`]); `signer` is how the record knows
    /// the key that signed it in.
    pub fn entered_by(&self, signer: EnteredBy) -> EnteredBy {
        let attributed = self.record.get("attributed").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        // Who entered it, before who performed it (a patient may record a
        // vaccination a nurse gave).
        for role in ["recorder", "informant", "asserter", "author"] {
            if let Some(p) = attributed.iter().find(|a| a["role"] == role) {
                return match p["party"].as_str() {
                    Some("patient") => EnteredBy::Patient,
                    Some("related-person") => EnteredBy::RelatedPerson,
                    _ => EnteredBy::Clinician,
                };
            }
        }
        if attributed.iter().any(|a| matches!(a["party"].as_str(), Some("practitioner" | "organization"))) {
            return EnteredBy::Clinician;
        }
        signer
    }

    /// Makes a new entry from user input: checks the input, fills in the
    /// header fields, and validates the whole record against its schema.
    pub fn new(kind: Kind, input: Value, id: Id, author: Author, recorded_at: DateTime<Utc>) -> Result<Entry, Invalid> {
        let (category, record) = assemble(kind, input, id, &author, recorded_at)?;
        schema::validate(kind, &record).map_err(|problems| Invalid::Schema { kind, problems })?;
        check_dates(kind, &record)?;
        check_size(&record)?;
        Ok(Entry { id, kind, category, recorded_at, author, record })
    }

    /// [`Entry::new`] for data from elsewhere (an import): a field that
    /// does not fit its schema (a value outside a code list, a wrong type)
    /// is left out rather than losing the whole record, as long as what
    /// remains is valid (what the kind requires stays required). What was
    /// left out is said in `source.left_out` and returned; the source's
    /// original, kept in `source`, still has all of it.
    pub fn new_fitted(
        kind: Kind,
        input: Value,
        id: Id,
        author: Author,
        recorded_at: DateTime<Utc>,
    ) -> Result<(Entry, Vec<String>), Invalid> {
        let mut input = input;
        let mut left_out: Vec<String> = vec![];
        loop {
            let (category, record) = assemble(kind, input.clone(), id, &author, recorded_at)?;
            let problems = schema::problem_places(kind, &record);
            if problems.is_empty() {
                check_dates(kind, &record)?;
                match check_size(&record) {
                    Ok(()) => return Ok((Entry { id, kind, category, recorded_at, author, record }, left_out)),
                    // Too large to open: the source's copy goes first (the
                    // source has it), then an inline file (it may have a url).
                    Err(e) => {
                        let too_large = matches!(e, Invalid::TooLarge(_));
                        let place = if input.pointer("/source/original").is_some() {
                            vec!["source".to_string(), "original".to_string()]
                        } else if input.pointer("/source/related").is_some() {
                            vec!["source".to_string(), "related".to_string()]
                        } else if too_large && input.pointer("/attachment/data").is_some() {
                            vec!["attachment".to_string(), "data".to_string()]
                        } else {
                            return Err(e);
                        };
                        let bytes = remove_at(&mut input, &place).map(|v| v.to_string().len()).unwrap_or(0);
                        left_out.push(match place[1].as_str() {
                            "data" => format!(
                                "attachment.data: the file ({bytes} bytes as base64) is more than an entry holds; the source has it"
                            ),
                            _ if !too_large => format!(
                                "source.{}: the resource as received ({bytes} bytes) is not kept: as YAML it would not be read back ({e})",
                                place[1]
                            ),
                            _ => format!(
                                "source.{}: the resource as received ({bytes} bytes) is not kept as well: with the rest it is more than an entry holds",
                                place[1]
                            ),
                        });
                        if let Some(a) = input.get_mut("attachment").and_then(Value::as_object_mut) {
                            a.remove("size");
                            a.remove("sha256");
                        }
                        if let Some(Value::Object(src)) = input.get_mut("source") {
                            src.insert(
                                "left_out".into(),
                                Value::Array(left_out.iter().map(|l| Value::String(l.clone())).collect()),
                            );
                        }
                        continue;
                    }
                }
            }
            // Problems in the header or the source, or in the record as a
            // whole (a required field missing), cannot be fitted: the
            // record is refused as `new` refuses it.
            let mut places: Vec<(Vec<String>, String)> = problems
                .into_iter()
                .filter(|(p, _)| p.first().is_some_and(|f| !HEADER.contains(&f.as_str())))
                .collect();
            if places.is_empty() || left_out.len() >= 32 {
                return Entry::new(kind, input, id, author, recorded_at).map(|e| (e, left_out));
            }
            // Deepest and last first, so that removing one does not move
            // another (array elements shift).
            // Array indices compare as numbers ("10" after "2").
            let key = |p: &[String]| -> Vec<(u8, usize, String)> {
                p.iter()
                    .map(|t| match t.parse::<usize>() {
                        Ok(n) => (0, n, String::new()),
                        Err(_) => (1, 0, t.clone()),
                    })
                    .collect()
            };
            places.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| key(&b.0).cmp(&key(&a.0))));
            places.dedup_by(|a, b| a.0 == b.0);
            let mut removed = false;
            for (place, why) in places {
                if let Some(v) = remove_at(&mut input, &place) {
                    let shown: String = v.to_string().chars().take(60).collect();
                    left_out.push(format!("{}: {shown} ({why})", place.join(".")));
                    removed = true;
                }
            }
            if !removed {
                return Entry::new(kind, input, id, author, recorded_at).map(|e| (e, left_out));
            }
            if let Some(Value::Object(src)) = input.get_mut("source") {
                src.insert(
                    "left_out".into(),
                    Value::Array(left_out.iter().map(|l| Value::String(l.clone())).collect()),
                );
            }
        }
    }

    /// Reads a stored (decrypted) entry back.
    pub fn from_yaml(text: &str) -> Result<Entry, Invalid> {
        Entry::from_record(parse_yaml(text)?)
    }

    /// A stored entry from its record (as [`Entry::from_yaml`] read it):
    /// the header fields taken out.
    pub fn from_record(record: Value) -> Result<Entry, Invalid> {
        #[derive(Deserialize)]
        struct Header {
            id: Id,
            kind: String,
            category: Category,
            recorded_at: DateTime<Utc>,
            author: Author,
        }
        let h = Header::deserialize(&record).map_err(|e| Invalid::Stored(e.to_string()))?;
        let kind = h.kind.parse().map_err(|e: super::kind::UnknownKind| Invalid::Stored(e.to_string()))?;
        Ok(Entry { id: h.id, kind, category: h.category, recorded_at: h.recorded_at, author: h.author, record })
    }

    /// When what it records happened, if it says (its `effective`, or a
    /// note's encounter period); not the time it was recorded.
    pub fn clinical_time(&self) -> Option<super::ClinicalTime> {
        clinical_fields(&self.record).into_iter().find_map(|(_, v)| super::ClinicalTime::parse(v).ok())
    }

    /// The record as YAML, for encryption and display.
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(&self.record).expect("records serialise")
    }

    /// A one-line summary for listings, in `lang` where the record has it,
    /// with what the source's modifier extensions say (they may change its
    /// meaning).
    pub fn summary(&self, lang: Option<&str>) -> String {
        let s = self.what(lang);
        let mods: Vec<String> = self
            .record
            .get("modifiers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|m| {
                let url = m.get("url").and_then(Value::as_str).unwrap_or("");
                let name = url.rsplit('/').next().unwrap_or(url);
                // A coded or worded value says what it means; a flag or a
                // number only next to the extension's name.
                match m.get("value").and_then(Value::as_str) {
                    Some(v) if v.parse::<f64>().is_err() && v != "true" && v != "false" => v.to_string(),
                    Some(v) => format!("{name}: {v}"),
                    None => name.to_string(),
                }
            })
            .collect();
        let mut s = if mods.is_empty() { s } else { format!("{s} [MODIFIED BY SOURCE: {}]", mods.join("; ")) };
        // A status that changes what the entry means is said, and so is one
        // the import could not keep (the original has it).
        for field in ["verification_status", "status"] {
            if let Some(v) = self.record.get(field).and_then(Value::as_str)
                && MEANING_STATUSES.contains(&v)
            {
                s.push_str(&format!(" [{}]", v.replace('-', " ").to_uppercase()));
            }
        }
        let lost: Vec<&str> = self
            .record
            .get("source")
            .and_then(|x| x.get("left_out"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|l| l.split(':').next().is_some_and(|f| f.contains("status") || f.contains("criticality")))
            .collect();
        for l in lost {
            let (field, rest) = l.split_once(": ").unwrap_or((l, ""));
            let value = rest.split(" (").next().unwrap_or(rest);
            s.push_str(&format!(" [SOURCE {field} {value} NOT KEPT]"));
        }
        s
    }

    /// What the entry is about, in one line.
    fn what(&self, lang: Option<&str>) -> String {
        let r = &self.record;
        if let Some(t) = r.get("title").and_then(Value::as_str) {
            return t.to_string();
        }
        for field in ["code", "substance", "medication", "vaccine", "device_type", "directive"] {
            if let Some(c) = r.get(field)
                && let Some(d) = display_of(c, lang)
            {
                let mut s = d;
                if let Some(v) = r.get("value") {
                    s.push_str(&format!(": {}", value_text(v)));
                }
                return s;
            }
        }
        if let Some(t) = r.get("text").and_then(Value::as_str) {
            return t.lines().next().unwrap_or("").chars().take(80).collect();
        }
        if let Some(n) = r.get("name").and_then(|n| n.get("family")).and_then(Value::as_str) {
            return n.to_string();
        }
        self.kind.to_string()
    }
}

/// The display of a coded term (or of a concept with `text`), in `lang`,
/// else English, else whatever language the record has.
pub fn display_of(term: &Value, lang: Option<&str>) -> Option<String> {
    if let Some(t) = term.get("text").and_then(Value::as_str) {
        return Some(t.to_string());
    }
    if let Some(codings) = term.get("coding").and_then(Value::as_array) {
        return codings.iter().find_map(|c| display_of(c, lang));
    }
    match term.get("display")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => lang
            .and_then(|l| m.get(l))
            .or_else(|| m.get("en"))
            .or_else(|| m.values().next())
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    }
}

/// One line of an entry as a clinician reads it: what, its value, and
/// whether it is an alert (a high criticality, an entry in error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The field, in words.
    pub label: String,
    /// Its value, coded terms with their system and code.
    pub value: String,
    /// Whether it is to be seen first.
    pub alert: bool,
}

/// The fields of a record in the order a clinician reads them: what
/// matters first (criticality, status), then the coded terms (each with
/// its display in `lang` and its system and code), values and doses,
/// dates, free text, and the rest; who wrote it, its source and its
/// attachment are shown elsewhere.
pub fn reading(record: &Value, lang: Option<&str>) -> Vec<Reading> {
    const ORDER: &[&str] = &[
        "criticality",
        "clinical_status",
        "verification_status",
        "status",
        "severity",
        "type",
        "code",
        "substance",
        "medication",
        "vaccine",
        "device_type",
        "directive",
        "decision",
        "value",
        "interpretation",
        "reference_range",
        "dosage",
        "strength",
        "dose_form",
        "dose_number",
        "body_site",
        "reactions",
        "target_disease",
        "outcome",
        "onset",
        "abatement",
        "effective",
        "date",
        "birth_date",
        "title",
        "text",
    ];
    const ELSEWHERE: &[&str] = &[
        "id",
        "kind",
        "category",
        "author",
        "attributed",
        "source",
        "attachment",
        "language",
        "recorded_at",
        "narrative",
        "classification",
    ];
    let Some(m) = record.as_object() else { return vec![] };
    let rest = m.keys().filter(|k| !ORDER.contains(&k.as_str()) && !ELSEWHERE.contains(&k.as_str()));
    let keys: Vec<&str> =
        ORDER.iter().copied().filter(|k| m.contains_key(*k)).chain(rest.map(String::as_str)).collect();
    keys.into_iter()
        .filter_map(|k| {
            let v = &m[k];
            let value = term_text(v, lang);
            if value.is_empty() {
                return None;
            }
            let alert = (k == "criticality" && value == "high")
                || (k.ends_with("status") && value == "entered-in-error")
                || (k == "verification_status" && value == "refuted");
            Some(Reading { label: k.replace('_', " "), value, alert })
        })
        .collect()
}

/// A coding system's name as clinicians know it.
fn system_name(system: &str) -> &str {
    match system {
        "snomed" | "http://snomed.info/sct" => "SNOMED CT",
        "loinc" | "http://loinc.org" => "LOINC",
        "atc" | "http://www.whocc.no/atc" => "ATC",
        "icd10" | "icd-10" | "http://hl7.org/fhir/sid/icd-10" => "ICD-10",
        "ucum" | "http://unitsofmeasure.org" => "UCUM",
        other => other,
    }
}

/// Any value of a record as one line: a coded term as its display and
/// `[SYSTEM CODE]`, a quantity with its unit, a list joined by `; `.
fn term_text(v: &Value, lang: Option<&str>) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            items.iter().map(|x| term_text(x, lang)).filter(|t| !t.is_empty()).collect::<Vec<_>>().join("; ")
        }
        Value::Object(m) if m.contains_key("code") && m.contains_key("system") => {
            let code = m["code"].as_str().map(str::to_string).unwrap_or_else(|| m["code"].to_string());
            let system = system_name(m["system"].as_str().unwrap_or(""));
            match display_of(v, lang) {
                Some(d) => format!("{d} [{system} {code}]"),
                None => format!("[{system} {code}]"),
            }
        }
        Value::Object(m) if m.contains_key("value") && !m.contains_key("system") => value_text(v),
        Value::Object(m) => {
            if let Some(d) = display_of(v, lang) {
                return d;
            }
            m.iter()
                .map(|(k, x)| (k, term_text(x, lang)))
                .filter(|(_, t)| !t.is_empty())
                .map(|(k, t)| format!("{}: {t}", k.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", ")
        }
        other => other.to_string(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let q = m.get("value").map(|x| x.to_string()).unwrap_or_default();
            let u = m.get("unit").and_then(Value::as_str).unwrap_or("");
            format!("{q} {u}").trim().to_string()
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_allergy_reads_criticality_first_and_its_terms_with_their_codes() {
        let r = serde_json::json!({
            "kind": "allergy", "id": "x", "category": "allergy",
            "substance": {"code": "764146007", "system": "snomed", "display": {"en": "Penicillin", "es": "Penicilina"}},
            "clinical_status": "active", "criticality": "high",
            "reactions": [{"manifestation": {"code": "271807003", "system": "http://snomed.info/sct", "display": {"en": "Rash"}}}],
            "onset": "2019-04"
        });
        let lines = reading(&r, Some("es"));
        let at = |l: &str| lines.iter().position(|x| x.label == l).unwrap_or_else(|| panic!("{l} in {lines:?}"));
        assert_eq!(lines[0], Reading { label: "criticality".into(), value: "high".into(), alert: true });
        assert!(at("clinical status") < at("substance") && at("substance") < at("onset"));
        assert_eq!(lines[at("substance")].value, "Penicilina [SNOMED CT 764146007]");
        assert_eq!(lines[at("reactions")].value, "manifestation: Rash [SNOMED CT 271807003]");
        assert!(!lines.iter().any(|l| l.label == "id" || l.label == "kind"), "shown elsewhere");
    }

    fn author() -> Author {
        Author { fingerprint: "A".repeat(40), name: "Dr Klein".into(), organisation: None, country: Some("DE".into()) }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn imports_leave_out_what_does_not_fit_but_never_what_is_required() {
        let id = Id::from_parts(now(), [1; 10]);
        let input = serde_json::json!({
            "substance": {"text": "Penicillin"},
            "criticality": "very",
            "reactions": [{"manifestation": {"text": "hives"}, "severity": "low"}, {"manifestation": {"text": "rash"}}],
            "source": {"system": "fhir", "reference": "AllergyIntolerance/a1", "original": "{}"}
        });
        let (e, left) = Entry::new_fitted(Kind::Allergy, input, id, author(), now()).unwrap();
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(e.record.get("criticality").is_none());
        assert_eq!(e.record["reactions"][1]["manifestation"]["text"], "rash");
        assert_eq!(e.record["source"]["left_out"].as_array().unwrap().len(), 2);
        // Elements of long arrays: index 10 is after index 2 (a text order
        // would remove the wrong ones).
        let reactions: Vec<Value> = (0..12)
            .map(|i| {
                let mut r = serde_json::json!({"manifestation": {"text": format!("r{i}")}});
                if i == 2 || i == 10 {
                    r["bogus"] = true.into();
                }
                r
            })
            .collect();
        let input = serde_json::json!({"substance": {"text": "Penicillin"}, "reactions": reactions});
        let (e, left) = Entry::new_fitted(Kind::Allergy, input, id, author(), now()).unwrap();
        let kept: Vec<&str> = e.record["reactions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["manifestation"]["text"].as_str().unwrap())
            .collect();
        assert_eq!(kept, ["r0", "r1", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r11"], "{left:?}");
        // What the kind requires is never left out: the record stays invalid.
        let input = serde_json::json!({"substance": 42});
        assert!(matches!(Entry::new_fitted(Kind::Allergy, input, id, author(), now()), Err(Invalid::Schema { .. })));
    }

    #[test]
    fn fills_header_and_round_trips() {
        let id = Id::from_parts(now(), [1; 10]);
        let input = parse_yaml("text: Patient reports headache.\ntitle: Visit\n").unwrap();
        let e = Entry::new(Kind::Note, input, id, author(), now()).unwrap();
        assert_eq!(e.category.as_str(), "general");
        let back = Entry::from_yaml(&e.to_yaml()).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.summary(None), "Visit");
    }

    #[test]
    fn reserved_fields_and_bad_categories_are_refused() {
        let id = Id::from_parts(now(), [1; 10]);
        let input = parse_yaml("text: x\nid: 01JD3Q6R9Z8X7W6V5T4S3R2Q1P\n").unwrap();
        assert_eq!(Entry::new(Kind::Note, input, id, author(), now()), Err(Invalid::Reserved("id".into())));
        let input = parse_yaml("text: x\ncategory: gossip\n").unwrap();
        assert!(matches!(Entry::new(Kind::Note, input, id, author(), now()), Err(Invalid::Category(_))));
    }

    #[test]
    fn display_prefers_the_asked_language() {
        let term = parse_yaml(
            "system: snomed\ncode: '91936005'\ndisplay: {en: Penicillin allergy, es: Alergia a la penicilina}",
        )
        .unwrap();
        assert_eq!(display_of(&term, Some("es")).unwrap(), "Alergia a la penicilina");
        assert_eq!(display_of(&term, Some("fr")).unwrap(), "Penicillin allergy");
    }
}
