# Training step time and tokens/s per rank of the built-in trainer (threads + loopback
# collectives), beside single-thread OpenBLAS sgemm GFLOP/s measured in the same run.
flyover_benchmark(worker_train_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/train_bench.cc
  DEPS worker_train worker_comm worker_npu BLAS::BLAS absl::strings absl::str_format
       absl::time Threads::Threads)
