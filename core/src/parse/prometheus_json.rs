//! Prometheus HTTP API answers: `/api/v1/query` with a range selector and `/api/v1/query_range`
//! (`resultType` `matrix`, each series its `metric` labels and `values`), and instant vectors
//! (`value`). A series is read as a point per sample of the measurement `__name__` with the
//! other labels as tags and the sample in the field `value`; sample times are float seconds
//! with millisecond precision. Answers of aggregating queries have no `__name__` and are
//! counted as measurements the profile does not use.
//!
//! Answers arrive whole on one line (the API's own output) or pretty-printed; a pretty one is
//! buffered until the input ends, like other JSON documents.

use super::{Context, LineError, LineParser};
use crate::error::ErrorKind;
use crate::point::{FieldValue, PointView};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// An answer of the Prometheus HTTP API. `R` is how `data.result` is read: a JSON value when
/// its type is not known yet, `Vec<Series>` when only a matrix will do.
#[derive(Debug, Deserialize)]
pub(crate) struct Answer<R = Value> {
    status: String,
    #[serde(default)]
    data: Option<Data<R>>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Data<R> {
    #[serde(rename = "resultType")]
    pub(crate) result_type: String,
    #[serde(default)]
    pub(crate) result: R,
}

/// One series of a matrix (`values`) or an instant vector (`value`).
#[derive(Debug, Deserialize)]
pub(crate) struct Series {
    #[serde(default)]
    pub(crate) metric: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) values: Vec<(Value, String)>,
    #[serde(default)]
    pub(crate) value: Option<(Value, String)>,
}

impl<R> Answer<R> {
    /// The data of a successful answer, or the error the answer states, in words.
    pub(crate) fn into_data(self) -> Result<Data<R>, String> {
        if self.status != "success" {
            return Err(format!(
                "the answer is an error: {}: {}",
                self.error_type.as_deref().unwrap_or("unknown"),
                self.error.as_deref().unwrap_or("")
            ));
        }
        self.data.ok_or_else(|| "a successful answer without data".to_string())
    }
}

#[derive(Debug, Default)]
pub(crate) struct PrometheusJsonParser {
    document: Option<String>,
}

struct Sample<'a> {
    metric: &'a BTreeMap<String, String>,
    value: f64,
}

impl PointView for Sample<'_> {
    fn measurement(&self) -> &str {
        self.metric.get("__name__").map_or("", String::as_str)
    }

    fn tag(&self, key: &str) -> Option<&str> {
        self.metric.get(key).map(String::as_str)
    }

    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        (key == "value").then_some(FieldValue::Float(self.value))
    }

    fn for_each_tag(&self, visit: &mut dyn FnMut(&str, &str)) {
        for (k, v) in self.metric {
            visit(k, v);
        }
    }
}

/// A sample time (float seconds, as Prometheus writes them) in ns, rounded to the millisecond
/// Prometheus stores.
pub(crate) fn time_of(value: &Value) -> Option<i64> {
    let seconds = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.parse().ok()?,
        _ => return None,
    };
    let ms = (seconds * 1000.0).round();
    if !ms.is_finite() || ms.abs() > 9.0e15 {
        return None;
    }
    (ms as i64).checked_mul(1_000_000)
}

/// Feeds an answer's samples to the aggregator.
pub(crate) fn feed(answer: Answer, ctx: &mut Context<'_>) -> Result<(), LineError> {
    let data = answer.into_data().map_err(|message| {
        let kind = if message.contains("timeout") { ErrorKind::QueryTimeout } else { ErrorKind::QueryFailed };
        LineError::new(message).of_kind(kind)
    })?;
    if data.result_type != "matrix" && data.result_type != "vector" {
        return Err(LineError::new(format!("result type {:?} holds no series", data.result_type)));
    }
    let series: Vec<Series> = serde_json::from_value(data.result)
        .map_err(|e| LineError::new(format!("invalid {} result: {e}", data.result_type)))?;
    for s in &series {
        for (time, value) in s.values.iter().chain(&s.value) {
            let time = time_of(time).ok_or_else(|| LineError::new(format!("invalid sample time {time}")))?;
            let value: f64 = value.parse().map_err(|_| LineError::new(format!("invalid sample value {value:?}")))?;
            ctx.aggregator.observe_point(&Sample { metric: &s.metric, value }, time);
        }
    }
    Ok(())
}

impl LineParser for PrometheusJsonParser {
    fn line(&mut self, line: &str, ctx: &mut Context<'_>) -> Result<(), LineError> {
        if let Some(doc) = &mut self.document {
            doc.push_str(line);
            doc.push('\n');
            return Ok(());
        }
        if line.trim().is_empty() {
            return Ok(());
        }
        match serde_json::from_str::<Answer>(line) {
            Ok(answer) => feed(answer, ctx),
            Err(e) if e.is_eof() => {
                self.document = Some(format!("{line}\n"));
                Ok(())
            }
            Err(e) => Err(LineError::new(format!("invalid json: {e}"))),
        }
    }

    fn finish(&mut self, ctx: &mut Context<'_>) -> Vec<LineError> {
        let Some(doc) = self.document.take() else {
            return Vec::new();
        };
        match serde_json::from_str::<Answer>(&doc) {
            Ok(answer) => feed(answer, ctx).err().into_iter().collect(),
            Err(e) => vec![LineError { line: Some(e.line() as u64), ..LineError::new(format!("invalid json: {e}")) }],
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{analyze, ErrorKind, Options, Profile};

    fn options() -> Options {
        Options {
            at: Some("2026-11-22T13:00:00Z".parse().expect("valid")),
            profile: Profile::planet_exporter(),
            ..Options::default()
        }
    }

    #[test]
    fn an_error_answer_is_reported_with_its_type() {
        let input = br#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#;
        // An input that is only an error answer has no line that could be read: the analysis fails,
        // naming the error.
        let e = analyze([("answer.json", &input[..])], options()).expect_err("nothing readable");
        assert!(e.to_string().contains("timeout: query timed out"), "{e}");
        // Strict, the error is the answer's own, of the kind a retry may cure.
        let strict = Options { strict: true, ..options() };
        let e = analyze([("answer.json", &input[..])], strict).expect_err("strict");
        assert_eq!(e.kind(), ErrorKind::QueryTimeout, "{e}");
    }

    #[test]
    fn scalars_and_bad_samples_are_refused_and_aggregated_answers_are_not_the_profiles() {
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1796181371.971,"1"]}}"#;
        let e = analyze([("s.json", &scalar[..])], options()).expect_err("nothing readable");
        assert!(e.to_string().contains("scalar"), "{e}");
        let bad = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"planet_upstream"},"value":[1796181371.971,"x"]}]}}"#;
        let e = analyze([("b.json", &bad[..])], options()).expect_err("nothing readable");
        assert!(e.to_string().contains("invalid sample value"), "{e}");
        // Without `__name__` (an aggregating query's answer) the samples are no metric's.
        let aggregated = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"local_hostgroup":"x"},"values":[[1796181371.971,"1"]]}]}}"#;
        let a = analyze([("a.json", &aggregated[..])], options()).expect("not strict");
        assert!(a.warnings.is_empty());
        assert_eq!((a.stats.aggregate.points, a.stats.aggregate.other_measurements), (0, 1));
    }
}
