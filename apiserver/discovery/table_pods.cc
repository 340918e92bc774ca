// The pod and node columns of `kubectl get`, with kubectl's rules for STATUS, READY,
// RESTARTS and ROLES.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "apiserver/discovery/age.h"
#include "apiserver/discovery/table_printers.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

const json& Array(const json& value) {
  static const json* const kEmpty = new json(json::array());
  return value.is_array() ? value : *kEmpty;
}

int64_t IntAt(const json& object, std::initializer_list<const char*> path) {
  const json& value = At(object, path);
  return value.is_number_integer() ? value.get<int64_t>() : 0;
}

bool BoolAt(const json& object, std::initializer_list<const char*> path) {
  const json& value = At(object, path);
  return value.is_boolean() && value.get<bool>();
}

// "Signal:9" / "ExitCode:1" for a terminated state without a reason.
std::string TerminationReason(const json& terminated) {
  std::string reason = StringAt(terminated, {"reason"});
  if (!reason.empty()) return reason;
  int64_t signal = IntAt(terminated, {"signal"});
  if (signal != 0) return absl::StrCat("Signal:", signal);
  return absl::StrCat("ExitCode:", IntAt(terminated, {"exitCode"}));
}

bool IsSidecar(const json& pod, size_t init_index) {
  const json& inits = Array(At(pod, {"spec", "initContainers"}));
  return init_index < inits.size() && StringAt(inits[init_index], {"restartPolicy"}) == "Always";
}

// The Init:... status while init containers have not all finished; "" once they have.
std::string InitReason(const json& pod) {
  const json& statuses = Array(At(pod, {"status", "initContainerStatuses"}));
  const size_t total = Array(At(pod, {"spec", "initContainers"})).size();
  for (size_t i = 0; i < statuses.size(); ++i) {
    const json& s = statuses[i];
    const json& terminated = At(s, {"state", "terminated"});
    if (terminated.is_object() && IntAt(terminated, {"exitCode"}) == 0) continue;
    if (IsSidecar(pod, i) && BoolAt(s, {"started"})) continue;
    if (terminated.is_object()) return "Init:" + TerminationReason(terminated);
    std::string waiting = StringAt(s, {"state", "waiting", "reason"});
    if (!waiting.empty() && waiting != "PodInitializing") return "Init:" + waiting;
    return absl::StrCat("Init:", i, "/", total);
  }
  return "";
}

bool HasReadyCondition(const json& pod) {
  for (const json& c : Array(At(pod, {"status", "conditions"}))) {
    if (StringAt(c, {"type"}) == "Ready" && StringAt(c, {"status"}) == "True") return true;
  }
  return false;
}

std::string PodStatusColumn(const json& pod) {
  std::string reason = StringAt(pod, {"status", "reason"}, StringAt(pod, {"status", "phase"}));
  std::string init = InitReason(pod);
  if (!init.empty()) {
    reason = init;
  } else {
    bool has_running = false;
    const json& statuses = Array(At(pod, {"status", "containerStatuses"}));
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      std::string waiting = StringAt(*it, {"state", "waiting", "reason"});
      const json& terminated = At(*it, {"state", "terminated"});
      if (!waiting.empty()) {
        reason = waiting;
      } else if (terminated.is_object()) {
        reason = TerminationReason(terminated);
      } else if (At(*it, {"state", "running"}).is_object() && BoolAt(*it, {"ready"})) {
        has_running = true;
      }
    }
    if (reason == "Completed" && has_running) reason = HasReadyCondition(pod) ? "Running" : "NotReady";
  }
  if (!At(pod, {"metadata", "deletionTimestamp"}).is_null()) {
    reason = StringAt(pod, {"status", "reason"}) == "NodeLost" ? "Unknown" : "Terminating";
  }
  return reason;
}

// Containers plus sidecars: the counted containers and their statuses.
std::vector<const json*> CountedStatuses(const json& pod, size_t* total) {
  std::vector<const json*> out;
  *total = Array(At(pod, {"spec", "containers"})).size();
  const json& inits = Array(At(pod, {"status", "initContainerStatuses"}));
  for (size_t i = 0; i < inits.size(); ++i) {
    if (!IsSidecar(pod, i)) continue;
    ++*total;
    out.push_back(&inits[i]);
  }
  for (const json& s : Array(At(pod, {"status", "containerStatuses"}))) out.push_back(&s);
  return out;
}

std::string Restarts(const std::vector<const json*>& statuses, absl::Time now) {
  int64_t restarts = 0;
  std::optional<absl::Time> last;
  for (const json* s : statuses) {
    restarts += IntAt(*s, {"restartCount"});
    std::optional<absl::Time> finished =
        ParseTimestamp(StringAt(*s, {"lastState", "terminated", "finishedAt"}));
    if (finished && (!last || *finished > *last)) last = finished;
  }
  if (restarts == 0 || !last) return absl::StrCat(restarts);
  return absl::StrCat(restarts, " (", HumanDuration(now - *last), " ago)");
}

std::string ReadinessGates(const json& pod) {
  const json& gates = Array(At(pod, {"spec", "readinessGates"}));
  if (gates.empty()) return "<none>";
  int ready = 0;
  for (const json& gate : gates) {
    for (const json& c : Array(At(pod, {"status", "conditions"}))) {
      if (StringAt(c, {"type"}) == StringAt(gate, {"conditionType"}) &&
          StringAt(c, {"status"}) == "True") {
        ++ready;
      }
    }
  }
  return absl::StrCat(ready, "/", gates.size());
}

json PodCells(const json& pod, absl::Time now) {
  size_t total = 0;
  std::vector<const json*> statuses = CountedStatuses(pod, &total);
  int ready = 0;
  for (const json* s : statuses) ready += BoolAt(*s, {"ready"}) ? 1 : 0;
  return json::array({StringAt(pod, {"metadata", "name"}), absl::StrCat(ready, "/", total),
                      PodStatusColumn(pod), Restarts(statuses, now),
                      AgeSince(At(pod, {"metadata", "creationTimestamp"}), now),
                      StringAt(pod, {"status", "podIP"}, "<none>"),
                      StringAt(pod, {"spec", "nodeName"}, "<none>"),
                      StringAt(pod, {"status", "nominatedNodeName"}, "<none>"),
                      ReadinessGates(pod)});
}

std::string NodeStatusColumn(const json& node) {
  std::vector<std::string> status;
  for (const json& c : Array(At(node, {"status", "conditions"}))) {
    if (StringAt(c, {"type"}) != "Ready") continue;
    status.push_back(StringAt(c, {"status"}) == "True" ? "Ready" : "NotReady");
  }
  if (status.empty()) status.push_back("Unknown");
  if (BoolAt(node, {"spec", "unschedulable"})) status.push_back("SchedulingDisabled");
  return absl::StrJoin(status, ",");
}

std::string NodeRoles(const json& node) {
  std::vector<std::string> roles;
  const json& labels = At(node, {"metadata", "labels"});
  if (labels.is_object()) {
    for (const auto& [key, value] : labels.items()) {
      if (absl::StartsWith(key, "node-role.kubernetes.io/")) {
        std::string role = key.substr(strlen("node-role.kubernetes.io/"));
        if (!role.empty()) roles.push_back(role);
      } else if (key == "kubernetes.io/role" && value.is_string() && !value.empty()) {
        roles.push_back(value.get<std::string>());
      }
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles.empty() ? "<none>" : absl::StrJoin(roles, ",");
}

std::string NodeAddress(const json& node, const char* type) {
  for (const json& a : Array(At(node, {"status", "addresses"}))) {
    if (StringAt(a, {"type"}) == type) return StringAt(a, {"address"}, "<none>");
  }
  return "<none>";
}

json NodeCells(const json& node, absl::Time now) {
  return json::array({StringAt(node, {"metadata", "name"}), NodeStatusColumn(node), NodeRoles(node),
                      AgeSince(At(node, {"metadata", "creationTimestamp"}), now),
                      StringAt(node, {"status", "nodeInfo", "kubeletVersion"}),
                      NodeAddress(node, "InternalIP"), NodeAddress(node, "ExternalIP"),
                      StringAt(node, {"status", "nodeInfo", "osImage"}, "<unknown>"),
                      StringAt(node, {"status", "nodeInfo", "kernelVersion"}, "<unknown>"),
                      StringAt(node, {"status", "nodeInfo", "containerRuntimeVersion"},
                               "<unknown>")});
}

}  // namespace

TablePrinter PodPrinter() {
  json columns = json::array(
      {NameColumn(),
       Column("Ready", "string", "", "The aggregate readiness state of this pod for accepting "
                                     "traffic."),
       Column("Status", "string", "", "The aggregate status of the containers in this pod."),
       Column("Restarts", "string", "",
              "The number of times the containers in this pod have been restarted and when "
              "the last container in this pod has restarted."),
       AgeColumn(),
       Column("IP", "string", "", "IP address allocated to the pod.", 1),
       Column("Node", "string", "", "The node the pod is bound to.", 1),
       Column("Nominated Node", "string", "", "The node the pod may run on after preemption.",
              1),
       Column("Readiness Gates", "string", "", "Ready readiness gates / all readiness gates.",
              1)});
  return {columns, PodCells};
}

TablePrinter NodePrinter() {
  json columns = json::array(
      {NameColumn(), Column("Status", "string", "", "The status of the node."),
       Column("Roles", "string", "", "The roles of the node."), AgeColumn(),
       Column("Version", "string", "", "Kubelet version reported by the node."),
       Column("Internal-IP", "string", "", "The node's internal IP address.", 1),
       Column("External-IP", "string", "", "The node's external IP address.", 1),
       Column("OS-Image", "string", "", "OS image reported by the node.", 1),
       Column("Kernel-Version", "string", "", "Kernel version reported by the node.", 1),
       Column("Container-Runtime", "string", "", "Container runtime reported by the node.",
              1)});
  return {columns, NodeCells};
}

}  // namespace flyover::apiserver::discovery
