// Store: the thread-safe, indexed map of cached objects behind an informer (client-go's
// ThreadSafeStore + Indexer).
//
// Objects are kept by key ("namespace/name", see object.h) as shared immutable ObjectPtrs.
// Indexes map the values an IndexFunc computes for an object to the keys of the objects
// that produce them; indexers.h has the usual ones (namespace, controller owner uid, labels).
//
//   Store store;
//   RETURN_IF_ERROR(store.AddIndexers({{kNamespaceIndex, IndexByNamespace}}));
//   ASSIGN_OR_RETURN(std::vector<ObjectPtr> pods, store.ByIndex(kNamespaceIndex, "research"));
//
// Readers are typically controllers (listers); the only writer is the informer that owns the
// store. Reads return snapshots (copies of the pointers), never views into the store.
//
// Thread-safety: all methods are thread-safe; reads share a reader lock. Index functions are
// called with the store's lock held: they must be pure (same object, same values), fast, and
// must not touch the store or throw.
#ifndef FLYOVER_KUBE_CACHE_STORE_H_
#define FLYOVER_KUBE_CACHE_STORE_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "kube/cache/object.h"

namespace flyover::kube {

// The values under which an object is indexed (none is fine).
using IndexFunc = std::function<std::vector<std::string>(JsonView object)>;
// Index name -> function.
using Indexers = std::map<std::string, IndexFunc>;

class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Adds indexes and indexes the objects already stored. InvalidArgument for an empty name
  // or function, AlreadyExists for a name in use; nothing is added on error.
  [[nodiscard]] absl::Status AddIndexers(const Indexers& indexers) ABSL_LOCKS_EXCLUDED(mu_);

  // The object under `key`, or null.
  [[nodiscard]] ObjectPtr Get(absl::string_view key) const ABSL_LOCKS_EXCLUDED(mu_);
  // Every object / key, in no particular order.
  [[nodiscard]] std::vector<ObjectPtr> List() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::vector<std::string> ListKeys() const ABSL_LOCKS_EXCLUDED(mu_);
  // Every (key, object) pair.
  [[nodiscard]] std::vector<std::pair<std::string, ObjectPtr>> Snapshot() const
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

  // Objects / keys indexed under `value` in index `index_name`. NotFound for an unknown index.
  [[nodiscard]] absl::StatusOr<std::vector<ObjectPtr>> ByIndex(absl::string_view index_name,
                                                               absl::string_view value) const
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> IndexKeys(absl::string_view index_name,
                                                                   absl::string_view value) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Every value that has objects in `index_name`. NotFound for an unknown index.
  [[nodiscard]] absl::StatusOr<std::vector<std::string>> IndexValues(
      absl::string_view index_name) const ABSL_LOCKS_EXCLUDED(mu_);

  // Stores `object` (not null) under `key`; returns the object it replaced, or null.
  ObjectPtr Put(const std::string& key, ObjectPtr object) ABSL_LOCKS_EXCLUDED(mu_);
  // Removes `key`; returns the removed object, or null.
  ObjectPtr Remove(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // Makes `items` (key, non-null object) the whole contents and rebuilds the indexes. Of
  // duplicate keys the last wins.
  void Replace(std::vector<std::pair<std::string, ObjectPtr>> items) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // value -> keys; the keys are views of items_' keys, which node_hash_map keeps stable.
  using Index = absl::flat_hash_map<std::string, absl::flat_hash_set<absl::string_view>>;

  void IndexObject(absl::string_view key, const PackedJson& object)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UnindexObject(absl::string_view key, const PackedJson& object)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Index* FindIndex(absl::string_view index_name) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::node_hash_map<std::string, ObjectPtr> items_ ABSL_GUARDED_BY(mu_);
  Indexers indexers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Index> indices_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_STORE_H_
