// LruCache: a map of at most `capacity` entries that forgets the least recently used entry
// when full, as the caches of client-go's event correlator (golang-lru) do.
//
// Thread-compatible: the owner serialises calls.
#ifndef FLYOVER_KUBE_CONTROLLER_LRU_CACHE_H_
#define FLYOVER_KUBE_CONTROLLER_LRU_CACHE_H_

#include <cstddef>
#include <list>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace flyover::kube {

template <typename V>
class LruCache {
 public:
  // `capacity` below 1 counts as 1.
  explicit LruCache(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  // The entry under `key`, made most recently used; null when absent. Valid until the next
  // call that inserts.
  V* Find(absl::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  // Stores `value` under `key` as the most recently used entry, evicting the least recently
  // used one when full. Returns the stored value.
  V* Put(const std::string& key, V value) {
    if (V* existing = Find(key)) {
      *existing = std::move(value);
      return existing;
    }
    if (order_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    return &order_.front().second;
  }

  [[nodiscard]] size_t size() const { return order_.size(); }

 private:
  using Entry = std::pair<std::string, V>;

  const size_t capacity_;
  std::list<Entry> order_;  // most recently used first
  absl::flat_hash_map<std::string, typename std::list<Entry>::iterator> index_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_LRU_CACHE_H_
