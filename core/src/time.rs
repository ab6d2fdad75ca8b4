//! Time values: nanosecond timestamps, Go-style durations with days, and the precision of epoch numbers.

use crate::error::{quote, Error, Result};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::str::FromStr;

/// Nanoseconds in one second.
pub const SECOND: i64 = 1_000_000_000;
/// Nanoseconds in one hour.
pub const HOUR: i64 = 3_600 * SECOND;

/// A point in time, in nanoseconds since the Unix epoch (UTC), as InfluxDB stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// RFC3339 in UTC ending in `Z`, with as many fractional digits as needed (none for whole seconds).
    pub fn to_rfc3339(self) -> String {
        DateTime::<Utc>::from_timestamp_nanos(self.0).to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }

    /// The start of the next whole hour strictly after this instant; past the last whole hour
    /// that fits in 64 bits (2262-04-11T23:00:00Z), that hour, so a window end stays on the hour.
    pub fn next_hour(self) -> Timestamp {
        let next = self.0.div_euclid(HOUR).saturating_add(1).checked_mul(HOUR);
        Timestamp(next.unwrap_or(i64::MAX.div_euclid(HOUR) * HOUR))
    }

    /// Parses RFC3339 (any offset; fractional seconds up to nanoseconds).
    pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
        let dt = DateTime::parse_from_rfc3339(text.trim()).ok()?;
        dt.timestamp_nanos_opt().map(Timestamp)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        if let Some(t) = Timestamp::parse_rfc3339(text) {
            return Ok(t);
        }
        if DateTime::parse_from_rfc3339(text.trim()).is_ok() {
            // Valid RFC3339 that nanoseconds in 64 bits (InfluxDB's time) cannot hold.
            return Err(Error::Option {
                name: "timestamp".into(),
                reason: format!(
                    "{:?} is out of range: supported from {} to {}",
                    quote(text),
                    Timestamp(i64::MIN).to_rfc3339(),
                    Timestamp(i64::MAX).to_rfc3339()
                ),
            });
        }
        Err(Error::Timestamp { quote: quote(text) })
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A length of time in nanoseconds, written in Go's syntax plus days: `90m`, `1h30m`, `7d`, `1.5h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    /// Nanoseconds.
    pub fn nanos(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Duration {
    /// Writes the shortest exact form, e.g. `7d`, `1h30m`, `90s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(&str, i64); 7] = [
            ("d", 24 * HOUR),
            ("h", HOUR),
            ("m", 60 * SECOND),
            ("s", SECOND),
            ("ms", 1_000_000),
            ("us", 1_000),
            ("ns", 1),
        ];
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        for (name, size) in UNITS {
            let size = size as u64;
            if rest >= size {
                write!(f, "{}{}", rest / size, name)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl FromStr for Duration {
    type Err = Error;

    /// Go's `time.ParseDuration` grammar (a sign, then number+unit pairs, units ns us µs ms s m h),
    /// extended with `d` for 24h days because windows are usually counted in days.
    fn from_str(text: &str) -> Result<Self> {
        let err = |reason: &str| Error::Duration { quote: quote(text), reason: reason.to_string() };
        let s = text.trim();
        let (negative, mut rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if rest == "0" {
            return Ok(Duration(0));
        }
        if rest.is_empty() {
            return Err(err("empty"));
        }
        let mut total: i128 = 0;
        while !rest.is_empty() {
            let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
            if num_len == 0 {
                return Err(err("expected a number"));
            }
            let number = &rest[..num_len];
            rest = &rest[num_len..];
            let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let scale: i128 = match unit {
                "ns" => 1,
                "us" | "µs" | "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => SECOND as i128,
                "m" => 60 * SECOND as i128,
                "h" => HOUR as i128,
                "d" => 24 * HOUR as i128,
                "" => return Err(err("missing unit (one of ns, us, ms, s, m, h, d)")),
                _ => return Err(err("unknown unit (one of ns, us, ms, s, m, h, d)")),
            };
            let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
            if whole.is_empty() && frac.is_empty() {
                return Err(err("expected a number"));
            }
            let whole: i128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| err("number too large"))? };
            let mut value = whole.checked_mul(scale).ok_or_else(|| err("too large"))?;
            // Fractions are exact to the nanosecond, as Go does, rather than going through floats.
            let mut unit_scale = scale;
            for digit in frac.bytes() {
                unit_scale /= 10;
                value += i128::from(digit - b'0') * unit_scale;
            }
            total = total.checked_add(value).ok_or_else(|| err("too large"))?;
            if total > i64::MAX as i128 {
                return Err(err("too large"));
            }
        }
        let total = total as i64;
        Ok(Duration(if negative { -total } else { total }))
    }
}

/// Written in the form `Display` gives, which `FromStr` reads back exactly.
impl Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How to read an integer timestamp whose unit the format does not state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Guess from the magnitude: InfluxDB writes nanoseconds, but `/query?epoch=s|ms|us` and
    /// line protocol written with `precision=s` carry smaller units. Any instant between
    /// 1973 and 2286 has a distinct magnitude in each unit, so the guess is unambiguous there.
    #[default]
    Auto,
    /// Nanoseconds.
    Ns,
    /// Microseconds.
    Us,
    /// Milliseconds.
    Ms,
    /// Seconds.
    S,
}

impl FromStr for Precision {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        Ok(match text {
            "auto" => Precision::Auto,
            "ns" | "n" => Precision::Ns,
            "us" | "u" | "µs" => Precision::Us,
            "ms" => Precision::Ms,
            "s" => Precision::S,
            _ => {
                return Err(Error::Option {
                    name: "precision".into(),
                    reason: format!("{:?} is not one of auto, ns, us, ms, s", quote(text)),
                })
            }
        })
    }
}

impl Precision {
    /// Converts an epoch integer to nanoseconds; `None` when it does not fit.
    pub fn to_nanos(self, value: i64) -> Option<i64> {
        let factor = match self {
            Precision::Ns => 1,
            Precision::Us => 1_000,
            Precision::Ms => 1_000_000,
            Precision::S => SECOND,
            Precision::Auto => {
                let magnitude = value.unsigned_abs();
                if magnitude < 100_000_000_000 {
                    SECOND
                } else if magnitude < 100_000_000_000_000 {
                    1_000_000
                } else if magnitude < 100_000_000_000_000_000 {
                    1_000
                } else {
                    1
                }
            }
        };
        value.checked_mul(factor)
    }
}

/// Parses a time cell: an epoch integer (unit by `precision`) or an RFC3339 string.
pub fn parse_time_text(text: &str, precision: Precision) -> Option<i64> {
    // Exports give every row's time as plain digits: read them in one pass, without trimming
    // or scanning the text twice (a visible share of reading a CSV export). Anything else
    // (a sign, spaces, more than 19 digits, RFC3339) takes the general path below. 19 digits
    // always fit in a u64; `try_from` refuses what does not fit in an i64, as `parse` does.
    if (1..=19).contains(&text.len()) {
        let mut value = 0u64;
        let mut digits = true;
        for b in text.bytes() {
            digits &= b.is_ascii_digit();
            value = value.wrapping_mul(10).wrapping_add(u64::from(b.wrapping_sub(b'0')));
        }
        if digits {
            return i64::try_from(value).ok().and_then(|v| precision.to_nanos(v));
        }
    }
    let t = text.trim();
    if t.bytes().all(|b| b.is_ascii_digit() || b == b'-') && !t.is_empty() {
        return t.parse::<i64>().ok().and_then(|v| precision.to_nanos(v));
    }
    Timestamp::parse_rfc3339(t).map(|ts| ts.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_hour_of_the_last_instant_is_the_last_whole_hour() {
        // 2262-04-11T23:47:16.854775807Z is i64::MAX nanoseconds; its hour starts at 23:00.
        assert_eq!(Timestamp(i64::MAX).next_hour().to_rfc3339(), "2262-04-11T23:00:00Z");
        assert_eq!(Timestamp(0).next_hour().to_rfc3339(), "1970-01-01T01:00:00Z");
    }

    #[test]
    fn a_valid_timestamp_past_64_bits_of_nanoseconds_is_out_of_range() {
        let error = "9999-01-01T00:00:00Z".parse::<Timestamp>().expect_err("out of range");
        let text = error.to_string();
        assert!(
            text.contains(
                "out of range: supported from 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z"
            ),
            "{text}"
        );
        let error = "tomorrow".parse::<Timestamp>().expect_err("not RFC3339");
        assert!(error.to_string().contains("expected RFC3339"), "{error}");
    }

    fn d(text: &str) -> i64 {
        text.parse::<Duration>().expect("valid duration").0
    }

    proptest::proptest! {
        /// The digits-only fast path reads what `str::parse` reads, for every precision.
        #[test]
        fn plain_digit_times_read_as_str_parse_reads_them(text in "[-+ 0-9]{0,21}|[0-9]{17,21}", p in 0usize..6) {
            let precision = [
                Precision::Auto, Precision::Ns, Precision::Us, Precision::Ms, Precision::S, Precision::Auto,
            ][p];
            let reference = if !text.trim().is_empty() && text.trim().bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                text.trim().parse::<i64>().ok().and_then(|v| precision.to_nanos(v))
            } else {
                Timestamp::parse_rfc3339(text.trim()).map(|ts| ts.0)
            };
            proptest::prop_assert_eq!(parse_time_text(&text, precision), reference, "{:?}", text);
        }
    }

    #[test]
    fn durations_follow_go_syntax_with_days() {
        assert_eq!(d("90m"), 90 * 60 * SECOND);
        assert_eq!(d("1h30m"), 90 * 60 * SECOND);
        assert_eq!(d("7d"), 7 * 24 * HOUR);
        assert_eq!(d("1.5h"), 90 * 60 * SECOND);
        assert_eq!(d("-1h5m"), -(65 * 60 * SECOND));
        assert_eq!(d("0"), 0);
        assert_eq!(d("300ms"), 300_000_000);
        assert_eq!(d("2us"), 2_000);
    }

    #[test]
    fn durations_reject_missing_units_and_garbage() {
        for bad in ["", "5", "h", "1x", "1h-", "--1h", "1.h.", "99999999999999999999h"] {
            assert!(bad.parse::<Duration>().is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn durations_print_in_shortest_exact_form() {
        assert_eq!(Duration(d("7d")).to_string(), "7d");
        assert_eq!(Duration(d("90m")).to_string(), "1h30m");
        assert_eq!(Duration(0).to_string(), "0s");
    }

    #[test]
    fn timestamps_print_as_utc_rfc3339_with_z() {
        let ts: Timestamp = "2026-11-22T15:00:00+02:00".parse().expect("valid");
        assert_eq!(ts.to_rfc3339(), "2026-11-22T13:00:00Z");
        assert_eq!(Timestamp(ts.0 + 1).to_rfc3339(), "2026-11-22T13:00:00.000000001Z");
    }

    #[test]
    fn next_hour_is_strictly_after() {
        let on_hour: Timestamp = "2026-11-22T13:00:00Z".parse().expect("valid");
        assert_eq!(on_hour.next_hour().to_rfc3339(), "2026-11-22T14:00:00Z");
        assert_eq!(Timestamp(on_hour.0 - 1).next_hour(), on_hour);
    }

    #[test]
    fn auto_precision_guesses_unit_from_magnitude() {
        let ns = 1_795_349_886_000_000_000;
        for v in [1_795_349_886, 1_795_349_886_000, 1_795_349_886_000_000, ns] {
            assert_eq!(Precision::Auto.to_nanos(v), Some(ns));
        }
    }
}
