# What an operator installs: the .deb (binary, hardened systemd unit, environment file, man
# pages, completions), installed and purged on this machine; the Kubernetes manifests.
DEPS_TARGETS += deps-packaging
TEST_TARGETS += test-deb test-kubernetes
.PHONY: deps-packaging deb test-deb test-kubernetes

deps-packaging: ## cargo-deb 3.8.0 (cargo install), systemd-analyze and man (Debian), kubernetes-validate (venv in /var/tmp)
	bash tests/scripts/ensure-packaging-tools.sh
	bash tests/scripts/ensure-kubernetes-validate.sh >/dev/null

deb: build deps-packaging ## The .deb of the release build, in <target dir>/debian/ (packaging/build-deb.sh)
	bash packaging/build-deb.sh

test-deb: build deps-packaging ## Build the .deb, dpkg -i it, check binary, unit, env file, man pages, completions, dpkg -P it
	deb=$$(bash packaging/build-deb.sh) && bash tests/packaging/deb.sh "$$deb"

test-kubernetes: deps-packaging ## deploy/kubernetes/ against the API schemas (offline) and what the manifests promise
	bash tests/packaging/kubernetes.sh
