#include "scheduler/framework/framework.h"

#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "scheduler/framework/placement_context.h"

namespace flyover::sched {

Plugin* PluginSet::Add(std::unique_ptr<Plugin> plugin, int64_t score_weight) {
  Plugin* raw = plugin.get();
  owned_.push_back(std::move(plugin));
  if (auto* sort = dynamic_cast<const QueueSortPlugin*>(raw)) {
    if (queue_sort_ != nullptr && status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          "registry: a second QueueSort plugin ", raw->Name(), " (have ", queue_sort_->Name(), ")"));
    }
    queue_sort_ = sort;
  }
  if (auto* place = dynamic_cast<const PlacePlugin*>(raw)) {
    if (place_ != nullptr && status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          "registry: a second Place plugin ", raw->Name(), " (have ", place_->Name(), ")"));
    }
    place_ = place;
  }
  if (auto* p = dynamic_cast<const PreFilterPlugin*>(raw)) pre_filters_.push_back(p);
  if (auto* p = dynamic_cast<const FilterPlugin*>(raw)) filters_.push_back(p);
  if (auto* p = dynamic_cast<const ScorePlugin*>(raw)) scores_.push_back({p, score_weight});
  if (auto* p = dynamic_cast<ReservePlugin*>(raw)) reserves_.push_back(p);
  if (auto* p = dynamic_cast<PermitPlugin*>(raw)) permits_.push_back(p);
  if (auto* p = dynamic_cast<BindPlugin*>(raw)) binds_.push_back(p);
  return raw;
}

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(std::unique_ptr<Registry> registry,
                                                             SchedulerOptions options) {
  if (registry == nullptr) return absl::FailedPreconditionError("scheduler: registry is null");
  if (!registry->status().ok()) {
    return absl::FailedPreconditionError(registry->status().message());
  }
  if (registry->place() == nullptr) {
    return absl::FailedPreconditionError("scheduler: the registry has no Place plugin");
  }
  if (options.spare_nodes_per_super_pod < 0 || options.super_pod_nodes < 1) {
    return absl::FailedPreconditionError(
        "scheduler options: want spare_nodes_per_super_pod >= 0 and super_pod_nodes >= 1");
  }
  return std::unique_ptr<Scheduler>(new Scheduler(std::move(registry), options));
}

absl::StatusOr<GangPlacement> Scheduler::PlaceGang(const ClusterSnapshot& snapshot,
                                                   const GangRequest& gang) const {
  if (absl::Status valid = ValidateGangRequest(gang); !valid.ok()) return valid;
  CycleState state;
  for (const PreFilterPlugin* pre_filter : plugins_->pre_filters()) {
    if (absl::Status status = pre_filter->PreFilter(state, snapshot, gang); !status.ok()) {
      return status;
    }
  }
  PlacementContext context(snapshot, gang, *plugins_, options_, state);
  absl::StatusOr<GangPlacement> placement = plugins_->place()->Place(context);
  if (!placement.ok()) return placement.status();
  if (placement->pods.size() != gang.pods.size()) {
    return absl::InternalError(absl::StrCat("place plugin ", plugins_->place()->Name(),
                                            " placed ", placement->pods.size(), " of ",
                                            gang.pods.size(), " pods"));
  }
  placement->gang = gang.Key();
  ComputePlacementFigures(*placement);
  return placement;
}

absl::Status Scheduler::Commit(const GangRequest& gang, const GangPlacement& placement) {
  CycleState state;
  size_t reserved = 0;
  auto fail = [&](const Plugin& plugin, absl::string_view step, const absl::Status& status) {
    for (size_t i = reserved; i-- > 0;) plugins_->reserves()[i]->Unreserve(state, gang, placement);
    return absl::Status(status.code(), absl::StrCat(step, " ", plugin.Name(), ": ",
                                                    status.message()));
  };
  for (ReservePlugin* reserve : plugins_->reserves()) {
    if (absl::Status status = reserve->Reserve(state, gang, placement); !status.ok()) {
      return fail(*reserve, "reserve", status);
    }
    ++reserved;
  }
  for (PermitPlugin* permit : plugins_->permits()) {
    if (absl::Status status = permit->Permit(state, gang, placement); !status.ok()) {
      return fail(*permit, "permit", status);
    }
  }
  for (BindPlugin* bind : plugins_->binds()) {
    absl::Status status = bind->Bind(state, gang, placement);
    if (status.ok()) return status;
    if (status.code() != absl::StatusCode::kUnimplemented) return fail(*bind, "bind", status);
  }
  return absl::OkStatus();
}

bool Scheduler::Less(const GangRequest& a, const GangRequest& b) const {
  if (plugins_->queue_sort() != nullptr) return plugins_->queue_sort()->Less(a, b);
  return std::forward_as_tuple(-a.priority, a.creation_time, a.gang_namespace, a.name) <
         std::forward_as_tuple(-b.priority, b.creation_time, b.gang_namespace, b.name);
}

}  // namespace flyover::sched
