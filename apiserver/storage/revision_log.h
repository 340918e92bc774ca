// RevisionLog: the durable, multi-version log under the API server's storage.
//
// The log is a sequence of changes, one per revision; a revision is the resourceVersion the
// API reports. Revisions are global across all keys, start at 1, increase by one per change
// and are never reused, across restarts and compactions alike. Each change records the key,
// whether it created or deleted the key, the revision that created the key, the key's
// previous revision and the value (for a delete: the last value, so that a watcher can be told
// what was deleted). This is the shape of k3s kine's log table; the state of every key at any
// retained revision S is its latest change at or before S.
//
// Compaction discards history older than the compacted revision C: every change at or before C
// that a later change at or before C superseded, and every deletion at or before C. What stays
// answers every read at a revision >= C: each key's state at C, and every change after C
// together with the change it replaced (a watcher needs the previous value to tell when an
// object stops matching its selector). Reads of older revisions fail with ExpiredError().
//
// Keys are encoded storage keys (keys.h); ranges are [begin, end) of encoded keys.
//
// Implementations: SqliteRevisionLog (SQLite, WAL, synchronous=FULL) and MemoryRevisionLog (the
// fake: in memory, with failure injection). The shared rules of what a mutation may do are
// PlanMutation() below, so both agree.
//
// Thread-safety: Apply, SetCompactRevision and CompactStep are called by one writer thread at
// a time; every other method is safe from any thread, concurrently with the writer.
#ifndef FLYOVER_APISERVER_STORAGE_REVISION_LOG_H_
#define FLYOVER_APISERVER_STORAGE_REVISION_LOG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace flyover::apiserver::storage {

// One revision of one key.
struct Change {
  enum class Kind { kCreated, kUpdated, kDeleted };

  int64_t revision = 0;
  Kind kind = Kind::kCreated;
  std::string key;
  // kCreated/kUpdated: the new value. kDeleted: the value the key had until this revision.
  std::string value;
  // kUpdated: the value this revision replaced. Empty otherwise.
  std::string prev_value;
  int64_t create_revision = 0;
  // The key's previous revision; 0 for kCreated.
  int64_t prev_revision = 0;
};

// The live state of one key.
struct Entry {
  std::string key;
  std::string value;
  int64_t revision = 0;         // the key's latest change (its resourceVersion)
  int64_t create_revision = 0;  // the change that created it
};

struct Mutation {
  enum class Kind { kCreate, kUpdate, kDelete };

  Kind kind = Kind::kCreate;
  std::string key;
  std::string value;  // kCreate/kUpdate only
  // kUpdate/kDelete: fail with Aborted unless the key's latest revision is this one.
  std::optional<int64_t> expected_revision;
};

// What one mutation of a batch did: a Change, or why not (AlreadyExists, NotFound, Aborted).
struct MutationOutcome {
  absl::Status status;
  std::shared_ptr<const Change> change;  // set iff status is OK
};

struct RangeRequest {
  std::string begin;     // inclusive
  std::string end;       // exclusive
  int64_t revision = 0;  // read the state as of this revision
  int64_t limit = 0;     // at most this many entries; 0 = no limit
  // With a limit: count the live keys beyond the page into RangePage::remaining.
  bool count_remaining = false;
};

struct RangePage {
  std::vector<Entry> entries;  // in key order
  bool more = false;           // live keys beyond the last entry exist in the range
  int64_t remaining = 0;       // how many, when the request asked to count them
};

struct ChangesRequest {
  std::string begin;  // inclusive
  std::string end;    // exclusive
  int64_t after_revision = 0;
  int64_t limit = 0;  // at most this many changes; 0 = no limit
};

struct ChangesPage {
  // The changes to keys in the range with revisions in (after_revision, read_revision], in
  // revision order.
  std::vector<std::shared_ptr<const Change>> changes;
  // How far the page covers: the log's current revision when read, or the last change's
  // revision if `limit` cut the page short.
  int64_t read_revision = 0;
};

struct CompactProgress {
  int64_t cursor = 0;   // pass to the next CompactStep
  int64_t deleted = 0;  // changes discarded by this step
  bool done = false;    // nothing left to discard at or before the compacted revision
};

class RevisionLog {
 public:
  virtual ~RevisionLog() = default;

  // Applies `mutations` in order as one atomic, durable transaction: each is checked against
  // the state left by those before it (PlanMutation) and, if allowed, recorded at the next
  // revision. Returns one outcome per mutation; refused mutations take no revision. An error
  // return means nothing at all was recorded (the transaction failed as a whole).
  [[nodiscard]] virtual absl::StatusOr<std::vector<MutationOutcome>> Apply(
      absl::Span<const Mutation> mutations) = 0;

  // Durably raises the compacted revision to `revision` (no-op when not higher). From now on
  // reads before it are expired. InvalidArgument if `revision` > CurrentRevision().
  [[nodiscard]] virtual absl::Status SetCompactRevision(int64_t revision) = 0;

  // Discards up to `max_changes` compactable changes with revisions above `cursor` (start at
  // 0), lowest first, in one transaction.
  [[nodiscard]] virtual absl::StatusOr<CompactProgress> CompactStep(int64_t cursor,
                                                                    int64_t max_changes) = 0;

  // The latest recorded revision (0 for an empty log).
  virtual int64_t CurrentRevision() const = 0;
  // Reads before this revision are expired (0 when never compacted).
  virtual int64_t CompactRevision() const = 0;

  // The key's current state; nullopt if it does not exist.
  [[nodiscard]] virtual absl::StatusOr<std::optional<Entry>> Get(const std::string& key) = 0;

  // Live keys in [begin, end) as of `revision`. ExpiredError if `revision` < CompactRevision();
  // InvalidArgument if it is above CurrentRevision().
  [[nodiscard]] virtual absl::StatusOr<RangePage> Range(const RangeRequest& request) = 0;

  // Changes after a revision. ExpiredError if after_revision < CompactRevision().
  [[nodiscard]] virtual absl::StatusOr<ChangesPage> Changes(const ChangesRequest& request) = 0;
};

// The latest change of a key as the writer sees it inside a transaction.
struct LatestChange {
  int64_t revision = 0;
  int64_t create_revision = 0;
  bool deleted = false;
  std::string value;
};

// The rules shared by every RevisionLog: what `mutation` records given the key's latest change
// (nullopt if the key never existed or its history was compacted away). Returns the Change to
// record, without its revision, or AlreadyExists / NotFound / Aborted.
[[nodiscard]] absl::StatusOr<Change> PlanMutation(const Mutation& mutation,
                                                  std::optional<LatestChange> latest);

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_REVISION_LOG_H_
