#include "worker/model/linear_ops.h"

#include "common/status.h"

namespace flyover::worker {

absl::Status LinearForward(NpuBackend& npu, StreamHandle stream, int64_t rows, int64_t in,
                           int64_t out, DeviceSlice x, DeviceSlice w, DeviceSlice b,
                           DeviceSlice y) {
  GemmArgs gemm;
  gemm.m = rows;
  gemm.n = out;
  gemm.k = in;
  gemm.a = x;
  gemm.b = w;
  gemm.c = y;
  RETURN_IF_ERROR(npu.Gemm(stream, gemm));
  return npu.AddBias(stream, rows, out, y, b, y);
}

absl::Status LinearBackward(NpuBackend& npu, StreamHandle stream, int64_t rows, int64_t in,
                            int64_t out, DeviceSlice x, DeviceSlice w, DeviceSlice dy,
                            DeviceSlice dx, DeviceSlice dw, DeviceSlice db) {
  GemmArgs weight;  // dW [in, out] += x^T [in, rows] dy [rows, out]
  weight.trans_a = true;
  weight.m = in;
  weight.n = out;
  weight.k = rows;
  weight.beta = 1.0f;
  weight.a = x;
  weight.b = dy;
  weight.c = dw;
  RETURN_IF_ERROR(npu.Gemm(stream, weight));
  RETURN_IF_ERROR(npu.SumRows(stream, rows, out, dy, db, /*accumulate=*/true));
  GemmArgs input;  // dx [rows, in] = dy [rows, out] W^T
  input.trans_b = true;
  input.m = rows;
  input.n = in;
  input.k = out;
  input.a = dy;
  input.b = w;
  input.c = dx;
  return npu.Gemm(stream, input);
}

}  // namespace flyover::worker
