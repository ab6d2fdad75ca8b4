//! The point a stage emits per group and tick, as the profile's rules read points.

use crate::point::{FieldValue, PointView};
use crate::profile::Emit;

/// One federator point: measurement, tags and one field.
#[derive(Debug)]
pub(crate) struct EmittedPoint<'a> {
    measurement: &'a str,
    tags: Vec<(&'a str, &'a str)>,
    field: &'a str,
    value: f64,
    integer: bool,
}

impl<'a> EmittedPoint<'a> {
    /// The point of a group whose `labels` have `values`; `None` when the measurement label
    /// is empty (no measurement to write).
    pub(crate) fn new(emit: &'a Emit, labels: &[String], values: &'a [String], value: f64) -> Option<Self> {
        let of = |label: &str| labels.iter().position(|l| l == label).map_or("", |i| values[i].as_str());
        let measurement = match (&emit.measurement, &emit.measurement_label, &emit.other_measurement) {
            (Some(m), _, _) => m.as_str(),
            (None, Some(label), Some(other)) => {
                let value = of(label);
                if emit.measurement_values.iter().any(|v| v == value) {
                    value
                } else {
                    other.as_str()
                }
            }
            (None, Some(label), None) => of(label),
            (None, None, _) => "",
        };
        if measurement.is_empty() {
            return None;
        }
        let tags = emit.tags.iter().map(|(tag, label)| (tag.as_str(), of(label))).collect();
        Some(EmittedPoint { measurement, tags, field: &emit.field, value, integer: emit.integer })
    }

    /// Appends the point as one line of line protocol, byte for byte as planet-federator's
    /// client (influxdb-client-go v2 over influxdata/line-protocol) writes it: tags in the
    /// order they were added, empty ones left out; a float in the shortest form that reads
    /// back the same, without exponent (Go's `'f', -1`, see [`go_float`]);
    /// an integer with `i`; the time in ns. `false` (nothing appended) for a value line
    /// protocol cannot hold (NaN, infinite), which that client refuses too.
    pub(crate) fn write_line(&self, time: i64, out: &mut String) -> bool {
        use std::fmt::Write;
        if !self.value.is_finite() {
            return false;
        }
        escape_into(out, self.measurement, false);
        for (k, v) in &self.tags {
            if k.is_empty() || v.is_empty() {
                continue;
            }
            out.push(',');
            escape_into(out, k, true);
            out.push('=');
            escape_into(out, v, true);
        }
        out.push(' ');
        escape_into(out, self.field, true);
        out.push('=');
        // Writing into a String cannot fail.
        if self.integer {
            let _ = write!(out, "{}i", self.value as i64);
        } else {
            go_float(self.value, out);
        }
        let _ = writeln!(out, " {time}");
        true
    }
}

/// A finite float as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes it: the fewest
/// significant digits that read back as `v`, no exponent. Rust's `Display` finds the same number
/// of digits but breaks an exact tie between two candidates upwards (3846.3992309570313 for
/// 3846.39923095703125) where Go rounds half to even (…312); so the digit count comes from
/// `Display` and the digits from Rust's exact formatting at that precision, which rounds half
/// to even.
pub(crate) fn go_float(v: f64, out: &mut String) {
    use std::fmt::Write;
    let shortest = v.to_string();
    let digits: &str = &shortest.chars().filter(char::is_ascii_digit).collect::<String>();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    if significant == 0 {
        out.push_str(&shortest);
        return;
    }
    let exact = format!("{:.*e}", significant - 1, v.abs());
    let (mantissa, exponent) = exact.split_once('e').unwrap_or((&exact, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if v.is_sign_negative() {
        out.push('-');
    }
    if exponent < 0 {
        out.push_str("0.");
        (1..-exponent).for_each(|_| out.push('0'));
        out.push_str(&digits);
        return;
    }
    let whole = usize::try_from(exponent).unwrap_or(0) + 1;
    if digits.len() <= whole {
        out.push_str(&digits);
        (digits.len()..whole).for_each(|_| out.push('0'));
    } else {
        let _ = write!(out, "{}.{}", &digits[..whole], &digits[whole..]);
    }
}

/// Line protocol escaping as influxdata/line-protocol does it: tab, newline, form feed and
/// carriage return as `\t`, `\n`, `\f`, `\r`; comma and space with a backslash; `=` too in
/// tag keys, tag values and field keys (`key`), not in a measurement.
fn escape_into(out: &mut String, text: &str, key: bool) {
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{0c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            ',' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '=' if key => out.push_str("\\="),
            _ => out.push(c),
        }
    }
}

impl PointView for EmittedPoint<'_> {
    fn measurement(&self) -> &str {
        self.measurement
    }

    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        (key == self.field).then_some(FieldValue::Float(self.value))
    }

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        for (k, v) in &self.tags {
            visit(k, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::go_float;

    fn go(v: f64) -> String {
        let mut out = String::new();
        go_float(v, &mut out);
        out
    }

    #[test]
    fn floats_are_written_as_gos_strconv_shortest_f_format() {
        // Expected strings are Go's `strconv.FormatFloat(v, 'f', -1, 64)` (the first is what
        // Prometheus, a Go program, answered for this value; Rust's Display gives ...313).
        // 3846.39923095703125 exactly: halfway between ...312 and ...313.
        assert_eq!(go(3846.0 + 6541.0 / 16384.0), "3846.3992309570312");
        assert_eq!(go(16839.903450012207), "16839.903450012207");
        assert_eq!(go(2000.0), "2000");
        assert_eq!(go(1e21), "1000000000000000000000");
        assert_eq!(go(0.1), "0.1");
        assert_eq!(go(1.5e-7), "0.00000015");
        assert_eq!(go(-1234.5), "-1234.5");
        assert_eq!(go(0.0), "0");
    }
}
