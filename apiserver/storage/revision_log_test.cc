// The RevisionLog contract, run against both implementations: SQLite and the in-memory fake.
#include "apiserver/storage/revision_log.h"

#include <memory>
#include <string>
#include <vector>

#include "apiserver/storage/errors.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/sqlite_revision_log.h"
#include "apiserver/storage/testing/memory_revision_log.h"
#include "apiserver/storage/testing/scratch_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

enum class Backend { kSqlite, kMemory };

Mutation LogCreate(const std::string& key, const std::string& value) {
  return {Mutation::Kind::kCreate, key, value, std::nullopt};
}
Mutation LogUpdate(const std::string& key, const std::string& value,
                std::optional<int64_t> expected = std::nullopt) {
  return {Mutation::Kind::kUpdate, key, value, expected};
}
Mutation Delete(const std::string& key, std::optional<int64_t> expected = std::nullopt) {
  return {Mutation::Kind::kDelete, key, "", expected};
}

std::string Key(const std::string& ns, const std::string& name) {
  return EncodeKey({"pods", ns, name});
}

class RevisionLogTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      log_ = std::make_unique<MemoryRevisionLog>();
      return;
    }
    absl::StatusOr<std::unique_ptr<SqliteRevisionLog>> log =
        SqliteRevisionLog::Open(dir_.File("store.db"));
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }

  // Applies one batch that must commit; returns its outcomes.
  std::vector<MutationOutcome> Apply(std::vector<Mutation> mutations) {
    absl::StatusOr<std::vector<MutationOutcome>> outcomes = log_->Apply(mutations);
    EXPECT_TRUE(outcomes.ok()) << outcomes.status();
    return outcomes.ok() ? *outcomes : std::vector<MutationOutcome>();
  }

  int64_t ApplyOne(Mutation mutation) {
    std::vector<MutationOutcome> outcomes = Apply({std::move(mutation)});
    EXPECT_TRUE(outcomes.at(0).status.ok()) << outcomes.at(0).status;
    return outcomes.at(0).change == nullptr ? 0 : outcomes.at(0).change->revision;
  }

  std::vector<std::string> NamesAt(int64_t revision, int64_t limit = 0) {
    const std::string prefix = ScopePrefix("pods", "");
    absl::StatusOr<RangePage> page = log_->Range({prefix, PrefixEnd(prefix), revision, limit});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> names;
    if (page.ok()) {
      for (const Entry& entry : page->entries) names.push_back(entry.key + "=" + entry.value);
    }
    return names;
  }

  ChangesPage ChangesAfter(int64_t revision, int64_t limit = 0) {
    const std::string prefix = ScopePrefix("pods", "");
    absl::StatusOr<ChangesPage> page = log_->Changes({prefix, PrefixEnd(prefix), revision, limit});
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *page : ChangesPage();
  }

  testing::ScratchDir dir_;
  std::unique_ptr<RevisionLog> log_;
};

TEST_P(RevisionLogTest, RevisionsStartAtOneAndCountChanges) {
  EXPECT_EQ(log_->CurrentRevision(), 0);
  EXPECT_EQ(ApplyOne(LogCreate(Key("ns", "a"), "a1")), 1);
  EXPECT_EQ(ApplyOne(LogUpdate(Key("ns", "a"), "a2")), 2);
  EXPECT_EQ(ApplyOne(Delete(Key("ns", "a"))), 3);
  EXPECT_EQ(log_->CurrentRevision(), 3);
}

TEST_P(RevisionLogTest, RefusedMutationsTakeNoRevisionAndSayWhy) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));
  std::vector<MutationOutcome> outcomes =
      Apply({LogCreate(Key("ns", "a"), "again"), LogUpdate(Key("ns", "missing"), "x"),
             LogUpdate(Key("ns", "a"), "stale", /*expected=*/7), Delete(Key("ns", "missing")),
             LogUpdate(Key("ns", "a"), "a2", /*expected=*/1)});
  EXPECT_EQ(outcomes[0].status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(outcomes[0].status.message(), "pods ns/a already exists");
  EXPECT_EQ(outcomes[1].status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(outcomes[2].status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(outcomes[3].status.code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(outcomes[4].status.ok());
  EXPECT_EQ(outcomes[4].change->revision, 2);
  EXPECT_EQ(log_->CurrentRevision(), 2);
}

TEST_P(RevisionLogTest, MutationsInOneBatchSeeTheirPredecessors) {
  std::vector<MutationOutcome> outcomes = Apply(
      {LogCreate(Key("ns", "a"), "a1"), LogUpdate(Key("ns", "a"), "a2", 1), LogCreate(Key("ns", "a"), "dup"),
       Delete(Key("ns", "a"), 2), LogCreate(Key("ns", "a"), "a3")});
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_TRUE(outcomes[1].status.ok()) << outcomes[1].status;
  EXPECT_EQ(outcomes[2].status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(outcomes[3].status.ok()) << outcomes[3].status;
  ASSERT_TRUE(outcomes[4].status.ok()) << outcomes[4].status;
  const Change& recreated = *outcomes[4].change;
  EXPECT_EQ(recreated.revision, 4);
  EXPECT_EQ(recreated.create_revision, 4);
  EXPECT_EQ(recreated.kind, Change::Kind::kCreated);
}

TEST_P(RevisionLogTest, ChangesDescribeWhatHappened) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));
  std::vector<MutationOutcome> updated = Apply({LogUpdate(Key("ns", "a"), "a2")});
  const Change& update = *updated[0].change;
  EXPECT_EQ(update.kind, Change::Kind::kUpdated);
  EXPECT_EQ(update.value, "a2");
  EXPECT_EQ(update.prev_value, "a1");
  EXPECT_EQ(update.prev_revision, 1);
  EXPECT_EQ(update.create_revision, 1);
  std::vector<MutationOutcome> deleted = Apply({Delete(Key("ns", "a"))});
  EXPECT_EQ(deleted[0].change->kind, Change::Kind::kDeleted);
  EXPECT_EQ(deleted[0].change->value, "a2");
}

TEST_P(RevisionLogTest, GetReturnsTheLiveStateOnly) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));
  ApplyOne(LogUpdate(Key("ns", "a"), "a2"));
  absl::StatusOr<std::optional<Entry>> entry = log_->Get(Key("ns", "a"));
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->value, "a2");
  EXPECT_EQ((*entry)->revision, 2);
  EXPECT_EQ((*entry)->create_revision, 1);
  ApplyOne(Delete(Key("ns", "a")));
  EXPECT_FALSE(log_->Get(Key("ns", "a"))->has_value());
  EXPECT_FALSE(log_->Get(Key("ns", "never"))->has_value());
}

TEST_P(RevisionLogTest, RangeReadsAnyRetainedRevision) {
  ApplyOne(LogCreate(Key("ns", "b"), "b1"));                    // 1
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));                    // 2
  ApplyOne(LogUpdate(Key("ns", "b"), "b2"));                    // 3
  ApplyOne(Delete(Key("ns", "a")));                          // 4
  ApplyOne(LogCreate(EncodeKey({"podsx", "", "z"}), "other"));  // 5: outside the range
  EXPECT_THAT(NamesAt(1), ElementsAre("/pods/ns/b=b1"));
  EXPECT_THAT(NamesAt(2), ElementsAre("/pods/ns/a=a1", "/pods/ns/b=b1"));
  EXPECT_THAT(NamesAt(3), ElementsAre("/pods/ns/a=a1", "/pods/ns/b=b2"));
  EXPECT_THAT(NamesAt(5), ElementsAre("/pods/ns/b=b2"));
}

TEST_P(RevisionLogTest, RangeLimitReportsMore) {
  for (const char* name : {"c", "a", "b"}) ApplyOne(LogCreate(Key("ns", name), name));
  const std::string prefix = ScopePrefix("pods", "");
  absl::StatusOr<RangePage> first = log_->Range({prefix, PrefixEnd(prefix), 3, 2});
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(first->entries,
              ElementsAre(Field(&Entry::key, "/pods/ns/a"), Field(&Entry::key, "/pods/ns/b")));
  EXPECT_TRUE(first->more);
  absl::StatusOr<RangePage> rest =
      log_->Range({first->entries.back().key + std::string(1, '\0'), PrefixEnd(prefix), 3, 2});
  EXPECT_THAT(rest->entries, ElementsAre(Field(&Entry::key, "/pods/ns/c")));
  EXPECT_FALSE(rest->more);
}

TEST_P(RevisionLogTest, RangeCountsTheLiveKeysBeyondThePageAtItsRevision) {
  for (const char* name : {"a", "b", "c", "d", "e"}) ApplyOne(LogCreate(Key("ns", name), name));
  ApplyOne(Delete(Key("ns", "d")));                          // 6
  ApplyOne(LogCreate(Key("ns", "f"), "f"));                     // 7
  ApplyOne(LogCreate(EncodeKey({"podsx", "", "z"}), "other"));  // 8: outside the range
  const std::string prefix = ScopePrefix("pods", "");
  absl::StatusOr<RangePage> now = log_->Range({prefix, PrefixEnd(prefix), 8, 2, true});
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_EQ(now->entries.size(), 2u);
  EXPECT_TRUE(now->more);
  EXPECT_EQ(now->remaining, 3);  // c, e, f: d is deleted
  absl::StatusOr<RangePage> before = log_->Range({prefix, PrefixEnd(prefix), 5, 2, true});
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->remaining, 3);  // c, d, e
  absl::StatusOr<RangePage> whole = log_->Range({prefix, PrefixEnd(prefix), 8, 5, true});
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->entries.size(), 5u);
  EXPECT_FALSE(whole->more);
  EXPECT_EQ(whole->remaining, 0);
}

TEST_P(RevisionLogTest, RangeAboveCurrentIsInvalid) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));
  const std::string prefix = ScopePrefix("pods", "");
  EXPECT_EQ(log_->Range({prefix, PrefixEnd(prefix), 2, 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(RevisionLogTest, ChangesComeInRevisionOrderWithinTheRange) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));
  ApplyOne(LogCreate(EncodeKey({"nodes", "", "n"}), "n1"));
  ApplyOne(LogUpdate(Key("ns", "a"), "a2"));
  ApplyOne(Delete(Key("ns", "a")));
  ChangesPage page = ChangesAfter(1);
  EXPECT_EQ(page.read_revision, 4);
  ASSERT_EQ(page.changes.size(), 2u);
  EXPECT_EQ(page.changes[0]->revision, 3);
  EXPECT_EQ(page.changes[0]->prev_value, "a1");
  EXPECT_EQ(page.changes[1]->kind, Change::Kind::kDeleted);
  EXPECT_EQ(page.changes[1]->value, "a2");
  ChangesPage limited = ChangesAfter(0, 1);
  EXPECT_EQ(limited.changes.size(), 1u);
  EXPECT_EQ(limited.read_revision, 1);
}

TEST_P(RevisionLogTest, CompactionKeepsEverythingReadableAtOrAfterIt) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));  // 1
  ApplyOne(LogUpdate(Key("ns", "a"), "a2"));  // 2
  ApplyOne(LogCreate(Key("ns", "b"), "b1"));  // 3
  ApplyOne(Delete(Key("ns", "b")));        // 4
  ApplyOne(LogUpdate(Key("ns", "a"), "a3"));  // 5
  ApplyOne(LogCreate(Key("ns", "c"), "c1"));  // 6
  ASSERT_TRUE(log_->SetCompactRevision(4).ok());
  absl::StatusOr<CompactProgress> progress = log_->CompactStep(0, 100);
  ASSERT_TRUE(progress.ok()) << progress.status();
  EXPECT_TRUE(progress->done);
  EXPECT_EQ(progress->deleted, 3);  // a@1, b@3 and its deletion b@4

  EXPECT_EQ(log_->CompactRevision(), 4);
  EXPECT_THAT(NamesAt(4), ElementsAre("/pods/ns/a=a2"));
  EXPECT_THAT(NamesAt(6), ElementsAre("/pods/ns/a=a3", "/pods/ns/c=c1"));
  ChangesPage page = ChangesAfter(4);
  ASSERT_EQ(page.changes.size(), 2u);
  EXPECT_EQ(page.changes[0]->prev_value, "a2");  // kept for the change after the compaction
  const std::string prefix = ScopePrefix("pods", "");
  EXPECT_TRUE(IsExpired(log_->Range({prefix, PrefixEnd(prefix), 3, 0}).status()));
  EXPECT_TRUE(IsExpired(log_->Changes({prefix, PrefixEnd(prefix), 3, 0}).status()));
  EXPECT_TRUE(log_->Changes({prefix, PrefixEnd(prefix), 4, 0}).ok());
}

TEST_P(RevisionLogTest, CompactionInSmallStepsReachesTheSameState) {
  for (int i = 0; i < 10; ++i) ApplyOne(LogCreate(Key("ns", "k" + std::to_string(i)), "v"));
  for (int i = 0; i < 10; ++i) ApplyOne(LogUpdate(Key("ns", "k" + std::to_string(i)), "w"));
  ASSERT_TRUE(log_->SetCompactRevision(20).ok());
  int64_t cursor = 0;
  int64_t deleted = 0;
  for (int steps = 0; steps < 100; ++steps) {
    absl::StatusOr<CompactProgress> progress = log_->CompactStep(cursor, 3);
    ASSERT_TRUE(progress.ok());
    cursor = progress->cursor;
    deleted += progress->deleted;
    if (progress->done) break;
  }
  EXPECT_EQ(deleted, 10);
  EXPECT_EQ(NamesAt(20).size(), 10u);
}

TEST_P(RevisionLogTest, RevisionsAreNeverReusedAfterCompactingTheNewest) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));
  ApplyOne(Delete(Key("ns", "a")));
  ASSERT_TRUE(log_->SetCompactRevision(2).ok());
  ASSERT_TRUE(log_->CompactStep(0, 100).ok());
  EXPECT_EQ(ApplyOne(LogCreate(Key("ns", "a"), "a2")), 3);
}

TEST_P(RevisionLogTest, CompactingAboveCurrentIsInvalid) {
  ApplyOne(LogCreate(Key("ns", "a"), "a1"));
  EXPECT_EQ(log_->SetCompactRevision(5).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(log_->SetCompactRevision(0).ok());  // lowering is a no-op
}

INSTANTIATE_TEST_SUITE_P(Backends, RevisionLogTest,
                         ::testing::Values(Backend::kSqlite, Backend::kMemory),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::kSqlite ? "Sqlite" : "Memory";
                         });

}  // namespace
}  // namespace flyover::apiserver::storage
