# planet-bq in a container: a static binary (musl) on a minimal base, running as a non-root user.
#   docker build -t planet-bq:0.1.0 .
#   docker run --rm planet-bq:0.1.0 --version
# deploy/kubernetes/ runs this image. The README ("Installing", "Container") says what was and
# was not tested of it.

# Stage 1: the static binary, built by `make static`: the same command, target and profile
# that `make test-static` builds and tests (x86_64-unknown-linux-musl, profile `static`,
# without the wasm engine: `--engine wasm` is refused in the image).
FROM rust:1.95-bookworm AS build
ENV CARGO_TARGET_DIR=/target
WORKDIR /src
COPY . .
# `make static` installs what it needs first (tests/scripts/ensure-musl.sh: the musl target, musl-tools).
RUN make static \
 && cp /target/x86_64-unknown-linux-musl/static/planet-bq /planet-bq \
 && /planet-bq --version \
 && if readelf -d /planet-bq | grep -q NEEDED; then echo 'not static' >&2; exit 1; fi

# Stage 2: the binary alone. distroless/static has CA certificates (for https InfluxDB and
# BigQuery), /etc/passwd with user nonroot (65532, the user the Kubernetes manifests run as)
# and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /planet-bq /usr/bin/planet-bq
USER 65532:65532
ENTRYPOINT ["/usr/bin/planet-bq"]
CMD ["run"]
