// Helpers shared by worker_npu_test: seeded random tensors, naive double-precision
// reference kernels, a finite-difference gradient check, and host<->device round trips.
#ifndef FLYOVER_WORKER_NPU_NPU_TEST_UTIL_H_
#define FLYOVER_WORKER_NPU_NPU_TEST_UTIL_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gtest/gtest.h"
#include "worker/npu/npu_backend.h"

namespace flyover::worker::testing {

// `n` values uniform in [lo, hi), from a fixed seed.
inline std::vector<float> RandomVector(int64_t n, uint32_t seed, float lo = -1.0f,
                                       float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Whether two float vectors are equal bit for bit.
inline bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Row-major C[m,n] = alpha * op(A) op(B) + beta * C in double, packed layouts.
inline std::vector<float> NaiveGemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k,
                                    float alpha, const std::vector<float>& a,
                                    const std::vector<float>& b, float beta,
                                    std::vector<float> c) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p) {
        const double av = ta ? a[p * m + i] : a[i * k + p];
        const double bv = tb ? b[j * k + p] : b[p * n + j];
        sum += av * bv;
      }
      c[i * n + j] = static_cast<float>(alpha * sum + (beta == 0 ? 0.0 : beta * c[i * n + j]));
    }
  }
  return c;
}

// Checks `analytic` (the gradient of loss() with respect to `input`) against central
// differences, perturbing `input` in place (restored afterwards).
inline void ExpectGradient(std::vector<float>& input, const std::function<double()>& loss,
                           const std::vector<float>& analytic, const char* what,
                           double h = 1e-2, double tol = 2e-3) {
  ASSERT_EQ(input.size(), analytic.size()) << what;
  for (size_t i = 0; i < input.size(); ++i) {
    const float saved = input[i];
    input[i] = static_cast<float>(saved + h);
    const double plus = loss();
    input[i] = static_cast<float>(saved - h);
    const double minus = loss();
    input[i] = saved;
    const double numeric = (plus - minus) / (2 * h);
    EXPECT_NEAR(analytic[i], numeric, tol * (1 + std::abs(numeric))) << what << "[" << i << "]";
  }
}

// sum_i w[i] * y[i] in double.
inline double Dot(const std::vector<float>& w, const std::vector<float>& y) {
  double s = 0;
  for (size_t i = 0; i < w.size(); ++i) s += static_cast<double>(w[i]) * y[i];
  return s;
}

// Allocates a device buffer holding `values` (synchronously, on `stream`).
inline DeviceBuffer Upload(NpuBackend& npu, StreamHandle stream,
                           const std::vector<float>& values) {
  absl::StatusOr<DeviceBuffer> buffer =
      npu.Allocate(static_cast<int64_t>(values.size() * sizeof(float)));
  EXPECT_TRUE(buffer.ok()) << buffer.status();
  if (!buffer.ok()) return DeviceBuffer{};
  EXPECT_TRUE(npu.CopyHostToDevice(stream, values, *buffer).ok());
  return *buffer;
}

// A zero-filled device buffer of `n` elements.
inline DeviceBuffer Zeros(NpuBackend& npu, int64_t n) {
  absl::StatusOr<DeviceBuffer> buffer = npu.Allocate(n * static_cast<int64_t>(sizeof(float)));
  EXPECT_TRUE(buffer.ok()) << buffer.status();
  return buffer.ok() ? *buffer : DeviceBuffer{};
}

// Synchronises `stream` and returns the contents of `slice`.
inline std::vector<float> Download(NpuBackend& npu, StreamHandle stream, DeviceSlice slice) {
  std::vector<float> out(static_cast<size_t>(slice.size));
  EXPECT_TRUE(npu.CopyDeviceToHost(stream, slice, absl::MakeSpan(out)).ok());
  const absl::Status synced = npu.SynchronizeStream(stream);
  EXPECT_TRUE(synced.ok()) << synced;
  return out;
}

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_NPU_NPU_TEST_UTIL_H_
