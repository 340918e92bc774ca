#include "operator/main/operator_flags.h"

#include <functional>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kube/controller/leader_election_flags.h"

namespace flyover::op {
namespace {

using Setter = std::function<absl::Status(const std::string& value, OperatorFlags* flags)>;

absl::Status Port(const std::string& name, const std::string& value, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out < 0 || *out > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": \"", value, "\" is not a port"));
  }
  return absl::OkStatus();
}

absl::Status Bool(const std::string& name, const std::string& value, bool* out) {
  if (value == "true" || value.empty()) {
    *out = true;
  } else if (value == "false") {
    *out = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": \"", value, "\" is not true or false"));
  }
  return absl::OkStatus();
}

absl::Status Duration(const std::string& name, const std::string& value, absl::Duration* out) {
  if (!absl::ParseDuration(value, out) || *out <= absl::ZeroDuration() ||
      *out == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": \"", value, "\" is not a positive duration like 15s or 500ms"));
  }
  return absl::OkStatus();
}

absl::Status Flag(const std::string& name, const std::string& reason) {
  return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", reason));
}

// The rules LeaseLeaderElector::Create() enforces, named by flag.
absl::Status ValidateLeaderElection(const OperatorFlags& f) {
  return kube::ValidateLeaderElectionTiming({.lease_duration = f.leader_elect_lease_duration,
                                             .renew_deadline = f.leader_elect_renew_deadline,
                                             .retry_period = f.leader_elect_retry_period});
}

absl::Status Validate(const OperatorFlags& f) {
  if (f.supervision_listen_only_while_leading && f.supervision_port == 0) {
    return Flag("supervision-listen-only-while-leading",
                "needs a fixed --supervision-port (not 0) shared by the replicas");
  }
  return ValidateLeaderElection(f);
}

const std::map<std::string, Setter>& Setters() {
  static const auto* const setters = new std::map<std::string, Setter>{
      {"kubeconfig",
       [](const std::string& v, OperatorFlags* f) {
         f->kubeconfig = v;
         return absl::OkStatus();
       }},
      {"metrics-bind-address",
       [](const std::string& v, OperatorFlags* f) {
         f->metrics_bind_address = v;
         return absl::OkStatus();
       }},
      {"metrics-port", [](const std::string& v,
                          OperatorFlags* f) { return Port("metrics-port", v, &f->metrics_port); }},
      {"supervision-bind-address",
       [](const std::string& v, OperatorFlags* f) {
         f->supervision_bind_address = v;
         return absl::OkStatus();
       }},
      {"supervision-port",
       [](const std::string& v, OperatorFlags* f) {
         return Port("supervision-port", v, &f->supervision_port);
       }},
      {"supervision-url",
       [](const std::string& v, OperatorFlags* f) {
         f->supervision_url = v;
         return absl::OkStatus();
       }},
      {"leader-elect-namespace",
       [](const std::string& v, OperatorFlags* f) {
         f->leader_elect_namespace = v;
         return absl::OkStatus();
       }},
      {"leader-elect-id",
       [](const std::string& v, OperatorFlags* f) {
         f->leader_elect_id = v;
         return absl::OkStatus();
       }},
      {"leader-elect-lease-duration",
       [](const std::string& v, OperatorFlags* f) {
         return Duration("leader-elect-lease-duration", v, &f->leader_elect_lease_duration);
       }},
      {"leader-elect-renew-deadline",
       [](const std::string& v, OperatorFlags* f) {
         return Duration("leader-elect-renew-deadline", v, &f->leader_elect_renew_deadline);
       }},
      {"leader-elect-retry-period",
       [](const std::string& v, OperatorFlags* f) {
         return Duration("leader-elect-retry-period", v, &f->leader_elect_retry_period);
       }},
      {"workers",
       [](const std::string& v, OperatorFlags* f) {
         if (!absl::SimpleAtoi(v, &f->workers) || f->workers < 1) {
           return absl::InvalidArgumentError(
               absl::StrCat("--workers: \"", v, "\" is not a count >= 1"));
         }
         return absl::OkStatus();
       }},
      {"qps",
       [](const std::string& v, OperatorFlags* f) {
         if (!absl::SimpleAtod(v, &f->qps)) {
           return absl::InvalidArgumentError(absl::StrCat("--qps: \"", v, "\" is not a number"));
         }
         return absl::OkStatus();
       }},
  };
  return *setters;
}

}  // namespace

absl::StatusOr<OperatorFlags> ParseOperatorFlags(const std::vector<std::string>& args) {
  OperatorFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("argument \"", arg, "\": expected a --flag"));
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "help") {
      flags.help = true;
      continue;
    }
    if (name == "leader-elect" || name == "supervision-listen-only-while-leading") {
      bool* field = name == "leader-elect" ? &flags.leader_elect
                                           : &flags.supervision_listen_only_while_leading;
      if (absl::Status status = Bool(name, value.value_or(""), field); !status.ok()) return status;
      continue;
    }
    auto setter = Setters().find(name);
    if (setter == Setters().end())
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": unknown flag"));
    if (!value.has_value()) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat("--", name, ": needs a value"));
      value = args[++i];
    }
    if (absl::Status status = setter->second(*value, &flags); !status.ok()) return status;
  }
  if (absl::Status status = Validate(flags); !status.ok()) return status;
  return flags;
}

std::string UsageText() {
  return R"(usage: flyover-operator [flags]

Reconciles PostTrainingJobs into pods, a headless Service, a supervision token and a rank
table, and serves the supervision endpoint agents heartbeat to.

  --kubeconfig FILE                 kubeconfig; default $KUBECONFIG, then in-cluster
  --metrics-bind-address ADDR       /metrics, /healthz, /readyz address (0.0.0.0)
  --metrics-port N                  their port (8080; 0 = any free port)
  --supervision-bind-address ADDR   supervision endpoint address (0.0.0.0)
  --supervision-port N              its port (9443; 0 = any free port)
  --supervision-url URL             what pods are told; default http://<bind address or
                                    $POD_IP>:<port>
  --supervision-listen-only-while-leading[=true|false]
                                    listen on the supervision address only while leading,
                                    so that replicas sharing one fixed address (process
                                    mode) reach the leader alone, as a Service would (false)
  --leader-elect[=true|false]       campaign for the Lease before reconciling (false)
  --leader-elect-namespace NS       the Lease's namespace (default)
  --leader-elect-id ID              this replica's identity; default hostname_pid
  --leader-elect-lease-duration D   how long a standby waits after the leader's last
                                    renewal before taking over; whole seconds (15s)
  --leader-elect-renew-deadline D   how long the leader retries a failing renewal before
                                    giving up leadership (10s); < the lease duration
  --leader-elect-retry-period D     interval of renewals and acquire retries (2s);
                                    x 1.2 jitter < the renew deadline
  --workers N                       concurrent reconciles (4)
  --qps Q                           API request rate limit (500; burst 2x)
  --help                            this text
)";
}

std::string SupervisionUrl(const OperatorFlags& flags, int port, absl::string_view pod_ip) {
  if (!flags.supervision_url.empty()) return flags.supervision_url;
  std::string host = flags.supervision_bind_address;
  if (host == "0.0.0.0" || host == "::" || host.empty()) {
    host = pod_ip.empty() ? "127.0.0.1" : std::string(pod_ip);
  }
  return absl::StrCat("http://", host, ":", port);
}

}  // namespace flyover::op
