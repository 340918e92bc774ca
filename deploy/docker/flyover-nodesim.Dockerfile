# flyover-nodesim: simulated kubelets (local mode).
# Build from the repository root (BuildKit reads flyover-nodesim.Dockerfile.dockerignore):
#   docker build -f deploy/docker/flyover-nodesim.Dockerfile -t <registry>/flyover-nodesim:<tag> .
# Runtime libraries: ldd of the built binary, each mapped to its Debian package with dpkg -S.

FROM debian:12 AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY . .
# The build's packages are those of PACKAGES in flyover.sh, read from it so they stay in step.
RUN eval "$(sed -n '/^PACKAGES=(/,/^)/p' flyover.sh)" \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}" \
 && rm -rf /var/lib/apt/lists/*
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target flyover-nodesim \
 && strip /build/bin/flyover-nodesim

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libstdc++6 libabsl20220623 libcpp-httplib0.11 libprometheus-cpp-core1.0 libssl3 libyaml-cpp0.7 zlib1g libbrotli1 libgrpc++1.51 libgrpc29 libprotobuf32 libre2-9 libc-ares2 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/flyover-nodesim /usr/local/bin/flyover-nodesim
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/flyover-nodesim"]
