// The RendezvousStore contract, run against every implementation: FileRendezvousStore over
// a temporary directory, HttpRendezvousStore against an InMemoryRendezvousServer on port 0,
// and the InMemoryRendezvousStore fake.
#include "worker/comm/rendezvous_store.h"

#include <memory>
#include <string>
#include <thread>
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

using ::testing::HasSubstr;

enum class Kind { kFile, kHttp, kInMemory };

// Creates stores of one kind that all see the same backing state.
class StoreFactory {
 public:
  explicit StoreFactory(Kind kind) : kind_(kind) {
    if (kind_ == Kind::kFile) root_ = testing::MakeTempDir();
    if (kind_ == Kind::kHttp) {
      server_ = std::make_unique<InMemoryRendezvousServer>();
      EXPECT_TRUE(server_->Start().ok());
    }
  }

  std::unique_ptr<RendezvousStore> Make(RendezvousScope scope) {
    switch (kind_) {
      case Kind::kFile: {
        auto store = FileRendezvousStore::Create({.root = root_, .scope = scope});
        EXPECT_TRUE(store.ok()) << store.status();
        return store.ok() ? std::move(*store) : nullptr;
      }
      case Kind::kHttp: {
        auto store = HttpRendezvousStore::Create(
            {.endpoint = server_->endpoint(), .scope = scope, .long_poll = absl::Seconds(2)});
        EXPECT_TRUE(store.ok()) << store.status();
        return store.ok() ? std::move(*store) : nullptr;
      }
      case Kind::kInMemory:
        return std::make_unique<InMemoryRendezvousStore>(&table_, scope);
    }
    return nullptr;
  }

 private:
  const Kind kind_;
  std::string root_;
  std::unique_ptr<InMemoryRendezvousServer> server_;
  RendezvousTable table_;
};

class RendezvousStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  StoreFactory factory_{GetParam()};
};

TEST_P(RendezvousStoreTest, SetThenGetReturnsTheBytes) {
  auto store = factory_.Make({.job = "job-a", .generation = 0});
  const std::string value("addr\0\xff\x01 binary", 15);
  ASSERT_TRUE(store->Set("gloo/rank_0", value).ok());
  absl::StatusOr<std::string> got = store->Get("gloo/rank_0");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, value);
  EXPECT_EQ(store->scope().KeyPrefix(), "job-a/0/");
}

TEST_P(RendezvousStoreTest, LastWriterWins) {
  auto store = factory_.Make({.job = "job-a"});
  ASSERT_TRUE(store->Set("k", "one").ok());
  ASSERT_TRUE(store->Set("k", "two").ok());
  EXPECT_EQ(store->Get("k").value_or(""), "two");
}

TEST_P(RendezvousStoreTest, GetOfAMissingKeyIsNotFound) {
  auto store = factory_.Make({.job = "job-a"});
  EXPECT_EQ(store->Get("nobody").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(RendezvousStoreTest, WaitReturnsOnceAnotherRankSetsTheKeys) {
  auto waiter = factory_.Make({.job = "job-a", .generation = 3});
  auto setter = factory_.Make({.job = "job-a", .generation = 3});
  std::thread other([&] {
    ASSERT_TRUE(setter->Set("x", "1").ok());
    ASSERT_TRUE(setter->Set("y/z", "2").ok());
  });
  const absl::Time start = absl::Now();
  EXPECT_TRUE(waiter->Wait({"x", "y/z"}, absl::Seconds(20)).ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  other.join();
  EXPECT_EQ(WaitAndGet(*waiter, "y/z", absl::Seconds(1)).value_or(""), "2");
}

TEST_P(RendezvousStoreTest, WaitTimesOutNamingTheMissingKey) {
  auto store = factory_.Make({.job = "job-a"});
  ASSERT_TRUE(store->Set("present", "1").ok());
  const absl::Time start = absl::Now();
  absl::Status status = store->Wait({"present", "absent"}, absl::Milliseconds(150));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(), HasSubstr("job-a/0/absent"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_P(RendezvousStoreTest, GenerationsAndJobsDoNotSeeEachOthersKeys) {
  auto gen0 = factory_.Make({.job = "job-a", .generation = 0});
  ASSERT_TRUE(gen0->Set("gloo/0", "old address").ok());
  auto other_job = factory_.Make({.job = "job-b", .generation = 0});
  EXPECT_EQ(other_job->Get("gloo/0").status().code(), absl::StatusCode::kNotFound);
  auto gen1 = factory_.Make({.job = "job-a", .generation = 1});
  EXPECT_EQ(gen1->Get("gloo/0").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gen1->Wait({"gloo/0"}, absl::Milliseconds(50)).code(),
            absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(gen1->Set("gloo/0", "new address").ok());
  EXPECT_EQ(gen1->Get("gloo/0").value_or(""), "new address");
}

TEST_P(RendezvousStoreTest, WaitInASupersededGenerationIsAborted) {
  auto old_generation = factory_.Make({.job = "job-c", .generation = 7});
  auto new_generation = factory_.Make({.job = "job-c", .generation = 8});
  ASSERT_TRUE(new_generation->Set("gloo/0", "x").ok());
  const absl::Status status = old_generation->Wait({"gloo/1"}, absl::Seconds(20));
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_THAT(status.message(), HasSubstr("superseded"));
}

TEST_P(RendezvousStoreTest, MalformedKeysAndOversizedValuesAreRejected) {
  auto store = factory_.Make({.job = "job-a"});
  for (const char* key : {"", "a//b", "/a", "a/", "a.b", "a b", "../escape", "ä"}) {
    EXPECT_EQ(store->Set(key, "v").code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(store->Get(key).status().code(), absl::StatusCode::kInvalidArgument) << key;
  }
  EXPECT_EQ(store->Set("big", std::string(kMaxRendezvousValueBytes + 1, 'x')).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store->Set("max", std::string(kMaxRendezvousValueBytes, 'x')).ok());
}

std::string KindName(const ::testing::TestParamInfo<Kind>& info) {
  switch (info.param) {
    case Kind::kFile:
      return "File";
    case Kind::kHttp:
      return "Http";
    case Kind::kInMemory:
      return "InMemory";
  }
  return "Unknown";
}

INSTANTIATE_TEST_SUITE_P(AllStores, RendezvousStoreTest,
                         ::testing::Values(Kind::kFile, Kind::kHttp, Kind::kInMemory), KindName);

TEST(RendezvousScopeTest, ValidatesJobNamesAndGenerations) {
  EXPECT_TRUE(ValidateScope({.job = "llama-70b.sft", .generation = 0}).ok());
  EXPECT_TRUE(ValidateScope({.job = "a", .generation = 12}).ok());
  for (const char* job : {"", "Upper", "-lead", "trail-", "under_score", "sl/ash"}) {
    EXPECT_EQ(ValidateScope({.job = job}).code(), absl::StatusCode::kInvalidArgument) << job;
  }
  EXPECT_EQ(ValidateScope({.job = std::string(254, 'a')}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateScope({.job = "a", .generation = -1}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((RendezvousScope{.job = "j", .generation = 42}).KeyPrefix(), "j/42/");
}

TEST(RendezvousKeyTest, AcceptsSegmentsOfSafeCharacters) {
  EXPECT_TRUE(ValidateRendezvousKey("gloo/rank_0").ok());
  EXPECT_TRUE(ValidateRendezvousKey("A-z_09").ok());
  EXPECT_EQ(ValidateRendezvousKey(std::string(65, 'a')).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateRendezvousKey(std::string(257, 'a')).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::worker
