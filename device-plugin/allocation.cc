#include "device-plugin/allocation.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace flyover::deviceplugin {
namespace {

using topology::DieId;
using topology::DieSet;

// The lowest `count` dies of `set` (fewer if it has fewer).
DieSet Lowest(DieSet set, int count) {
  DieSet out;
  for (DieId die : set) {
    if (out.Count() == count) break;
    out.Insert(die);
  }
  return out;
}

// Adds `need` dies from `free` to `chosen` by the topology rules where they allow it.
DieSet ChooseRest(DieSet free, DieSet chosen, int need) {
  // First the siblings of chosen half chips: keep chips whole.
  for (DieId die : chosen.HalfChipDies()) {
    if (need > 0 && free.Contains(topology::SiblingDie(die))) {
      chosen.Insert(topology::SiblingDie(die));
      --need;
    }
  }
  DieSet rest = free - chosen;
  if (need == 0) return chosen;
  if (std::optional<DieSet> pick = topology::ChooseDies(rest, need)) return chosen | *pick;
  if (need > 1 && need % 2 == 1) {
    if (std::optional<DieSet> pairs = topology::ChooseDies(rest, need - 1)) {
      if (std::optional<DieSet> one = topology::ChooseDies(rest - *pairs, 1)) {
        return chosen | *pairs | *one;
      }
    }
  }
  return chosen | Lowest(rest, need);
}

}  // namespace

absl::StatusOr<DieSet> ParseDeviceIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                                      DieSet node_dies, absl::string_view field) {
  DieSet set;
  for (int i = 0; i < ids.size(); ++i) {
    absl::string_view id = ids.Get(i);
    absl::string_view number = id;
    int die = -1;
    if (!absl::ConsumePrefix(&number, topology::kDeviceNamePrefix) ||
        !absl::SimpleAtoi(number, &die) || !node_dies.Contains(die) ||
        absl::StrCat(topology::kDeviceNamePrefix, die) != id) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: unknown device id \"", id, "\"; this node has ",
                       node_dies.ToDeviceNames()));
    }
    if (set.Contains(die)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, "[", i, "]: device id \"", id, "\" is listed twice"));
    }
    set.Insert(die);
  }
  return set;
}

absl::StatusOr<DieSet> PreferDies(DieSet free, DieSet must, int size) {
  if (!free.ContainsAll(must)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "must_include_deviceIDs: ", (must - free).ToDeviceNames(), " are not available"));
  }
  if (must.Count() > size) {
    return absl::InvalidArgumentError(absl::StrCat("must_include_deviceIDs: ", must.Count(),
                                                   " devices exceed allocation_size ", size));
  }
  if (free.Count() < size) {
    return absl::InvalidArgumentError(absl::StrCat("allocation_size: ", size, " exceeds the ",
                                                   free.Count(), " available devices"));
  }
  return ChooseRest(free, must, size - must.Count());
}

std::optional<DieId> AllocationTable::Conflict(DieSet dies, const Holder& holder) const {
  for (DieId die : dies) {
    auto it = holders_.find(die);
    if (it == holders_.end() || it->second == holder) continue;
    if (it->second.known_pod() || holder.known_pod()) return die;
  }
  return std::nullopt;
}

void AllocationTable::Assign(DieSet dies, const Holder& holder) {
  for (DieId die : dies) holders_[die] = holder;
}

void AllocationTable::ReleasePodsNotIn(const std::set<std::string>& live_pods) {
  std::erase_if(holders_, [&](const auto& entry) {
    return entry.second.known_pod() && !live_pods.contains(entry.second.PodKey());
  });
}

std::set<std::string> AllocationTable::HoldingPods() const {
  std::set<std::string> pods;
  for (const auto& [die, holder] : holders_) {
    if (holder.known_pod()) pods.insert(holder.PodKey());
  }
  return pods;
}

DieSet AllocationTable::Held() const {
  DieSet set;
  for (const auto& [die, holder] : holders_) set.Insert(die);
  return set;
}

}  // namespace flyover::deviceplugin
