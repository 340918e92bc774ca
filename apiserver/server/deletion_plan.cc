#include "apiserver/server/deletion_plan.h"

#include <string>

#include "apiserver/server/object_meta.h"
#include "apiserver/server/strategy.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

bool IsPod(const discovery::ResourceInfo& resource) {
  return resource.group.empty() && resource.plural == "pods";
}

// A string at `pointer`, or "" when absent or not a string.
std::string StringAtPath(const json& object, const char* pointer) {
  const json value = object.value(json::json_pointer(pointer), json());
  return value.is_string() ? value.get<std::string>() : "";
}

int64_t PodDefaultGrace(const json& pod) {
  const json value = pod.value(json::json_pointer("/spec/terminationGracePeriodSeconds"), json());
  return value.is_number_integer() ? value.get<int64_t>() : kDefaultTerminationGracePeriodSeconds;
}

void AddFinalizers(json& object, const std::vector<std::string>& add) {
  json& meta = Metadata(object);
  for (const std::string& finalizer : add) meta["finalizers"].push_back(finalizer);
}

// The deletion fields of an object whose grace period runs from `now`.
void StartDeletion(const discovery::ResourceInfo& resource, json& object, absl::Time now,
                   int64_t grace) {
  json& meta = Metadata(object);
  meta["deletionTimestamp"] = Timestamp(now + absl::Seconds(grace));
  meta["deletionGracePeriodSeconds"] = grace;
  if (IsNamespaceResource(resource)) object["status"]["phase"] = "Terminating";
}

// Moves deletionTimestamp earlier by the difference between the running grace period and
// `grace` (kube-apiserver's arithmetic; `now` + grace if the timestamp cannot be read).
void ShortenGracePeriod(json& object, int64_t grace, absl::Time now) {
  json& meta = Metadata(object);
  const int64_t running = DeletionGracePeriod(object);
  absl::Time deadline;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, MetaString(object, "deletionTimestamp"), &deadline,
                      &error)) {
    deadline -= absl::Seconds(running - grace);
  } else {
    deadline = now + absl::Seconds(grace);
  }
  meta["deletionTimestamp"] = Timestamp(deadline);
  meta["deletionGracePeriodSeconds"] = grace;
}

DeletionPlan Mark(json object) { return {DeletionStep::kMark, std::move(object)}; }

// A DELETE of an object whose deletion has begun.
DeletionPlan PlanRepeatedDeletion(const discovery::ResourceInfo& resource, const json& current,
                                  const std::vector<std::string>& add,
                                  std::optional<int64_t> requested, absl::Time now) {
  if (AwaitsGracefulTermination(current)) {
    if (!requested || *requested >= DeletionGracePeriod(current)) return {};
    if (*requested == 0 && ReadyToRemove(resource, current)) return {DeletionStep::kRemove, {}};
    json object = current;
    ShortenGracePeriod(object, *requested, now);
    return Mark(std::move(object));
  }
  if (add.empty()) {
    return ReadyToRemove(resource, current) ? DeletionPlan{DeletionStep::kRemove, {}}
                                            : DeletionPlan{};
  }
  json object = current;
  AddFinalizers(object, add);
  return Mark(std::move(object));
}

}  // namespace

int64_t GracePeriodFor(const discovery::ResourceInfo& resource, const json& object,
                       std::optional<int64_t> requested) {
  if (!IsPod(resource)) return 0;
  if (requested && *requested < 0) requested = 1;
  if (StringAtPath(object, "/spec/nodeName").empty()) return 0;
  const std::string phase = StringAtPath(object, "/status/phase");
  if (phase == "Succeeded" || phase == "Failed") return 0;
  const int64_t grace = requested.value_or(PodDefaultGrace(object));
  return grace < 0 ? 1 : grace;
}

int64_t DeletionGracePeriod(const json& object) {
  const json value =
      object.value(json::json_pointer("/metadata/deletionGracePeriodSeconds"), json());
  return value.is_number_integer() ? value.get<int64_t>() : 0;
}

bool AwaitsGracefulTermination(const json& object) {
  return HasDeletionTimestamp(object) && DeletionGracePeriod(object) > 0;
}

bool DeletionComplete(const discovery::ResourceInfo& resource, const json& object) {
  return ReadyToRemove(resource, object) && !AwaitsGracefulTermination(object);
}

DeletionPlan PlanDeletion(const discovery::ResourceInfo& resource, const json& current,
                          const std::vector<std::string>& add_finalizers,
                          std::optional<int64_t> requested_grace, absl::Time now) {
  if (requested_grace && *requested_grace < 0) requested_grace = 1;
  if (HasDeletionTimestamp(current)) {
    return PlanRepeatedDeletion(resource, current, add_finalizers, requested_grace, now);
  }
  const int64_t grace = GracePeriodFor(resource, current, requested_grace);
  if (grace == 0 && add_finalizers.empty() && ReadyToRemove(resource, current)) {
    return {DeletionStep::kRemove, {}};
  }
  json object = current;
  StartDeletion(resource, object, now, grace);
  AddFinalizers(object, add_finalizers);
  return Mark(std::move(object));
}

}  // namespace flyover::apiserver
