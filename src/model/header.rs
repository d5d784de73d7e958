//! `hrx.yaml`: the record's header, written once in the root commit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Fpr;

/// The format this version of hrx writes and reads.
pub const FORMAT: &str = "hrx/2";

/// The header of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Format version, `hrx/2` (`hrx/1` had two-level entry shards).
    pub format: String,
    /// The patient's certificate fingerprint: the trust root.
    pub patient: Fpr,
    /// A random, pseudonymous id for the record (no personal data).
    pub record: String,
    /// When the record was created.
    pub created: DateTime<Utc>,
}

impl Header {
    /// Parses and checks a header.
    pub fn from_yaml(bytes: &[u8]) -> Result<Header, String> {
        super::yaml::check(bytes, 4096)?;
        let h: Header = serde_yaml_ng::from_slice(bytes).map_err(|e| e.to_string())?;
        if h.format != FORMAT {
            return Err(format!("format {:?} is not supported by this hrx (it reads {FORMAT})", h.format));
        }
        if super::parse_fpr(&h.patient).as_deref() != Some(h.patient.as_str()) {
            return Err(format!("patient {:?} is not a fingerprint", h.patient));
        }
        Ok(h)
    }

    /// Serialises for storage.
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("header serialises")
    }
}
