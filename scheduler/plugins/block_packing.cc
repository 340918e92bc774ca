#include "scheduler/plugins/block_packing.h"

#include <algorithm>
#include <numeric>

namespace flyover::sched::plugins {
namespace {

std::vector<int64_t> Units(absl::Span<const int64_t> capacity, int64_t unit) {
  std::vector<int64_t> units;
  units.reserve(capacity.size());
  for (int64_t c : capacity) units.push_back(std::max<int64_t>(0, c) / unit);
  return units;
}

// Group indices by units descending, then by capacity ascending (the tighter fit first).
std::vector<int> ByUnitsDescending(const std::vector<int64_t>& units,
                                   absl::Span<const int64_t> capacity) {
  std::vector<int> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return units[a] != units[b] ? units[a] > units[b] : capacity[a] < capacity[b];
  });
  return order;
}

// Chooses k groups whose units sum to >= needed, starting from the k largest and swapping each
// chosen group, largest first, for the tightest unchosen one that still keeps the sum: best fit
// that spends the slack on sparing the largest free super-pods.
std::vector<int> ChooseGroups(const std::vector<int64_t>& units,
                              absl::Span<const int64_t> capacity, int k, int64_t needed) {
  std::vector<int> order = ByUnitsDescending(units, capacity);
  std::vector<int> chosen(order.begin(), order.begin() + k);
  std::vector<int> rest(order.begin() + k, order.end());
  std::stable_sort(rest.begin(), rest.end(), [&](int a, int b) { return capacity[a] < capacity[b]; });
  int64_t sum = 0;
  for (int g : chosen) sum += units[g];
  for (int i = 0; i < k; ++i) {
    for (int& candidate : rest) {
      if (capacity[candidate] >= capacity[chosen[i]]) break;  // rest is sorted by capacity
      if (sum - units[chosen[i]] + units[candidate] < needed) continue;
      sum += units[candidate] - units[chosen[i]];
      std::swap(chosen[i], candidate);
      std::stable_sort(rest.begin(), rest.end(),
                       [&](int a, int b) { return capacity[a] < capacity[b]; });
      break;
    }
  }
  std::stable_sort(chosen.begin(), chosen.end(),
                   [&](int a, int b) { return capacity[a] < capacity[b]; });
  return chosen;
}

// Fills the chosen groups (smallest first) with `needed` units of `unit` pods each.
std::vector<Segment> Fill(const std::vector<int>& chosen, const std::vector<int64_t>& units,
                          int64_t needed, int64_t unit) {
  std::vector<Segment> segments;
  int64_t left = needed;
  for (size_t i = 0; i < chosen.size() && left > 0; ++i) {
    // Keep the remainder for the last group so earlier ones fill completely.
    int64_t take = std::min(units[chosen[i]], left);
    segments.push_back(Segment{chosen[i], take * unit});
    left -= take;
  }
  return segments;
}

std::optional<Packing> PackInUnits(absl::Span<const int64_t> capacity, int64_t unit,
                                   int64_t needed_units) {
  const std::vector<int64_t> units = Units(capacity, unit);
  const std::optional<int> k = FewestGroups(capacity, unit, needed_units);
  if (!k.has_value()) return std::nullopt;
  Packing packing;
  packing.segments =
      Fill(ChooseGroups(units, capacity, *k, needed_units), units, needed_units, unit);
  packing.groups_used = static_cast<int>(packing.segments.size());
  packing.lower_bound = *k;
  return packing;
}

}  // namespace

std::optional<int> FewestGroups(absl::Span<const int64_t> capacity, int64_t unit,
                                int64_t needed) {
  if (needed <= 0) return 0;
  std::vector<int64_t> units = Units(capacity, unit);
  std::sort(units.begin(), units.end(), std::greater<>());
  int64_t sum = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    sum += units[i];
    if (sum >= needed) return static_cast<int>(i + 1);
  }
  return std::nullopt;
}

std::optional<Packing> PackBlocks(absl::Span<const int64_t> capacity, int64_t block_pods,
                                  int64_t blocks, SuperPodAffinity affinity) {
  std::optional<Packing> whole = PackInUnits(capacity, block_pods, blocks);
  if (affinity == SuperPodAffinity::kRequired) return whole;
  std::optional<Packing> split = PackInUnits(capacity, 1, block_pods * blocks);
  if (!split.has_value()) return std::nullopt;
  if (whole.has_value() && whole->groups_used <= split->lower_bound) {
    whole->lower_bound = split->lower_bound;
    return whole;
  }
  return split;
}

}  // namespace flyover::sched::plugins
