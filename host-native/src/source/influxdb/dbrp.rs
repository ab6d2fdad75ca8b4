//! InfluxDB 2.x and 3.x serve the v1 `/query` API only for a database and retention policy
//! mapped to a bucket (a DBRP mapping). Without one every query answers "database not found",
//! which says nothing of the fix; `check` therefore looks the mapping up through the v2 API
//! (`GET /api/v2/dbrps`) and, when it is missing, prints the `influx` command that creates it.

use super::{InfluxAuth, InfluxSource};
use crate::finding::Finding;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Mappings {
    #[serde(default)]
    content: Vec<Mapping>,
}

#[derive(Debug, Deserialize)]
struct Mapping {
    database: String,
    retention_policy: String,
    #[serde(default)]
    default: bool,
    #[serde(rename = "bucketID")]
    bucket_id: String,
}

/// The command that creates the missing mapping (the bucket ID is the user's to fill in).
pub(super) fn create_command(database: &str, retention_policy: &str) -> String {
    let rp = if retention_policy.is_empty() { "autogen" } else { retention_policy };
    format!("influx v1 dbrp create --db {database} --rp {rp} --bucket-id <BUCKET_ID> --default")
}

impl InfluxSource {
    /// What `check` says of the DBRP mapping; nothing without a token (a 1.x server, which has
    /// no mappings).
    pub(super) async fn check_dbrp(&self) -> Option<Finding> {
        if !matches!(self.config.auth, InfluxAuth::Token(_)) {
            return None;
        }
        let (db, rp) = (&self.config.database, &self.config.retention_policy);
        let Some(org) = self.config.org.as_deref().filter(|o| !o.is_empty()) else {
            return Some(Finding::Note(format!(
                "with a token the server may be InfluxDB 2.x/3.x, where database {db:?} must be mapped to a bucket; \
                 give --influxdb-org (INFLUXDB_ORG) so that check can look the mapping up"
            )));
        };
        let mut query = vec![("org", org.to_string()), ("db", db.clone())];
        if !rp.is_empty() {
            query.push(("rp", rp.clone()));
        }
        let response = match self.request(reqwest::Method::GET, "/api/v2/dbrps").query(&query).send().await {
            Ok(r) => r,
            Err(e) => return Some(Finding::Problem(format!("DBRP mappings of org {org:?}: {e}"))),
        };
        let status = response.status();
        if status.as_u16() == 404 || status.as_u16() == 405 {
            return Some(Finding::Note(format!(
                "the server has no v2 DBRP API (HTTP {status}): an InfluxDB 1.x server, whose databases need no mapping"
            )));
        }
        let body = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let hint = if status.as_u16() == 401 || status.as_u16() == 403 {
                " (the token may not read DBRP mappings: it needs read access to the org's buckets)"
            } else {
                ""
            };
            return Some(Finding::Problem(format!(
                "DBRP mappings of org {org:?}: HTTP {status}: {}{hint}",
                planet_core::error::quote(body.trim())
            )));
        }
        let mappings: Mappings = match serde_json::from_str(&body) {
            Ok(m) => m,
            Err(e) => return Some(Finding::Problem(format!("DBRP mappings of org {org:?}: unreadable answer: {e}"))),
        };
        Some(judge(&mappings.content, db, rp))
    }
}

/// The mapping the v1 API would use: the named retention policy, or the database's default one.
fn judge(mappings: &[Mapping], db: &str, rp: &str) -> Finding {
    let found = mappings.iter().filter(|m| m.database == db).find(|m| {
        if rp.is_empty() {
            m.default
        } else {
            m.retention_policy == rp
        }
    });
    match found {
        Some(m) => Finding::Ok(format!(
            "database {db:?} retention policy {:?} maps to bucket {} (DBRP mapping)",
            m.retention_policy, m.bucket_id
        )),
        None => Finding::Problem(format!(
            "no DBRP mapping for database {db:?}{}: InfluxDB 2.x/3.x answers every v1 query with \
             \"database not found\" until one exists; create it with: {}",
            if rp.is_empty() { " (default retention policy)".to_string() } else { format!(" retention policy {rp:?}") },
            create_command(db, rp)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(db: &str, rp: &str, default: bool, bucket: &str) -> Mapping {
        Mapping { database: db.into(), retention_policy: rp.into(), default, bucket_id: bucket.into() }
    }

    #[test]
    fn the_default_mapping_serves_an_empty_retention_policy_and_a_named_one_must_match() {
        let all = [mapping("mothership", "autogen", true, "b1"), mapping("mothership", "week", false, "b2")];
        assert!(matches!(judge(&all, "mothership", ""), Finding::Ok(t) if t.contains("bucket b1")));
        assert!(matches!(judge(&all, "mothership", "week"), Finding::Ok(t) if t.contains("bucket b2")));
        let Finding::Problem(text) = judge(&all, "mothership", "month") else { panic!("a missing rp is a problem") };
        assert!(text.contains("influx v1 dbrp create --db mothership --rp month --bucket-id <BUCKET_ID>"), "{text}");
        let Finding::Problem(text) = judge(&all, "other", "") else { panic!("a missing db is a problem") };
        assert!(text.contains("--db other --rp autogen"), "{text}");
    }

    #[test]
    fn the_v2_answer_is_read_as_influxdb_writes_it() {
        // The shape of GET /api/v2/dbrps in InfluxDB's OpenAPI description.
        let body = r#"{"content":[{"id":"0a","database":"mothership","retention_policy":"autogen","default":true,
            "orgID":"o1","bucketID":"b1","virtual":false}]}"#;
        let m: Mappings = serde_json::from_str(body).expect("parses");
        assert!(matches!(judge(&m.content, "mothership", ""), Finding::Ok(_)));
    }
}
