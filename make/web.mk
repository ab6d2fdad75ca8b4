# The what-if page, ready to serve: web/ with the browser package (make wasm) and the vendored
# libraries from npm (web/package.json). Its tests are in tests/make/60-web.mk.
.PHONY: web web-vendor

web: wasm web-vendor ## The page, ready to serve: web/pkg/ (make wasm) and web/vendor/ (Cytoscape.js, its dagre layout, uPlot)

web-vendor: deps-web ## Only web/vendor/: the page's libraries copied from web/node_modules
	mkdir -p web/vendor
	cp web/node_modules/cytoscape/dist/cytoscape.esm.min.mjs web/vendor/cytoscape.esm.min.js
	cp web/node_modules/cytoscape/LICENSE web/vendor/cytoscape.LICENSE
	cp web/node_modules/cytoscape-dagre/dist/cytoscape-dagre.min.mjs web/vendor/cytoscape-dagre.esm.min.js
	cp web/node_modules/cytoscape-dagre/LICENSE web/vendor/cytoscape-dagre.LICENSE
	cp web/node_modules/uplot/dist/uPlot.esm.js web/vendor/uPlot.esm.js
	cp web/node_modules/uplot/dist/uPlot.min.css web/vendor/uPlot.min.css
	cp web/node_modules/uplot/LICENSE web/vendor/uPlot.LICENSE
