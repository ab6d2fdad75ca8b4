//! The fast path of the line-protocol parser: plain lines (no escape, no quote, no control
//! character, single spaces) read without allocating, byte classes by table lookup. Anything
//! else is left to InfluxDB's crate.

/// A field value read by the fast path; floats are parsed only when asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum FastValue {
    Integer(i64),
    Unsigned(u64),
    /// Byte range of a float literal, already checked against the crate's float grammar.
    Float(usize, usize),
}

/// Byte classes of the fast path, one table lookup per byte.
pub(super) const SPECIAL: u8 = 1;
pub(super) const COMMA: u8 = 2;
pub(super) const EQUALS: u8 = 4;
pub(super) const SPACE: u8 = 8;

/// Bytes the fast path leaves to the crate (escapes, quotes and control characters such as
/// tab, NUL and CR, whose rules differ between the parts of a line) and the separators.
pub(super) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = SPECIAL;
        c += 1;
    }
    t[b'\\' as usize] = SPECIAL;
    t[b'"' as usize] = SPECIAL;
    t[b',' as usize] = COMMA;
    t[b'=' as usize] = EQUALS;
    t[b' ' as usize] = SPACE;
    t
};

/// Reads the `key=value` that starts after the separator at `sep`, as byte ranges of the key
/// and of the value; `None` when the `=` is missing or either side is empty. A value may hold
/// `=`, as the crate reads it.
#[inline]
pub(super) fn key_value(b: &[u8], sep: usize) -> Option<((usize, usize), (usize, usize))> {
    let key_start = sep + 1;
    let key_end = token(b, key_start, EQUALS | COMMA | SPACE)?;
    if key_end == key_start || key_end >= b.len() || b[key_end] != b'=' {
        return None;
    }
    let value_start = key_end + 1;
    let value_end = token(b, value_start, COMMA | SPACE)?;
    if value_end == value_start {
        return None;
    }
    Some(((key_start, key_end), (value_start, value_end)))
}

/// Scans a token up to a byte of the `stop` classes; `None` at a special byte.
#[inline]
pub(super) fn token(b: &[u8], mut i: usize, stop: u8) -> Option<usize> {
    while let Some(&c) = b.get(i) {
        let class = CLASS[usize::from(c)];
        if class & stop != 0 {
            break;
        }
        if class & SPECIAL != 0 {
            return None;
        }
        i += 1;
    }
    Some(i)
}

pub(super) fn all_digits(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_digit)
}

/// The crate's float grammar: `-?D`, `-?D.D`, `-?De[+-]?D`, `-?D.De[+-]?D` (D: digits), in
/// one pass.
pub(super) fn is_float(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"-").unwrap_or(b);
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = digits(0);
    if i == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = digits(start);
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        i = digits(start);
        if i == start {
            return false;
        }
    }
    i == b.len()
}

pub(super) fn fast_value(line: &str, start: usize, end: usize) -> Option<FastValue> {
    let text = &line[start..end];
    let b = text.as_bytes();
    match b.last()? {
        b'i' => parse_i64(&b[..b.len() - 1]).map(FastValue::Integer),
        b'u' => {
            if !all_digits(&b[..b.len() - 1]) {
                return None;
            }
            // Past i64::MAX the crate's path reports it: the tables' columns are INT64.
            text[..text.len() - 1].parse().ok().filter(|v| i64::try_from(*v).is_ok()).map(FastValue::Unsigned)
        }
        // Only a literal with an exponent or hundreds of digits can overflow to infinity: those
        // are checked here (rare), the rest is parsed only when a field is read.
        _ if is_float(b) && (b.len() > 300 || b.iter().any(|c| matches!(c, b'e' | b'E'))) => {
            text.parse::<f64>().ok().filter(|v| v.is_finite()).map(|_| FastValue::Float(start, end))
        }
        _ => is_float(b).then_some(FastValue::Float(start, end)),
    }
}

/// `-?[0-9]+` as `str::parse::<i64>` reads it; `None` for anything else or out of range.
pub(super) fn parse_i64(b: &[u8]) -> Option<i64> {
    let (negative, digits) = match b.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, b),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: u64 = 0;
    // Up to 19 digits cannot overflow u64; nanosecond timestamps have 19.
    if digits.len() <= 19 {
        for &d in digits {
            let digit = d.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            magnitude = magnitude * 10 + u64::from(digit);
        }
    } else {
        for &d in digits {
            let digit = d.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(digit))?;
        }
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}
