# flyover-scheduler's Kubernetes half, assembled: the scheduling loop over the cache, queue,
# binder and reporter (subdirectories), the core (framework/, plugins/) and metrics.
flyover_library(sched_loop MODULE scheduler
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/gang_request_builder.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/cache_reserve_plugin.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_metrics.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/scheduling_loop.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/flyover_scheduler.cc
  DEPS sched_plugins sched_framework sched_cache sched_queue sched_binder sched_report
       kube_cache_rest kube_cache kube_controller kube_client common_metrics common_base
       prometheus-cpp::core absl::strings absl::synchronization Threads::Threads)
flyover_test(sched_loop_test MODULE scheduler
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/gang_request_builder_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/scheduler_metrics_test.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/flyover_scheduler_test.cc
  DEPS sched_loop sched_testing kube_testing kube_controller_testing)
