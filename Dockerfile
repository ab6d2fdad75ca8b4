# planet-bq in a container: a static binary (musl) on a minimal base, running as a non-root user.
#   docker build -t planet-bq:0.1.0 .
#   docker run --rm planet-bq:0.1.0 --version
# deploy/kubernetes/ runs this image. The README says what was and was not tested of it.

# Stage 1: the static binary, built as `make build` builds it (with the wasm engine's module
# embedded, so `--engine wasm` works in the image too).
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add x86_64-unknown-linux-musl wasm32-unknown-unknown
ENV CARGO_TARGET_DIR=/target \
    CC_x86_64_unknown_linux_musl=musl-gcc \
    CARGO_PROFILE_RELEASE_STRIP=debuginfo \
    PLANET_BQ_WASM_ABI=/target/wasm32-unknown-unknown/wasm-release/planet_wasm_abi.wasm
WORKDIR /src
COPY . .
RUN cargo build --locked -p planet-wasm-abi --target wasm32-unknown-unknown --profile wasm-release \
 && cargo build --locked --release -p planet-bq --target x86_64-unknown-linux-musl \
 && cp /target/x86_64-unknown-linux-musl/release/planet-bq /planet-bq \
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
