// Helpers for the tests of worker/comm: ranks as threads, groups of either Communicator
// implementation, reference reductions, and per-test temporary directories.
#ifndef FLYOVER_WORKER_COMM_COMM_TEST_UTIL_H_
#define FLYOVER_WORKER_COMM_COMM_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/comm/communicator.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/rendezvous_table.h"

namespace flyover::worker::testing {

enum class Impl { kLoopback, kGloo };
const char* ImplName(Impl impl);

// Runs body(rank) on `size` threads at once and joins them all.
void RunOnRanks(int size, const std::function<void(int rank)>& body);

// Destroys the communicators of a group on one thread each: tearing down a Gloo context
// takes tens of milliseconds, mostly waiting, so doing it in parallel keeps tests fast.
template <typename T>
void DestroyInParallel(std::vector<std::unique_ptr<T>>& comms) {
  RunOnRanks(static_cast<int>(comms.size()), [&](int rank) { comms[rank].reset(); });
  comms.clear();
}

// A connected group of `size` ranks. For kGloo the ranks rendezvous through an in-process
// RendezvousTable under `job`, generation 0, each connecting on its own thread.
struct GroupOptions {
  absl::Duration default_timeout = absl::Seconds(30);
  size_t segment_bytes = 1024;  // small, so that modest buffers exercise segmenting
  std::string job = "conformance";
};
absl::StatusOr<std::vector<std::unique_ptr<Communicator>>> MakeGroup(
    Impl impl, int size, const GroupOptions& options = {});

// Connects ranks [0, size) of a Gloo group through `store_for(rank)` on their own threads.
// Returns one StatusOr per rank.
std::vector<absl::StatusOr<std::unique_ptr<GlooCommunicator>>> ConnectGloo(
    int size, const std::function<RendezvousStore&(int rank)>& store_for,
    const GlooCommunicatorOptions& base);

// Deterministic test data for `rank`: values of mixed sign spanning many orders of
// magnitude, so that summing them in a different order changes the rounding.
std::vector<float> TestData(int rank, size_t n, uint32_t salt = 0);

// The reference reduction: for each i, ((in[0][i] + in[1][i]) + ...) in float.
std::vector<float> ReferenceSum(const std::vector<std::vector<float>>& inputs);

// Whether two float vectors are equal bit for bit.
bool BitIdentical(const std::vector<float>& a, const std::vector<float>& b);

// A fresh directory under the test's temporary directory.
std::string MakeTempDir();

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_COMM_COMM_TEST_UTIL_H_
