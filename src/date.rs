//! Dates at the precision they are known: parsing the forms users write
//! (`2016`, `2016-10`, `2016-10-12`, RFC 3339), the interval each form covers,
//! and how a date is shown back.
//!
//! Every date a user gives, in a record or in a query, goes through `parse`,
//! so records and bounds always agree on what `2016-10` means.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, NaiveDate, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The earliest and latest years a date may have (the index stores
/// nanoseconds since 1970 in 64 bits).
pub const MIN_YEAR: i32 = 1678;
pub const MAX_YEAR: i32 = 2261;

/// How precisely a date is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Year,
    Month,
    Day,
    Minute,
    Second,
}

impl Precision {
    pub const NAMES: &str = "second, minute, day, month or year";

    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
            Precision::Minute => "minute",
            Precision::Second => "second",
        }
    }
}

impl FromStr for Precision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "year" => Ok(Precision::Year),
            "month" => Ok(Precision::Month),
            "day" => Ok(Precision::Day),
            "minute" => Ok(Precision::Minute),
            "second" => Ok(Precision::Second),
            _ => Err(format!(
                "unknown date precision `{s}` (expected {})",
                Precision::NAMES
            )),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A date known to some precision: the interval `[start, end)` in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub start: DateTime<Utc>,
    pub precision: Precision,
}

/// The forms accepted, for error messages.
pub const FORMS: &str = "YYYY, YYYY-MM, YYYY-MM-DD or RFC 3339 with an offset \
                         (2016-10-12T15:03:00Z, 2016-10-12T11:03:00-04:00)";

impl Date {
    /// Parses any accepted form. The error says what was wrong and how to write it.
    pub fn parse(s: &str) -> Result<Date, String> {
        let s = s.trim();
        let bad = |why: &str| format!("bad date `{s}`: {why}; write {FORMS}");
        let date = if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            let year: i32 = s.parse().map_err(|_| bad("not a year"))?;
            Date::at(year, 1, 1, Precision::Year).ok_or_else(|| bad("not a year"))?
        } else if s.len() == 7 && s.as_bytes()[4] == b'-' {
            let day = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
                .map_err(|_| bad("not a month"))?;
            Date::at(day.year(), day.month(), 1, Precision::Month)
                .ok_or_else(|| bad("not a month"))?
        } else if s.len() == 10 {
            let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("not a day"))?;
            Date::at(day.year(), day.month(), day.day(), Precision::Day)
                .ok_or_else(|| bad("not a day"))?
        } else if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            Date {
                start: t.with_timezone(&Utc),
                precision: Precision::Second,
            }
        } else if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%#z") {
            Date {
                start: t.with_timezone(&Utc),
                precision: Precision::Minute,
            }
        } else if chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").is_ok()
            || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").is_ok()
        {
            return Err(bad("a time needs an offset (Z for UTC, or like -04:00)"));
        } else {
            return Err(bad("not a date"));
        };
        let year = date.start.year();
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(format!(
                "bad date `{s}`: year {year} is outside {MIN_YEAR}–{MAX_YEAR}"
            ));
        }
        Ok(date)
    }

    fn at(year: i32, month: u32, day: u32, precision: Precision) -> Option<Date> {
        let start = NaiveDate::from_ymd_opt(year, month, day)?
            .and_hms_opt(0, 0, 0)?
            .and_utc();
        Some(Date { start, precision })
    }

    /// Coarsens this date to `precision` (never refines it: a day cannot become a second).
    pub fn with_precision(self, precision: Precision) -> Result<Date, String> {
        if precision > self.precision {
            return Err(format!(
                "date_precision `{precision}` is finer than the date, which gives a {}",
                self.precision
            ));
        }
        let start = match precision {
            Precision::Year => Date::at(self.start.year(), 1, 1, precision).map(|d| d.start),
            Precision::Month => {
                Date::at(self.start.year(), self.start.month(), 1, precision).map(|d| d.start)
            }
            Precision::Day => self
                .start
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc()),
            Precision::Minute => self
                .start
                .date_naive()
                .and_hms_opt(
                    chrono::Timelike::hour(&self.start),
                    chrono::Timelike::minute(&self.start),
                    0,
                )
                .map(|t| t.and_utc()),
            Precision::Second => Some(self.start),
        };
        let start = start.ok_or_else(|| "date out of range".to_string())?;
        Ok(Date { start, precision })
    }

    /// The end of the interval the date covers (exclusive).
    pub fn end(self) -> DateTime<Utc> {
        let next = match self.precision {
            Precision::Year => self.start.checked_add_months(Months::new(12)),
            Precision::Month => self.start.checked_add_months(Months::new(1)),
            Precision::Day => self.start.checked_add_signed(TimeDelta::days(1)),
            Precision::Minute => self.start.checked_add_signed(TimeDelta::minutes(1)),
            Precision::Second => self.start.checked_add_signed(TimeDelta::seconds(1)),
        };
        next.unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The date as the user would write it, at its precision (UTC).
    pub fn display(self) -> String {
        match self.precision {
            Precision::Year => self.start.format("%Y").to_string(),
            Precision::Month => self.start.format("%Y-%m").to_string(),
            Precision::Day => self.start.format("%Y-%m-%d").to_string(),
            Precision::Minute | Precision::Second => {
                self.start.to_rfc3339_opts(SecondsFormat::Secs, true)
            }
        }
    }

    /// The value this date takes in a date facet of the given granularity:
    /// the bucket it falls in, or its own coarser date when it is not known
    /// that precisely (a month-only date faceted by day stays `2016-10`).
    pub fn facet_value(self, granularity: Precision) -> String {
        let coarse = self.with_precision(granularity.min(self.precision));
        coarse.map(Date::display).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn each_form_has_its_precision_and_interval() {
        let day = d("2016-10-12");
        assert_eq!(day.precision, Precision::Day);
        assert_eq!(day.display(), "2016-10-12");
        assert_eq!(day.end(), d("2016-10-13").start);
        let month = d("2016-12");
        assert_eq!(month.end(), d("2017-01").start);
        assert_eq!(d("2016").end(), d("2017").start);
        let second = d("2016-10-12T11:03:00-04:00");
        assert_eq!(second.precision, Precision::Second);
        assert_eq!(second.display(), "2016-10-12T15:03:00Z");
        let minute = d("2016-10-12T15:03Z");
        assert_eq!(minute.precision, Precision::Minute);
        assert_eq!(minute.end(), d("2016-10-12T15:04:00Z").start);
    }

    #[test]
    fn bad_dates_say_what_is_wrong() {
        assert!(Date::parse("2016-13").unwrap_err().contains("not a month"));
        assert!(Date::parse("2016-02-30").unwrap_err().contains("not a day"));
        assert!(
            Date::parse("2016-10-12T15:03:00")
                .unwrap_err()
                .contains("offset")
        );
        assert!(Date::parse("yesterday").unwrap_err().contains("not a date"));
        assert!(Date::parse("1500").unwrap_err().contains("outside"));
    }

    #[test]
    fn precision_only_coarsens() {
        let t = d("2016-10-12T15:03:27Z");
        assert_eq!(
            t.with_precision(Precision::Minute).unwrap().display(),
            "2016-10-12T15:03:00Z"
        );
        assert_eq!(
            t.with_precision(Precision::Month).unwrap().display(),
            "2016-10"
        );
        assert!(d("2016-10").with_precision(Precision::Day).is_err());
    }

    #[test]
    fn facet_values_never_claim_more_than_is_known() {
        assert_eq!(d("2016-10-12").facet_value(Precision::Month), "2016-10");
        assert_eq!(d("2016-10").facet_value(Precision::Day), "2016-10");
        assert_eq!(d("2016").facet_value(Precision::Month), "2016");
    }
}
