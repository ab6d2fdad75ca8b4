# planet-bq: every check CI runs is reachable from `make test`.
# The product's builds are here and in make/*.mk (wasm, web); test suites add themselves in
# tests/make/*.mk by appending to DEPS_TARGETS and TEST_TARGETS.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

DEPS_TARGETS := deps-rust
# The debug planet-bq the suites run. It is built by the same cargo invocation as `make unit`:
# dev-dependencies (proptest, ...) turn on features of shared dependencies (serde, tokio,
# num-traits, ...), and a plain `cargo build -p planet-bq` would resolve them differently and
# compile most of the dependency tree (wasmtime, tonic) a second time.
DEBUG_BIN = $(CARGO) test --workspace --no-run --quiet
TEST_TARGETS :=
include $(sort $(wildcard tests/make/*.mk))
include $(sort $(wildcard make/*.mk))

.PHONY: help test deps deps-rust check fmt-check clippy unit wasm-check docs-check build

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

test: deps check $(TEST_TARGETS) ## Everything: installs what is missing, then fmt, clippy, unit tests and every suite
	@echo "make test: all suites passed"

deps: $(DEPS_TARGETS) ## Install what the tests need on a fresh machine (skips what is there)

deps-rust: ## rustfmt, clippy and the wasm32 target
	bash tests/scripts/ensure-rust.sh

check: fmt-check clippy unit wasm-check docs-check ## Static checks and unit tests

fmt-check: ## rustfmt, checked
	$(CARGO) fmt --all -- --check

clippy: ## clippy with warnings denied
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: ## Unit, property and doc tests of every crate
	$(CARGO) test --workspace

wasm-check: ## The core stays pure: it builds for wasm32-unknown-unknown
	$(CARGO) check -p planet-core --target wasm32-unknown-unknown

docs-check: ## Every path the table of docs/ARCHITECTURE.md names exists
	bash tests/scripts/check-architecture.sh

build: ## Build the planet-bq binary (release)
	$(CARGO) build --release -p planet-bq
