//! A small built-in translation table for the IPS value sets hrx writes:
//! section titles, allergy and condition statuses, criticality, and the
//! absent/unknown codes. English, German, French, Spanish and Italian; codes
//! not in the table keep their original display.

/// Languages the table covers.
pub const LANGUAGES: &[&str] = &["en", "de", "fr", "es", "it"];

const TABLE: &[(&str, [&str; 5])] = &[
    // IPS section titles (by LOINC code) and the document title.
    (
        "60591-5",
        [
            "International Patient Summary",
            "Internationale Patientenkurzakte",
            "Résumé international du patient",
            "Resumen internacional del paciente",
            "Sintesi internazionale del paziente",
        ],
    ),
    (
        "48765-2",
        [
            "Allergies and intolerances",
            "Allergien und Unverträglichkeiten",
            "Allergies et intolérances",
            "Alergias e intolerancias",
            "Allergie e intolleranze",
        ],
    ),
    ("11450-4", ["Problem list", "Problemliste", "Liste des problèmes", "Lista de problemas", "Lista dei problemi"]),
    (
        "10160-0",
        [
            "Medication summary",
            "Medikationsübersicht",
            "Résumé des médicaments",
            "Resumen de medicación",
            "Riepilogo dei farmaci",
        ],
    ),
    ("11369-6", ["Immunizations", "Impfungen", "Vaccinations", "Vacunas", "Vaccinazioni"]),
    ("30954-2", ["Results", "Befunde", "Résultats", "Resultados", "Risultati"]),
    ("47519-4", ["Procedures", "Eingriffe", "Actes", "Procedimientos", "Procedure"]),
    (
        "46264-8",
        ["Medical devices", "Medizinprodukte", "Dispositifs médicaux", "Dispositivos médicos", "Dispositivi medici"],
    ),
    (
        "42348-3",
        [
            "Advance directives",
            "Patientenverfügungen",
            "Directives anticipées",
            "Instrucciones previas",
            "Disposizioni anticipate",
        ],
    ),
    // Clinical and verification statuses, criticality.
    ("active", ["active", "aktiv", "actif", "activo", "attivo"]),
    ("inactive", ["inactive", "inaktiv", "inactif", "inactivo", "inattivo"]),
    ("resolved", ["resolved", "abgeklungen", "résolu", "resuelto", "risolto"]),
    ("recurrence", ["recurrence", "Rezidiv", "récidive", "recurrencia", "recidiva"]),
    ("relapse", ["relapse", "Rückfall", "rechute", "recaída", "ricaduta"]),
    ("remission", ["remission", "Remission", "rémission", "remisión", "remissione"]),
    ("refuted", ["refuted", "widerlegt", "réfuté", "refutado", "confutato"]),
    (
        "entered-in-error",
        ["entered in error", "irrtümlich erfasst", "saisi par erreur", "introducido por error", "inserito per errore"],
    ),
    (
        "unable-to-assess",
        [
            "criticality not assessable",
            "Kritikalität nicht beurteilbar",
            "criticité non évaluable",
            "criticidad no evaluable",
            "criticità non valutabile",
        ],
    ),
    ("confirmed", ["confirmed", "bestätigt", "confirmé", "confirmado", "confermato"]),
    ("unconfirmed", ["unconfirmed", "unbestätigt", "non confirmé", "no confirmado", "non confermato"]),
    ("high", ["high criticality", "hohe Kritikalität", "criticité élevée", "criticidad alta", "criticità alta"]),
    ("low", ["low criticality", "niedrige Kritikalität", "criticité faible", "criticidad baja", "criticità bassa"]),
    // Absent and unknown data (list-empty-reason, IPS absent-unknown).
    (
        "unavailable",
        [
            "No information available",
            "Keine Information verfügbar",
            "Aucune information disponible",
            "Sin información disponible",
            "Nessuna informazione disponibile",
        ],
    ),
    ("nilknown", ["None known", "Keine bekannt", "Aucun connu", "Ninguno conocido", "Nessuno noto"]),
    ("notasked", ["Not asked", "Nicht erfragt", "Non demandé", "No preguntado", "Non richiesto"]),
    (
        "no-allergy-info",
        [
            "No information about allergies",
            "Keine Informationen über Allergien",
            "Pas d'information sur les allergies",
            "Sin información sobre alergias",
            "Nessuna informazione sulle allergie",
        ],
    ),
    (
        "no-known-allergies",
        [
            "No known allergies",
            "Keine bekannten Allergien",
            "Aucune allergie connue",
            "Sin alergias conocidas",
            "Nessuna allergia nota",
        ],
    ),
    (
        "716186003",
        [
            "No known allergy",
            "Keine bekannte Allergie",
            "Aucune allergie connue",
            "Sin alergia conocida",
            "Nessuna allergia nota",
        ],
    ),
    (
        "no-problem-info",
        [
            "No information about problems",
            "Keine Informationen über Probleme",
            "Pas d'information sur les problèmes",
            "Sin información sobre problemas",
            "Nessuna informazione sui problemi",
        ],
    ),
    (
        "no-medication-info",
        [
            "No information about medications",
            "Keine Informationen über Medikamente",
            "Pas d'information sur les médicaments",
            "Sin información sobre medicación",
            "Nessuna informazione sui farmaci",
        ],
    ),
];

/// The translation of `key` into `lang`, if the table has it.
pub fn translate(key: &str, lang: &str) -> Option<&'static str> {
    let i = LANGUAGES.iter().position(|l| *l == lang)?;
    TABLE.iter().find(|(k, _)| *k == key).map(|(_, t)| t[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_every_language() {
        for (k, t) in TABLE {
            assert!(t.iter().all(|x| !x.is_empty()), "{k}");
        }
        assert_eq!(translate("48765-2", "es"), Some("Alergias e intolerancias"));
        assert_eq!(translate("48765-2", "pt"), None);
        assert_eq!(translate("nonsense", "en"), None);
    }
}
