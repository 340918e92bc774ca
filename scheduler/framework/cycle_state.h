// CycleState: data plugins share during one scheduling cycle (one PlaceGang or Commit call).
//
// A plugin writes what it computed once (in PreFilter, say) under its own key and reads it back
// in later extension points of the same cycle. Entries are typed: Read<T> returns nullptr when
// the key is absent or holds another type. A CycleState is created per cycle and never shared
// between cycles or threads.
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_CYCLE_STATE_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_CYCLE_STATE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace flyover::sched {

class CycleStateData {
 public:
  virtual ~CycleStateData() = default;
};

class CycleState {
 public:
  // Replaces any entry under `key`.
  void Write(absl::string_view key, std::unique_ptr<CycleStateData> data) {
    entries_[key] = std::move(data);
  }
  template <typename T>
  T* Read(absl::string_view key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : dynamic_cast<T*>(it->second.get());
  }

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<CycleStateData>> entries_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_CYCLE_STATE_H_
