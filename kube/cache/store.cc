#include "kube/cache/store.h"

#include "absl/strings/str_cat.h"

namespace flyover::kube {

absl::Status Store::AddIndexers(const Indexers& indexers) {
  absl::MutexLock lock(&mu_);
  for (const auto& [name, func] : indexers) {
    if (name.empty() || !func) {
      return absl::InvalidArgumentError("indexer needs a name and a function");
    }
    if (indexers_.contains(name)) {
      return absl::AlreadyExistsError(absl::StrCat("indexer \"", name, "\" already exists"));
    }
  }
  for (const auto& [name, func] : indexers) {
    indexers_.emplace(name, func);
    Index& index = indices_[name];
    for (const auto& [key, object] : items_) {
      for (std::string& value : func(object->view())) index[std::move(value)].insert(key);
    }
  }
  return absl::OkStatus();
}

ObjectPtr Store::Get(absl::string_view key) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::List() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) out.push_back(object);
  return out;
}

std::vector<std::string> Store::ListKeys() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [key, object] : items_) out.push_back(key);
  return out;
}

std::vector<std::pair<std::string, ObjectPtr>> Store::Snapshot() const {
  absl::ReaderMutexLock lock(&mu_);
  return {items_.begin(), items_.end()};
}

size_t Store::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return items_.size();
}

const Store::Index* Store::FindIndex(absl::string_view index_name) const {
  auto it = indices_.find(index_name);
  return it == indices_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::vector<ObjectPtr>> Store::ByIndex(absl::string_view index_name,
                                                      absl::string_view value) const {
  absl::ReaderMutexLock lock(&mu_);
  const Index* index = FindIndex(index_name);
  if (index == nullptr) return absl::NotFoundError(absl::StrCat("no index \"", index_name, "\""));
  std::vector<ObjectPtr> out;
  if (auto it = index->find(value); it != index->end()) {
    out.reserve(it->second.size());
    for (absl::string_view key : it->second) out.push_back(items_.find(key)->second);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Store::IndexKeys(absl::string_view index_name,
                                                          absl::string_view value) const {
  absl::ReaderMutexLock lock(&mu_);
  const Index* index = FindIndex(index_name);
  if (index == nullptr) return absl::NotFoundError(absl::StrCat("no index \"", index_name, "\""));
  std::vector<std::string> out;
  if (auto it = index->find(value); it != index->end()) {
    out.reserve(it->second.size());
    for (absl::string_view key : it->second) out.emplace_back(key);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Store::IndexValues(absl::string_view index_name) const {
  absl::ReaderMutexLock lock(&mu_);
  const Index* index = FindIndex(index_name);
  if (index == nullptr) return absl::NotFoundError(absl::StrCat("no index \"", index_name, "\""));
  std::vector<std::string> out;
  out.reserve(index->size());
  for (const auto& [value, keys] : *index) out.push_back(value);
  return out;
}

ObjectPtr Store::Put(const std::string& key, ObjectPtr object) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = items_.try_emplace(key);
  ObjectPtr old = std::move(it->second);
  if (old != nullptr) UnindexObject(it->first, *old);
  it->second = std::move(object);
  IndexObject(it->first, *it->second);
  return old;
}

ObjectPtr Store::Remove(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr old = std::move(it->second);
  UnindexObject(it->first, *old);
  items_.erase(it);
  return old;
}

void Store::Replace(std::vector<std::pair<std::string, ObjectPtr>> items) {
  absl::MutexLock lock(&mu_);
  for (auto& [name, index] : indices_) index.clear();
  items_.clear();
  items_.reserve(items.size());
  for (auto& [key, object] : items) {
    auto [it, inserted] = items_.try_emplace(std::move(key));
    if (!inserted) UnindexObject(it->first, *it->second);  // a duplicate key: last one wins
    it->second = std::move(object);
    IndexObject(it->first, *it->second);
  }
}

void Store::IndexObject(absl::string_view key, const PackedJson& object) {
  for (const auto& [name, func] : indexers_) {
    Index& index = indices_[name];
    for (std::string& value : func(object.view())) index[std::move(value)].insert(key);
  }
}

void Store::UnindexObject(absl::string_view key, const PackedJson& object) {
  for (const auto& [name, func] : indexers_) {
    Index& index = indices_[name];
    for (const std::string& value : func(object.view())) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

}  // namespace flyover::kube
