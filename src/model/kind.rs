//! Entry kinds and their default categories.

use std::fmt;
use std::str::FromStr;

use super::Category;

/// What an entry records.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Kind {
    /// Demographics of the patient.
    Patient,
    /// An encounter or visit note.
    Note,
    /// An allergy or intolerance.
    Allergy,
    /// A problem or diagnosis.
    Condition,
    /// A medication statement or prescription.
    Medication,
    /// A vaccination.
    Immunization,
    /// A lab result, vital sign or other measurement.
    Observation,
    /// A procedure performed.
    Procedure,
    /// An attached file (PDF, image, ...).
    Document,
    /// An implant or other device.
    Device,
    /// An advance directive (living will, DNR, organ donation).
    AdvanceDirective,
}

impl Kind {
    /// Every kind, in the order help text lists them.
    pub const ALL: &'static [Kind] = &[
        Kind::Patient,
        Kind::Note,
        Kind::Allergy,
        Kind::Condition,
        Kind::Medication,
        Kind::Immunization,
        Kind::Observation,
        Kind::Procedure,
        Kind::Document,
        Kind::Device,
        Kind::AdvanceDirective,
    ];

    /// The kind's name as written in records and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Patient => "patient",
            Kind::Note => "note",
            Kind::Allergy => "allergy",
            Kind::Condition => "condition",
            Kind::Medication => "medication",
            Kind::Immunization => "immunization",
            Kind::Observation => "observation",
            Kind::Procedure => "procedure",
            Kind::Document => "document",
            Kind::Device => "device",
            Kind::AdvanceDirective => "advance-directive",
        }
    }

    /// The category an entry of this kind is in unless the record says otherwise.
    pub fn default_category(self) -> Category {
        let c = match self {
            Kind::Patient => "demographics",
            Kind::Note => "general",
            Kind::Allergy => "allergy",
            Kind::Condition => "problem",
            Kind::Medication => "medication",
            Kind::Immunization => "immunization",
            Kind::Observation => "results",
            Kind::Procedure => "procedure",
            Kind::Document => "document",
            Kind::Device => "device",
            Kind::AdvanceDirective => "advance-directive",
        };
        c.parse().expect("default categories are known")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown kind name.
#[derive(Debug, thiserror::Error)]
#[error("unknown entry kind {:?}; known kinds: {}", .0, Kind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL.iter().copied().find(|k| k.name() == s).ok_or_else(|| UnknownKind(s.to_string()))
    }
}
