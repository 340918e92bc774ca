// The inputs of the multi-process test, shared by the test and its rank helper binary so
// that the test can compute the expected AllReduce result itself.
#ifndef FLYOVER_WORKER_COMM_COMM_PROCESS_TEST_DATA_H_
#define FLYOVER_WORKER_COMM_COMM_PROCESS_TEST_DATA_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace flyover::worker::testing {

// Mixed signs and magnitudes from 2^-12 to 2^13, so that summation order shows in the bits.
inline std::vector<float> ProcessTestData(int rank, size_t n) {
  std::vector<float> data(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t h = (i * 2654435761u + static_cast<uint64_t>(rank) * 40503u) % 1000003u;
    const float mantissa = 1.0f + static_cast<float>(h % 1000) / 1000.0f;
    const int exponent = static_cast<int>((i + 7 * static_cast<size_t>(rank)) % 25) - 12;
    data[i] = std::ldexp(mantissa, exponent) * ((h % 3 == 0) ? -1.0f : 1.0f);
  }
  return data;
}

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_COMM_COMM_PROCESS_TEST_DATA_H_
