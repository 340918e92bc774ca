#include "worker/comm/comm_test_util.h"

#include <stdlib.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "worker/comm/in_memory_rendezvous_store.h"
#include "worker/comm/loopback_communicator.h"

namespace flyover::worker::testing {

const char* ImplName(Impl impl) { return impl == Impl::kLoopback ? "Loopback" : "Gloo"; }

void RunOnRanks(int size, const std::function<void(int rank)>& body) {
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank) threads.emplace_back(body, rank);
  for (std::thread& thread : threads) thread.join();
}

std::vector<absl::StatusOr<std::unique_ptr<GlooCommunicator>>> ConnectGloo(
    int size, const std::function<RendezvousStore&(int rank)>& store_for,
    const GlooCommunicatorOptions& base) {
  std::vector<absl::StatusOr<std::unique_ptr<GlooCommunicator>>> results;
  for (int rank = 0; rank < size; ++rank) results.emplace_back(absl::UnknownError("not run"));
  RunOnRanks(size, [&](int rank) {
    GlooCommunicatorOptions options = base;
    options.rank = rank;
    options.size = size;
    results[rank] = GlooCommunicator::Connect(store_for(rank), options);
  });
  return results;
}

absl::StatusOr<std::vector<std::unique_ptr<Communicator>>> MakeGroup(
    Impl impl, int size, const GroupOptions& options) {
  std::vector<std::unique_ptr<Communicator>> group;
  if (impl == Impl::kLoopback) {
    auto comms = LoopbackCommunicator::CreateGroup(
        {.size = size, .default_timeout = options.default_timeout});
    if (!comms.ok()) return comms.status();
    for (auto& comm : *comms) group.push_back(std::move(comm));
    return group;
  }
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {.job = options.job, .generation = 0});
  GlooCommunicatorOptions base;
  base.connect_timeout = absl::Seconds(20);
  base.default_timeout = options.default_timeout;
  base.segment_bytes = options.segment_bytes;
  auto connected = ConnectGloo(size, [&](int) -> RendezvousStore& { return store; }, base);
  for (auto& comm : connected) {
    if (!comm.ok()) return comm.status();
    group.push_back(std::move(*comm));
  }
  return group;
}

std::vector<float> TestData(int rank, size_t n, uint32_t salt) {
  std::mt19937 engine(static_cast<uint32_t>(rank) * 7919u + salt * 104729u + 1u);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-12, 12);
  std::bernoulli_distribution negative(0.5);
  std::vector<float> data(n);
  for (float& value : data) {
    value = std::ldexp(mantissa(engine), exponent(engine)) * (negative(engine) ? -1.0f : 1.0f);
  }
  return data;
}

std::vector<float> ReferenceSum(const std::vector<std::vector<float>>& inputs) {
  std::vector<float> sum = inputs.at(0);
  for (size_t r = 1; r < inputs.size(); ++r) {
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += inputs[r][i];
  }
  return sum;
}

bool BitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::string MakeTempDir() {
  std::string pattern = absl::StrCat(::testing::TempDir(), "/flyover_comm_XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
    return "";
  }
  return pattern;
}

}  // namespace flyover::worker::testing
