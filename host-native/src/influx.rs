//! InfluxDB source: InfluxQL over the v1 HTTP `/query` API.
