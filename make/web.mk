# The what-if page, ready to serve: web/ with the browser package (make wasm) and the vendored
# graph library. Its tests are in tests/make/60-web.mk.
.PHONY: web

web: wasm deps-web ## The page, ready to serve: web/pkg/ (make wasm) and web/vendor/ (Cytoscape.js from npm)
	mkdir -p web/vendor
	cp web/node_modules/cytoscape/dist/cytoscape.esm.min.mjs web/vendor/cytoscape.esm.min.js
	cp web/node_modules/cytoscape/LICENSE web/vendor/cytoscape.LICENSE
