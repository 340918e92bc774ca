# The collectives' benchmark: AllReduce bus bandwidth of GlooCommunicator beside Gloo's own
# ring allreduce and memcpy, measured in one run (see allreduce_bench.cc for the command).
flyover_benchmark(allreduce_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/allreduce_bench.cc
  DEPS worker_comm flyover::gloo absl::strings absl::time Threads::Threads)
