# The live pipeline: run/once/backfill/init/check against a real influxd and the
# local-bigquery emulator, both started on loopback by the suite.
DEPS_TARGETS += deps-bq-emulator
TEST_TARGETS += test-live
.PHONY: deps-bq-emulator test-live bench-live bench-write
deps-bq-emulator: ## local-bigquery 0.4.0 emulator in a venv under /var/tmp/planet-bq-bq-emulator
	bash tests/scripts/ensure-bq-emulator.sh

test-live: deps-influxdb deps-bq-emulator wasm-abi ## Live pipeline against real influxd (auth on) and the BigQuery emulator
	bash tests/live/suite.sh

bench-live: deps-influxdb deps-bq-emulator ## Live pipeline timings for BENCHMARKS.md (5000 pairs, 20000 edges)
	bash tests/live/bench.sh

bench-write: deps-influxdb deps-bq-emulator ## Write time and requests per --bq-write-method on the emulator, for BENCHMARKS.md
	bash tests/live/bench-write.sh
