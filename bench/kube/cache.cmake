# kube/cache benchmarks: informer memory per cached pod and sustained watch event throughput.
flyover_benchmark(informer_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/informer_bench.cc
  DEPS kube_cache kube_cache_testing)
