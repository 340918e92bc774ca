# Third-party dependencies, all from Debian 12 packages (flyover.sh installs them).
# Each is wrapped in a target so modules name what they use and nothing more.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(absl REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(OpenSSL REQUIRED)  # libcrypto: digests (TLS comes through cpp-httplib)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)

# Debian's cpp-httplib is a compiled library: flags come from pkg-config.
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
add_library(flyover_httplib INTERFACE)
target_link_libraries(flyover_httplib INTERFACE PkgConfig::CPP_HTTPLIB Threads::Threads)
add_library(flyover::httplib ALIAS flyover_httplib)

# yaml-cpp's exported target name differs between releases.
if(TARGET yaml-cpp::yaml-cpp)
  set(FLYOVER_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(FLYOVER_YAML_TARGET yaml-cpp)
endif()

# The worker's kernels and collectives.
find_package(BLAS REQUIRED)
find_package(Gloo CONFIG QUIET)
if(NOT Gloo_FOUND)
  find_library(GLOO_LIBRARY gloo REQUIRED)
  add_library(flyover_gloo INTERFACE)
  target_link_libraries(flyover_gloo INTERFACE ${GLOO_LIBRARY} Threads::Threads)
else()
  add_library(flyover_gloo INTERFACE)
  target_link_libraries(flyover_gloo INTERFACE gloo Threads::Threads)
endif()
add_library(flyover::gloo ALIAS flyover_gloo)

# The embedded API server's storage.
find_package(SQLite3 REQUIRED)

# The kubelet device-plugin protocol (device-plugin/api/): protobuf messages and gRPC
# services generated at build time by Debian's protoc and grpc_cpp_plugin.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_program(FLYOVER_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
