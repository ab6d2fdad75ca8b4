# Shared test vectors: the InfluxDB oracle that made them, and the parity test against influxd.
# The Rust runners (core/tests/vectors.rs, host-native/tests/vectors_cli.rs, cli_errors.rs) run
# with `cargo test --workspace` (target `unit`).
PYTHON ?= python3
VECTORS_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
TEST_TARGETS += vectors-oracle-check vectors-contiv-check parity
.PHONY: vectors vectors-regen vectors-oracle-check vectors-contiv-regen vectors-contiv-check parity

vectors: ## Run every vector through the core and the planet-bq binary
	$(CARGO) test -p planet-core --test vectors
	$(CARGO) test -p planet-bq --test vectors_cli

vectors-regen: deps-influxdb ## Rewrite tests/vectors/ from a real influxd (the oracle)
	$(PYTHON) tests/oracle/make_vectors.py

vectors-oracle-check: deps-influxdb ## Regenerate the vectors from a real influxd into a temp dir and diff with the committed ones
	$(PYTHON) tests/oracle/make_vectors.py --check

vectors-contiv-regen: ## Rewrite tests/vectors/contiv-* and inventory-* from their Python models
	$(PYTHON) tests/oracle/contiv_vectors.py

vectors-contiv-check: ## Recompute the contiv-* and inventory-* vectors from their Python models and diff with the committed ones
	$(PYTHON) tests/oracle/contiv_vectors.py --check

parity: deps-influxdb ## planet-bq analyze vs InfluxDB's own answers on a generated fleet (real influxd)
	$(DEBUG_BIN)
	$(PYTHON) tests/oracle/parity.py --bin $(VECTORS_TARGET_DIR)/debug/planet-bq
