//! Categories: what grants are scoped by.

use std::fmt;
use std::str::FromStr;

/// Every category an entry can be in. Grants name these; sensitive ones
/// (`mental-health`, `sexual-health`, `genetic`) are never implied by a
/// default kind, only chosen explicitly.
pub const ALL: &[&str] = &[
    "demographics",
    "general",
    "allergy",
    "medication",
    "problem",
    "immunization",
    "results",
    "procedure",
    "device",
    "document",
    "advance-directive",
    "mental-health",
    "sexual-health",
    "genetic",
];

/// The categories of the emergency summary (allergies, medications, problems,
/// advance directives, and results for the blood group).
pub const EMERGENCY: &[&str] = &["allergy", "medication", "problem", "advance-directive", "results"];

/// A category name from [`ALL`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Category(String);

impl Category {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An unknown category name.
#[derive(Debug, thiserror::Error)]
#[error("unknown category {:?}; known categories: {}", .0, ALL.join(", "))]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if ALL.contains(&s) { Ok(Category(s.to_string())) } else { Err(UnknownCategory(s.to_string())) }
    }
}

impl TryFrom<String> for Category {
    type Error = UnknownCategory;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Category> for String {
    fn from(c: Category) -> String {
        c.0
    }
}
