# The CLI and the service under hostile input, closed pipes, full disks, signals, broken
# upstreams and secrets in addresses (tests/robustness/run.sh; README "Guarantees").
ROBUSTNESS_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
TEST_TARGETS += test-robustness
.PHONY: test-robustness

test-robustness: ## Replay every robustness case against the debug planet-bq (full-disk cases need root for tmpfs)
	$(DEBUG_BIN)
	bash tests/robustness/run.sh $(ROBUSTNESS_TARGET_DIR)/debug/planet-bq
	python3 tests/robustness/fuzz_cli.py --planet-bq $(ROBUSTNESS_TARGET_DIR)/debug/planet-bq --seed 1 --runs 300

.PHONY: fuzz-cli
fuzz-cli: ## Fuzz whole `analyze` runs (files, flags, chunked stdin) for FUZZ_SECONDS (default 600), random seed; not part of make test
	$(DEBUG_BIN)
	python3 tests/robustness/fuzz_cli.py --planet-bq $(ROBUSTNESS_TARGET_DIR)/debug/planet-bq --seed $$RANDOM --seconds $(or $(FUZZ_SECONDS),600)
