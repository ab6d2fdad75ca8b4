# A real Prometheus 2.x for the planet-exporter vectors (tests/vectors/exporter-*): with a real
# influxd it plays planet-federator and planet-federator-influxdb-to-bq.
PYTHON ?= python3
DEPS_TARGETS += deps-prometheus
TEST_TARGETS += vectors-exporter-check
.PHONY: deps-prometheus vectors-exporter-check vectors-exporter-regen

deps-prometheus: ## Prometheus 2.x (prometheus, promtool) from Debian's packages
	bash tests/scripts/ensure-prometheus.sh

vectors-exporter-regen: deps-prometheus deps-influxdb ## Rewrite tests/vectors/exporter-* from a real Prometheus and influxd (the oracle)
	$(PYTHON) tests/oracle/prometheus_vectors.py

vectors-exporter-check: deps-prometheus deps-influxdb ## Regenerate the exporter vectors from a real Prometheus and influxd into a temp dir and diff
	$(PYTHON) tests/oracle/prometheus_vectors.py --check

TEST_TARGETS += test-prometheus-source
.PHONY: test-prometheus-source
test-prometheus-source: deps-prometheus ## once/backfill/check --source prometheus against a real Prometheus equal the exporter vectors
	$(DEBUG_BIN)
	$(PYTHON) tests/live/prometheus_source.py --bin $(VECTORS_TARGET_DIR)/debug/planet-bq

TEST_TARGETS += test-federate
.PHONY: test-federate
test-federate: deps-prometheus deps-influxdb ## federate: a real Prometheus into a real influxd equals planet-federator's queries; once on it equals --source prometheus; a restarted influxd loses nothing; SIGTERM flushes or names what is lost
	$(DEBUG_BIN)
	$(PYTHON) tests/live/federate.py --bin $(VECTORS_TARGET_DIR)/debug/planet-bq
	$(PYTHON) tests/live/federate_stop.py --bin $(VECTORS_TARGET_DIR)/debug/planet-bq

TEST_TARGETS += test-prometheus-remote-write
.PHONY: test-prometheus-remote-write
test-prometheus-remote-write: deps-prometheus deps-influxdb ## A real Prometheus scraping for ~100 s, remote_write into a real influxd: --source influxdb --profile planet-exporter rows == --source prometheus rows (raw and push-down)
	$(DEBUG_BIN)
	$(PYTHON) tests/live/prometheus_remote_write.py --bin $(VECTORS_TARGET_DIR)/debug/planet-bq
