//! The parts of a `/query` answer read in place: text borrowed from the input where it holds no
//! escape, and the value rows of a series as one flat list of cells.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Number, Value};
use std::borrow::{Borrow, Cow};
use std::fmt;

/// A JSON string, borrowed from the input when it holds no escape.
#[derive(Default, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Text<'a>(Cow<'a, str>);

impl Text<'_> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// As a `String` prints, so that messages quoting a name read as before.
impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Cow::Owned(v)))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

/// One value of a row.
#[derive(Clone, PartialEq)]
pub(super) enum Cell<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Text<'a>),
    /// An array or an object, which no column of a point holds; kept for error messages.
    Nested(Value),
}

impl Cell<'_> {
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Cell::String(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// As `serde_json::Value::as_f64`.
    pub(super) fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Number(n) => Value::Number(n.clone()),
            Cell::String(s) => Value::String(s.as_str().to_string()),
            Cell::Nested(v) => v.clone(),
        }
    }
}

/// As the `serde_json::Value` of the cell prints, so that messages quoting a cell read as before.
impl fmt::Debug for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_value(), f)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Cell::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Cell::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Cell::Bool(v))
    }

    // Numbers become the `Number` a `Value` would hold, with the same conversions.
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Cell::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Cell::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Number::from_f64(v).map_or(Cell::Null, Cell::Number))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cell::String(Text(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cell::String(Text(Cow::Owned(v.to_string()))))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cell::String(Text(Cow::Owned(v))))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Cell::Nested)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Cell::Nested)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Cell<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

/// The `values` of a series: every row's cells one after the other, and where each row ends.
#[derive(Debug, Default)]
pub(super) struct Rows<'a> {
    cells: Vec<Cell<'a>>,
    ends: Vec<usize>,
}

impl<'a> Rows<'a> {
    /// The rows in order, each as its cells.
    pub(super) fn rows(&self) -> impl Iterator<Item = &[Cell<'a>]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(start, &end)| &self.cells[start..end])
    }
}

struct RowsVisitor;

impl<'de> Visitor<'de> for RowsVisitor {
    type Value = Rows<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As `Vec` says it, so that messages read as before.
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Rows::default();
        while seq.next_element_seed(RowSeed(&mut rows.cells))?.is_some() {
            rows.ends.push(rows.cells.len());
        }
        Ok(rows)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Rows<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(RowsVisitor)
    }
}

/// Appends the cells of one row to the flat list.
struct RowSeed<'r, 'de>(&'r mut Vec<Cell<'de>>);

impl<'de> de::DeserializeSeed<'de> for RowSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(cell) = seq.next_element::<Cell<'de>>()? {
            self.0.push(cell);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell reads as the `serde_json::Value` the previous parser built, printed alike.
    #[test]
    fn cells_read_as_serde_json_values() {
        let text = r#"[[null,true,false,1,-1,18446744073709551615,-9223372036854775808,1.5,-0.0,1e300,
            "a","\u00e9\"x",[1,[2]],{"k":{"v":null}}],[],["x"]]"#;
        let rows: Rows<'_> = serde_json::from_str(text).expect("valid");
        let values: Vec<Vec<Value>> = serde_json::from_str(text).expect("valid");
        let read: Vec<Vec<Value>> = rows.rows().map(|row| row.iter().map(Cell::to_value).collect()).collect();
        assert_eq!(read, values);
        for (row, expected) in rows.rows().zip(&values) {
            for (cell, value) in row.iter().zip(expected) {
                assert_eq!(format!("{cell:?}"), format!("{value:?}"));
                assert_eq!(cell.as_f64(), value.as_f64());
                assert_eq!(cell.as_str(), value.as_str());
            }
        }
        assert_eq!(rows.rows().map(<[Cell<'_>]>::len).collect::<Vec<_>>(), vec![14, 0, 1]);
    }

    #[test]
    fn plain_strings_are_borrowed_and_escaped_ones_owned() {
        let rows: Rows<'_> = serde_json::from_str(r#"[["plain","esc\"aped"]]"#).expect("valid");
        let row = rows.rows().next().expect("a row");
        assert!(matches!(&row[0], Cell::String(Text(Cow::Borrowed("plain")))));
        assert!(matches!(&row[1], Cell::String(Text(Cow::Owned(s))) if s == "esc\"aped"));
    }

    #[test]
    fn a_row_that_is_not_an_array_is_an_error() {
        assert!(serde_json::from_str::<Rows<'_>>(r#"[1]"#).is_err());
        assert!(serde_json::from_str::<Rows<'_>>(r#"{"a":1}"#).is_err());
    }
}
