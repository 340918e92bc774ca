# flyover-apiserver over HTTP: pod creates/s with 1 and 16 concurrent clients, beside raw
# SQLite inserts of the same rows measured in the same run.
flyover_benchmark(server_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/server_bench.cc
  DEPS apiserver_server flyover::httplib SQLite::SQLite3 absl::strings absl::str_format)
