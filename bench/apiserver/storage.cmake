# apiserver/storage benchmarks: durable creates/s (1 and 16 writers) beside raw SQLite inserts,
# watch delivery to 100 watchers, and listing 10,000 objects.
flyover_benchmark(storage_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/storage_bench.cc
  DEPS apiserver_storage SQLite::SQLite3)
