//! A complete, valid record of each kind, to copy and edit (`hrx add KIND
//! --example`): what a first entry written by hand needs, in the shapes
//! the schema wants (a coded term's `display` by language, dates as
//! precisely as known). Each one validates (a unit test checks).

use super::Kind;

/// The example record of `kind`, as YAML with comments.
pub fn example(kind: Kind) -> &'static str {
    match kind {
        Kind::Patient => {
            "# hrx add patient --file patient.yaml
name: {given: [Anna], family: Weber}
birth_date: 1984-05-17
gender: female
identifiers:
  - {system: 'urn:oid:1.2.276.0.76.4.8', value: A123456789, country: DE}
address:
  - {lines: [Hauptstrasse 1], city: Berlin, postal_code: '10115', country: DE}
languages: [de, en]
contacts:
  - name: Jonas Weber
    relationship: {system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: C, display: Emergency contact}
    telecom: [{system: phone, value: '+49 30 1234567'}]
"
        }
        Kind::Note => {
            "# hrx add note --file note.yaml
title: Visit in Valencia
text: Headache for three days after the flight; no fever.
effective: 2026-03-02
"
        }
        Kind::Allergy => {
            "# hrx add allergy --file allergy.yaml
substance: {system: snomed, code: '764146007', display: {en: Penicillin, de: Penicillin}}
type: allergy
criticality: high
clinical_status: active
verification_status: confirmed
reactions:
  - manifestation: {system: snomed, code: '271807003', display: {en: Skin rash}}
    severity: moderate
effective: 2019
"
        }
        Kind::Condition => {
            "# hrx add condition --file condition.yaml
code: {system: icd10, code: J45, display: {en: Asthma, de: Asthma bronchiale}}
clinical_status: active
severity: {system: snomed, code: '6736007', display: {en: Moderate}}
effective: 2015
"
        }
        Kind::Medication => {
            "# hrx add medication --file medication.yaml
medication: {system: atc, code: R03AC02, display: {en: Salbutamol}}
intent: statement
dosage:
  text: 2 puffs when needed, at most 8 a day
  route: {system: snomed, code: '18679011000001101', display: {en: Inhalation}}
status: active
effective: {start: 2015-06}
"
        }
        Kind::Immunization => {
            "# hrx add immunization --file immunization.yaml
vaccine: {system: cvx, code: '208', display: {en: COVID-19 mRNA vaccine}}
dose_number: 3
lot_number: FK1234
target_disease: {system: snomed, code: '840539006', display: {en: COVID-19}}
effective: 2021-12-10
"
        }
        Kind::Observation => {
            "# hrx add observation --file observation.yaml
code: {system: loinc, code: 4548-4, display: {en: Hemoglobin A1c}}
observation_category: laboratory
value: {value: 6.1, unit: '%'}
reference_range: {high: {value: 5.7, unit: '%'}}
effective: 2026-02-27T08:30:00+01:00
"
        }
        Kind::Procedure => {
            "# hrx add procedure --file procedure.yaml
code: {system: snomed, code: '80146002', display: {en: Appendectomy}}
body_site: {system: snomed, code: '66754008', display: {en: Appendix}}
status: completed
effective: 2009-08
"
        }
        Kind::Document => {
            "# hrx add document --attach letter.pdf --title 'Discharge letter'
# (--attach fills in the attachment; a document written by hand gives its url)
title: Discharge letter
type: {system: loinc, code: 18842-5, display: {en: Discharge summary}}
attachment: {content_type: application/pdf, url: 'https://clinic.example/letters/42.pdf'}
effective: 2026-03-04
"
        }
        Kind::Device => {
            "# hrx add device --file device.yaml
device_type: {system: snomed, code: '14106009', display: {en: Cardiac pacemaker}}
udi: '(01)00643169007222(17)160128(21)BLC200461H'
manufacturer: Medtronic
effective: 2022-01-28
"
        }
        Kind::AdvanceDirective => {
            "# hrx add advance-directive --file directive.yaml
directive: {system: snomed, code: '304253006', display: {en: Not for resuscitation}}
decision: deny
text: No cardiopulmonary resuscitation.
effective: 2024-11-01
"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::Id;
    use crate::model::{Author, Entry};

    #[test]
    fn every_example_is_a_valid_record() {
        for &kind in Kind::ALL {
            let input = crate::model::entry::parse_yaml(example(kind)).unwrap();
            let author = Author { fingerprint: "A".repeat(40), name: "Anna".into(), organisation: None, country: None };
            let now = chrono::Utc::now();
            let id = Id::from_parts(now, [7; 10]);
            if let Err(e) = Entry::new(kind, input, id, author, now) {
                panic!("the {kind} example: {e}");
            }
        }
    }
}
