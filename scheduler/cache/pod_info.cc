#include "scheduler/cache/pod_info.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kube/api/core/quantity.h"
#include "kube/api/scheduling_annotations.h"
#include "common/status.h"
#include "kube/cache/object.h"

namespace flyover::sched {
namespace {

namespace ann = kube::scheduling;

absl::Status ParseInt(kube::JsonView annotations, absl::string_view key, int min_value, int* out) {
  kube::JsonView value = annotations[key];
  if (value.is_missing()) return absl::OkStatus();
  int parsed = 0;
  if (!absl::SimpleAtoi(value.string_value(), &parsed) || parsed < min_value) {
    return absl::InvalidArgumentError(absl::StrCat("annotation ", key, ": \"", value.string_value(),
                                                   "\" is not an integer >= ", min_value));
  }
  *out = parsed;
  return absl::OkStatus();
}

absl::Status ParseGang(kube::JsonView annotations, GangSpec* gang) {
  gang->name = std::string(annotations[ann::kAnnotationGang].string_value());
  gang->job = std::string(annotations[ann::kAnnotationJob].string_value());
  gang->replacement = annotations[ann::kAnnotationReplacement].string_value() == "true";
  gang->affinity_required =
      annotations[ann::kAnnotationSuperPodAffinity].string_value() == "Required";
  int timeout_seconds = 0;
  absl::Status status = ParseInt(annotations, ann::kAnnotationMinMember, 1, &gang->min_member);
  status.Update(ParseInt(annotations, ann::kAnnotationGangTimeoutSeconds, 0, &timeout_seconds));
  status.Update(ParseInt(annotations, ann::kAnnotationSuperPodBlock, 0, &gang->super_pod_block));
  status.Update(ParseInt(annotations, ann::kAnnotationSpareNodes, 0, &gang->spare_nodes));
  gang->timeout = absl::Seconds(timeout_seconds);
  return status;
}

// The NPUs one container asks for: requests, or limits when requests do not say.
absl::StatusOr<int> ContainerNpus(kube::JsonView resources) {
  kube::JsonView quantity = resources["requests"][topology::kResourceName];
  if (quantity.is_missing()) quantity = resources["limits"][topology::kResourceName];
  if (quantity.is_missing()) return 0;
  std::string text = quantity.is_string() ? std::string(quantity.string_value())
                                          : absl::StrCat(quantity.int_value().value_or(-1));
  absl::StatusOr<int64_t> value = kube::core::QuantityValue(text);
  if (!value.ok() || *value < 0 || *value > topology::kDiesPerNode) {
    return absl::InvalidArgumentError(
        absl::StrCat("resources ", topology::kResourceName, ": \"", text, "\" is not 0..16"));
  }
  return static_cast<int>(*value);
}

int64_t Quantity(kube::JsonView quantity, bool milli) {
  if (quantity.is_missing()) return 0;
  std::string text = quantity.is_string() ? std::string(quantity.string_value())
                                          : absl::StrCat(quantity.int_value().value_or(0));
  absl::StatusOr<int64_t> value =
      milli ? kube::core::QuantityMilliValue(text) : kube::core::QuantityValue(text);
  return value.ok() && *value > 0 ? *value : 0;
}

void ParseTolerations(kube::JsonView tolerations, PodInfo* pod) {
  for (kube::JsonView t : tolerations.elements()) {
    Toleration toleration{.key = std::string(t["key"].string_value()),
                          .op = t["operator"].string_value() == "Exists"
                                    ? TolerationOperator::kExists
                                    : TolerationOperator::kEqual,
                          .value = std::string(t["value"].string_value())};
    absl::string_view effect = t["effect"].string_value();
    if (effect == "NoSchedule") toleration.effect = TaintEffect::kNoSchedule;
    if (effect == "NoExecute") toleration.effect = TaintEffect::kNoExecute;
    if (effect == "PreferNoSchedule") toleration.effect = TaintEffect::kPreferNoSchedule;
    pod->tolerations.push_back(std::move(toleration));
  }
}

// One matchExpressions or matchFields entry. matchFields takes only metadata.name with In or
// NotIn, as kube-apiserver validates it.
absl::Status ParseRequirement(kube::JsonView expression, bool field,
                              std::vector<LabelRequirement>* out) {
  static const std::map<absl::string_view, LabelOperator> kOperators = {
      {"In", LabelOperator::kIn},
      {"NotIn", LabelOperator::kNotIn},
      {"Exists", LabelOperator::kExists},
      {"DoesNotExist", LabelOperator::kDoesNotExist}};
  const absl::string_view where = field ? "matchFields" : "matchExpressions";
  auto op = kOperators.find(expression["operator"].string_value());
  if (op == kOperators.end() ||
      (field && op->second != LabelOperator::kIn && op->second != LabelOperator::kNotIn)) {
    return absl::InvalidArgumentError(absl::StrCat("spec.affinity.nodeAffinity ", where,
                                                   ": operator \"",
                                                   expression["operator"].string_value(),
                                                   "\" is not supported"));
  }
  LabelRequirement requirement{.key = std::string(expression["key"].string_value()),
                               .op = op->second};
  if (field && requirement.key != NodeSelectorTerm::kNodeNameField) {
    return absl::InvalidArgumentError(absl::StrCat(
        "spec.affinity.nodeAffinity matchFields: key \"", requirement.key,
        "\" is not supported (only ", NodeSelectorTerm::kNodeNameField, ")"));
  }
  for (kube::JsonView value : expression["values"].elements()) {
    requirement.values.emplace_back(value.string_value());
  }
  out->push_back(std::move(requirement));
  return absl::OkStatus();
}

absl::Status ParseAffinity(kube::JsonView affinity, PodInfo* pod) {
  kube::JsonView terms = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                                 ["nodeSelectorTerms"];
  for (kube::JsonView term : terms.elements()) {
    NodeSelectorTerm parsed;
    for (kube::JsonView expression : term["matchExpressions"].elements()) {
      RETURN_IF_ERROR(ParseRequirement(expression, /*field=*/false, &parsed.requirements));
    }
    for (kube::JsonView expression : term["matchFields"].elements()) {
      RETURN_IF_ERROR(ParseRequirement(expression, /*field=*/true, &parsed.fields));
    }
    pod->required_affinity.push_back(std::move(parsed));
  }
  return absl::OkStatus();
}

absl::Status ParseRequests(kube::JsonView spec, PodInfo* pod) {
  absl::Status status;
  for (kube::JsonView container : spec["containers"].elements()) {
    kube::JsonView requests = container["resources"]["requests"];
    pod->cpu_millis += Quantity(requests["cpu"], /*milli=*/true);
    pod->memory_bytes += Quantity(requests["memory"], false);
    absl::StatusOr<int> npus = ContainerNpus(container["resources"]);
    if (npus.ok()) {
      pod->npus += *npus;
    } else {
      status.Update(npus.status());
    }
  }
  return status;
}

absl::Status ParsePlacementAnnotations(kube::JsonView meta, PodInfo* pod) {
  absl::Status status;
  kube::JsonView rank = meta["annotations"][topology::kAnnotationRankIndex];
  if (rank.is_missing()) rank = meta["labels"][ann::kLabelRankIndex];
  if (!rank.is_missing()) {
    absl::StatusOr<int> parsed = topology::ParseRankIndex(rank.string_value());
    if (parsed.ok())
      pod->rank_index = *parsed;
    else
      status.Update(parsed.status());
  }
  kube::JsonView devices = meta["annotations"][topology::kAnnotationDevices];
  if (!devices.is_missing()) {
    absl::StatusOr<topology::DieSet> parsed =
        topology::DieSet::ParseDeviceNames(devices.string_value());
    if (parsed.ok())
      pod->devices = *parsed;
    else
      status.Update(parsed.status());
  }
  return status;
}

}  // namespace

bool PodInfo::HoldsResources() const {
  return !node_name.empty() && phase != "Succeeded" && phase != "Failed";
}

std::string PodInfo::GangKey() const {
  return gang.name.empty() ? "" : kube::JoinKey(namespace_, gang.name);
}

PlacedPod PodInfo::ToPlacedPod(const std::string& node, topology::DieSet dies, bool assumed) const {
  return PlacedPod{.pod_namespace = namespace_,
                   .name = name,
                   .node = node,
                   .dies = dies,
                   .cpu_millis = cpu_millis,
                   .memory_bytes = memory_bytes,
                   .gang = GangKey(),
                   .rank_index = rank_index.value_or(-1),
                   .assumed = assumed};
}

bool PodInfo::IsPendingFor(absl::string_view scheduler) const {
  return scheduler_name == scheduler && node_name.empty() && !deleting && phase != "Succeeded" &&
         phase != "Failed";
}

absl::StatusOr<PodInfo> ParsePodInfo(kube::JsonView pod) {
  kube::JsonView meta = pod["metadata"];
  PodInfo info;
  info.name = std::string(meta["name"].string_value());
  if (info.name.empty()) return absl::InvalidArgumentError("pod metadata.name: missing");
  info.namespace_ = std::string(meta["namespace"].string_value());
  info.key = kube::JoinKey(info.namespace_, info.name);
  info.uid = std::string(meta["uid"].string_value());
  info.resource_version = std::string(meta["resourceVersion"].string_value());
  info.deleting = !meta["deletionTimestamp"].is_missing() && !meta["deletionTimestamp"].is_null();
  std::string error;
  absl::Time created;
  if (absl::ParseTime(absl::RFC3339_full, meta["creationTimestamp"].string_value(), &created,
                      &error)) {
    info.created = created;
  }
  kube::JsonView spec = pod["spec"];
  info.scheduler_name = std::string(spec["schedulerName"].string_value());
  info.priority = static_cast<int>(
      std::clamp<int64_t>(spec["priority"].int_value().value_or(0), INT32_MIN, INT32_MAX));
  info.node_name = std::string(spec["nodeName"].string_value());
  info.phase = std::string(pod["status"]["phase"].string_value());
  for (const auto& [key, value] : spec["nodeSelector"].members()) {
    info.node_selector.emplace(std::string(key), std::string(value.string_value()));
  }
  ParseTolerations(spec["tolerations"], &info);
  info.parse_error.Update(ParseAffinity(spec["affinity"], &info));
  info.parse_error.Update(ParseGang(meta["annotations"], &info.gang));
  info.parse_error.Update(ParseRequests(spec, &info));
  info.parse_error.Update(ParsePlacementAnnotations(meta, &info));
  return info;
}

}  // namespace flyover::sched
