# A real InfluxDB 1.x for the vector oracle, the parity test and the live pipeline tests.
DEPS_TARGETS += deps-influxdb
.PHONY: deps-influxdb
deps-influxdb: ## InfluxDB 1.x (influxd, influx) from Debian's packages
	bash tests/scripts/ensure-influxdb.sh
