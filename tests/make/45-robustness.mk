# The CLI and the service under hostile input, closed pipes, full disks, signals, broken
# upstreams and secrets in addresses (tests/robustness/run.sh; README "Guarantees").
ROBUSTNESS_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
TEST_TARGETS += test-robustness
.PHONY: test-robustness

test-robustness: ## Replay every robustness case against the debug planet-bq (full-disk cases need root for tmpfs)
	$(CARGO) build -p planet-bq
	bash tests/robustness/run.sh $(ROBUSTNESS_TARGET_DIR)/debug/planet-bq
