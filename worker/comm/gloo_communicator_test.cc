// GlooCommunicator beyond the conformance suite: rendezvous through every store, failures
// (peers that never join or die mid-collective) and generation isolation. Failure tests
// use short timeouts and assert that they finish well within a few seconds.
#include "worker/comm/gloo_communicator.h"

#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/comm/comm_test_util.h"
#include "worker/comm/file_rendezvous_store.h"
#include "worker/comm/http_rendezvous_store.h"
#include "worker/comm/in_memory_rendezvous_server.h"
#include "worker/comm/in_memory_rendezvous_store.h"

namespace flyover::worker {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using testing::ConnectGloo;
using testing::DestroyInParallel;
using testing::RunOnRanks;

using Comms = std::vector<std::unique_ptr<GlooCommunicator>>;

GlooCommunicatorOptions FastOptions() {
  GlooCommunicatorOptions options;
  options.connect_timeout = absl::Seconds(10);
  options.default_timeout = absl::Seconds(10);
  return options;
}

// Connects `size` ranks through one shared store and expects success.
Comms ConnectAll(int size, RendezvousStore& store,
                 const GlooCommunicatorOptions& options = FastOptions()) {
  Comms comms;
  for (auto& comm : ConnectGloo(size, [&](int) -> RendezvousStore& { return store; }, options)) {
    EXPECT_TRUE(comm.ok()) << comm.status();
    if (comm.ok()) comms.push_back(std::move(*comm));
  }
  return comms;
}

// Runs an AllReduce of rank+1 on every rank and checks the sum.
void ExpectWorkingAllReduce(Comms& comms) {
  const int size = static_cast<int>(comms.size());
  std::vector<std::vector<float>> data(size);
  RunOnRanks(size, [&](int r) {
    data[r].assign(1001, static_cast<float>(r + 1));
    ASSERT_TRUE(comms[r]->AllReduce(absl::MakeSpan(data[r])).ok());
  });
  for (int r = 0; r < size; ++r) EXPECT_EQ(data[r][1000], size * (size + 1) / 2.0f) << r;
}

TEST(GlooCommunicatorTest, RejectsBadOptions) {
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {.job = "bad-options"});
  GlooCommunicatorOptions options = FastOptions();
  options.rank = 2;
  options.size = 2;
  EXPECT_EQ(GlooCommunicator::Connect(store, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = FastOptions();
  options.default_timeout = absl::ZeroDuration();
  EXPECT_EQ(GlooCommunicator::Connect(store, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = FastOptions();
  options.segment_bytes = 2;
  EXPECT_EQ(GlooCommunicator::Connect(store, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(GlooCommunicatorTest, RendezvousThroughFileStore) {
  const std::string root = testing::MakeTempDir();
  auto store = FileRendezvousStore::Create({.root = root, .scope = {.job = "file-job"}});
  ASSERT_TRUE(store.ok()) << store.status();
  Comms comms = ConnectAll(3, **store);
  ASSERT_EQ(comms.size(), 3u);
  ExpectWorkingAllReduce(comms);
  DestroyInParallel(comms);
}

TEST(GlooCommunicatorTest, RendezvousThroughTheHttpEndpointWithAToken) {
  InMemoryRendezvousServer server({.bearer_token = "s3cret"});
  ASSERT_TRUE(server.Start().ok());
  std::vector<std::unique_ptr<HttpRendezvousStore>> stores;  // one client per rank
  for (int r = 0; r < 4; ++r) {
    auto store = HttpRendezvousStore::Create({.endpoint = server.endpoint(),
                                              .scope = {.job = "http-job", .generation = 2},
                                              .bearer_token = "s3cret"});
    ASSERT_TRUE(store.ok()) << store.status();
    stores.push_back(std::move(*store));
  }
  Comms comms;
  for (auto& comm : ConnectGloo(4, [&](int r) -> RendezvousStore& { return *stores[r]; },
                                FastOptions())) {
    ASSERT_TRUE(comm.ok()) << comm.status();
    comms.push_back(std::move(*comm));
  }
  ExpectWorkingAllReduce(comms);
  EXPECT_EQ(server.table().NewestGeneration("http-job"), 2);
  DestroyInParallel(comms);
}

TEST(GlooCommunicatorTest, ConnectTimesOutWhenAPeerNeverJoins) {
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {.job = "missing-peer"});
  GlooCommunicatorOptions options = FastOptions();
  options.connect_timeout = absl::Milliseconds(400);
  std::vector<absl::Status> status(2);
  const absl::Time start = absl::Now();
  RunOnRanks(2, [&](int r) {  // ranks 0 and 1 of 3; rank 2 never comes
    GlooCommunicatorOptions mine = options;
    mine.rank = r;
    mine.size = 3;
    status[r] = GlooCommunicator::Connect(store, mine).status();
  });
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  for (const absl::Status& s : status) {
    EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
    EXPECT_THAT(s.message(), HasSubstr("gloo/"));
  }
}

TEST(GlooCommunicatorTest, CollectiveTimesOutWhenAPeerNeverEntersIt) {
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {.job = "idle-peer"});
  Comms comms = ConnectAll(3, store);
  ASSERT_EQ(comms.size(), 3u);
  std::vector<absl::Status> status(2);
  const absl::Time start = absl::Now();
  RunOnRanks(2, [&](int r) {
    std::vector<float> data(1000, 1.0f);
    status[r] = comms[r]->AllReduce(absl::MakeSpan(data), {.timeout = absl::Milliseconds(300)});
  });
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  int timeouts = 0;
  for (const absl::Status& s : status) {
    // The first rank to time out closes its connections; its peer may see that first.
    EXPECT_THAT(s.code(),
                AnyOf(absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kAborted)) << s;
    timeouts += absl::IsDeadlineExceeded(s);
  }
  EXPECT_GE(timeouts, 1);
  // The communicators that failed are broken for good.
  EXPECT_THAT(comms[0]->Barrier().message(), HasSubstr("broken"));
  EXPECT_EQ(comms[0]->Barrier().code(), absl::StatusCode::kAborted);
  DestroyInParallel(comms);
}

TEST(GlooCommunicatorTest, PeerThatDiesMidCollectiveAbortsTheOthersQuickly) {
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {.job = "dying-peer"});
  Comms comms = ConnectAll(4, store);
  ASSERT_EQ(comms.size(), 4u);
  std::vector<absl::Status> status(3);
  const absl::Time start = absl::Now();
  RunOnRanks(4, [&](int r) {
    if (r == 3) {
      comms[3].reset();  // the process of rank 3 dies: its connections close
      return;
    }
    std::vector<float> data(1 << 20, 1.0f);
    status[r] = comms[r]->AllReduce(absl::MakeSpan(data), {.timeout = absl::Seconds(30)});
  });
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // far below the 30 s timeout
  for (const absl::Status& s : status) {
    EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  }
  comms.pop_back();
  DestroyInParallel(comms);
}

TEST(GlooCommunicatorTest, MismatchedSizesFailInsteadOfExchangingWrongData) {
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {.job = "mismatch"});
  Comms comms = ConnectAll(2, store);
  ASSERT_EQ(comms.size(), 2u);
  std::vector<absl::Status> status(2);
  RunOnRanks(2, [&](int r) {
    std::vector<float> data(10 + 2 * r, 1.0f);
    status[r] = comms[r]->AllReduce(absl::MakeSpan(data), {.timeout = absl::Milliseconds(300)});
  });
  for (const absl::Status& s : status) {
    EXPECT_THAT(s.code(),
                AnyOf(absl::StatusCode::kDeadlineExceeded, absl::StatusCode::kAborted)) << s;
  }
  DestroyInParallel(comms);
}

TEST(GlooCommunicatorTest, NewGenerationIgnoresTheKeysOfAnOldOne) {
  const std::string root = testing::MakeTempDir();
  {
    // Generation 0: rank 0 publishes its address, then gives up (rank 1 never came).
    auto old_store = FileRendezvousStore::Create({.root = root, .scope = {.job = "restarted"}});
    ASSERT_TRUE(old_store.ok());
    GlooCommunicatorOptions options = FastOptions();
    options.size = 2;
    options.connect_timeout = absl::Milliseconds(200);
    EXPECT_EQ(GlooCommunicator::Connect(**old_store, options).status().code(),
              absl::StatusCode::kDeadlineExceeded);
  }
  auto new_store =
      FileRendezvousStore::Create({.root = root, .scope = {.job = "restarted", .generation = 1}});
  ASSERT_TRUE(new_store.ok());
  Comms comms = ConnectAll(2, **new_store);
  ASSERT_EQ(comms.size(), 2u);
  ExpectWorkingAllReduce(comms);
  DestroyInParallel(comms);
}

TEST(GlooCommunicatorTest, StragglerOfASupersededGenerationIsAborted) {
  RendezvousTable table;
  InMemoryRendezvousStore current(&table, {.job = "straggler", .generation = 5});
  Comms comms = ConnectAll(2, current);
  ASSERT_EQ(comms.size(), 2u);
  InMemoryRendezvousStore stale(&table, {.job = "straggler", .generation = 4});
  GlooCommunicatorOptions options = FastOptions();
  options.size = 2;
  const absl::StatusOr<std::unique_ptr<GlooCommunicator>> straggler =
      GlooCommunicator::Connect(stale, options);
  EXPECT_EQ(straggler.status().code(), absl::StatusCode::kAborted) << straggler.status();
  EXPECT_THAT(straggler.status().message(), HasSubstr("superseded"));
  DestroyInParallel(comms);
}

}  // namespace
}  // namespace flyover::worker
