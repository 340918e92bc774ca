#include "cli/npu_chaos.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "cli/local_flags.h"
#include "httplib.h"

namespace flyover::cli {
namespace {

absl::Status ParseDie(const std::string& value, int* die) {
  if (absl::SimpleAtoi(value, die) && *die >= 0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--die: must be a die id (0, 1, ...), got \"", value, "\""));
}

absl::Status CheckWords(const NpuChaosRequest& r, const std::vector<std::string>& words) {
  if (words.size() != 2) return absl::InvalidArgumentError(absl::StrCat(r.action, ": want NODE"));
  if (r.action == "npu-fault") {
    if (r.die < 0) return absl::InvalidArgumentError("npu-fault: --die is required");
    if (r.kind.empty()) return absl::InvalidArgumentError("npu-fault: --kind is required");
    if (r.clear_isolation) {
      return absl::InvalidArgumentError("--clear-isolation: only for npu-recover");
    }
  } else if (!r.kind.empty()) {
    return absl::InvalidArgumentError("--kind: only for npu-fault");
  }
  if (r.data_dir.empty()) {
    return absl::InvalidArgumentError("--data-dir: required (or $FLYOVER_LOCAL_DIR)");
  }
  return absl::OkStatus();
}

// Recovers the dies of `request` (every faulted or isolated one when die < 0); the
// plugin's last answer and the record's detail.
absl::StatusOr<std::pair<nlohmann::json, std::string>> Recover(const std::string& endpoint,
                                                               const NpuChaosRequest& request) {
  std::vector<int> dies;
  nlohmann::json answer;
  if (request.die >= 0) {
    dies.push_back(request.die);
  } else {
    absl::StatusOr<nlohmann::json> all = CallFaultControl(endpoint, "GET", "/faults");
    if (!all.ok()) return all.status();
    answer = *all;
    for (const nlohmann::json& die : answer.value("dies", nlohmann::json::array())) {
      if (!die.value("faults", nlohmann::json::array()).empty() || die.value("isolated", false)) {
        dies.push_back(die.value("die", -1));
      }
    }
  }
  for (int die : dies) {
    absl::StatusOr<nlohmann::json> done = CallFaultControl(
        endpoint, "POST", "/recover", {{"die", die}, {"clearIsolation", request.clear_isolation}});
    if (!done.ok()) return done.status();
    answer = *done;
  }
  std::string detail = dies.empty() ? "no die had a fault"
                                    : absl::StrCat("dies ", absl::StrJoin(dies, ","), " recovered");
  if (request.clear_isolation) absl::StrAppend(&detail, ", isolation cleared");
  return std::make_pair(answer, detail);
}

// Posts `request` to the plugin at `endpoint`: its answer and the record's detail.
absl::StatusOr<std::pair<nlohmann::json, std::string>> Act(const std::string& endpoint,
                                                           const NpuChaosRequest& request) {
  if (request.action != "npu-fault") return Recover(endpoint, request);
  absl::StatusOr<nlohmann::json> answer = CallFaultControl(
      endpoint, "POST", "/faults", {{"die", request.die}, {"fault", request.kind}});
  if (!answer.ok()) return answer.status();
  return std::make_pair(*answer, absl::StrCat("die ", request.die, ": ", request.kind));
}

}  // namespace

bool IsNpuChaos(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "npu-fault" || a == "npu-recover") return true;
  }
  return false;
}

absl::StatusOr<NpuChaosRequest> ParseNpuChaosArgs(const std::vector<std::string>& args,
                                                  const std::string& env_dir) {
  NpuChaosRequest r{.data_dir = env_dir};
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool takes_value = a == "--data-dir" || a == "--die" || a == "--kind" || a == "-o";
    if (takes_value && i + 1 >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(a, ": needs a value"));
    }
    if (a == "--data-dir") r.data_dir = args[++i];
    else if (a == "--kind") r.kind = args[++i];
    else if (a == "--clear-isolation") r.clear_isolation = true;
    else if (a == "--die") {
      if (absl::Status s = ParseDie(args[++i], &r.die); !s.ok()) return s;
    } else if (a == "-o") {
      if (args[++i] != "json") return absl::InvalidArgumentError("-o: only json is supported");
      r.json_output = true;
    } else if (a.rfind("-", 0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(a, ": unknown flag"));
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) return absl::InvalidArgumentError("chaos: want an action");
  r.action = words[0];
  if (words.size() > 1) r.node = words[1];
  if (absl::Status s = CheckWords(r, words); !s.ok()) return s;
  return r;
}

std::string ChaosLogLine(absl::Time time, const std::string& action, const std::string& target,
                         const std::string& detail) {
  return absl::StrFormat("%s action=%s target=%s detail=%s\n",
                         absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone()),
                         action, target, nlohmann::json(detail).dump());
}

absl::StatusOr<std::string> ReadEndpointFile(const std::string& path) {
  std::ifstream in(path);
  std::string endpoint;
  if (!(in >> endpoint)) {
    return absl::NotFoundError(absl::StrCat(path, ": missing; is `flyover local up` running?"));
  }
  return endpoint;
}

absl::StatusOr<nlohmann::json> CallFaultControl(const std::string& endpoint,
                                                const std::string& method,
                                                const std::string& path,
                                                const nlohmann::json& body) {
  httplib::Client client("http://" + endpoint);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  httplib::Result res = method == "GET" ? client.Get(path)
                                        : client.Post(path, body.dump(), "application/json");
  if (!res) {
    return absl::UnavailableError(absl::StrCat("cannot reach the device plugin at ", endpoint,
                                               ": ", httplib::to_string(res.error())));
  }
  nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status == 200 && !answer.is_discarded()) return answer;
  std::string reason = answer.is_object() ? answer.value("error", res->body) : res->body;
  return absl::FailedPreconditionError(absl::StrCat(reason, " (HTTP ", res->status, ")"));
}

int RunNpuChaos(const NpuChaosRequest& request, std::ostream& out, std::ostream& err) {
  LocalLayout layout(request.data_dir);
  absl::StatusOr<std::string> endpoint = ReadEndpointFile(layout.FaultEndpointFile(request.node));
  absl::StatusOr<std::pair<nlohmann::json, std::string>> done =
      endpoint.ok() ? Act(*endpoint, request) : endpoint.status();
  if (!done.ok()) {
    err << "flyover chaos: " << request.action << " " << request.node << ": "
        << done.status().message() << "\n";
    return 1;
  }
  absl::Time now = absl::Now();
  std::error_code ignored;
  std::filesystem::create_directories(layout.dir + "/logs", ignored);
  std::ofstream(layout.ChaosLog(), std::ios::app)
      << ChaosLogLine(now, request.action, request.node, done->second);
  if (request.json_output) {
    out << done->first.dump() << "\n";
  } else {
    out << absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone()) << " "
        << request.action << " " << request.node << ": " << done->second << "\n";
  }
  return 0;
}

}  // namespace flyover::cli
