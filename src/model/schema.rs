//! Validation of records against `records-schema/` (JSON Schema 2020-12
//! written in YAML). The schemas are compiled into the binary so that what
//! hrx checks is exactly what the project ships.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::Kind;

const COMMON: &str = include_str!("../../records-schema/common.schema.yaml");

/// The schema source of each kind, as shipped in `records-schema/`.
pub fn source(kind: Kind) -> &'static str {
    match kind {
        Kind::Patient => include_str!("../../records-schema/patient.schema.yaml"),
        Kind::Note => include_str!("../../records-schema/note.schema.yaml"),
        Kind::Allergy => include_str!("../../records-schema/allergy.schema.yaml"),
        Kind::Condition => include_str!("../../records-schema/condition.schema.yaml"),
        Kind::Medication => include_str!("../../records-schema/medication.schema.yaml"),
        Kind::Immunization => include_str!("../../records-schema/immunization.schema.yaml"),
        Kind::Observation => include_str!("../../records-schema/observation.schema.yaml"),
        Kind::Procedure => include_str!("../../records-schema/procedure.schema.yaml"),
        Kind::Document => include_str!("../../records-schema/document.schema.yaml"),
        Kind::Device => include_str!("../../records-schema/device.schema.yaml"),
        Kind::AdvanceDirective => {
            include_str!("../../records-schema/advance-directive.schema.yaml")
        }
    }
}

const COMMON_REF: &str = "common.schema.yaml#/$defs/";

/// One field of a kind, as `hrx schema KIND` lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its shape: a type, a definition of `common.schema.yaml` (concept,
    /// date, quantity, ...), or the values it may take.
    pub shape: String,
    /// Whether a record of the kind must have it.
    pub required: bool,
    /// Whether hrx fills it in (never given by the writer).
    pub filled_in: bool,
    /// What it is.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

/// The fields of `kind`: its own, then those every kind may carry (the
/// header), marking those hrx fills in.
pub fn fields(kind: Kind) -> Vec<Field> {
    let common: Value = serde_yaml_ng::from_str(COMMON).expect("common schema is valid YAML");
    let own: Value = serde_yaml_ng::from_str(source(kind)).expect("kind schema is valid YAML");
    let shape = |v: &Value| -> String {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            return r.rsplit('/').next().unwrap_or(r).to_string();
        }
        if let Some(e) = v.get("enum").and_then(Value::as_array) {
            return format!("one of {}", e.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "));
        }
        if let Some(alts) = v.get("oneOf").or_else(|| v.get("anyOf")).and_then(Value::as_array) {
            let names: Vec<String> = alts
                .iter()
                .map(|a| {
                    a.get("$ref")
                        .and_then(Value::as_str)
                        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
                        .or_else(|| a.get("type").and_then(Value::as_str).map(str::to_string))
                        .unwrap_or_else(|| "?".into())
                })
                .collect();
            return names.join(" or ");
        }
        match v.get("type").and_then(Value::as_str) {
            Some("array") => {
                let items = v.get("items").map(|i| {
                    i.get("$ref")
                        .and_then(Value::as_str)
                        .map(|r| r.rsplit('/').next().unwrap_or(r).to_string())
                        .or_else(|| {
                            i.get("properties")
                                .and_then(Value::as_object)
                                .map(|p| format!("{{{}}}", p.keys().cloned().collect::<Vec<_>>().join(", ")))
                        })
                        .or_else(|| i.get("type").and_then(Value::as_str).map(str::to_string))
                        .unwrap_or_else(|| "?".into())
                });
                format!("list of {}", items.unwrap_or_else(|| "?".into()))
            }
            Some("object") => match v.get("properties").and_then(Value::as_object) {
                Some(p) => format!("mapping of {}", p.keys().cloned().collect::<Vec<_>>().join(", ")),
                None => "mapping".into(),
            },
            Some(t) => t.to_string(),
            None => "any".into(),
        }
    };
    let required = |s: &Value| -> Vec<String> {
        s.get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let describe = |v: &Value| v.get("description").and_then(Value::as_str).unwrap_or("").trim().replace('\n', " ");
    let mut out = vec![];
    let own_required = required(&own);
    for (name, v) in own.get("properties").and_then(Value::as_object).into_iter().flatten() {
        out.push(Field {
            name: name.clone(),
            shape: shape(v),
            required: own_required.contains(name),
            filled_in: false,
            description: describe(v),
        });
    }
    let header = &common["$defs"]["header"];
    let filled = super::entry::FILLED_BY_HRX;
    for (name, v) in header.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let filled_in = filled.contains(&name.as_str());
        out.push(Field {
            name: name.clone(),
            shape: shape(v),
            // A category defaults to the kind's.
            required: !filled_in && name != "category" && required(header).contains(name),
            filled_in,
            description: describe(v),
        });
    }
    out
}

/// Makes one self-contained schema: the kind's schema with the common
/// definitions copied into its `$defs` and file references made local.
/// (Other tools can resolve the relative references themselves.)
fn self_contained(kind: Kind) -> Value {
    let common: Value = serde_yaml_ng::from_str(COMMON).expect("common schema is valid YAML");
    let mut schema: Value = serde_yaml_ng::from_str(source(kind)).expect("kind schema is valid YAML");
    fn localise(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "$ref" {
                        if let Value::String(s) = x
                            && let Some(rest) = s.strip_prefix(COMMON_REF)
                        {
                            *s = format!("#/$defs/{rest}");
                        }
                    } else {
                        localise(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(localise),
            _ => {}
        }
    }
    localise(&mut schema);
    let defs = common["$defs"].as_object().cloned().unwrap_or_default();
    let obj = schema.as_object_mut().expect("schema is a mapping");
    obj.remove("$id");
    let target = obj.entry("$defs").or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(t) = target {
        t.extend(defs);
    }
    schema
}

/// The compiled schema of `kind`, compiled on first use: a command that
/// writes one note need not compile every kind's.
fn validator(kind: Kind) -> &'static jsonschema::Validator {
    static V: OnceLock<HashMap<Kind, OnceLock<jsonschema::Validator>>> = OnceLock::new();
    let cells = V.get_or_init(|| Kind::ALL.iter().map(|&k| (k, OnceLock::new())).collect());
    cells[&kind].get_or_init(|| {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&self_contained(kind))
            .unwrap_or_else(|e| panic!("records-schema/{kind}.schema.yaml does not compile: {e}"))
    })
}

/// Validates `record` against the schema of `kind`. On failure, one line per
/// problem naming the field (as a path) and the rule it breaks.
pub fn validate(kind: Kind, record: &Value) -> Result<(), Vec<String>> {
    let v = validator(kind);
    let shapes: HashMap<String, String> = fields(kind).into_iter().map(|f| (f.name, f.shape)).collect();
    let mut problems: Vec<String> = v
        .iter_errors(record)
        .map(|e| {
            let path = e.instance_path().to_string();
            let field =
                if path.is_empty() { "(record)".to_string() } else { path.trim_start_matches('/').replace('/', ".") };
            let rule = e.schema_path().to_string();
            let rule = rule.rsplit('/').next().unwrap_or("").to_string();
            // A value of the wrong shape: say the shape the field takes.
            let top = field.split('.').next().unwrap_or("");
            let expected = match shapes.get(top) {
                Some(shape)
                    if matches!(rule.as_str(), "type" | "required" | "additionalProperties" | "oneOf" | "anyOf") =>
                {
                    format!("; `{top}` takes {}", shape_for_people(shape))
                }
                _ => String::new(),
            };
            format!("field `{field}`: {e} (rule: {rule}){expected}")
        })
        .collect();
    problems.sort();
    problems.dedup();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// A field's shape (as [`fields`] gives it) said with an example, for an
/// error message.
fn shape_for_people(shape: &str) -> String {
    match shape {
        "concept" => "a coded term: {system: snomed, code: \"764146007\", display: Penicillin} (display: a text in the entry's language, or {en: ..., de: ...})".into(),
        "date" => "a date: YYYY, YYYY-MM or YYYY-MM-DD".into(),
        "period" => "a period: {start: YYYY-MM-DD, end: YYYY-MM-DD}".into(),
        "quantity" => "a quantity: {value: 6.1, unit: '%'} (a UCUM unit)".into(),
        other => other.to_string(),
    }
}

/// Where `record` breaks the schema of `kind`: each problem's place as
/// JSON pointer tokens (empty: the record as a whole) and what is wrong.
pub fn problem_places(kind: Kind, record: &Value) -> Vec<(Vec<String>, String)> {
    validator(kind)
        .iter_errors(record)
        .map(|e| {
            let path = e.instance_path().to_string();
            let tokens = path.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
            (tokens, e.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles() {
        for &k in Kind::ALL {
            validator(k);
        }
    }

    #[test]
    fn problems_name_field_and_rule() {
        let rec: Value = serde_yaml_ng::from_str(
            "id: 01JD3Q6R9Z8X7W6V5T4S3R2Q1P\nkind: observation\ncategory: results\nrecorded_at: '2026-11-24T10:00:00Z'\n\
             author: {fingerprint: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA, name: X}\ncode: {system: loinc, code: 2345-7}\nvalue: {value: high}\n",
        )
        .unwrap();
        let p = validate(Kind::Observation, &rec).unwrap_err();
        assert!(p.iter().any(|l| l.contains("`value")), "{p:?}");
        let rec2: Value = serde_yaml_ng::from_str(
            "id: 01JD3Q6R9Z8X7W6V5T4S3R2Q1P\nkind: note\ncategory: general\nrecorded_at: '2026-11-24T10:00:00Z'\n\
             author: {fingerprint: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA, name: X}\ntext: hi\ncolour: red\n",
        )
        .unwrap();
        let p = validate(Kind::Note, &rec2).unwrap_err();
        assert!(p.iter().any(|l| l.contains("colour") && l.contains("unevaluatedProperties")), "{p:?}");
    }
}
