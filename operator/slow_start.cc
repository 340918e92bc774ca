#include "operator/slow_start.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace flyover::op {
namespace {

// Runs `call` for [begin, end) on up to `threads` threads; whether every call succeeded.
bool RunBatch(size_t begin, size_t end, int threads,
              const std::function<absl::Status(size_t)>& call, std::vector<absl::Status>* out) {
  std::atomic<size_t> next{begin};
  std::atomic<bool> ok{true};
  auto work = [&] {
    for (size_t i = next++; i < end; i = next++) {
      (*out)[i] = call(i);
      if (!(*out)[i].ok()) ok = false;
    }
  };
  const size_t width = std::min<size_t>(end - begin, static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < width; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  return ok;
}

}  // namespace

std::vector<absl::Status> SlowStartBatches(size_t count, int max_parallel,
                                           const std::function<absl::Status(size_t)>& call) {
  std::vector<absl::Status> results(
      count, absl::CancelledError("not attempted: an earlier write of the batch failed"));
  const int threads = std::max(1, max_parallel);
  size_t batch = 1;
  for (size_t begin = 0; begin < count; begin += batch, batch *= 2) {
    const size_t end = std::min(count, begin + batch);
    if (!RunBatch(begin, end, threads, call, &results)) break;
  }
  return results;
}

}  // namespace flyover::op
