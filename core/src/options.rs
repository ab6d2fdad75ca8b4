//! Options of an analysis: the same struct comes from CLI flags, a config file and JavaScript.

use crate::aggregate::WindowSpec;
use crate::defaults;
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::parse::Format;
use crate::profile::Profile;
use crate::time::{Duration, Precision, Timestamp};
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
    /// Schema profile. Default: planet-federator. In JSON, the name of a built-in profile
    /// (`"planet-federator"`) or a whole profile object (validated as it is read); written
    /// back as its name when it is a built-in one, left out when it is the default.
    #[serde(with = "profile_by_name_or_inline", skip_serializing_if = "is_default_profile")]
    pub profile: Profile,
    /// What-if filters, renames and extra statistics (see [`crate::whatif`]), given as keys of
    /// their own (`minBandwidth`, `excludePorts`, ...). Default: none, the tables as the service writes them.
    #[serde(flatten)]
    pub what_if: WhatIf,
    /// Longest line accepted, in bytes; a longer line is reported and skipped without being
    /// buffered. Default [`defaults::MAX_LINE_BYTES`] (64 MiB).
    #[serde(alias = "max_line_bytes", skip_serializing_if = "is_default_max_line_bytes")]
    pub max_line_bytes: u64,
    /// IP-to-hostgroup inventory for the profile's metric stages that resolve addresses
    /// (planet-exporter's; see [`crate::inventory`]). In JSON, the inventory's text (`arrayjson`
    /// or `ndjson`, told apart by the first character) or its array of entries. Default: none,
    /// and then the rows are exactly those without this option.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory: Option<Inventory>,
    /// Every window the schedule produces within the data, in one pass, instead of one window:
    /// hourly traffic windows and daily dependency windows ending at `dependency_hour`; each
    /// window's rows are those of an analysis with that `at` (which this option ignores).
    /// Memory grows with groups × hours of data. Default `false`.
    #[serde(alias = "all_windows", skip_serializing_if = "std::ops::Not::not")]
    pub all_windows: bool,
    /// The hour of the day (UTC, 0 to 23) at which the daily dependency windows of
    /// `all_windows` end, as the service's dependency schedule. Default
    /// [`defaults::DEPENDENCY_HOUR`] (11).
    #[serde(
        alias = "dependency_hour",
        deserialize_with = "hour_of_day",
        skip_serializing_if = "is_default_dependency_hour"
    )]
    pub dependency_hour: u8,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            at: None,
            traffic_window: defaults::TRAFFIC_WINDOW,
            dependency_window: defaults::DEPENDENCY_WINDOW,
            format: Format::Auto,
            precision: Precision::Auto,
            strict: false,
            profile: Profile::default(),
            what_if: WhatIf::default(),
            max_line_bytes: defaults::MAX_LINE_BYTES,
            inventory: None,
            all_windows: false,
            dependency_hour: defaults::DEPENDENCY_HOUR,
        }
    }
}

impl Options {
    /// The window part of the options.
    pub fn window_spec(&self) -> WindowSpec {
        WindowSpec { at: self.at, traffic_window: self.traffic_window, dependency_window: self.dependency_window }
    }

    /// Refuses a profile that needs an inventory without one, and an inventory that the
    /// profile would not use (it names no label to resolve), so neither goes unnoticed.
    pub fn check_inventory(&self) -> Result<()> {
        let profile = &self.profile;
        let stages = profile.metrics.as_ref().map(|m| m.stages.as_slice()).unwrap_or_default();
        let resolves = stages.iter().any(|s| !s.inventory.is_empty());
        let required = profile.metrics.as_ref().is_some_and(|m| m.inventory_required);
        match &self.inventory {
            None if required => Err(Error::Inventory(format!(
                "the profile {} maps addresses to hostgroups only through an inventory: give one \
                 (--inventory PATH|URL, or the inventory option)",
                profile.name
            ))),
            Some(_) if !resolves => Err(Error::Inventory(format!(
                "the profile {} resolves no address through an inventory (profiles that do: {})",
                profile.name,
                defaults::INVENTORY_PROFILES.join(", ")
            ))),
            _ => Ok(()),
        }
    }
}

impl Options {
    /// Refuses `all_windows` with a profile that reads raw exporter metrics, before any input
    /// is read (the read would otherwise end in the same refusal).
    pub fn check_all_windows(&self) -> Result<()> {
        if self.all_windows && self.profile.metrics.is_some() {
            return Err(all_windows_refused(&self.profile.name));
        }
        Ok(())
    }
}

/// Why every-window mode cannot take a profile with a `metrics` section, named for every host.
pub(crate) fn all_windows_refused(profile: &str) -> Error {
    Error::Option {
        name: "allWindows (--all-windows)".into(),
        reason: format!(
            "not available with the profile {profile}, which reads raw exporter metrics: their rates and \
             sums are evaluated at ticks that depend on each window's end, which the hourly buckets \
             of every-window mode do not keep; analyze each window with `at` (--at END) instead"
        ),
    }
}

fn is_default_max_line_bytes(bytes: &u64) -> bool {
    *bytes == defaults::MAX_LINE_BYTES
}

fn is_default_dependency_hour(hour: &u8) -> bool {
    *hour == defaults::DEPENDENCY_HOUR
}

fn hour_of_day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let hour = u8::deserialize(d)?;
    if hour > 23 {
        return Err(serde::de::Error::custom(format!("dependencyHour {hour} is not an hour of the day (0 to 23)")));
    }
    Ok(hour)
}

fn is_default_profile(profile: &Profile) -> bool {
    *profile == Profile::default()
}

/// A profile in JSON: a built-in one's name, or the profile itself. Resolved as the options are
/// read, so an unknown name or an invalid profile is an error of the options, and the analysis
/// always holds a whole [`Profile`].
mod profile_by_name_or_inline {
    use crate::profile::Profile;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NameOrInline {
        Name(String),
        Inline(Box<Profile>),
    }

    pub(super) fn serialize<S: Serializer>(profile: &Profile, s: S) -> Result<S::Ok, S::Error> {
        let built_in = Profile::by_name(&profile.name).is_ok_and(|p| p == *profile);
        if built_in {
            s.serialize_str(&profile.name)
        } else {
            profile.serialize(s)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Profile, D::Error> {
        let profile = match NameOrInline::deserialize(d)? {
            NameOrInline::Name(name) => Profile::by_name(&name),
            NameOrInline::Inline(profile) => profile.validate().map(|()| *profile),
        };
        profile.map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR;

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

    #[test]
    fn a_profile_is_given_by_name_or_inline_and_written_back_by_name() {
        let o: Options = serde_json::from_str(r#"{"profile":"planet-federator"}"#).expect("known name");
        assert_eq!(o.profile, Profile::planet_federator());
        assert!(!serde_json::to_string(&o).expect("serializable").contains("profile"), "the default is left out");
        let unknown = serde_json::from_str::<Options>(r#"{"profile":"nope"}"#).expect_err("unknown name");
        assert!(unknown.to_string().contains("unknown profile \"nope\""), "{unknown}");

        let mut custom = Profile::planet_federator();
        custom.name = "renamed-ingress".into();
        custom.traffic[0].measurement = "in".into();
        let o = Options { profile: custom.clone(), ..Options::default() };
        let text = serde_json::to_string(&o).expect("serializable");
        assert!(text.contains(r#""profile":{"name":"renamed-ingress""#), "{text}");
        assert_eq!(serde_json::from_str::<Options>(&text).expect("round trip").profile, custom);

        custom.traffic[1].measurement = "in".into();
        let text = serde_json::to_string(&Options { profile: custom, ..Options::default() }).expect("serializable");
        assert!(serde_json::from_str::<Options>(&text).is_err(), "an invalid inline profile is refused");
    }
}
