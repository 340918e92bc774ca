#include "apiserver/storage/store.h"

#include <memory>
#include <string>
#include <vector>

#include "apiserver/storage/errors.h"
#include "apiserver/storage/testing/memory_revision_log.h"
#include "apiserver/storage/testing/metric_reader.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ObjectKey Pod(const std::string& name, const std::string& ns = "default") {
  return {"pods", ns, name};
}

std::vector<std::string> Names(const ListResult& result) {
  std::vector<std::string> names;
  for (const StoredObject& item : result.items) {
    names.push_back(item.key.namespace_ + "/" + item.key.name + "=" + item.value);
  }
  return names;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions options;
    options.committer.compaction_interval = absl::ZeroDuration();
    options.watch.bookmark_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(log_, options, &clock_, registry_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  int64_t MustCreate(const ObjectKey& key, const std::string& value) {
    absl::StatusOr<StoredObject> created = store_->Create(key, value);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->revision : 0;
  }

  FakeClock clock_;
  std::shared_ptr<MemoryRevisionLog> log_ = std::make_shared<MemoryRevisionLog>();
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CreateGetUpdateDelete) {
  absl::StatusOr<StoredObject> created = store_->Create(Pod("a"), R"({"v":1})");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->revision, 1);
  EXPECT_EQ(created->create_revision, 1);

  absl::StatusOr<StoredObject> updated = store_->Update(Pod("a"), R"({"v":2})");
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->revision, 2);
  EXPECT_EQ(updated->create_revision, 1);

  absl::StatusOr<StoredObject> got = store_->Get(Pod("a"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->key, Pod("a"));
  EXPECT_EQ(got->value, R"({"v":2})");
  EXPECT_EQ(got->revision, 2);

  absl::StatusOr<StoredObject> deleted = store_->Delete(Pod("a"));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->value, R"({"v":2})");
  EXPECT_EQ(deleted->revision, 3);
  EXPECT_EQ(store_->Get(Pod("a")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->CurrentRevision(), 3);
}

TEST_F(StoreTest, ExistenceErrorsNameTheObject) {
  MustCreate(Pod("a"), "x");
  absl::Status exists = store_->Create(Pod("a"), "y").status();
  EXPECT_EQ(exists.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(exists.message(), "pods default/a already exists");
  EXPECT_EQ(store_->Get(Pod("b")).status().message(), "pods default/b not found");
  EXPECT_EQ(store_->Update(Pod("b"), "y").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(Pod("b")).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, BadInputNamesTheFieldAndWritesNothing) {
  struct Case {
    ObjectKey key;
    std::string value;
    std::string error;
  };
  const std::vector<Case> cases = {
      {Pod(""), "x", "name: must not be empty"},
      {Pod(std::string(300, 'a')), "x", "name: must be no more than 253 bytes"},
      {{"", "default", "a"}, "x", "resource: must not be empty"},
      {Pod("a", "a/b"), "x", "namespace: must not contain '/'"},
      {Pod("a"), "", "value: must not be empty"},
      {Pod("a"), std::string(kMaxValueBytes + 1, 'x'), "value: must be no more than 3145728"},
  };
  for (const Case& c : cases) {
    absl::Status status = store_->Create(c.key, c.value).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.error;
    EXPECT_THAT(status.message(), HasSubstr(c.error));
  }
  MustCreate(Pod("ok"), "x");
  EXPECT_EQ(store_->Update(Pod("ok"), std::string(kMaxValueBytes + 1, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Get(Pod("")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(log_->batch_sizes().size(), 1u);  // only the valid create reached the log
  EXPECT_EQ((*store_->Get(Pod("ok"))).value, "x");
}

TEST_F(StoreTest, StalePreconditionIsAConflict) {
  const int64_t first = MustCreate(Pod("a"), "1");
  ASSERT_TRUE(store_->Update(Pod("a"), "2", {first}).ok());
  absl::Status stale = store_->Update(Pod("a"), "3", {first}).status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.message(), HasSubstr("the object has been modified"));
  EXPECT_EQ(store_->Delete(Pod("a"), {first}).status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(store_->Delete(Pod("a"), {first + 1}).ok());
}

TEST_F(StoreTest, GuaranteedUpdateRetriesOnConflict) {
  MustCreate(Pod("counter"), "0");
  int calls = 0;
  absl::StatusOr<StoredObject> result =
      store_->GuaranteedUpdate(Pod("counter"), [&](const StoredObject& current) {
        if (++calls == 1) {
          // Someone else writes between our read and our write.
          EXPECT_TRUE(store_->Update(Pod("counter"), "10").ok());
        }
        return absl::StatusOr<std::string>(std::to_string(std::stoi(current.value) + 1));
      });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(result->value, "11");
  EXPECT_EQ(result->revision, 3);
}

TEST_F(StoreTest, GuaranteedUpdateWithoutChangeWritesNothing) {
  MustCreate(Pod("a"), "same");
  absl::StatusOr<StoredObject> result = store_->GuaranteedUpdate(
      Pod("a"),
      [](const StoredObject& current) { return absl::StatusOr<std::string>(current.value); });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->revision, 1);
  EXPECT_EQ(store_->CurrentRevision(), 1);
}

TEST_F(StoreTest, GuaranteedUpdateReportsErrorsAndPreconditions) {
  auto fail = [](const StoredObject&) -> absl::StatusOr<std::string> {
    return absl::InvalidArgumentError("spec.replicas: must be positive");
  };
  EXPECT_EQ(store_->GuaranteedUpdate(Pod("missing"), fail).status().code(),
            absl::StatusCode::kNotFound);
  MustCreate(Pod("a"), "1");
  EXPECT_EQ(store_->GuaranteedUpdate(Pod("a"), fail).status().message(),
            "spec.replicas: must be positive");
  bool called = false;
  absl::Status stale =
      store_
          ->GuaranteedUpdate(Pod("a"),
                             [&](const StoredObject&) -> absl::StatusOr<std::string> {
                               called = true;
                               return "2";
                             },
                             {.preconditions = {.revision = 9}})
          .status();
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_FALSE(called);
  EXPECT_EQ(store_->GuaranteedUpdate(Pod("a"), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, GuaranteedUpdateGivesUpAfterMaxAttempts) {
  MustCreate(Pod("hot"), "0");
  int calls = 0;
  absl::Status status =
      store_
          ->GuaranteedUpdate(
              Pod("hot"),
              [&](const StoredObject&) -> absl::StatusOr<std::string> {
                ++calls;
                EXPECT_TRUE(store_->Update(Pod("hot"), "other" + std::to_string(calls)).ok());
                return "mine";
              },
              {.max_attempts = 3})
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(status.message(), HasSubstr("gave up after 3"));
  EXPECT_EQ(calls, 3);
}

TEST_F(StoreTest, PagesOfOneListShareOneSnapshot) {
  for (const char* name : {"a", "b", "c", "d", "e"}) MustCreate(Pod(name), "1");
  absl::StatusOr<ListResult> first = store_->List({.resource = "pods", .limit = 2});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Names(*first), ElementsAre("default/a=1", "default/b=1"));
  EXPECT_EQ(first->revision, 5);
  ASSERT_FALSE(first->continue_token.empty());

  ASSERT_TRUE(store_->Delete(Pod("c")).ok());
  ASSERT_TRUE(store_->Update(Pod("d"), "2").ok());
  MustCreate(Pod("bb"), "1");

  absl::StatusOr<ListResult> second =
      store_->List({.resource = "pods", .limit = 2, .continue_token = first->continue_token});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(Names(*second), ElementsAre("default/c=1", "default/d=1"));
  EXPECT_EQ(second->revision, 5);
  absl::StatusOr<ListResult> third =
      store_->List({.resource = "pods", .limit = 2, .continue_token = second->continue_token});
  ASSERT_TRUE(third.ok());
  EXPECT_THAT(Names(*third), ElementsAre("default/e=1"));
  EXPECT_TRUE(third->continue_token.empty());

  absl::StatusOr<ListResult> fresh = store_->List({.resource = "pods"});
  EXPECT_THAT(Names(*fresh), ElementsAre("default/a=1", "default/b=1", "default/bb=1",
                                         "default/d=2", "default/e=1"));
  EXPECT_EQ(fresh->revision, 8);
}

TEST_F(StoreTest, LimitedListsCountTheRestOfTheirSnapshotWhenAsked) {
  for (const char* name : {"a", "b", "c", "d", "e"}) MustCreate(Pod(name), "1");
  absl::StatusOr<ListResult> first =
      store_->List({.resource = "pods", .limit = 2, .count_remaining = true});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->remaining_item_count, 3);
  MustCreate(Pod("f"), "1");  // after the snapshot: not counted
  absl::StatusOr<ListResult> second = store_->List(
      {.resource = "pods", .limit = 2, .continue_token = first->continue_token,
       .count_remaining = true});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->remaining_item_count, 1);
  absl::StatusOr<ListResult> last = store_->List(
      {.resource = "pods", .limit = 2, .continue_token = second->continue_token,
       .count_remaining = true});
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_EQ(last->remaining_item_count, std::nullopt);  // nothing remains
  EXPECT_EQ(store_->List({.resource = "pods", .limit = 2})->remaining_item_count, std::nullopt);
}

TEST_F(StoreTest, ListsCoverTheirScopeOnly) {
  MustCreate(Pod("a", "ns1"), "1");
  MustCreate(Pod("b", "ns2"), "1");
  MustCreate({"podtemplates", "ns1", "t"}, "1");
  MustCreate({"nodes", "", "n1"}, "1");
  EXPECT_THAT(Names(*store_->List({.resource = "pods"})), ElementsAre("ns1/a=1", "ns2/b=1"));
  EXPECT_THAT(Names(*store_->List({.resource = "pods", .namespace_ = "ns2"})),
              ElementsAre("ns2/b=1"));
  EXPECT_THAT(Names(*store_->List({.resource = "nodes"})), ElementsAre("/n1=1"));
  EXPECT_TRUE(store_->List({.resource = "pods", .namespace_ = "ns3"})->items.empty());
}

TEST_F(StoreTest, ListAtAnExactRevision) {
  MustCreate(Pod("a"), "1");
  ASSERT_TRUE(store_->Update(Pod("a"), "2").ok());
  EXPECT_THAT(Names(*store_->List({.resource = "pods", .revision = 1})),
              ElementsAre("default/a=1"));
  EXPECT_EQ(store_->List({.resource = "pods", .revision = 3}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ContinuingACompactedSnapshotIsExpired) {
  for (const char* name : {"a", "b"}) MustCreate(Pod(name), "1");
  absl::StatusOr<ListResult> first = store_->List({.resource = "pods", .limit = 1});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->Update(Pod("b"), "2").ok());
  ASSERT_TRUE(store_->Compact(3).ok());
  absl::Status expired =
      store_->List({.resource = "pods", .limit = 1, .continue_token = first->continue_token})
          .status();
  EXPECT_TRUE(IsExpired(expired)) << expired;
  EXPECT_THAT(expired.message(), HasSubstr("continue"));
  EXPECT_TRUE(IsExpired(store_->List({.resource = "pods", .revision = 2}).status()));
}

TEST_F(StoreTest, BadListOptionsNameTheField) {
  EXPECT_THAT(store_->List({.resource = "pods", .limit = -1}).status().message(),
              HasSubstr("limit"));
  EXPECT_THAT(store_->List({.resource = "pods", .continue_token = "garbage!"}).status().message(),
              HasSubstr("continue"));
  EXPECT_THAT(store_->List({.resource = ""}).status().message(), HasSubstr("resource"));
  MustCreate(Pod("a"), "1");
  MustCreate(Pod("b"), "1");
  absl::StatusOr<ListResult> first = store_->List({.resource = "pods", .limit = 1});
  EXPECT_THAT(
      store_->List({.resource = "pods", .continue_token = first->continue_token, .revision = 1})
          .status()
          .message(),
      HasSubstr("revision"));
}

TEST_F(StoreTest, ClosedStoreIsUnavailable) {
  MustCreate(Pod("a"), "1");
  store_->Close();
  EXPECT_EQ(store_->Create(Pod("b"), "1").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->Get(Pod("a")).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->List({.resource = "pods"}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->Watch({.resource = "pods"}).status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(StoreTest, CommitMetricsCountWrites) {
  MustCreate(Pod("a"), "1");
  MustCreate(Pod("b"), "1");
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_commits_total",
                                {{"result", "success"}}),
            2);
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_commit_duration_seconds"),
            2);
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_watchers"), 0);
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_watchers_dropped_total"), 0);
}

TEST_F(StoreTest, OpenRefusesBadOptions) {
  StoreOptions options;
  options.committer.max_batch_mutations = 0;
  EXPECT_THAT(Store::Open(log_, options, &clock_).status().message(),
              HasSubstr("max_batch_mutations"));
  EXPECT_EQ(Store::Open(nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::apiserver::storage
