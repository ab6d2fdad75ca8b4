//! Options of an analysis: the same struct comes from CLI flags, a config file and JavaScript.

use crate::aggregate::WindowSpec;
use crate::parse::Format;
use crate::profile::Profile;
use crate::time::{Duration, Precision, Timestamp, HOUR};
use crate::whatif::WhatIf;
use serde::{Deserialize, Serialize};

/// What to analyze and how. Deserializes from camelCase (`trafficWindow`) or snake_case keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Options {
    /// Window end and `inventory_date`. Default: the start of the next whole hour after the
    /// newest point of the input.
    pub at: Option<Timestamp>,
    /// Traffic window length. Default `1h`.
    #[serde(alias = "traffic_window")]
    pub traffic_window: Duration,
    /// Dependency window length. Default `7d`.
    #[serde(alias = "dependency_window")]
    pub dependency_window: Duration,
    /// Input format. Default `auto` (detected per input from its first line).
    pub format: Format,
    /// Unit of epoch integers whose format does not state it. Default `auto` (by magnitude).
    pub precision: Precision,
    /// Stop at the first malformed line instead of skipping and counting it. Default `false`.
    pub strict: bool,
    /// Schema profile. Default: planet-federator.
    #[serde(skip)]
    pub profile: Profile,
    /// What-if filters, renames and extra statistics (see [`crate::whatif`]), given as keys of
    /// their own (`minBandwidth`, `excludePorts`, ...). Default: none, the tables as the service writes them.
    #[serde(flatten)]
    pub what_if: WhatIf,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            at: None,
            traffic_window: Duration(HOUR),
            dependency_window: Duration(7 * 24 * HOUR),
            format: Format::Auto,
            precision: Precision::Auto,
            strict: false,
            profile: Profile::planet_federator(),
            what_if: WhatIf::default(),
        }
    }
}

impl Options {
    /// The window part of the options.
    pub fn window_spec(&self) -> WindowSpec {
        WindowSpec { at: self.at, traffic_window: self.traffic_window, dependency_window: self.dependency_window }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_deserialize_from_javascript_style_keys_with_defaults() {
        let o: Options = serde_json::from_str(r#"{"at":"2026-11-22T13:00:00Z","trafficWindow":"90m","strict":true}"#)
            .expect("valid options");
        assert_eq!(o.traffic_window, Duration(90 * 60 * 1_000_000_000));
        assert_eq!(o.dependency_window, Duration(7 * 24 * HOUR));
        assert!(o.strict);
        assert_eq!(o.at.map(|t| t.to_rfc3339()).as_deref(), Some("2026-11-22T13:00:00Z"));
        assert!(serde_json::from_str::<Options>(r#"{"trafficWindow":"90"}"#).is_err());
    }

    #[test]
    fn options_survive_a_json_round_trip_as_hosts_pass_them_to_a_guest() {
        let o: Options = serde_json::from_str(
            r#"{"at":"2026-11-22T13:00:00.5Z","trafficWindow":"1h30m","dependencyWindow":"36h","format":"lp","precision":"ms","strict":true}"#,
        )
        .expect("valid options");
        let text = serde_json::to_string(&o).expect("serializable");
        assert_eq!(
            text,
            r#"{"at":"2026-11-22T13:00:00.500Z","trafficWindow":"1h30m","dependencyWindow":"1d12h","format":"line-protocol","precision":"ms","strict":true}"#
        );
        assert_eq!(serde_json::from_str::<Options>(&text).expect("round trip"), o);
    }

    #[test]
    fn unknown_option_keys_are_ignored_so_older_cores_accept_newer_hosts() {
        let o: Options = serde_json::from_str(r#"{"strict":true,"somethingNew":1}"#).expect("accepted");
        assert!(o.strict);
    }
}
