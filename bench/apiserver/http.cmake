# flyover-apiserver at the HTTP level, each beside the storage-level figure measured in the
# same run: watch delivery to 100 watchers, and listing 10,000 pods.
flyover_benchmark(http_watch_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/http_watch_bench.cc
  DEPS apiserver_server flyover::httplib absl::strings absl::synchronization
       absl::flat_hash_map nlohmann_json::nlohmann_json)
flyover_benchmark(http_list_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/http_list_bench.cc
  DEPS apiserver_server kube_client flyover::httplib absl::strings absl::str_format
       nlohmann_json::nlohmann_json)
