# The static binary of the container image (`make static`), tested where no image can be built:
# static, runs, and analyzes vectors to their expected bytes.
TEST_TARGETS += test-static
.PHONY: test-static

test-static: static ## The static binary: no dynamic dependency (file, ldd, readelf), --version, analyze of two vectors byte-equal to their expected tables, --engine wasm refused
	bash tests/packaging/static.sh $(STATIC_BIN)
