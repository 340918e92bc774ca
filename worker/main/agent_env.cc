#include "worker/main/agent_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/atomic_file.h"
#include "common/status.h"

extern char** environ;

namespace flyover::worker {
namespace {

using Env = std::map<std::string, std::string>;

std::string Get(const Env& env, const std::string& name, const std::string& fallback = "") {
  auto it = env.find(name);
  return it == env.end() || it->second.empty() ? fallback : it->second;
}

absl::StatusOr<int64_t> Int(const Env& env, const std::string& name, int64_t min,
                            std::optional<int64_t> fallback) {
  const std::string text = Get(env, name);
  if (text.empty()) {
    if (fallback.has_value()) return *fallback;
    return absl::InvalidArgumentError(absl::StrCat(name, ": required and not set"));
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": must be an integer >= ", min, ", got \"", text, "\""));
  }
  return value;
}

absl::StatusOr<std::vector<int>> Devices(const Env& env) {
  std::vector<int> devices;
  const std::string text = Get(env, "ASCEND_VISIBLE_DEVICES");
  if (text.empty()) return devices;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int id = 0;
    if (!absl::SimpleAtoi(part, &id) || id < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ASCEND_VISIBLE_DEVICES: must list die ids like \"0,1\", got \"", text, "\""));
    }
    devices.push_back(id);
  }
  return devices;
}

// Pods that share a host (nodesim's process pods) each listen on their own address.
absl::Status ReadMetricsAddress(const Env& env, AgentSetup& setup) {
  const std::string pod_ip = Get(env, "POD_IP");
  if (pod_ip.empty()) return absl::OkStatus();
  unsigned char buffer[sizeof(in6_addr)];
  if (inet_pton(AF_INET, pod_ip.c_str(), buffer) != 1 &&
      inet_pton(AF_INET6, pod_ip.c_str(), buffer) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("POD_IP: must be an IPv4 or IPv6 address, got \"", pod_ip, "\""));
  }
  setup.metrics_address = pod_ip;
  return absl::OkStatus();
}

absl::Status ReadMetricsPort(const Env& env, AgentSetup& setup) {
  if (Get(env, "FLYOVER_METRICS_PORT") == "off") {
    setup.metrics_port = -1;
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const int64_t port, Int(env, "FLYOVER_METRICS_PORT", 0, 9400));
  if (port > 65535) return absl::InvalidArgumentError("FLYOVER_METRICS_PORT: must be <= 65535");
  setup.metrics_port = static_cast<int>(port);
  return ReadMetricsAddress(env, setup);
}

}  // namespace

absl::StatusOr<AgentSetup> AgentSetupFromEnv(const Env& env) {
  AgentSetup setup;
  AgentOptions& o = setup.options;
  o.job = Get(env, "FLYOVER_JOB");
  if (o.job.empty()) return absl::InvalidArgumentError("FLYOVER_JOB: required and not set");
  ASSIGN_OR_RETURN(const int64_t rank_index, Int(env, "FLYOVER_RANK_INDEX", 0, std::nullopt));
  ASSIGN_OR_RETURN(const int64_t replicas, Int(env, "FLYOVER_REPLICAS", 1, std::nullopt));
  ASSIGN_OR_RETURN(const int64_t npus, Int(env, "FLYOVER_NPUS_PER_REPLICA", 1, std::nullopt));
  ASSIGN_OR_RETURN(o.generation, Int(env, "FLYOVER_GENERATION", 0, 0));
  if (rank_index >= replicas) {
    return absl::InvalidArgumentError(absl::StrCat("FLYOVER_RANK_INDEX: ", rank_index,
                                                   " must be below FLYOVER_REPLICAS (", replicas, ")"));
  }
  o.rank_index = static_cast<int>(rank_index);
  o.replicas = static_cast<int>(replicas);
  o.npus_per_replica = static_cast<int>(npus);
  o.rank_table_file = Get(env, "RANK_TABLE_FILE", "/user/serverid/devindex/config/hccl.json");
  o.pod = Get(env, "POD_NAME", absl::StrCat(o.job, "-", o.rank_index));
  ASSIGN_OR_RETURN(o.visible_devices, Devices(env));
  setup.supervision_url = Get(env, "FLYOVER_SUPERVISION_URL");
  setup.supervision_token = Get(env, "FLYOVER_SUPERVISION_TOKEN");
  const std::string state_dir = Get(env, "FLYOVER_AGENT_STATE_DIR", DirName(o.rank_table_file));
  o.rendezvous = Get(env, "FLYOVER_RENDEZVOUS", setup.supervision_url.empty()
                                                    ? absl::StrCat("file:", state_dir, "/rendezvous")
                                                    : setup.supervision_url);
  o.checkpoint_request_file = absl::StrCat(state_dir, "/checkpoint-request");
  o.replica_dir = Get(env, "FLYOVER_REPLICA_DIR", kDefaultReplicaDir);
  ASSIGN_OR_RETURN(const int64_t interval_ms, Int(env, "FLYOVER_HEARTBEAT_INTERVAL_MS", 1, 1000));
  o.heartbeat_interval = absl::Milliseconds(interval_ms);
  RETURN_IF_ERROR(ReadMetricsPort(env, setup));
  setup.loss_log = Get(env, "FLYOVER_LOSS_LOG");
  return setup;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const char* eq = std::strchr(*entry, '=');
    if (eq != nullptr) env[std::string(*entry, static_cast<size_t>(eq - *entry))] = eq + 1;
  }
  return env;
}

}  // namespace flyover::worker
