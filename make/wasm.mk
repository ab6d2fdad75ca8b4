# WebAssembly: the core for browsers and Node (wasm-bindgen) and the wasm engine's plain module
# for wasmtime inside planet-bq. Their tests are in tests/make/50-wasm.mk.
WASM_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))
WASM_OUT := $(WASM_TARGET_DIR)/wasm32-unknown-unknown/wasm-release
WASM_OPT := node host-wasm/node_modules/binaryen/bin/wasm-opt
# wasm-opt must accept what rustc's wasm32 target emits by default.
WASM_OPT_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
	--enable-mutable-globals --enable-multivalue --enable-reference-types --enable-simd
# planet-bq embeds the module found here when it is built (host-native/build.rs).
export PLANET_BQ_WASM_ABI := $(WASM_OUT)/planet_wasm_abi.wasm

DEPS_TARGETS += deps-wasm
.PHONY: deps-wasm wasm wasm-abi

deps-wasm: ## wasm32 target, wasm-bindgen-cli 0.2.130 (cargo install), wasm-opt (npm binaryen 132)
	bash tests/scripts/ensure-wasm-tools.sh

wasm: deps-wasm ## Browser package into web/pkg/, Node package (CommonJS) into host-wasm/pkg-node/
	$(CARGO) build -p planet-wasm --target wasm32-unknown-unknown --profile wasm-release
	wasm-bindgen --target web --out-dir web/pkg $(WASM_OUT)/planet_wasm.wasm
	$(WASM_OPT) -Oz $(WASM_OPT_FEATURES) web/pkg/planet_wasm_bg.wasm -o web/pkg/planet_wasm_bg.wasm
	wasm-bindgen --target nodejs --out-dir host-wasm/pkg-node $(WASM_OUT)/planet_wasm.wasm
	$(WASM_OPT) -O3 $(WASM_OPT_FEATURES) host-wasm/pkg-node/planet_wasm_bg.wasm -o host-wasm/pkg-node/planet_wasm_bg.wasm
	cp host-wasm/node-package.json host-wasm/pkg-node/package.json

wasm-abi: ## The wasm engine's plain module (C-ABI, no imports), embedded by the native builds after it
	$(CARGO) build -p planet-wasm-abi --target wasm32-unknown-unknown --profile wasm-release

# Native builds embed the module, so it comes first.
clippy unit build: wasm-abi

