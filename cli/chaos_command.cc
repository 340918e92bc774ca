#include "cli/chaos_command.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/local_flags.h"
#include "cli/npu_chaos.h"
#include "httplib.h"
#include "kube/client/resource.h"
#include "nlohmann/json.hpp"

namespace flyover::cli {
namespace {

constexpr char kUsage[] =
    "usage: flyover chaos [--data-dir DIR | --endpoint HOST:PORT] [-o json] ACTION ...\n"
    "  kill-pod NS/NAME            SIGKILL the pod's processes (restartPolicy applies)\n"
    "  stop-node NODE              dead host: no leases, no status, processes frozen\n"
    "  partition-node NODE         no leases, no status; processes keep running\n"
    "  slow-node NODE --factor F   slow factor F >= 1 for the node's pods\n"
    "  resume-node NODE            clear every fault of the node\n"
    "  state                       the faults in force\n"
    "  npu-fault NODE --die N --kind KIND\n"
    "                              fault die N through NODE's device plugin (KIND:\n"
    "                              hbm_ecc_single_bit, hbm_ecc_double_bit, link_down,\n"
    "                              chip_hang, overheat)\n"
    "  npu-recover NODE [--die N] [--clear-isolation]\n"
    "                              recover die N (default: every faulted die)\n";

absl::StatusOr<std::string> TargetFor(const std::vector<std::string>& words,
                                      const std::string& factor) {
  const std::string& action = words[0];
  auto want = [&](size_t n, const char* what) -> absl::Status {
    if (words.size() == n) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(action, ": want ", what));
  };
  if (action == "state") {
    if (absl::Status s = want(1, "no argument"); !s.ok()) return s;
    return std::string("/chaos/state");
  }
  if (action == "kill-pod") {
    if (absl::Status s = want(2, "NAMESPACE/NAME"); !s.ok()) return s;
    return absl::StrCat("/chaos/kill-pod?pod=", kube::UrlEncode(words[1]));
  }
  if (action != "stop-node" && action != "partition-node" && action != "resume-node" &&
      action != "slow-node") {
    return absl::InvalidArgumentError(absl::StrCat(action, ": unknown chaos action"));
  }
  if (absl::Status s = want(2, "NODE"); !s.ok()) return s;
  std::string target = absl::StrCat("/chaos/", action, "?node=", kube::UrlEncode(words[1]));
  if (action == "slow-node") {
    double f = 0;
    if (!absl::SimpleAtod(factor, &f) || f < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("--factor: must be a number of at least 1, got \"", factor, "\""));
    }
    absl::StrAppend(&target, "&factor=", factor);
  } else if (!factor.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--factor: only for slow-node"));
  }
  return target;
}

absl::StatusOr<std::string> Endpoint(const ChaosRequest& request) {
  if (!request.endpoint.empty()) return request.endpoint;
  if (request.data_dir.empty()) {
    return absl::InvalidArgumentError("--data-dir: required (or --endpoint, or $FLYOVER_LOCAL_DIR)");
  }
  std::string file = LocalLayout(request.data_dir).ChaosEndpointFile();
  std::ifstream in(file);
  std::string endpoint;
  if (!(in >> endpoint)) {
    return absl::NotFoundError(absl::StrCat(file, ": missing; is `flyover local up` running?"));
  }
  return endpoint;
}

}  // namespace

absl::StatusOr<ChaosRequest> ParseChaosArgs(const std::vector<std::string>& args,
                                            const std::string& env_dir) {
  ChaosRequest request{.data_dir = env_dir};
  std::vector<std::string> words;
  std::string factor;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    bool takes_value = a == "--data-dir" || a == "--endpoint" || a == "--factor" || a == "-o";
    if (takes_value && i + 1 >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(a, ": needs a value"));
    }
    if (a == "--data-dir") request.data_dir = args[++i];
    else if (a == "--endpoint") request.endpoint = args[++i];
    else if (a == "--factor") factor = args[++i];
    else if (a == "-o") {
      if (args[++i] != "json") return absl::InvalidArgumentError("-o: only json is supported");
      request.json_output = true;
    } else if (a.rfind("--", 0) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(a, ": unknown flag"));
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) return absl::InvalidArgumentError("chaos: want an action");
  absl::StatusOr<std::string> target = TargetFor(words, factor);
  if (!target.ok()) return target.status();
  request.target = *target;
  request.method = words[0] == "state" ? "GET" : "POST";
  return request;
}

int RunChaos(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "help")) {
    out << kUsage;
    return 0;
  }
  const char* env_dir = std::getenv("FLYOVER_LOCAL_DIR");
  if (IsNpuChaos(args)) {
    absl::StatusOr<NpuChaosRequest> npu = ParseNpuChaosArgs(args, env_dir ? env_dir : "");
    if (!npu.ok()) {
      err << "flyover chaos: " << npu.status().message() << "\n\n" << kUsage;
      return 2;
    }
    return RunNpuChaos(*npu, out, err);
  }
  absl::StatusOr<ChaosRequest> request = ParseChaosArgs(args, env_dir ? env_dir : "");
  absl::StatusOr<std::string> endpoint =
      request.ok() ? Endpoint(*request) : absl::StatusOr<std::string>(request.status());
  if (!endpoint.ok()) {
    err << "flyover chaos: " << endpoint.status().message() << "\n\n" << kUsage;
    return 2;
  }
  httplib::Client client("http://" + *endpoint);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  httplib::Result res = request->method == "GET" ? client.Get(request->target)
                                                 : client.Post(request->target);
  if (!res) {
    err << "flyover chaos: cannot reach nodesim at " << *endpoint << ": "
        << httplib::to_string(res.error()) << "\n";
    return 1;
  }
  nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200) {
    err << "flyover chaos: " << (body.is_object() ? body.value("error", res->body) : res->body)
        << " (HTTP " << res->status << ")\n";
    return 1;
  }
  if (request->json_output || request->method == "GET" || !body.is_object()) {
    out << res->body;
  } else {
    out << body.value("time", "") << " " << body.value("action", "") << " "
        << body.value("target", "") << ": " << body.value("detail", "") << "\n";
  }
  return 0;
}

}  // namespace flyover::cli
