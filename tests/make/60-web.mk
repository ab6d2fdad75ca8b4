# The what-if page (make/web.mk builds it), tested in Debian's Chromium driven by playwright-core,
# against the real planet-bq.
WEB_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))

DEPS_TARGETS += deps-web
TEST_TARGETS += test-web

.PHONY: deps-web test-web serve-web bench-web

deps-web: ## Chromium (Debian package) and the npm packages of web/ and tests/web/
	bash tests/scripts/ensure-web.sh

test-web: web ## Browser tests of the page: vectors, what-if vs analyze, downloads, graph, baseline, errors, 100 MB, several Workers == one
	$(DEBUG_BIN)
	PLANET_BQ=$(WEB_TARGET_DIR)/debug/planet-bq node --test --test-concurrency=1 tests/web/model.test.mjs tests/web/view.test.mjs tests/web/page.test.mjs

serve-web: web ## Serve the page on http://127.0.0.1:8000/
	node tests/web/server.mjs 8000

bench-web: web ## Drop-to-tables time and peak memory in Chromium, 1 Worker vs one per core, vs the native CLI on 1 thread (release), on 10 MB, 100 MB and 1 GB exports (SIZES=10,100,1000)
	$(CARGO) build --release -p planet-bq
	PLANET_BQ=$(WEB_TARGET_DIR)/release/planet-bq node tests/web/bench.mjs
