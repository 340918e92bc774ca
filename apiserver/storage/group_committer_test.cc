#include "apiserver/storage/group_committer.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/testing/memory_revision_log.h"
#include "apiserver/storage/testing/metric_reader.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

Mutation Create(const std::string& name, std::string value = "v") {
  return {Mutation::Kind::kCreate, EncodeKey({"pods", "ns", name}), std::move(value), {}};
}
Mutation Update(const std::string& name, std::string value) {
  return {Mutation::Kind::kUpdate, EncodeKey({"pods", "ns", name}), std::move(value), {}};
}

// Blocks the first Apply() it sees until Release(), so that writers pile up behind it.
class ApplyGate {
 public:
  explicit ApplyGate(MemoryRevisionLog* log) {
    log->set_before_apply([this](size_t) {
      if (entered_.HasBeenNotified()) return;
      entered_.Notify();
      released_.WaitForNotification();
    });
  }
  void WaitUntilEntered() { entered_.WaitForNotification(); }
  void Release() { released_.Notify(); }

 private:
  absl::Notification entered_;
  absl::Notification released_;
};

class GroupCommitterTest : public ::testing::Test {
 protected:
  std::unique_ptr<GroupCommitter> MakeCommitter(CommitterOptions options = NoCompaction()) {
    auto committer = std::make_unique<GroupCommitter>(
        &log_, &clock_, metrics_,
        [this](std::vector<std::shared_ptr<const Change>> changes) {
          absl::MutexLock lock(&mu_);
          for (auto& change : changes) published_.push_back(change->revision);
        },
        options);
    committer->Start();
    return committer;
  }

  static CommitterOptions NoCompaction() {
    CommitterOptions options;
    options.compaction_interval = absl::ZeroDuration();
    return options;
  }

  std::vector<int64_t> published() {
    absl::MutexLock lock(&mu_);
    return published_;
  }

  MemoryRevisionLog log_;
  FakeClock clock_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::shared_ptr<StorageMetrics> metrics_ = std::make_shared<StorageMetrics>(registry_);
  absl::Mutex mu_;
  std::vector<int64_t> published_ ABSL_GUARDED_BY(mu_);
};

TEST_F(GroupCommitterTest, SubmitReturnsTheRecordedChange) {
  auto committer = MakeCommitter();
  absl::StatusOr<std::shared_ptr<const Change>> change = committer->Submit(Create("a", "x"));
  ASSERT_TRUE(change.ok()) << change.status();
  EXPECT_EQ((*change)->revision, 1);
  EXPECT_EQ((*change)->value, "x");
  EXPECT_THAT(published(), ElementsAre(1));
}

TEST_F(GroupCommitterTest, ConcurrentWritersShareOneCommit) {
  ApplyGate gate(&log_);
  auto committer = MakeCommitter();
  std::thread first([&] { EXPECT_TRUE(committer->Submit(Create("first")).ok()); });
  gate.WaitUntilEntered();
  constexpr int kWriters = 8;
  std::vector<int64_t> revisions(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      absl::StatusOr<std::shared_ptr<const Change>> change =
          committer->Submit(Create("w" + std::to_string(i)));
      revisions[i] = change.ok() ? (*change)->revision : -1;
    });
  }
  ASSERT_TRUE(clock_.BlockUntilWaiters(kWriters + 1));  // all queued behind the first commit
  gate.Release();
  first.join();
  for (std::thread& writer : writers) writer.join();
  EXPECT_THAT(log_.batch_sizes(), ElementsAre(1, kWriters));
  EXPECT_THAT(revisions, UnorderedElementsAreArray({2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_commits_total",
                                {{"result", "success"}}),
            2);
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_commit_batch_size"), 2);
}

TEST_F(GroupCommitterTest, ASmallerBatchWaitsForThePreviousBatchsWriters) {
  ApplyGate gate(&log_);
  CommitterOptions options = NoCompaction();
  options.commit_delay = absl::Seconds(30);  // long: the test must not depend on it expiring
  auto committer = MakeCommitter(options);
  std::thread first([&] { EXPECT_TRUE(committer->Submit(Create("first")).ok()); });
  gate.WaitUntilEntered();
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 5; ++i) {
        EXPECT_TRUE(committer->Submit(Create(absl::StrCat("w", w, "-", i))).ok());
      }
    });
  }
  ASSERT_TRUE(clock_.BlockUntilWaiters(4));
  gate.Release();
  first.join();
  for (std::thread& writer : writers) writer.join();
  // Without the delay the three writers would drift into batches of 1 and 2.
  EXPECT_THAT(log_.batch_sizes(), ElementsAre(1, 3, 3, 3, 3, 3));
}

TEST_F(GroupCommitterTest, TheWaitForSiblingsIsBounded) {
  ApplyGate gate(&log_);
  CommitterOptions options = NoCompaction();
  options.commit_delay = absl::Milliseconds(1);
  auto committer = MakeCommitter(options);
  std::thread first([&] { EXPECT_TRUE(committer->Submit(Create("first")).ok()); });
  gate.WaitUntilEntered();
  std::thread a([&] { EXPECT_TRUE(committer->Submit(Create("a")).ok()); });
  std::thread b([&] { EXPECT_TRUE(committer->Submit(Create("b")).ok()); });
  ASSERT_TRUE(clock_.BlockUntilWaiters(3));
  gate.Release();
  for (std::thread* t : {&first, &a, &b}) t->join();
  // A lone writer after a batch of two waits at most the delay.
  EXPECT_TRUE(committer->Submit(Create("alone")).ok());
  EXPECT_THAT(log_.batch_sizes(), ElementsAre(1, 2, 1));
}

TEST_F(GroupCommitterTest, EachWriterGetsItsOwnOutcome) {
  auto committer = MakeCommitter();
  ASSERT_TRUE(committer->Submit(Create("taken")).ok());
  ApplyGate gate(&log_);
  std::thread blocker([&] { EXPECT_TRUE(committer->Submit(Create("blocker")).ok()); });
  gate.WaitUntilEntered();
  absl::Status duplicate, fresh, missing;
  std::thread a([&] { duplicate = committer->Submit(Create("taken")).status(); });
  std::thread b([&] { fresh = committer->Submit(Create("fresh")).status(); });
  std::thread c([&] { missing = committer->Submit(Update("missing", "x")).status(); });
  ASSERT_TRUE(clock_.BlockUntilWaiters(4));
  gate.Release();
  for (std::thread* t : {&blocker, &a, &b, &c}) t->join();
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(fresh.ok()) << fresh;
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(log_.batch_sizes(), ElementsAre(1, 1, 3));
}

TEST_F(GroupCommitterTest, FailedCommitFailsTheWholeBatchAndWritesNothing) {
  auto committer = MakeCommitter();
  ASSERT_TRUE(committer->Submit(Create("before")).ok());
  log_.FailNextApply(absl::UnavailableError("disk I/O error"));
  absl::StatusOr<std::shared_ptr<const Change>> failed = committer->Submit(Create("lost"));
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status().message(), HasSubstr("nothing written"));
  EXPECT_EQ(log_.CurrentRevision(), 1);
  EXPECT_THAT(published(), ElementsAre(1));
  absl::StatusOr<std::shared_ptr<const Change>> after = committer->Submit(Create("lost"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ((*after)->revision, 2);
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_commits_total",
                                {{"result", "error"}}),
            1);
}

TEST_F(GroupCommitterTest, UnacknowledgedWriteTimesOutButMayStillLand) {
  ApplyGate gate(&log_);
  auto committer = MakeCommitter();
  absl::Status status;
  std::thread writer([&] { status = committer->Submit(Create("slow")).status(); });
  gate.WaitUntilEntered();
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(CommitterOptions().write_timeout);
  writer.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("may still be applied"));
  gate.Release();
  committer->Stop();
  EXPECT_EQ(log_.CurrentRevision(), 1);
}

TEST_F(GroupCommitterTest, StopRefusesLaterWrites) {
  auto committer = MakeCommitter();
  ASSERT_TRUE(committer->Submit(Create("a")).ok());
  committer->Stop();
  EXPECT_EQ(committer->Submit(Create("b")).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(committer->Compact(1).code(), absl::StatusCode::kUnavailable);
}

TEST_F(GroupCommitterTest, CompactDiscardsSupersededChanges) {
  CommitterOptions options = NoCompaction();
  options.compaction_step = 2;  // several steps
  auto committer = MakeCommitter(options);
  ASSERT_TRUE(committer->Submit(Create("a", "1")).ok());
  for (int i = 2; i <= 6; ++i) ASSERT_TRUE(committer->Submit(Update("a", std::to_string(i))).ok());
  EXPECT_EQ(committer->Compact(7).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(committer->Compact(5).ok());
  EXPECT_EQ(log_.CompactRevision(), 5);
  EXPECT_EQ(log_.change_count(), 2u);  // revision 5 (the state at 5) and 6
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_compacted_changes_total"),
            4);
  EXPECT_TRUE(committer->Compact(3).ok());  // already done
}

TEST_F(GroupCommitterTest, PeriodicCompactionKeepsAtLeastOneInterval) {
  CommitterOptions options;
  options.compaction_interval = absl::Minutes(1);
  options.min_retained_revisions = 2;
  auto committer = MakeCommitter(options);
  ASSERT_TRUE(committer->Submit(Create("a", "1")).ok());
  for (int i = 2; i <= 5; ++i) ASSERT_TRUE(committer->Submit(Update("a", std::to_string(i))).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Minutes(1));  // first tick: nothing is an interval old yet
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(log_.CompactRevision(), 0);
  for (int i = 6; i <= 9; ++i) ASSERT_TRUE(committer->Submit(Update("a", std::to_string(i))).ok());
  clock_.Advance(absl::Minutes(1));  // second tick: up to the revision of the first (5)
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(log_.CompactRevision(), 5);
  clock_.Advance(absl::Minutes(1));  // third: 9 then, but 2 revisions are kept
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(log_.CompactRevision(), 7);
}

TEST_F(GroupCommitterTest, ResumesACompactionTheLogRecordedButDidNotFinish) {
  {
    auto committer = MakeCommitter();
    ASSERT_TRUE(committer->Submit(Create("a", "1")).ok());
    ASSERT_TRUE(committer->Submit(Update("a", "2")).ok());
  }
  ASSERT_TRUE(log_.SetCompactRevision(2).ok());  // as if the process died right after this
  auto committer = MakeCommitter();
  ASSERT_TRUE(committer->Compact(2).ok());
  EXPECT_EQ(log_.change_count(), 1u);
}

}  // namespace
}  // namespace flyover::apiserver::storage
