# The what-if page (issue 5): web/ with the browser package (make wasm) and the vendored graph
# library, tested in Debian's Chromium driven by playwright-core, against the real planet-bq.
WEB_TARGET_DIR := $(abspath $(or $(CARGO_TARGET_DIR),target))

DEPS_TARGETS += deps-web
TEST_TARGETS += test-web

.PHONY: deps-web web test-web serve-web bench-web

deps-web: ## Chromium (Debian package) and the npm packages of web/ and tests/web/
	bash tests/scripts/ensure-web.sh

web: wasm deps-web ## The page, ready to serve: web/pkg/ (make wasm) and web/vendor/ (Cytoscape.js from npm)
	mkdir -p web/vendor
	cp web/node_modules/cytoscape/dist/cytoscape.esm.min.mjs web/vendor/cytoscape.esm.min.js
	cp web/node_modules/cytoscape/LICENSE web/vendor/cytoscape.LICENSE

test-web: web ## Browser tests of the page: vectors, what-if vs analyze, downloads, graph, baseline, errors, 100 MB
	$(CARGO) build -p planet-bq
	PLANET_BQ=$(WEB_TARGET_DIR)/debug/planet-bq node --test --test-concurrency=1 tests/web/model.test.mjs tests/web/page.test.mjs

serve-web: web ## Serve the page on http://127.0.0.1:8000/
	node tests/web/server.mjs 8000

bench-web: web ## Drop-to-tables time in Chromium vs the native CLI (release) on 10 MB and 100 MB exports
	$(CARGO) build --release -p planet-bq
	PLANET_BQ=$(WEB_TARGET_DIR)/release/planet-bq node tests/web/bench.mjs
