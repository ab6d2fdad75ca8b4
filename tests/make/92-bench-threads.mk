# Thread and DuckDB benchmarks of `planet-bq analyze`: run by hand, never part of `make test`.
BENCH_THREADS_ARGS ?=
BENCH_DUCKDB_ARGS ?=
.PHONY: bench-threads bench-duckdb

bench-threads: ## analyze --threads 1 vs 2 vs all cores on a 300 MB line-protocol file and its CSV export (BENCH_THREADS_ARGS=--help)
	$(CARGO) build --release -p planet-bq -p planet-fleetgen
	$(PYTHON) tests/bench/threads.py --planet-bq $(TARGET_DIR)/release/planet-bq --fleetgen $(TARGET_DIR)/release/planet-fleetgen $(BENCH_THREADS_ARGS)

bench-duckdb: ## planet-bq vs DuckDB (from PyPI, in a venv under tests/.work) on the same CSV export, 1 thread and all threads (BENCH_DUCKDB_ARGS=--help)
	$(CARGO) build --release -p planet-bq -p planet-fleetgen
	$(PYTHON) tests/bench/duckdb_compare.py --planet-bq $(TARGET_DIR)/release/planet-bq --fleetgen $(TARGET_DIR)/release/planet-fleetgen $(BENCH_DUCKDB_ARGS)
