// Store: the storage of the embedded API server (flyover-apiserver). It keeps objects as opaque
// bytes (their JSON) under (resource, namespace, name) keys, gives every change a global,
// monotonically increasing revision (the resourceVersion), and offers what kube-apiserver's
// storage interface does: Create, Get, Update with a resourceVersion precondition,
// GuaranteedUpdate (read-modify-write, retried on conflict), Delete, List at a consistent
// snapshot with limit/continue pagination, and Watch from a revision with bookmarks. It knows
// nothing of HTTP; the registry layer above maps its errors (errors.h) to API statuses.
//
// Durability: writes go through a GroupCommitter into a RevisionLog. With OpenSqlite() that is
// SQLite in WAL mode with synchronous=FULL: a write is acknowledged only after its transaction
// is on disk, and concurrent writers share one transaction and one fsync. After a restart
// every acknowledged object and revision is there, revisions continue from where they were (a
// revision is never reused), and a watcher that reconnects with its last revision continues
// from the history, as long as that revision has not been compacted (CommitterOptions says
// how much history is kept).
//
// resourceVersion: the store does not parse objects, so it does not write
// metadata.resourceVersion into the bytes (a revision is assigned inside the group commit,
// after the caller handed the bytes over). Every object and event it returns carries its
// revision beside the bytes, and the layer above sets metadata.resourceVersion when it serves
// the object, as kube-apiserver does over etcd (it clears the field before storing and sets
// it from the etcd revision when decoding). Callers should store objects without it.
//
// Errors: bad keys, values (empty or over 3 MiB), options and tokens are InvalidArgument naming
// the field, checked before anything is written. NotFound, AlreadyExists, Aborted (precondition
// failed: 409 Conflict), ExpiredError (410), Unavailable (closed or SQLite failing: retry),
// DeadlineExceeded (not acknowledged in time; the write may still land).
//
// Thread-safety: every method is thread-safe. Threads: one committer, one watch dispatcher.
#ifndef FLYOVER_APISERVER_STORAGE_STORE_H_
#define FLYOVER_APISERVER_STORAGE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "apiserver/storage/group_committer.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/revision_log.h"
#include "apiserver/storage/sqlite_revision_log.h"
#include "apiserver/storage/storage_metrics.h"
#include "apiserver/storage/watch_hub.h"
#include "apiserver/storage/watcher.h"
#include "common/clock.h"
#include "prometheus/registry.h"

namespace flyover::apiserver::storage {

struct StoredObject {
  ObjectKey key;
  std::string value;
  // The object's resourceVersion: its latest change. From Delete: the deletion's revision.
  int64_t revision = 0;
  int64_t create_revision = 0;
};

struct Preconditions {
  // Fail with Aborted unless the object's current revision is this one.
  std::optional<int64_t> revision;
};

// Computes an object's new bytes from its current state. May run several times (once per
// conflict); an error ends GuaranteedUpdate with that error.
using UpdateFunction = std::function<absl::StatusOr<std::string>(const StoredObject& current)>;

struct GuaranteedUpdateOptions {
  Preconditions preconditions;  // checked against the state each attempt reads
  int max_attempts = 16;        // conflicts tolerated before giving up with Aborted
};

struct ListOptions {
  std::string resource;    // required
  std::string namespace_;  // "" = every namespace (and cluster-scoped resources)
  int64_t limit = 0;       // at most this many items per page; 0 = all
  // From the previous page's ListResult: continues that list at its snapshot.
  std::string continue_token;
  // Read at exactly this revision (resourceVersionMatch=Exact); nullopt = the latest. Not
  // allowed with continue_token. ExpiredError if compacted.
  std::optional<int64_t> revision;
  // With a limit: count the items of the snapshot after this page (it reads the whole rest of
  // the range, without copying it) into ListResult::remaining_item_count.
  bool count_remaining = false;
};

struct ListResult {
  std::vector<StoredObject> items;  // in key order: namespace, then name
  int64_t revision = 0;             // the snapshot: the list's resourceVersion
  // Non-empty when more items remain: pass it as ListOptions::continue_token. Using it after
  // its snapshot has been compacted is ExpiredError (410 Expired: start a new list).
  std::string continue_token;
  // With count_remaining, when more items remain: how many (metadata.remainingItemCount).
  std::optional<int64_t> remaining_item_count;
};

struct StoreOptions {
  CommitterOptions committer;
  WatchHubOptions watch;
  SqliteRevisionLogOptions sqlite;  // OpenSqlite() only
};

class Store {
 public:
  // A store over `log` (not null). `clock` must outlive the store; `registry` may be null.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> Open(
      std::shared_ptr<RevisionLog> log, StoreOptions options = {}, Clock* clock = RealClock(),
      std::shared_ptr<prometheus::Registry> registry = nullptr);
  // A store over the SQLite database at `path` (see SqliteRevisionLog::Open).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Store>> OpenSqlite(
      const std::string& path, StoreOptions options = {}, Clock* clock = RealClock(),
      std::shared_ptr<prometheus::Registry> registry = nullptr);
  ~Store();  // Close()s
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Commits queued writes, ends every watcher (Unavailable) and stops the threads; later calls
  // return Unavailable. Idempotent.
  void Close();

  [[nodiscard]] absl::StatusOr<StoredObject> Create(const ObjectKey& key, std::string value);
  [[nodiscard]] absl::StatusOr<StoredObject> Get(const ObjectKey& key);
  // Replaces an existing object's bytes. NotFound if absent; Aborted if a precondition fails.
  [[nodiscard]] absl::StatusOr<StoredObject> Update(const ObjectKey& key, std::string value,
                                                    Preconditions preconditions = {});
  // Read-modify-write: reads the object, calls `update`, writes the result on the condition
  // that nobody changed the object in between, and starts over on a conflict. If `update`
  // returns the current bytes unchanged, nothing is written and the current object returns.
  [[nodiscard]] absl::StatusOr<StoredObject> GuaranteedUpdate(const ObjectKey& key,
                                                              const UpdateFunction& update,
                                                              GuaranteedUpdateOptions options = {});
  // Deletes an object; returns its last bytes with the deletion's revision.
  [[nodiscard]] absl::StatusOr<StoredObject> Delete(const ObjectKey& key,
                                                    Preconditions preconditions = {});
  [[nodiscard]] absl::StatusOr<ListResult> List(const ListOptions& options);
  [[nodiscard]] absl::StatusOr<std::unique_ptr<Watcher>> Watch(WatchOptions options);

  // Discards history up to `revision` now (the committer also does so periodically) and waits.
  [[nodiscard]] absl::Status Compact(int64_t revision);

  // The latest committed revision.
  int64_t CurrentRevision() const { return log_->CurrentRevision(); }
  // Reads and watches from before this revision are expired.
  int64_t CompactRevision() const { return log_->CompactRevision(); }

 private:
  Store(std::shared_ptr<RevisionLog> log, StoreOptions options, Clock* clock,
        std::shared_ptr<prometheus::Registry> registry);
  absl::StatusOr<StoredObject> Write(const ObjectKey& key, Mutation mutation);

  const std::shared_ptr<RevisionLog> log_;
  const std::shared_ptr<StorageMetrics> metrics_;
  const std::shared_ptr<WatchHub> hub_;
  std::atomic<bool> closed_ = false;
  GroupCommitter committer_;
};

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_STORE_H_
