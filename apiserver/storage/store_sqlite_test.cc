// Store over SQLite: durability across reopening, watch resumption after a restart, and
// group commit with real concurrent writers.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "apiserver/storage/store.h"
#include "apiserver/storage/testing/metric_reader.h"
#include "apiserver/storage/testing/scratch_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

ObjectKey SqlitePod(const std::string& name) { return {"pods", "default", name}; }

std::unique_ptr<Store> OpenOrDie(const std::string& path,
                                 std::shared_ptr<prometheus::Registry> registry = nullptr) {
  StoreOptions options;
  options.watch.bookmark_interval = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::OpenSqlite(path, options, RealClock(), std::move(registry));
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

TEST(StoreSqliteTest, ReopenKeepsObjectsAndContinuesRevisions) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  {
    std::unique_ptr<Store> store = OpenOrDie(path);
    ASSERT_TRUE(store->Create(SqlitePod("a"), "a1").ok());
    ASSERT_TRUE(store->Create(SqlitePod("b"), "b1").ok());
    ASSERT_TRUE(store->Update(SqlitePod("a"), "a2").ok());
    ASSERT_TRUE(store->Delete(SqlitePod("b")).ok());
  }
  std::unique_ptr<Store> store = OpenOrDie(path);
  EXPECT_EQ(store->CurrentRevision(), 4);
  absl::StatusOr<StoredObject> a = store->Get(SqlitePod("a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->value, "a2");
  EXPECT_EQ(a->revision, 3);
  EXPECT_EQ(store->Get(SqlitePod("b")).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<StoredObject> c = store->Create(SqlitePod("c"), "c1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->revision, 5);
}

TEST(StoreSqliteTest, WatcherResumesFromItsLastRevisionAfterARestart) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  {
    std::unique_ptr<Store> store = OpenOrDie(path);
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store->Create(SqlitePod("p" + std::to_string(i)), "v").ok());
  }
  std::unique_ptr<Store> store = OpenOrDie(path);
  absl::StatusOr<std::unique_ptr<Watcher>> watcher =
      store->Watch({.resource = "pods", .from_revision = 2});
  ASSERT_TRUE(watcher.ok()) << watcher.status();
  ASSERT_TRUE(store->Create(SqlitePod("p6"), "v").ok());
  std::vector<int64_t> revisions;
  while (revisions.size() < 4) {
    absl::StatusOr<std::vector<WatchEvent>> events = (*watcher)->NextBatch(10, absl::Seconds(10));
    ASSERT_TRUE(events.ok() && !events->empty());
    for (const WatchEvent& event : *events) revisions.push_back(event.revision);
  }
  EXPECT_THAT(revisions, ::testing::ElementsAre(3, 4, 5, 6));
}

TEST(StoreSqliteTest, ConcurrentWritersAreGroupedAndAllAcknowledged) {
  testing::ScratchDir dir;
  auto registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Store> store = OpenOrDie(dir.File("store.db"), registry);
  constexpr int kWriters = 16;
  constexpr int kEach = 20;
  std::vector<std::vector<int64_t>> revisions(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        absl::StatusOr<StoredObject> created =
            store->Create(SqlitePod(absl::StrCat("w", w, "-", i)), std::string(2048, 'x'));
        revisions[w].push_back(created.ok() ? created->revision : -1);
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  absl::flat_hash_set<int64_t> distinct;
  for (const auto& mine : revisions) {
    for (size_t i = 0; i < mine.size(); ++i) {
      ASSERT_GT(mine[i], 0);
      if (i > 0) {
        EXPECT_GT(mine[i], mine[i - 1]);  // each writer sees its writes in order
      }
      distinct.insert(mine[i]);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kWriters * kEach));
  EXPECT_EQ(store->List({.resource = "pods"})->items.size(), static_cast<size_t>(kWriters * kEach));
  const double commits = *testing::ReadMetric(*registry, "flyover_apiserver_storage_commits_total",
                                              {{"result", "success"}});
  EXPECT_LT(commits, kWriters * kEach);  // some writes shared a commit
}

}  // namespace
}  // namespace flyover::apiserver::storage
