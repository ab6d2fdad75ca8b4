//! Argument spelling of the original: Go's flag package takes `-influxdb-addr=...` with one
//! dash, and existing systemd units are written that way.

use std::ffi::OsString;

/// Rewrites `-long-flag[=v]` to `--long-flag[=v]`; leaves `-`, `-x` short flags and values alone.
pub fn normalize(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
        .map(|arg| match arg.to_str() {
            Some(s)
                if s.starts_with('-')
                    && !s.starts_with("--")
                    && s.len() > 2
                    && s.as_bytes()[1].is_ascii_alphabetic() =>
            {
                let name = s[1..].split('=').next().unwrap_or("");
                if name.len() > 1 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    OsString::from(format!("-{s}"))
                } else {
                    arg
                }
            }
            _ => arg,
        })
        .collect()
}

/// Inserts `run` when the first argument is a flag other than help or version: the original
/// had no subcommands, so its systemd units run `planet-federator-influxdb-to-bq -flag=...`.
pub fn default_subcommand(mut args: Vec<OsString>) -> Vec<OsString> {
    let first = args.get(1).and_then(|a| a.to_str()).map(str::to_string);
    if let Some(first) = first {
        let name = first.split('=').next().unwrap_or("");
        if first.starts_with("--") && !matches!(name, "--help" | "--version") {
            args.insert(1, OsString::from("run"));
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_without_a_subcommand_mean_run() {
        let args = |list: &[&str]| default_subcommand(normalize(list.iter().map(OsString::from)));
        assert_eq!(args(&["p", "-influxdb-addr=http://x"])[1], "run");
        assert_eq!(args(&["p", "-version"]), ["p", "--version"]);
        assert_eq!(args(&["p", "once", "traffic"])[1], "once");
    }

    fn norm(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from)).into_iter().map(|a| a.into_string().expect("utf-8")).collect()
    }

    #[test]
    fn single_dash_long_flags_of_go_units_are_accepted() {
        assert_eq!(
            norm(&["planet-bq", "-influxdb-addr=http://x:8086", "-version", "-", "-h", "--at", "x"]),
            ["planet-bq", "--influxdb-addr=http://x:8086", "--version", "-", "-h", "--at", "x"]
        );
    }

    #[test]
    fn negative_durations_as_values_are_left_alone() {
        assert_eq!(norm(&["--cron-job-time-offset", "-1h5m"]), ["--cron-job-time-offset", "-1h5m"]);
    }
}
