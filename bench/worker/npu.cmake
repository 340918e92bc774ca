# Emulated NPU GEMM through EmulatedNpuBackend (streams included) beside direct OpenBLAS.
flyover_benchmark(npu_gemm_bench MODULE bench
  SRCS ${CMAKE_CURRENT_LIST_DIR}/npu_gemm_bench.cc
  DEPS worker_npu BLAS::BLAS absl::strings absl::str_format absl::time)
