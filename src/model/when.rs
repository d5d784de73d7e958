//! Clinical time: when what an entry records happened, as precisely as it
//! is known (issue 12). A diagnosis from "2015" stays a year; it is not
//! made into 2015-01-01, nor into the day it was imported. Next to it each
//! entry keeps the time it was recorded (`recorded_at`, its id's time).
//!
//! A point covers a span: the year 2015 is [2015-01-01, 2016-01-01). Times
//! without an offset (dates) are taken as UTC days: the order of entries a
//! day apart does not depend on where the reader is.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

/// How precisely a point in time is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// `2015`
    Year,
    /// `2015-03`
    Month,
    /// `2015-03-04`
    Day,
    /// A date-time with its offset.
    Time,
}

/// A date as written, that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{text:?} is not a date: {why}; give YYYY, YYYY-MM, YYYY-MM-DD or a date-time such as 2015-03-04T10:30:00+01:00"
)]
pub struct BadDate {
    /// What was given.
    pub text: String,
    /// What is wrong with it.
    pub why: String,
}

/// A point in clinical time as written: a year, a month, a day or a moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    text: String,
    precision: Precision,
    first: DateTime<Utc>,
    after: DateTime<Utc>,
    /// A date-time's own offset from UTC, in seconds (0 for dates).
    offset: i32,
}

impl Point {
    /// Reads `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or an RFC 3339 date-time
    /// (seconds may be left out), checking that the date exists.
    pub fn parse(s: &str) -> Result<Point, BadDate> {
        let bad = |why: &str| BadDate { text: s.to_string(), why: why.to_string() };
        let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
        let (date, time) = match s.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let mut parts = date.split('-');
        let y = parts.next().filter(|y| digits(y, 4)).ok_or_else(|| bad("the year must be four digits"))?;
        let m = parts.next();
        let d = parts.next();
        if parts.next().is_some() {
            return Err(bad("too many parts"));
        }
        let year: i32 = y.parse().map_err(|_| bad("the year must be four digits"))?;
        // FHIR's years are 0001 to 9999; the last is kept free so that
        // every span ends at a time RFC 3339 can write.
        if !(1..=9998).contains(&year) {
            return Err(bad("the year is out of range (0001 to 9998)"));
        }
        let month: u32 = match m {
            None => 0,
            Some(m) if digits(m, 2) => m.parse().map_err(|_| bad("the month must be two digits"))?,
            Some(_) => return Err(bad("the month must be two digits")),
        };
        if m.is_some() && !(1..=12).contains(&month) {
            return Err(bad("there is no such month"));
        }
        let day: u32 = match d {
            None => 0,
            Some(d) if digits(d, 2) => d.parse().map_err(|_| bad("the day must be two digits"))?,
            Some(_) => return Err(bad("the day must be two digits")),
        };
        let ymd =
            |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d).map(|n| n.and_time(Default::default()).and_utc());
        let mut offset = 0;
        let (precision, first, after) = match (m, d, time) {
            (None, None, None) => {
                let f = ymd(year, 1, 1).ok_or_else(|| bad("the year is out of range"))?;
                (Precision::Year, f, ymd(year + 1, 1, 1).unwrap_or(f))
            }
            (Some(_), None, None) => {
                let f = ymd(year, month, 1).ok_or_else(|| bad("the month is out of range"))?;
                (Precision::Month, f, f.checked_add_months(Months::new(1)).unwrap_or(f))
            }
            (Some(_), Some(_), None) => {
                let f = ymd(year, month, day).ok_or_else(|| bad("there is no such day in that month"))?;
                (Precision::Day, f, f + Duration::days(1))
            }
            (Some(_), Some(_), Some(_)) => {
                ymd(year, month, day).ok_or_else(|| bad("there is no such day in that month"))?;
                let local = DateTime::parse_from_rfc3339(&with_seconds(s))
                    .map_err(|_| bad("the time must be HH:MM or HH:MM:SS with an offset (Z, +01:00)"))?;
                offset = local.offset().local_minus_utc();
                let at = local.with_timezone(&Utc);
                // chrono takes :60 as a leap second on any day.
                if chrono::Timelike::nanosecond(&at) >= 1_000_000_000 {
                    return Err(bad("there is no such second"));
                }
                (Precision::Time, at, at + Duration::seconds(1))
            }
            _ => return Err(bad("a time needs a whole date before it")),
        };
        Ok(Point { text: s.to_string(), precision, first, after, offset })
    }

    /// As written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// How precisely it is known.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The first instant it covers.
    pub fn first(&self) -> DateTime<Utc> {
        self.first
    }

    /// The first instant after it.
    pub fn after(&self) -> DateTime<Utc> {
        self.after
    }
}

impl fmt::Display for Point {
    /// As precise as it is known: `2015`, `2015-03`, `2015-03-04`, or a
    /// date-time as `2015-03-04 10:30+01:00`: in its own offset, which is
    /// shown (entries are in UTC order; without it two times could look
    /// out of order).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.precision, chrono::FixedOffset::east_opt(self.offset)) {
            (Precision::Time, Some(o)) if self.offset != 0 => {
                write!(f, "{}", self.first.with_timezone(&o).format("%Y-%m-%d %H:%M%:z"))
            }
            (Precision::Time, _) => write!(f, "{}Z", self.first.format("%Y-%m-%d %H:%M")),
            _ => f.write_str(&self.text),
        }
    }
}

/// Date-time `s` with seconds, if it had none: RFC 3339 wants them, FHIR
/// and people may leave them out.
fn with_seconds(s: &str) -> String {
    match s.split_once('T') {
        Some((d, t)) => {
            let clock = t.split(['Z', 'z', '+', '-']).next().unwrap_or("");
            if clock.len() == 5 { format!("{d}T{clock}:00{}", &t[5..]) } else { s.to_string() }
        }
        None => s.to_string(),
    }
}

/// When what an entry records happened: a point, or a period whose start
/// or end may be unknown (an open end: still going on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClinicalTime {
    /// At a point (of its precision).
    At(Point),
    /// Over a period.
    Period {
        /// Its start, if known.
        start: Option<Point>,
        /// Its end, if it has one.
        end: Option<Point>,
    },
}

impl ClinicalTime {
    /// Reads a record's `effective` (a date string or a `{start, end}`
    /// period), checking that its dates exist and that a period does not
    /// end before it starts.
    pub fn parse(v: &Value) -> Result<ClinicalTime, BadDate> {
        match v {
            Value::String(s) => Point::parse(s).map(ClinicalTime::At),
            Value::Object(o) => {
                let point = |k: &str| o.get(k).and_then(Value::as_str).map(Point::parse).transpose();
                let (start, end) = (point("start")?, point("end")?);
                if let (Some(s), Some(e)) = (&start, &end)
                    && e.after <= s.first
                {
                    return Err(BadDate {
                        text: e.text.clone(),
                        why: format!("the period ends before it starts ({})", s.text),
                    });
                }
                if start.is_none() && end.is_none() {
                    return Err(BadDate { text: v.to_string(), why: "a period needs a start or an end".into() });
                }
                Ok(ClinicalTime::Period { start, end })
            }
            _ => Err(BadDate { text: v.to_string(), why: "expected a date or a {start, end} period".into() }),
        }
    }

    /// The first instant it covers (`None`: a period of unknown start).
    pub fn start(&self) -> Option<DateTime<Utc>> {
        match self {
            ClinicalTime::At(p) => Some(p.first),
            ClinicalTime::Period { start, .. } => start.as_ref().map(Point::first),
        }
    }

    /// The first instant after it (`None`: a period still going on).
    pub fn end(&self) -> Option<DateTime<Utc>> {
        match self {
            ClinicalTime::At(p) => Some(p.after),
            ClinicalTime::Period { end, .. } => end.as_ref().map(Point::after),
        }
    }

    /// Where it goes in a timeline: its start, else its end's start.
    pub fn sort_time(&self) -> DateTime<Utc> {
        self.anchor().map_or(DateTime::<Utc>::MIN_UTC, Point::first)
    }

    /// How precisely its start (else its end) is known.
    pub fn precision(&self) -> Precision {
        self.anchor().map_or(Precision::Year, Point::precision)
    }

    /// The point it is placed by: itself, or a period's start, else its end.
    fn anchor(&self) -> Option<&Point> {
        match self {
            ClinicalTime::At(p) => Some(p),
            ClinicalTime::Period { start, end } => start.as_ref().or(end.as_ref()),
        }
    }

    /// The year it goes under in a timeline.
    pub fn year(&self) -> i32 {
        self.sort_time().year()
    }

    /// Whether any of it falls in [`from`, `until`) (an open bound is no
    /// bound): a 2015 diagnosis is in "since 2015-06", a medication taken
    /// since 2010 and not ended is in every range from then on.
    pub fn overlaps(&self, from: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>) -> bool {
        let starts_before_until = match (self.start(), until) {
            (Some(s), Some(u)) => s < u,
            _ => true,
        };
        let ends_after_from = match (self.end(), from) {
            (Some(e), Some(f)) => e > f,
            _ => true,
        };
        starts_before_until && ends_after_from
    }
}

impl fmt::Display for ClinicalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClinicalTime::At(p) => write!(f, "{p}"),
            ClinicalTime::Period { start: Some(s), end: Some(e) } => write!(f, "{s} – {e}"),
            ClinicalTime::Period { start: Some(s), end: None } => write!(f, "from {s}"),
            ClinicalTime::Period { start: None, end: Some(e) } => write!(f, "until {e}"),
            ClinicalTime::Period { start: None, end: None } => f.write_str("?"),
        }
    }
}

impl Serialize for ClinicalTime {
    /// `{display, start, end, precision}`: how it reads, the instants it
    /// spans (end exclusive; null when open) and how precisely it is known.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut o = s.serialize_struct("ClinicalTime", 4)?;
        o.serialize_field("display", &self.to_string())?;
        o.serialize_field("start", &self.start())?;
        o.serialize_field("end", &self.end())?;
        o.serialize_field("precision", &self.precision())?;
        o.end()
    }
}

/// The start of a `--since`/`from:` bound given as a point (`2015` is from
/// 2015-01-01).
pub fn bound_from(s: &str) -> Result<DateTime<Utc>, BadDate> {
    Point::parse(s).map(|p| p.first)
}

/// The end of an `--until`/`to:` bound, inclusive of what it names
/// (`2015` is until the end of 2015).
pub fn bound_until(s: &str) -> Result<DateTime<Utc>, BadDate> {
    Point::parse(s).map(|p| p.after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn points_keep_their_precision_and_span() {
        let y = Point::parse("2015").unwrap();
        assert_eq!((y.precision(), y.to_string()), (Precision::Year, "2015".into()));
        assert_eq!(y.first().to_rfc3339(), "2015-01-01T00:00:00+00:00");
        assert_eq!(y.after().to_rfc3339(), "2016-01-01T00:00:00+00:00");
        let m = Point::parse("2016-02").unwrap();
        assert_eq!(m.after().to_rfc3339(), "2016-03-01T00:00:00+00:00");
        let d = Point::parse("2016-02-29").unwrap();
        assert_eq!(d.precision(), Precision::Day);
        let t = Point::parse("2017-03-04T10:30+01:00").unwrap();
        assert_eq!(t.first().to_rfc3339(), "2017-03-04T09:30:00+00:00");
        assert_eq!(t.to_string(), "2017-03-04 10:30+01:00");
        assert_eq!(Point::parse("2017-03-04T10:30:00Z").unwrap().to_string(), "2017-03-04 10:30Z");
    }

    #[test]
    fn dates_that_do_not_exist_are_refused() {
        for bad in [
            "2015-02-29",
            "2015-13",
            "2015-00",
            "2015-04-31",
            "15",
            "2015-3-4",
            "2015-03-04T25:00Z",
            "2015-03-04T10:30",
            "x",
        ] {
            assert!(Point::parse(bad).is_err(), "{bad} was taken");
        }
        let e = Point::parse("2015-02-29").unwrap_err().to_string();
        assert!(e.contains("no such day"), "{e}");
    }

    #[test]
    fn periods_overlap_ranges_and_may_be_open() {
        let since = |s| Some(bound_from(s).unwrap());
        let until = |s| Some(bound_until(s).unwrap());
        let dx = ClinicalTime::parse(&json!("2015")).unwrap();
        assert!(dx.overlaps(since("2015-06"), None));
        assert!(!dx.overlaps(since("2016"), None));
        assert!(dx.overlaps(None, until("2015")));
        assert!(!dx.overlaps(None, until("2014-12-31")));
        let ongoing = ClinicalTime::parse(&json!({"start": "2010-05"})).unwrap();
        assert!(ongoing.overlaps(since("2024"), until("2024")));
        assert!(!ongoing.overlaps(None, until("2010-04")));
        assert_eq!(ongoing.to_string(), "from 2010-05");
        assert!(ClinicalTime::parse(&json!({"start": "2020", "end": "2019"})).is_err());
        assert!(ClinicalTime::parse(&json!({})).is_err());
        assert_eq!(
            ClinicalTime::parse(&json!({"end": "2019-02"})).unwrap().sort_time().to_rfc3339(),
            "2019-02-01T00:00:00+00:00"
        );
    }
}
