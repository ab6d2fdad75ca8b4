# The tests that hold every engine to the same bytes (the builds are in make/wasm.mk).
TEST_TARGETS += test-wasm-node test-three-way
.PHONY: test-wasm-node test-three-way bench-wasm

test-wasm-node: wasm ## Node tests of the Node package: every vector, chunked push, errors (node --test)
	node --test host-wasm/tests/api.test.mjs host-wasm/tests/vectors.test.mjs host-wasm/tests/all-windows.test.mjs

test-three-way: wasm wasm-abi ## Every vector through the native core, wasmtime and Node: byte-identical NDJSON
	$(DEBUG_BIN)
	PLANET_BQ=$(WASM_TARGET_DIR)/debug/planet-bq node --test host-wasm/tests/three-way.test.mjs

bench-wasm: wasm wasm-abi ## Throughput natively, under wasmtime and under Node; browser .wasm size (BENCHMARKS.md)
	$(CARGO) build --release -p planet-bq
	PLANET_BQ=$(WASM_TARGET_DIR)/release/planet-bq node host-wasm/bench/bench.mjs
