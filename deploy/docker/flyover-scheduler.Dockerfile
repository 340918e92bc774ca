# flyover-scheduler: the gang, topology-aware scheduler.
# Build from the repository root (BuildKit reads flyover-scheduler.Dockerfile.dockerignore):
#   docker build -f deploy/docker/flyover-scheduler.Dockerfile -t <registry>/flyover-scheduler:<tag> .
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
 && cmake --build /build --target flyover-scheduler \
 && strip /build/bin/flyover-scheduler

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libstdc++6 libabsl20220623 libcpp-httplib0.11 libprometheus-cpp-core1.0 libssl3 libyaml-cpp0.7 zlib1g libbrotli1 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/flyover-scheduler /usr/local/bin/flyover-scheduler
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/flyover-scheduler"]
