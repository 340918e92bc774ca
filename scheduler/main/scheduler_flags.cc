#include "scheduler/main/scheduler_flags.h"

#include <functional>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kube/controller/leader_election_flags.h"

namespace flyover::sched {
namespace {

using Setter = std::function<absl::Status(const std::string& value, SchedulerFlags* flags)>;

absl::Status Bad(const std::string& name, const std::string& value, const char* what) {
  return absl::InvalidArgumentError(absl::StrCat("--", name, ": \"", value, "\" is not ", what));
}

Setter Int(const std::string& name, int min, int max, int SchedulerFlags::*field) {
  return [=](const std::string& v, SchedulerFlags* f) {
    int value = 0;
    if (!absl::SimpleAtoi(v, &value) || value < min || value > max) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": \"", v, "\" is not an integer in ", min, "..", max));
    }
    f->*field = value;
    return absl::OkStatus();
  };
}

Setter Text(const std::string& name, std::string SchedulerFlags::*field) {
  return [=](const std::string& v, SchedulerFlags* f) {
    if (v.empty()) return Bad(name, v, "a value");
    f->*field = v;
    return absl::OkStatus();
  };
}

Setter Duration(const std::string& name, absl::Duration SchedulerFlags::*field) {
  return [=](const std::string& v, SchedulerFlags* f) {
    absl::Duration value;
    if (!absl::ParseDuration(v, &value) || value <= absl::ZeroDuration() ||
        value == absl::InfiniteDuration()) {
      return Bad(name, v, "a positive duration like 15s or 500ms");
    }
    f->*field = value;
    return absl::OkStatus();
  };
}

// The rules LeaseLeaderElector::Create() enforces, named by flag.
absl::Status ValidateLeaderElection(const SchedulerFlags& f) {
  return kube::ValidateLeaderElectionTiming({.lease_duration = f.leader_elect_lease_duration,
                                             .renew_deadline = f.leader_elect_renew_deadline,
                                             .retry_period = f.leader_elect_retry_period});
}

const std::map<std::string, Setter>& Setters() {
  static const auto* const setters = new std::map<std::string, Setter>{
      {"kubeconfig", Text("kubeconfig", &SchedulerFlags::kubeconfig)},
      {"config", Text("config", &SchedulerFlags::config_file)},
      {"metrics-bind-address", Text("metrics-bind-address", &SchedulerFlags::metrics_bind_address)},
      {"metrics-port", Int("metrics-port", 0, 65535, &SchedulerFlags::metrics_port)},
      {"leader-elect-namespace",
       Text("leader-elect-namespace", &SchedulerFlags::leader_elect_namespace)},
      {"leader-elect-id", Text("leader-elect-id", &SchedulerFlags::leader_elect_id)},
      {"leader-elect-lease-duration",
       Duration("leader-elect-lease-duration", &SchedulerFlags::leader_elect_lease_duration)},
      {"leader-elect-renew-deadline",
       Duration("leader-elect-renew-deadline", &SchedulerFlags::leader_elect_renew_deadline)},
      {"leader-elect-retry-period",
       Duration("leader-elect-retry-period", &SchedulerFlags::leader_elect_retry_period)},
      {"scheduler-name", Text("scheduler-name", &SchedulerFlags::scheduler_name)},
      {"spare-nodes-per-super-pod",
       Int("spare-nodes-per-super-pod", 0, 47, &SchedulerFlags::spare_nodes_per_super_pod)},
      {"bind-parallelism", Int("bind-parallelism", 1, 256, &SchedulerFlags::bind_parallelism)},
      {"qps",
       [](const std::string& v, SchedulerFlags* f) {
         if (!absl::SimpleAtod(v, &f->qps) || f->qps <= 0) return Bad("qps", v, "a rate > 0");
         return absl::OkStatus();
       }},
  };
  return *setters;
}

absl::Status LeaderElect(const std::string& value, SchedulerFlags* flags) {
  if (value.empty() || value == "true") {
    flags->leader_elect = true;
  } else if (value == "false") {
    flags->leader_elect = false;
  } else {
    return Bad("leader-elect", value, "true or false");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SchedulerFlags> ParseSchedulerFlags(const std::vector<std::string>& args) {
  SchedulerFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!absl::StartsWith(args[i], "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("argument \"", args[i], "\": expected a --flag"));
    }
    std::string name = args[i].substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "help") {
      flags.help = true;
      continue;
    }
    if (name == "leader-elect") {
      if (absl::Status status = LeaderElect(value.value_or(""), &flags); !status.ok()) {
        return status;
      }
      continue;
    }
    auto setter = Setters().find(name);
    if (setter == Setters().end()) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": unknown flag"));
    }
    if (!value.has_value()) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, ": missing value"));
      }
      value = args[++i];
    }
    if (absl::Status status = setter->second(*value, &flags); !status.ok()) return status;
  }
  if (absl::Status status = ValidateLeaderElection(flags); !status.ok()) return status;
  return flags;
}

bool IsSchedulerFlag(const std::string& name) {
  return name == "help" || name == "leader-elect" || Setters().contains(name);
}

std::string UsageText() {
  return R"(Usage: flyover-scheduler [flags]

Places and binds pods whose spec.schedulerName is --scheduler-name: gangs of
PostTrainingJob pods, whole or not at all, topology-aware on Ascend 910C super-pods.

  --kubeconfig PATH                 cluster to use ($KUBECONFIG, then in-cluster)
  --config FILE                     YAML map of these flags' names to values, read first:
                                    flags on the command line override it; unknown keys
                                    are an error
  --metrics-port N                  /metrics, /healthz, /readyz (default 10259; 0 = any)
  --metrics-bind-address ADDR       (default 0.0.0.0)
  --leader-elect[=true|false]       campaign for the Lease kube-system/flyover-scheduler
  --leader-elect-namespace NS       namespace of that Lease (default kube-system)
  --leader-elect-id ID              this replica's identity (default host_pid)
  --leader-elect-lease-duration D   how long a standby waits after the leader's last
                                    renewal before taking over; whole seconds (15s)
  --leader-elect-renew-deadline D   how long the leader retries a failing renewal before
                                    giving up leadership (10s); < the lease duration
  --leader-elect-retry-period D     interval of renewals and acquire retries (2s);
                                    x 1.2 jitter < the renew deadline
  --scheduler-name NAME             pods to schedule (default flyover-scheduler)
  --spare-nodes-per-super-pod N     wholly free nodes kept per super-pod (default 2)
  --bind-parallelism N              pods of one gang bound at once (default 16)
  --qps RATE                        client-side API rate limit (default 500)
  --help                            this text
)";
}

}  // namespace flyover::sched
