#include "nodesim/node_lifecycle.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/api/core/object_codecs.h"
#include "kube/client/typed_client.h"
#include "nodesim/node_object.h"

namespace flyover::nodesim {
namespace {

using kube::ConditionStatus;
using kube::core::Lease;
using kube::core::Node;
using kube::core::NodeCondition;
using kube::core::Taint;

const log::Logger& LifecycleLogger() {
  static const log::Logger* logger = new log::Logger("nodesim.lifecycle");
  return *logger;
}

constexpr const char* kUnreachableEffects[] = {"NoExecute", "NoSchedule"};

bool IsUnreachableTaint(const Taint& taint) { return taint.key == kTaintUnreachable; }

nlohmann::json ConditionsPatch(const std::vector<NodeCondition>& conditions) {
  nlohmann::json list = nlohmann::json::array();
  for (const NodeCondition& c : conditions) list.push_back(c);
  return {{"status", {{"conditions", std::move(list)}}}};
}

nlohmann::json TaintsPatch(const std::vector<Taint>& taints) {
  nlohmann::json list = nlohmann::json::array();
  for (const Taint& t : taints) list.push_back(t);
  return {{"spec", {{"taints", std::move(list)}}}};
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Every condition Unknown (as the controller words it); null when all already are.
nlohmann::json MarkUnknown(const Node& node, absl::Time now) {
  std::vector<NodeCondition> conditions = node.status.conditions;
  bool changed = false;
  for (NodeCondition& c : conditions) {
    if (c.status == ConditionStatus::kUnknown) continue;
    c.status = ConditionStatus::kUnknown;
    c.reason = kReasonNodeStatusUnknown;
    c.message = kMessageNodeStatusUnknown;
    c.last_transition_time = now;
    changed = true;
  }
  return changed ? ConditionsPatch(conditions) : nlohmann::json();
}

// The unreachable taints added (`add`) or removed; null when they already are.
nlohmann::json SetUnreachableTaints(const Node& node, bool add, absl::Time now) {
  std::vector<Taint> taints;
  for (const Taint& t : node.spec.taints) {
    if (!IsUnreachableTaint(t)) taints.push_back(t);
  }
  if (add) {
    for (const char* effect : kUnreachableEffects) {
      auto same = [&](const Taint& t) { return IsUnreachableTaint(t) && t.effect == effect; };
      auto old = std::find_if(node.spec.taints.begin(), node.spec.taints.end(), same);
      taints.push_back(old != node.spec.taints.end()
                           ? *old
                           : Taint{.key = kTaintUnreachable, .effect = effect,
                                   .rest = {{"timeAdded", Rfc3339(now)}}});
    }
  }
  return taints == node.spec.taints ? nlohmann::json() : TaintsPatch(taints);
}

// The conditions this controller wrote (Ready Unknown with its reason) replaced by the
// kubelet's; null when Ready is anything else.
nlohmann::json RestoreKubeletConditions(const Node& node, absl::Time heartbeat) {
  const NodeCondition* ready = kube::core::FindNodeCondition(node.status, "Ready");
  if (ready == nullptr || ready->status != ConditionStatus::kUnknown ||
      ready->reason != kReasonNodeStatusUnknown) {
    return nullptr;
  }
  return ConditionsPatch(KubeletConditions(&node.status, heartbeat));
}

// The newer of the Lease's renewTime and the Ready condition's heartbeat.
std::optional<absl::Time> LastHeartbeat(const Node& node, const Lease* lease) {
  std::optional<absl::Time> last;
  if (lease != nullptr) last = lease->spec.renew_time;
  const NodeCondition* ready = kube::core::FindNodeCondition(node.status, "Ready");
  if (ready != nullptr && ready->last_heartbeat_time.has_value() &&
      (!last.has_value() || *ready->last_heartbeat_time > *last)) {
    last = ready->last_heartbeat_time;
  }
  return last;
}

}  // namespace

NodeHealthPatches NodeHealthFor(const Node& node, std::optional<absl::Time> last_heartbeat,
                                absl::Time now, absl::Duration grace_period) {
  NodeHealthPatches out;
  out.reachable = last_heartbeat.has_value() && now - *last_heartbeat <= grace_period;
  out.spec = SetUnreachableTaints(node, !out.reachable, now);
  out.status = out.reachable ? RestoreKubeletConditions(node, *last_heartbeat)
                             : MarkUnknown(node, now);
  return out;
}

NodeLifecycleController::NodeLifecycleController(kube::RestClient* client,
                                                 std::set<std::string> nodes,
                                                 NodeLifecycleOptions options)
    : client_(client), nodes_(std::move(nodes)), options_(options) {}

NodeLifecycleController::~NodeLifecycleController() { Stop(); }

absl::Status NodeLifecycleController::Sync() {
  kube::TypedClient<Node> nodes(client_);
  kube::TypedClient<Lease> leases(client_);
  ASSIGN_OR_RETURN(kube::TypedList<Node> node_list, nodes.List(""));
  ASSIGN_OR_RETURN(kube::TypedList<Lease> lease_list, leases.List(kNodeLeaseNamespace));
  std::map<std::string, const Lease*> lease_of;
  for (const Lease& lease : lease_list.items) lease_of[lease.metadata.name] = &lease;
  const absl::Time now = options_.clock->Now();
  for (const Node& node : node_list.items) {
    const std::string& name = node.metadata.name;
    if (!nodes_.contains(name)) continue;
    auto lease = lease_of.find(name);
    NodeHealthPatches patches = NodeHealthFor(
        node, LastHeartbeat(node, lease == lease_of.end() ? nullptr : lease->second), now,
        options_.grace_period);
    if (!patches.status.is_null()) {
      RETURN_IF_ERROR(
          nodes.Patch("", name, patches.status, {.subresource = "status"}).status());
    }
    if (!patches.spec.is_null()) RETURN_IF_ERROR(nodes.Patch("", name, patches.spec).status());
    if (!patches.status.is_null() || !patches.spec.is_null()) {
      LifecycleLogger().Info(patches.reachable ? "node reachable again" : "node unreachable",
                    {{"node", name}});
    }
  }
  return absl::OkStatus();
}

void NodeLifecycleController::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void NodeLifecycleController::Stop() {
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
}

void NodeLifecycleController::Run() {
  while (!stop_.WaitFor(options_.clock, options_.monitor_period)) {
    if (absl::Status status = Sync(); !status.ok()) {
      LifecycleLogger().Warn("node monitor pass failed", {{"error", status}});
    }
  }
}

}  // namespace flyover::nodesim
