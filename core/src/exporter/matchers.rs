//! A series' labels and the stage's label matchers, compiled once.

use crate::profile::{MatchOp, Matcher};
use regex_lite::Regex;

/// A series' labels, sorted by name, without empty values (Prometheus stores no empty label,
/// and an absent label reads as the empty string).
pub(crate) type Labels = Vec<(String, String)>;

/// The value of a label; `""` when absent.
pub(crate) fn label<'a>(labels: &'a Labels, name: &str) -> &'a str {
    match labels.binary_search_by(|(k, _)| k.as_str().cmp(name)) {
        Ok(i) => labels[i].1.as_str(),
        Err(_) => "",
    }
}

/// The value of a `by` label: `instance` reads the first of `instance_labels` the series has
/// (Telegraf names the scraped target `url`, Prometheus `instance`).
pub(crate) fn group_label<'a>(labels: &'a Labels, name: &str, instance_labels: &[String]) -> &'a str {
    if name == "instance" {
        return instance_labels.iter().map(|l| label(labels, l)).find(|v| !v.is_empty()).unwrap_or("");
    }
    label(labels, name)
}

/// One compiled matcher.
#[derive(Debug, Clone)]
pub(crate) struct CompiledMatcher {
    label: String,
    op: MatchOp,
    value: String,
    /// `^(?:value)$`; `None` when the expression does not compile (then nothing matches: a
    /// profile is validated as it is read, so this is only a profile built in code).
    regex: Option<Regex>,
}

impl CompiledMatcher {
    pub(crate) fn new(m: &Matcher) -> CompiledMatcher {
        let regex = match m.op {
            MatchOp::Matches | MatchOp::NotMatches => Regex::new(&format!("^(?:{})$", m.value)).ok(),
            MatchOp::Equal | MatchOp::NotEqual => None,
        };
        CompiledMatcher { label: m.label.clone(), op: m.op, value: m.value.clone(), regex }
    }

    /// Whether the series' labels satisfy this matcher, as PromQL decides it.
    pub(crate) fn accepts(&self, labels: &Labels) -> bool {
        let v = label(labels, &self.label);
        match self.op {
            MatchOp::Equal => v == self.value,
            MatchOp::NotEqual => v != self.value,
            MatchOp::Matches => self.regex.as_ref().is_some_and(|r| r.is_match(v)),
            MatchOp::NotMatches => self.regex.as_ref().is_some_and(|r| !r.is_match(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::defaults::FEDERATOR_EXCLUDED_ADDRESSES;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        let mut l: Labels = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        l.sort();
        l
    }

    fn m(label: &str, op: MatchOp, value: &str) -> CompiledMatcher {
        CompiledMatcher::new(&Matcher { label: label.into(), op, value: value.into() })
    }

    #[test]
    fn regex_matchers_are_anchored_at_both_ends_like_promql() {
        let not_excluded = m("remote_domain", MatchOp::NotMatches, FEDERATOR_EXCLUDED_ADDRESSES);
        // `52.*` matches the whole "52.1.2.3" but not "10.52.0.1" (InfluxQL's /52.*/ would).
        assert!(!not_excluded.accepts(&labels(&[("remote_domain", "52.1.2.3")])));
        assert!(not_excluded.accepts(&labels(&[("remote_domain", "10.52.0.1")])));
        // `.*prometheus.*` anywhere, `f.*` only at the start.
        assert!(!not_excluded.accepts(&labels(&[("remote_domain", "my-prometheus-1")])));
        assert!(!not_excluded.accepts(&labels(&[("remote_domain", "foo.consul")])));
        assert!(not_excluded.accepts(&labels(&[("remote_domain", "buff.consul")])));
        // 100.64-100.129 (the `.` is any byte, as in the original).
        assert!(!not_excluded.accepts(&labels(&[("remote_domain", "100.64.0.1")])));
        assert!(not_excluded.accepts(&labels(&[("remote_domain", "100.13.0.1")])));
        let digit = m("remote_address", MatchOp::NotMatches, r"\d.*");
        assert!(!digit.accepts(&labels(&[("remote_address", "10.0.0.1")])));
        assert!(digit.accepts(&labels(&[("remote_address", "db.consul")])));
    }

    #[test]
    fn an_absent_label_is_the_empty_string() {
        let none = labels(&[("other", "x")]);
        assert!(!m("local_hostgroup", MatchOp::NotEqual, "").accepts(&none));
        assert!(m("local_hostgroup", MatchOp::Equal, "").accepts(&none));
        assert!(m("remote_ip", MatchOp::NotMatches, FEDERATOR_EXCLUDED_ADDRESSES).accepts(&none));
        assert!(m("port", MatchOp::Matches, "").accepts(&none));
    }

    #[test]
    fn instance_reads_the_first_instance_label_present() {
        let names = ["instance".to_string(), "url".to_string()];
        assert_eq!(
            group_label(&labels(&[("url", "http://a:9100/metrics")]), "instance", &names),
            "http://a:9100/metrics"
        );
        assert_eq!(group_label(&labels(&[("instance", "a:1"), ("url", "u")]), "instance", &names), "a:1");
    }
}
