# Checkpoint write MB/s through CheckpointWriter beside raw sequential write+fsync of the
# same bytes, and the snapshot stall beside memcpy.
flyover_benchmark(worker_checkpoint_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/checkpoint_bench.cc
  DEPS worker_checkpoint common_fs absl::strings absl::str_format absl::time)
