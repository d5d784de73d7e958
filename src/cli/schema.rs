//! `hrx schema KIND`.

use super::output::Out;
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::model::schema::fields;

/// Arguments of `hrx schema`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Lists the fields a record of KIND has: its own first, then those every kind may carry. \
`required` fields must be given; `filled in` ones are hrx's (never give them). Shapes name the definitions of \
records-schema/common.schema.yaml: a concept is {system, code, display: {LANG: TEXT}} or {text} (a plain \
display is taken in the entry's language); a date is YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339. \
`hrx add KIND --example` prints a complete record to start from.")]
pub struct Args {
    /// Entry kind: patient, note, allergy, condition, medication, immunization,
    /// observation, procedure, document, device, advance-directive
    #[arg(value_parser = super::kinds())]
    pub kind: String,
}

/// Runs `hrx schema`.
pub fn run(a: &Args, out: &Out) -> Result<i32> {
    let kind: Kind = a.kind.parse().map_err(|e: crate::model::kind::UnknownKind| Error::Usage(e.to_string()))?;
    let fields = fields(kind);
    if out.json {
        out.json("schema", &serde_json::json!({ "kind": kind.name(), "fields": fields }));
        return Ok(super::exit::OK);
    }
    let width = fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
    out.line(&format!("{kind} (records-schema/{kind}.schema.yaml):"));
    for f in &fields {
        let mark = match (f.required, f.filled_in) {
            (_, true) => "filled in",
            (true, _) => "required",
            _ => "",
        };
        let desc = if f.description.is_empty() { String::new() } else { format!(" ({})", f.description) };
        out.line(&format!("  {:<width$}  {:<9}  {}{desc}", f.name, mark, f.shape));
    }
    Ok(super::exit::OK)
}
