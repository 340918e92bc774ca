# Decoding a 10,000-pod list: DecodeList (and the whole RestClient::ListPage path over a
# fake transport) beside a bare nlohmann::json::parse of the same bytes, in one run.
flyover_benchmark(kube_list_decode_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/list_decode_bench.cc
  DEPS kube_client_testing benchmark::benchmark absl::strings absl::str_format)
