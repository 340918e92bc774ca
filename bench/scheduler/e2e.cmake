# flyover-scheduler end to end through flyover-apiserver (in process, temp dir): pods/s from
# all pods created to all bound, gang scheduling beside a one-pod-at-a-time baseline.
flyover_benchmark(sched_e2e_bench MODULE bench
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/e2e_bench.cc
  DEPS sched_loop sched_testing apiserver_server kube_controller kube_controller_testing
       kube_cache_rest kube_client
       absl::strings absl::str_format absl::time)
