# Benchmarks and fuzzing: run by hand, never part of `make test` (timings are not
# tests, and fuzzing needs cargo-fuzz and minutes per target).
BENCH_ARGS ?=
BENCH_CARDINALITY_ARGS ?=
FUZZ_SECONDS ?= 120
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
.PHONY: bench bench-core bench-deps fuzz

bench-deps: ## What the benchmarks need: GNU time (peak memory) and influxd
	command -v /usr/bin/time >/dev/null || { apt-get update && apt-get install -y --no-install-recommends time; }
	bash tests/scripts/ensure-influxdb.sh

# Every benchmark in one run, each printing its figures as ratios to its reference: the core
# against wc -l and influxd, 1 thread against N, DuckDB, 5000 against 1M series, native against
# wasmtime and Node, and the page in Chromium against the native CLI. About 20 minutes.
bench: bench-core bench-threads bench-duckdb bench-cardinality bench-wasm bench-web ## Every benchmark below in one run, each as ratios to its reference (BENCHMARKS.md)

bench-core: bench-deps ## Core points/s per format, wc -l, a real influxd and peak memory on 1 GiB (BENCH_ARGS=--help)
	$(CARGO) build --release -p planet-bq -p planet-fleetgen
	$(TARGET_DIR)/release/planet-bench --work tests/.work/bench --planet-bq $(TARGET_DIR)/release/planet-bq $(BENCH_ARGS)

fuzz: ## Every cargo-fuzz target of core/fuzz for FUZZ_SECONDS each (installs cargo-fuzz)
	bash tests/scripts/fuzz.sh $(FUZZ_SECONDS)

.PHONY: bench-exporter
bench-exporter: bench-deps ## planet-exporter profile vs planet-federator profile on the same points; peak memory at 10,000 series
	$(CARGO) build --release -p planet-bq
	$(PYTHON) tests/bench/exporter_profile.py --planet-bq $(TARGET_DIR)/release/planet-bq

.PHONY: bench-prometheus-fetch
bench-prometheus-fetch: bench-deps deps-prometheus ## --source prometheus raw vs push-down on fleets in a real Prometheus; exporter memory per series at 10k/100k series
	$(CARGO) build --release -p planet-bq
	$(PYTHON) tests/bench/prometheus_fetch.py --planet-bq $(TARGET_DIR)/release/planet-bq --memory $(BENCH_ARGS)

.PHONY: bench-build-units
bench-build-units: ## Compile units of make test's cargo builds, and which a plain `cargo build -p planet-bq` would compile again (nothing is built)
	$(PYTHON) tests/bench/build_units.py --compare 'cargo build -p planet-bq'

.PHONY: bench-cardinality
bench-cardinality: ## Memory per group and points per CPU-s at 1M series vs 5000 series (BENCH_CARDINALITY_ARGS=--help)
	$(CARGO) build --release -p planet-fleetgen
	$(TARGET_DIR)/release/planet-bench-cardinality --work tests/.work/bench-cardinality $(BENCH_CARDINALITY_ARGS)
