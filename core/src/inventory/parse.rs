//! planet-exporter's two inventory formats: `arrayjson` (one JSON array of hosts) and `ndjson`
//! (one host object per line). Unknown keys are refused, as planet-exporter's decoder refuses
//! them; absent keys read as `""`.

use super::Host;
use crate::error::{quote, Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How an inventory's text is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InventoryFormat {
    /// `[{...}, {...}]`: planet-exporter's default.
    #[default]
    ArrayJson,
    /// `{...}\n{...}\n`: one host per line.
    NdJson,
}

impl InventoryFormat {
    /// The format a text is in: `arrayjson` when its first non-blank character is `[`,
    /// `ndjson` otherwise (a host object starts with `{`).
    pub fn detect(text: &str) -> InventoryFormat {
        match text.trim_start().as_bytes().first() {
            Some(b'[') => InventoryFormat::ArrayJson,
            _ => InventoryFormat::NdJson,
        }
    }
}

impl fmt::Display for InventoryFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InventoryFormat::ArrayJson => "arrayjson",
            InventoryFormat::NdJson => "ndjson",
        })
    }
}

impl FromStr for InventoryFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "arrayjson" => Ok(InventoryFormat::ArrayJson),
            "ndjson" => Ok(InventoryFormat::NdJson),
            other => Err(Error::Inventory(format!("unknown inventory format {other:?} (known: arrayjson, ndjson)"))),
        }
    }
}

/// The hosts of an inventory text, in order. `name` (a file name or URL) starts every error.
pub(super) fn hosts(text: &str, format: InventoryFormat, name: &str) -> Result<Vec<Host>> {
    match format {
        InventoryFormat::ArrayJson => serde_json::from_str(text).map_err(|e| at_line(name, text, e.line(), &e)),
        InventoryFormat::NdJson => text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(n, line)| {
                if !line.trim_start().starts_with('{') {
                    let what = quote(line.trim());
                    return Err(Error::Inventory(format!(
                        "{name}:{}: expected one host object per line, {{\"ip_address\", \"domain\", \"hostgroup\"}}: {what:?}",
                        n + 1
                    )));
                }
                serde_json::from_str(line).map_err(|e| at_line(name, text, n + 1, &e))
            })
            .collect(),
    }
}

/// An error at a 1-based line of the text, quoting that line.
fn at_line(name: &str, text: &str, line: usize, error: &serde_json::Error) -> Error {
    let what = text.lines().nth(line.saturating_sub(1)).unwrap_or("").trim();
    Error::Inventory(format!("{name}:{line}: {error}: {:?}", quote(what)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_read_planet_exporters_sample_inventories() {
        // planet-exporter's setup/inventories/task-inventory-{arrayjson,ndjson}.json.
        let array = r#"[
  {"ip_address": "10.0.1.2", "domain": "xyz.service.consul", "hostgroup": "xyz"},
  {"ip_address": "172.16.1.2", "domain": "abc.service.consul", "hostgroup": "abc"},
  {"ip_address": "10.3.0.0/16", "domain": "", "hostgroup": "unknown-but-its-network-xyz"}
]"#;
        let nd = concat!(
            r#"{"ip_address":"10.0.1.2","domain":"xyz.service.consul","hostgroup":"xyz"}"#,
            "\n",
            r#"{"ip_address":"172.16.1.2","domain":"abc.service.consul","hostgroup":"abc"}"#,
            "\n\n",
            r#"{"ip_address":"10.3.0.0/16","domain":"","hostgroup":"unknown-but-its-network-xyz"}"#,
            "\n"
        );
        let a = hosts(array, InventoryFormat::ArrayJson, "a.json").expect("arrayjson");
        let n = hosts(nd, InventoryFormat::NdJson, "n.json").expect("ndjson");
        assert_eq!(a, n);
        assert_eq!(a.len(), 3);
        assert_eq!(a[2].ip_address, "10.3.0.0/16");
        assert_eq!(a[2].hostgroup, "unknown-but-its-network-xyz");
        assert_eq!(InventoryFormat::detect(array), InventoryFormat::ArrayJson);
        assert_eq!(InventoryFormat::detect(nd), InventoryFormat::NdJson);
    }

    #[test]
    fn errors_name_the_input_and_line_and_quote_it() {
        let nd = "{\"ip_address\":\"10.0.0.1\",\"hostgroup\":\"a\"}\n{\"ip_address\":\"10.0.0.2\",\"host\":\"b\"}\n";
        let e = hosts(nd, InventoryFormat::NdJson, "inv.ndjson").expect_err("unknown key").to_string();
        assert!(e.starts_with("invalid inventory: inv.ndjson:2: unknown field `host`"), "{e}");
        assert!(e.contains(r#""{\"ip_address\":\"10.0.0.2\",\"host\":\"b\"}""#), "{e}");

        let array = "[\n{\"ip_address\": \"10.0.0.1\"},\n{\"ip_address\": 5}\n]";
        let e = hosts(array, InventoryFormat::ArrayJson, "inv.json").expect_err("number").to_string();
        assert!(e.contains("inv.json:3: invalid type: integer `5`"), "{e}");
        assert!(e.contains(r#""{\"ip_address\": 5}""#), "{e}");

        let e = hosts("[{\"ip_address\":\"a\"}]\n{}", InventoryFormat::ArrayJson, "x").expect_err("trailing");
        assert!(e.to_string().contains("x:2: trailing characters"), "{e}");
        let e = hosts("[{}]", InventoryFormat::NdJson, "x").expect_err("an array is not a host line");
        assert!(e.to_string().contains("x:1: expected one host object per line"), "{e}");
        assert!("csv".parse::<InventoryFormat>().is_err());
    }
}
