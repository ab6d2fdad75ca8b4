# The static binary the container image ships (Dockerfile: `make static`): musl, the `static`
# profile (release, stripped), without the wasm engine (`--no-default-features`: wasmtime is
# most of the build time, and the image runs the native engine). Its test is in
# tests/make/72-static.mk.
STATIC_TARGET := x86_64-unknown-linux-musl
STATIC_BIN := $(abspath $(or $(CARGO_TARGET_DIR),target))/$(STATIC_TARGET)/static/planet-bq
DEPS_TARGETS += deps-static
.PHONY: deps-static static

deps-static: ## Rust's x86_64-unknown-linux-musl target, musl-gcc (musl-tools), file and readelf, for `make static` and its test
	bash tests/scripts/ensure-musl.sh

static: deps-static ## The static (musl) binary of the container image, without the wasm engine: <target dir>/x86_64-unknown-linux-musl/static/planet-bq
	CC_x86_64_unknown_linux_musl=musl-gcc $(CARGO) build --locked -p planet-bq --no-default-features \
		--target $(STATIC_TARGET) --profile static
