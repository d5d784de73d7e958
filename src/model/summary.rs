//! The printable emergency summary (`hrx export summary`): one page for a
//! clinic with only a printer or a screen, readable at a glance by a doctor
//! who does not read the patient's language. Who the patient is as
//! recorded; allergies, the most critical first; active problems; current
//! medications with their dose; immunisations; advance directives;
//! emergency contacts; when it was made and what it leaves out. Section
//! titles and coded terms in the chosen language where hrx has them, and
//! every code shown, so that a term in another language can be looked up.
//!
//! No I/O: built from entries, drawn as text or HTML.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::fhir::export::concept_text;
use crate::fhir::i18n::translate;
use crate::model::{Entry, Kind};

/// One line of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What it is (a substance, a condition, a medication), in the language asked.
    pub text: String,
    /// More about it: criticality and reactions, dose, date.
    pub detail: Vec<String>,
    /// Its codes, as `SYSTEM code` (e.g. `SNOMED CT 91936005`).
    pub codes: Vec<String>,
    /// Whether it needs attention first (a high-criticality allergy).
    pub alert: bool,
}

/// A section: its title and items (none: "none recorded").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// Its title, in the language asked.
    pub title: String,
    /// What it holds.
    pub items: Vec<Item>,
}

/// The summary, ready to be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The language asked for.
    pub lang: String,
    /// Its title.
    pub title: String,
    /// Who the patient is: (label, value) in order.
    pub patient: Vec<(String, String)>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// What is left out: (label, how many).
    pub left_out: Vec<(String, usize)>,
    /// When it was made, and the line that says so.
    pub made: (DateTime<Utc>, String),
    /// What "none recorded" reads in the language asked.
    pub none: String,
}

/// Words of the summary not in the IPS table: English, German, French,
/// Spanish, Italian (as [`crate::fhir::i18n::LANGUAGES`]).
const WORDS: &[(&str, [&str; 5])] = &[
    ("title", ["Emergency summary", "Notfalldaten", "Résumé d'urgence", "Resumen de urgencia", "Sintesi di emergenza"]),
    ("name", ["Name", "Name", "Nom", "Nombre", "Nome"]),
    ("birth", ["Date of birth", "Geburtsdatum", "Date de naissance", "Fecha de nacimiento", "Data di nascita"]),
    ("gender", ["Gender", "Geschlecht", "Sexe", "Sexo", "Sesso"]),
    ("female", ["female", "weiblich", "féminin", "femenino", "femminile"]),
    ("male", ["male", "männlich", "masculin", "masculino", "maschile"]),
    ("other", ["other", "divers", "autre", "otro", "altro"]),
    ("unknown", ["unknown", "unbekannt", "inconnu", "desconocido", "sconosciuto"]),
    ("ids", ["Identifiers", "Kennungen", "Identifiants", "Identificadores", "Identificativi"]),
    ("languages", ["Languages", "Sprachen", "Langues", "Idiomas", "Lingue"]),
    ("blood", ["Blood group", "Blutgruppe", "Groupe sanguin", "Grupo sanguíneo", "Gruppo sanguigno"]),
    ("problems", ["Active problems", "Aktive Probleme", "Problèmes actifs", "Problemas activos", "Problemi attivi"]),
    (
        "medications",
        ["Current medications", "Aktuelle Medikation", "Traitements en cours", "Medicación actual", "Terapia in corso"],
    ),
    (
        "contacts",
        [
            "Emergency contacts",
            "Notfallkontakte",
            "Contacts d'urgence",
            "Contactos de emergencia",
            "Contatti di emergenza",
        ],
    ),
    ("none", ["none recorded", "keine erfasst", "aucun enregistré", "ninguno registrado", "nessuno registrato"]),
    ("since", ["since", "seit", "depuis", "desde", "dal"]),
    ("permit", ["consents", "willigt ein", "consent", "consiente", "acconsente"]),
    ("deny", ["refuses", "lehnt ab", "refuse", "rechaza", "rifiuta"]),
    ("reaction", ["reaction", "Reaktion", "réaction", "reacción", "reazione"]),
    ("dose", ["dose", "Dosis", "dose", "dosis", "dose"]),
    ("made", ["Made on", "Erstellt am", "Établi le", "Elaborado el", "Redatto il"]),
    (
        "from",
        [
            "from the patient's record (hrx)",
            "aus der Akte des Patienten (hrx)",
            "à partir du dossier du patient (hrx)",
            "a partir del historial del paciente (hrx)",
            "dalla cartella del paziente (hrx)",
        ],
    ),
    (
        "left_out",
        [
            "Not in this summary",
            "Nicht in dieser Übersicht",
            "Absent de ce résumé",
            "No incluido en este resumen",
            "Non incluso in questa sintesi",
        ],
    ),
    (
        "past_problems",
        ["past problems", "frühere Probleme", "problèmes passés", "problemas pasados", "problemi passati"],
    ),
    (
        "past_medications",
        ["past medications", "frühere Medikation", "traitements passés", "medicación pasada", "terapie passate"],
    ),
    (
        "past_allergies",
        [
            "allergies no longer active or refuted",
            "nicht mehr aktive oder widerlegte Allergien",
            "allergies inactives ou réfutées",
            "alergias inactivas o refutadas",
            "allergie non più attive o confutate",
        ],
    ),
    (
        "other_entries",
        [
            "other entries (results, procedures, notes, documents)",
            "andere Einträge (Befunde, Eingriffe, Notizen, Dokumente)",
            "autres entrées (résultats, actes, notes, documents)",
            "otras entradas (resultados, procedimientos, notas, documentos)",
            "altre voci (risultati, procedure, note, documenti)",
        ],
    ),
    (
        "not_authentic",
        [
            "entries that are not authentic",
            "nicht authentische Einträge",
            "entrées non authentiques",
            "entradas no auténticas",
            "voci non autentiche",
        ],
    ),
    (
        "unreadable",
        [
            "entries the reader's key may not open",
            "Einträge, die der Schlüssel des Lesers nicht öffnen darf",
            "entrées que la clé du lecteur ne peut ouvrir",
            "entradas que la clave del lector no puede abrir",
            "voci che la chiave del lettore non può aprire",
        ],
    ),
];

/// `key` in `lang`: the summary's own words, then the IPS table, then English.
fn word(key: &str, lang: &str) -> String {
    let i = crate::fhir::i18n::LANGUAGES.iter().position(|l| *l == lang).unwrap_or(0);
    WORDS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, t)| t[i].to_string())
        .or_else(|| translate(key, lang).or_else(|| translate(key, "en")).map(str::to_string))
        .unwrap_or_else(|| key.to_string())
}

/// The name people know a code system by.
fn system_name(s: &str) -> &str {
    match s {
        "snomed" | "http://snomed.info/sct" => "SNOMED CT",
        "loinc" | "http://loinc.org" => "LOINC",
        "atc" | "http://www.whocc.no/atc" => "ATC",
        "icd10" | "http://hl7.org/fhir/sid/icd-10" => "ICD-10",
        "icd10gm" | "http://fhir.de/CodeSystem/bfarm/icd-10-gm" => "ICD-10-GM",
        "ucum" | "http://unitsofmeasure.org" => "UCUM",
        "rxnorm" | "http://www.nlm.nih.gov/research/umls/rxnorm" => "RxNorm",
        "cvx" | "http://hl7.org/fhir/sid/cvx" => "CVX",
        other => other,
    }
}

/// Every code of a concept, as `SYSTEM code`.
fn codes(c: &Value) -> Vec<String> {
    let mut out = vec![];
    let mut one = |x: &Value| {
        if let (Some(s), Some(code)) = (x.get("system").and_then(Value::as_str), x.get("code").and_then(Value::as_str))
        {
            let s = format!("{} {code}", system_name(s));
            if !out.contains(&s) {
                out.push(s);
            }
        }
    };
    one(c);
    for x in c.get("coding").and_then(Value::as_array).into_iter().flatten() {
        one(x);
    }
    out
}

fn status<'a>(e: &'a Entry, field: &str) -> Option<&'a str> {
    e.record.get(field).and_then(Value::as_str)
}

/// Whether an entry says what it records is not so, or was a mistake.
fn void_in_itself(e: &Entry) -> bool {
    matches!(status(e, "verification_status"), Some("refuted" | "entered-in-error"))
        || matches!(status(e, "status"), Some("entered-in-error" | "section-empty"))
}

fn date_of(e: &Entry) -> Option<String> {
    match e.record.get("effective") {
        Some(Value::String(d)) => Some(d.chars().take(10).collect()),
        Some(Value::Object(p)) => p.get("start").and_then(Value::as_str).map(|d| d.chars().take(10).collect()),
        _ => None,
    }
}

fn quantity(q: &Value) -> Option<String> {
    let v = q.get("value")?;
    let unit = q.get("unit").and_then(Value::as_str).unwrap_or("");
    Some(format!("{v} {unit}").trim().to_string())
}

/// Builds the summary of `entries` (those the reader may read and that are
/// authentic) in `lang`. `not_authentic` and `unreadable` count what was
/// left out before; `made_by` names who made it.
pub fn build(
    entries: &[Entry],
    lang: &str,
    now: DateTime<Utc>,
    made_by: &str,
    not_authentic: usize,
    unreadable: usize,
) -> Summary {
    let w = |k: &str| word(k, lang);
    let mut patient = vec![];
    if let Some(p) = entries.iter().rfind(|e| e.kind == Kind::Patient) {
        let r = &p.record;
        let n = &r["name"];
        let name = n.get("text").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| {
            let given: Vec<&str> = n
                .get("given")
                .and_then(Value::as_array)
                .map(|g| g.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let family = n.get("family").and_then(Value::as_str).unwrap_or("");
            format!("{} {}", given.join(" "), family.to_uppercase()).trim().to_string()
        });
        patient.push((w("name"), name));
        if let Some(b) = r.get("birth_date").and_then(Value::as_str) {
            patient.push((w("birth"), b.to_string()));
        }
        if let Some(g) = r.get("gender").and_then(Value::as_str) {
            patient.push((w("gender"), w(g)));
        }
        let ids: Vec<String> = r
            .get("identifiers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| Some(format!("{} ({})", i.get("value")?.as_str()?, i.get("system")?.as_str()?)))
            .collect();
        if !ids.is_empty() {
            patient.push((w("ids"), ids.join("; ")));
        }
        let langs: Vec<&str> =
            r.get("languages").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        if !langs.is_empty() {
            patient.push((w("languages"), langs.join(", ")));
        }
        if let Some(b) = r.get("blood_group") {
            patient.push((w("blood"), concept_text(b, lang)));
        }
    }

    let (mut past_allergies, mut past_problems, mut past_medications, mut others) = (0, 0, 0, 0);
    let mut allergies = vec![];
    let mut problems = vec![];
    let mut medications = vec![];
    let mut immunisations = vec![];
    let mut directives = vec![];
    let mut contacts = vec![];
    for e in entries {
        let r = &e.record;
        match e.kind {
            Kind::Patient => {
                for c in r.get("contacts").and_then(Value::as_array).into_iter().flatten() {
                    let mut detail = vec![];
                    for t in c.get("telecom").and_then(Value::as_array).into_iter().flatten() {
                        if let (Some(s), Some(v)) = (t["system"].as_str(), t["value"].as_str()) {
                            detail.push(format!("{s}: {v}"));
                        }
                    }
                    let mut text = c.get("name").and_then(Value::as_str).unwrap_or("?").to_string();
                    if let Some(rel) = c.get("relationship") {
                        // A relationship code without a display (v3 RoleCode MTH) is shown as its code.
                        let t = concept_text(rel, lang);
                        let t = if t == "?" { codes(rel).join(", ") } else { t };
                        text = format!("{text} ({t})");
                    }
                    contacts.push(Item { text, detail, codes: vec![], alert: false });
                }
            }
            Kind::Allergy => {
                if void_in_itself(e) || matches!(status(e, "clinical_status"), Some("inactive" | "resolved")) {
                    past_allergies += 1;
                    continue;
                }
                let mut detail = vec![];
                let crit = status(e, "criticality");
                if let Some(c) = crit {
                    detail.push(word(c, lang));
                }
                for x in r.get("reactions").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(m) = x.get("manifestation") {
                        detail.push(format!("{}: {}", w("reaction"), concept_text(m, lang)));
                    }
                }
                if let Some(v) = status(e, "verification_status") {
                    detail.push(word(v, lang));
                }
                let s = &r["substance"];
                allergies.push((
                    match crit {
                        Some("high") => 0,
                        Some("unable-to-assess") => 1,
                        None => 2,
                        _ => 3,
                    },
                    Item { text: concept_text(s, lang), detail, codes: codes(s), alert: crit == Some("high") },
                ));
            }
            Kind::Condition => {
                let active = matches!(status(e, "clinical_status"), None | Some("active" | "recurrence" | "relapse"));
                if void_in_itself(e) || !active {
                    past_problems += 1;
                    continue;
                }
                let mut detail = vec![];
                if let Some(d) = date_of(e) {
                    detail.push(format!("{} {d}", w("since")));
                }
                if let Some(s) = r.get("severity") {
                    detail.push(concept_text(s, lang));
                }
                let c = &r["code"];
                problems.push(Item { text: concept_text(c, lang), detail, codes: codes(c), alert: false });
            }
            Kind::Medication => {
                let today = now.format("%Y-%m-%d").to_string();
                let ended = matches!(
                    status(e, "status"),
                    Some("stopped" | "completed" | "not-taken" | "cancelled" | "entered-in-error" | "inactive")
                ) || r
                    .get("effective")
                    .and_then(|p| p.get("end"))
                    .and_then(Value::as_str)
                    .is_some_and(|end| end.get(..10).unwrap_or(end) < today.as_str());
                if void_in_itself(e) || ended {
                    past_medications += 1;
                    continue;
                }
                let mut detail = vec![];
                if let Some(s) = r.get("strength").and_then(quantity) {
                    detail.push(s);
                }
                let d = &r["dosage"];
                let dose = d.get("text").and_then(Value::as_str).map(str::to_string).or_else(|| {
                    let q = d.get("dose").and_then(quantity)?;
                    Some(match d.get("frequency").and_then(Value::as_str) {
                        Some(f) => format!("{q}, {f}"),
                        None => q,
                    })
                });
                if let Some(dose) = dose {
                    detail.push(format!("{}: {dose}", w("dose")));
                }
                if let Some(route) = d.get("route") {
                    detail.push(concept_text(route, lang));
                }
                let m = &r["medication"];
                medications.push(Item { text: concept_text(m, lang), detail, codes: codes(m), alert: false });
            }
            Kind::Immunization => {
                if void_in_itself(e) || matches!(status(e, "status"), Some("not-done")) {
                    others += 1;
                    continue;
                }
                let v = &r["vaccine"];
                let detail = date_of(e).into_iter().collect();
                immunisations.push(Item { text: concept_text(v, lang), detail, codes: codes(v), alert: false });
            }
            Kind::AdvanceDirective => {
                let d = &r["directive"];
                let mut detail = vec![];
                if let Some(t) = r.get("text").and_then(Value::as_str) {
                    detail.push(t.to_string());
                }
                if let Some(x) = r.get("decision").and_then(Value::as_str) {
                    detail.push(w(x));
                }
                directives.push(Item { text: concept_text(d, lang), detail, codes: codes(d), alert: false });
            }
            _ => others += 1,
        }
    }
    // The most critical first; otherwise as recorded.
    allergies.sort_by_key(|(rank, _)| *rank);
    let sections = vec![
        Section { title: w("48765-2"), items: allergies.into_iter().map(|(_, i)| i).collect() },
        Section { title: w("problems"), items: problems },
        Section { title: w("medications"), items: medications },
        Section { title: w("11369-6"), items: immunisations },
        Section { title: w("42348-3"), items: directives },
        Section { title: w("contacts"), items: contacts },
    ];
    let left_out: Vec<(String, usize)> = [
        ("past_allergies", past_allergies),
        ("past_problems", past_problems),
        ("past_medications", past_medications),
        ("other_entries", others),
        ("not_authentic", not_authentic),
        ("unreadable", unreadable),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(k, n)| (w(k), n))
    .collect();
    let made = format!("{} {} {}, {made_by}", w("made"), now.format("%Y-%m-%d %H:%M UTC"), w("from"));
    Summary {
        lang: lang.to_string(),
        title: w("title"),
        patient,
        sections,
        left_out,
        made: (now, made),
        none: w("none"),
    }
}

/// Text safe to print: control characters shown escaped.
fn plain(s: &str) -> String {
    crate::model::text::printable(s).into_owned()
}

impl Summary {
    /// The summary as plain text (for a screen, a monospace printout or
    /// an e-mail), at most 80 columns for its own lines.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let rule = "=".repeat(78);
        out.push_str(&format!("{}\n{rule}\n", plain(&self.title).to_uppercase()));
        let width = self.patient.iter().map(|(k, _)| k.chars().count() + 1).max().unwrap_or(0);
        for (k, v) in &self.patient {
            out.push_str(&format!("{:<width$} {}\n", format!("{}:", plain(k)), plain(v)));
        }
        for s in &self.sections {
            out.push_str(&format!("\n{}\n{}\n", plain(&s.title).to_uppercase(), "-".repeat(s.title.chars().count())));
            if s.items.is_empty() {
                out.push_str(&format!("  {}\n", plain(&self.none)));
            }
            for i in &s.items {
                let mark = if i.alert { "!!" } else { " -" };
                out.push_str(&format!("{mark} {}", plain(&i.text)));
                if !i.codes.is_empty() {
                    out.push_str(&format!("  [{}]", plain(&i.codes.join(", "))));
                }
                out.push('\n');
                if !i.detail.is_empty() {
                    out.push_str(&format!("     {}\n", plain(&i.detail.join("; "))));
                }
            }
        }
        if !self.left_out.is_empty() {
            let title = word("left_out", &self.lang);
            out.push_str(&format!("\n{}\n{}\n", plain(&title).to_uppercase(), "-".repeat(title.chars().count())));
            for (k, n) in &self.left_out {
                out.push_str(&format!("  {}: {n}\n", plain(k)));
            }
        }
        out.push_str(&format!("\n{rule}\n{}\n", plain(&self.made.1)));
        out
    }

    /// The summary as a PDF (A4; one page unless the record holds more
    /// than one page's worth), its text in an embedded font.
    pub fn to_pdf(&self) -> Vec<u8> {
        use crate::pdf::{Block, Span};
        let text = |spans: Vec<Span>, indent: f32, before: f32| Block::Text { spans, indent, before };
        let mut b =
            vec![text(vec![Span::bold(plain(&self.title), 16.0)], 0.0, 0.0), Block::Rule { weight: 1.5, before: 2.0 }];
        for (k, v) in &self.patient {
            b.push(text(vec![Span::new(format!("{}: ", plain(k)), 10.0), Span::bold(plain(v), 10.0)], 0.0, 1.0));
        }
        let heading = |t: &str| text(vec![Span::bold(plain(t).to_uppercase(), 11.0)], 0.0, 9.0);
        for s in &self.sections {
            b.push(heading(&s.title));
            if s.items.is_empty() {
                b.push(text(vec![Span::new(plain(&self.none), 10.0)], 12.0, 1.0));
            }
            for i in &s.items {
                let mut spans = vec![if i.alert {
                    Span::bold(format!("!! {}", plain(&i.text)), 10.0)
                } else {
                    Span::new(format!("\u{2022} {}", plain(&i.text)), 10.0)
                }];
                if !i.codes.is_empty() {
                    spans.push(Span::new(format!("  [{}]", plain(&i.codes.join(", "))), 8.5));
                }
                b.push(text(spans, 0.0, 2.0));
                if !i.detail.is_empty() {
                    b.push(text(vec![Span::new(plain(&i.detail.join("; ")), 9.0)], 14.0, 0.0));
                }
            }
        }
        if !self.left_out.is_empty() {
            b.push(heading(&word("left_out", &self.lang)));
            for (k, n) in &self.left_out {
                b.push(text(vec![Span::new(format!("{}: {n}", plain(k)), 10.0)], 12.0, 1.0));
            }
        }
        crate::pdf::render(&plain(&self.title), &b, &plain(&self.made.1))
    }

    /// The summary as one standalone HTML page (UTF-8, no scripts, no
    /// outside resources), laid out to print on one A4 page.
    pub fn to_html(&self) -> String {
        let esc =
            |s: &str| plain(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
        let mut b = String::new();
        b.push_str(&format!(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>\n\
             @page {{ size: A4; margin: 12mm; }}\n\
             body {{ font: 10.5pt/1.35 sans-serif; margin: 0 auto; max-width: 190mm; }}\n\
             h1 {{ font-size: 15pt; margin: 0 0 4pt; border-bottom: 2pt solid #000; }}\n\
             h2 {{ font-size: 11pt; margin: 8pt 0 2pt; text-transform: uppercase; }}\n\
             table.who td {{ padding: 0 8pt 0 0; vertical-align: top; }}\n\
             ul {{ margin: 0; padding-left: 14pt; }} li.alert {{ font-weight: bold; }}\n\
             .codes {{ font-family: monospace; font-size: 9pt; }} .detail {{ color: #333; }}\n\
             footer {{ margin-top: 8pt; border-top: 1pt solid #000; font-size: 9pt; }}\n\
             </style>\n</head>\n<body>\n<h1>{}</h1>\n<table class=\"who\">\n",
            esc(&self.lang),
            esc(&self.title),
            esc(&self.title)
        ));
        for (k, v) in &self.patient {
            b.push_str(&format!("<tr><td>{}</td><td><strong>{}</strong></td></tr>\n", esc(k), esc(v)));
        }
        b.push_str("</table>\n");
        for s in &self.sections {
            b.push_str(&format!("<section>\n<h2>{}</h2>\n", esc(&s.title)));
            if s.items.is_empty() {
                b.push_str(&format!("<p>{}</p>\n", esc(&self.none)));
            } else {
                b.push_str("<ul>\n");
                for i in &s.items {
                    let class = if i.alert { " class=\"alert\"" } else { "" };
                    b.push_str(&format!("<li{class}>{}", esc(&i.text)));
                    if !i.codes.is_empty() {
                        b.push_str(&format!(" <span class=\"codes\">[{}]</span>", esc(&i.codes.join(", "))));
                    }
                    if !i.detail.is_empty() {
                        b.push_str(&format!("<br/><span class=\"detail\">{}</span>", esc(&i.detail.join("; "))));
                    }
                    b.push_str("</li>\n");
                }
                b.push_str("</ul>\n");
            }
            b.push_str("</section>\n");
        }
        if !self.left_out.is_empty() {
            b.push_str(&format!("<section>\n<h2>{}</h2>\n<ul>\n", esc(&word("left_out", &self.lang))));
            for (k, n) in &self.left_out {
                b.push_str(&format!("<li>{}: {n}</li>\n", esc(k)));
            }
            b.push_str("</ul>\n</section>\n");
        }
        b.push_str(&format!("<footer>{}</footer>\n</body>\n</html>\n", esc(&self.made.1)));
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_in_every_language() {
        for (k, t) in WORDS {
            assert!(t.iter().all(|x| !x.is_empty()), "{k}");
        }
        assert_eq!(word("contacts", "de"), "Notfallkontakte");
        assert_eq!(word("48765-2", "es"), "Alergias e intolerancias");
        assert_eq!(word("high", "fr"), "criticité élevée");
        assert_eq!(word("title", "pt"), "Emergency summary", "English where there is no translation");
    }
}
