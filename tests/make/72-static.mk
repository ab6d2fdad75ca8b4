# The static binary of the container image (`make static`), tested where no image can be built:
# static, runs, and analyzes vectors to their expected bytes.
TEST_TARGETS += test-static
.PHONY: test-static

test-static: static deps-influxdb ## The static binary: no shared library (file, ldd, readelf), --version, analyze of two vectors byte-equal to their tables, once over https (rustls, ring) from a real influxd, --engine wasm refused
	bash tests/packaging/static.sh $(STATIC_BIN)
