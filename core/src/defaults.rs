//! The defaults of an analysis, in one place: the CLI's flags, the service's jobs, the
//! JavaScript package and the what-if page all take them from here.
//!
//! The values are the original tool's (docs/REFERENCE.md, "Defaults"): the traffic job covers
//! the hour before its run, the dependency job the seven days before; the federator's own
//! filters are offered as prefills of the what-if options, never applied by default.

use crate::time::{Duration, HOUR};

/// Length of the traffic window: one hour.
pub const TRAFFIC_WINDOW: Duration = Duration(HOUR);

/// [`TRAFFIC_WINDOW`] as the CLI writes it (a flag's default text).
pub const TRAFFIC_WINDOW_TEXT: &str = "1h";

/// Length of the dependency window: seven days.
pub const DEPENDENCY_WINDOW: Duration = Duration(7 * 24 * HOUR);

/// [`DEPENDENCY_WINDOW`] as the CLI writes it.
pub const DEPENDENCY_WINDOW_TEXT: &str = "7d";

/// Hour of the day (UTC) at which the dependency job's windows end: the original's schedule
/// `30 0 11 * * *` runs at 11:00:30, whose window ends at 11:00.
pub const DEPENDENCY_HOUR: u8 = 11;

/// Longest line an input may have: past it, the line is reported and skipped without being
/// held in memory, so a file with no line ending (or `/dev/zero`) cannot exhaust memory.
pub const MAX_LINE_BYTES: u64 = 64 * 1024 * 1024;

/// The profile used when none is named: the schema planet-federator writes.
pub const PROFILE: &str = "planet-federator";

/// Names of the built-in profiles ([`crate::Profile::by_name`] knows each).
pub const PROFILES: &[&str] = &[PROFILE, "planet-exporter"];

/// The bandwidth (bit/s) at or below which the federator drops a pair, as a suggestion for the
/// `min_bandwidth` what-if option.
pub const FEDERATOR_MIN_BANDWIDTH: f64 = 1000.0;

/// The federator's excluded ports, as a pattern for the `exclude_ports` what-if option.
pub const FEDERATOR_EXCLUDED_PORTS: &str =
    "22|53|111|8301|8300|8500|3025|3022|51666|9100|19100|5666|25|8600|11910|11560";

/// The federator's excluded addresses, as a pattern for the `exclude_addresses` what-if option.
pub const FEDERATOR_EXCLUDED_ADDRESSES: &str =
    "(100.([6-9]|1[0-2]).*|52.*|192.168.*|.*prometheus.*|203.*|163.18.*|130.211.*|f.*|169.254.*|111.*)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_texts_are_the_durations() {
        assert_eq!(TRAFFIC_WINDOW_TEXT.parse::<Duration>().ok(), Some(TRAFFIC_WINDOW));
        assert_eq!(DEPENDENCY_WINDOW_TEXT.parse::<Duration>().ok(), Some(DEPENDENCY_WINDOW));
        assert_eq!(TRAFFIC_WINDOW.to_string(), TRAFFIC_WINDOW_TEXT);
        assert_eq!(DEPENDENCY_WINDOW.to_string(), DEPENDENCY_WINDOW_TEXT);
    }

    #[test]
    fn every_built_in_profile_is_known_by_name_and_the_default_is_the_options_default() {
        for name in PROFILES {
            assert_eq!(crate::Profile::by_name(name).map(|p| p.name).ok().as_deref(), Some(*name));
        }
        assert_eq!(crate::Options::default().profile.name, PROFILE);
    }
}
