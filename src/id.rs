//! Entry and statement identifiers: ULIDs.
//!
//! A ULID is 48 bits of milliseconds since the Unix epoch followed by 80 random
//! bits, written as 26 characters of Crockford base32. Sorting ids sorts by
//! time, and the name leaks nothing but the time the entry was recorded (which
//! the commit shows anyway).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A ULID: time-ordered, globally unique identifier.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(u128);

impl Id {
    /// Makes an id for `time` with the given 80 bits of randomness.
    pub fn from_parts(time: DateTime<Utc>, random: [u8; 10]) -> Id {
        let ms = time.timestamp_millis().clamp(0, (1i64 << 48) - 1) as u128;
        let mut r = 0u128;
        for b in random {
            r = (r << 8) | b as u128;
        }
        Id((ms << 80) | r)
    }

    /// The time encoded in the id.
    pub fn time(&self) -> DateTime<Utc> {
        let ms = (self.0 >> 80) as i64;
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }

    /// The shard directories an entry with this id lives in, four levels
    /// so that no tree a commit rewrites grows with the record, whether its
    /// entries were written over a lifetime or imported in one go: the
    /// first three characters (about a year), the fourth (about twelve
    /// days), then the last two (random, 32 ways each).
    pub fn shard(&self) -> String {
        let s = self.to_string();
        format!("{}/{}/{}/{}", &s[..3], &s[3..4], &s[25..], &s[24..25])
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; 26];
        let mut v = self.0;
        for i in (0..26).rev() {
            out[i] = ALPHABET[(v & 31) as usize];
            v >>= 5;
        }
        f.write_str(std::str::from_utf8(&out).expect("ascii"))
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

/// Why a string is not an id.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an entry id (26 characters of Crockford base32, e.g. 01JD3Q6R9Z8X7W6V5T4S3R2Q1P)")]
pub struct BadId(pub String);

impl FromStr for Id {
    type Err = BadId;
    fn from_str(s: &str) -> Result<Id, BadId> {
        // Canonical form only (upper case, no aliases): ids are file names, and
        // two spellings of one id must never name two files.
        if s.len() != 26 {
            return Err(BadId(s.to_string()));
        }
        let mut v: u128 = 0;
        for (i, c) in s.bytes().enumerate() {
            let d = ALPHABET.iter().position(|&a| a == c).ok_or_else(|| BadId(s.to_string()))?;
            // The first character carries only 3 bits (128 = 26*5 - 2).
            if i == 0 && d > 7 {
                return Err(BadId(s.to_string()));
            }
            v = (v << 5) | d as u128;
        }
        Ok(Id(v))
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Id, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_sorts_by_time() {
        let t1 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let t2 = DateTime::from_timestamp(1_700_000_001, 0).unwrap();
        let a = Id::from_parts(t1, [0xff; 10]);
        let b = Id::from_parts(t2, [0; 10]);
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Id>().unwrap(), a);
        assert_eq!(a.time(), t1);
        assert_eq!(a.to_string().len(), 26);
    }

    #[test]
    fn rejects_non_canonical_spellings() {
        let good = Id::from_parts(Utc::now(), [7; 10]).to_string();
        assert!(good.to_lowercase().parse::<Id>().is_err());
        assert!("8ZZZZZZZZZZZZZZZZZZZZZZZZZ".parse::<Id>().is_err());
        assert!("../../etc/passwd".parse::<Id>().is_err());
        assert!(good[..25].parse::<Id>().is_err());
    }
}
