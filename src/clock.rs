//! The one place hrx asks what time it is.
//!
//! `HRX_NOW` (RFC 3339) pins the clock for tests, in debug builds only (or
//! with the `test-clock` feature). A release binary refuses it: time decides
//! which grants are in force and whether break-glass access is open, so a
//! clock override must not exist where records are really used.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

/// Where the current time comes from.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The clock named by the environment: `HRX_NOW` if set, else the system clock.
    pub fn from_env() -> Result<Clock> {
        match std::env::var("HRX_NOW") {
            Ok(s) if !s.is_empty() && !cfg!(any(debug_assertions, feature = "test-clock")) => {
                Err(Error::Usage(format!(
                    "HRX_NOW={s:?} is set, but this hrx is a release build, which always uses the system clock; unset HRX_NOW"
                )))
            }
            Ok(s) if !s.is_empty() => DateTime::parse_from_rfc3339(&s)
                .map(|t| Clock::Fixed(t.with_timezone(&Utc)))
                .map_err(|e| Error::Usage(format!("HRX_NOW={s:?} is not an RFC 3339 time: {e}"))),
            _ => Ok(Clock::System),
        }
    }

    /// The current time, truncated to whole seconds: OpenPGP signatures and
    /// git commits carry seconds, and everything hrx records must agree with them.
    pub fn now(&self) -> DateTime<Utc> {
        let t = match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        };
        DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
    }
}
