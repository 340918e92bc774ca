#include "tests/ha/ha_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <httplib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "kube/api/yaml.h"
#include "kube/client/config.h"
#include "kube/client/resource.h"

extern char** environ;

namespace flyover::ha {
namespace {

using nlohmann::json;

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Time ParseMicroTime(const json& value) {
  absl::Time time = absl::InfinitePast();
  std::string error;
  if (value.is_string() &&
      !absl::ParseTime(absl::RFC3339_full, value.get<std::string>(), &time, &error)) {
    return absl::InfinitePast();
  }
  return time;
}

}  // namespace

HaCluster::HaCluster(std::string dir) : dir_(std::move(dir)), data_(dir_ + "/cluster") {}

HaCluster::~HaCluster() {
  if (standby_pid_ <= 0) return;
  ::kill(standby_pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 150 && ::waitpid(standby_pid_, &status, WNOHANG) == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  if (::waitpid(standby_pid_, &status, WNOHANG) == 0) {
    ::kill(standby_pid_, SIGKILL);
    ::waitpid(standby_pid_, &status, 0);
  }
}

absl::StatusOr<std::string> HaCluster::Flyover(const std::string& args) {
  const std::string err_file = dir_ + "/flyover-stderr.txt";
  const std::string command = absl::StrCat(FLYOVER_BINARY, " ", args, " 2>", err_file);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("popen: ", command));
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat("flyover ", args, ": exit status ", status, ": ", ReadWhole(err_file)));
  }
  return out;
}

absl::Status HaCluster::Up(int super_pods, int nodes_per_super_pod) {
  RETURN_IF_ERROR(Flyover(absl::StrCat("local up --data-dir ", data_, " --super-pods ", super_pods,
                                       " --nodes-per-super-pod ", nodes_per_super_pod,
                                       " --mode simulated --timeout 150s"))
                      .status());
  ASSIGN_OR_RETURN(kube::RestConfig config,
                   kube::LoadKubeconfig(DefaultFileSystem(), data_ + "/kubeconfig"));
  ASSIGN_OR_RETURN(client_, kube::NewRestClient(config, {.rate_limit = {.qps = 0}}));
  return absl::OkStatus();
}

absl::Status HaCluster::Down() { return Flyover("local down --data-dir " + data_).status(); }

absl::Status HaCluster::StartStandbyOperator() {
  std::string endpoint = ReadWhole(data_ + "/run/operator.supervision");
  int supervision_port = 0;
  if (size_t colon = endpoint.rfind(':'); colon == std::string::npos ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(endpoint.substr(colon + 1)),
                        &supervision_port)) {
    return absl::NotFoundError(
        absl::StrCat("run/operator.supervision: no address in \"", endpoint, "\""));
  }
  // The command line OperatorArgv() (cli/local_flags.cc) gives the operator `up` starts.
  std::vector<std::string> args = {FLYOVER_OPERATOR_BINARY,
                                   "--kubeconfig",
                                   data_ + "/kubeconfig",
                                   "--metrics-port",
                                   "0",
                                   "--supervision-bind-address",
                                   "127.0.0.1",
                                   "--supervision-port",
                                   std::to_string(supervision_port),
                                   "--supervision-listen-only-while-leading",
                                   "--leader-elect",
                                   "--leader-elect-namespace",
                                   "default",
                                   "--leader-elect-lease-duration",
                                   "8s",
                                   "--leader-elect-renew-deadline",
                                   "5s",
                                   "--leader-elect-retry-period",
                                   "1s"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log = data_ + "/logs/operator-standby.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int error = ::posix_spawn(&standby_pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    standby_pid_ = -1;
    return absl::InternalError(absl::StrCat("posix_spawn ", argv[0], ": error ", error));
  }
  return absl::OkStatus();
}

absl::StatusOr<pid_t> HaCluster::PrimaryOperatorPid() const {
  int pid = 0;
  std::string text = ReadWhole(data_ + "/run/operator.pid");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (!absl::SimpleAtoi(text, &pid) || pid <= 0) {
    return absl::NotFoundError(absl::StrCat("run/operator.pid: no pid in \"", text, "\""));
  }
  return pid;
}

std::string HaCluster::IdentityOf(pid_t pid) {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "_", pid);
}

absl::StatusOr<LeaseView> HaCluster::OperatorLease() {
  ASSIGN_OR_RETURN(json lease, client_->Get(kube::LeasesResource(), "default", kOperatorLease));
  const json spec = lease.value("spec", json::object());
  LeaseView view;
  view.holder = spec.value("holderIdentity", "");
  view.renew_time = ParseMicroTime(spec.value("renewTime", json()));
  view.acquire_time = ParseMicroTime(spec.value("acquireTime", json()));
  view.lease_duration_seconds = spec.value("leaseDurationSeconds", 0);
  view.transitions = spec.value("leaseTransitions", 0);
  return view;
}

absl::StatusOr<std::vector<json>> HaCluster::JobPods(const std::string& job) {
  ASSIGN_OR_RETURN(kube::ObjectList list,
                   client_->List(kube::PodsResource(), "default",
                                 {.label_selector = "training.flyover.dev/job-name=" + job}));
  return std::move(list.items);
}

absl::StatusOr<PodCensus> HaCluster::Census(const std::string& job) {
  ASSIGN_OR_RETURN(std::vector<json> pods, JobPods(job));
  PodCensus census;
  for (const json& pod : pods) {
    ++census.pods;
    if (!pod.value("spec", json::object()).value("nodeName", "").empty()) ++census.bound;
    if (pod.value("status", json::object()).value("phase", "") == "Running") ++census.running;
  }
  return census;
}

absl::StatusOr<bool> HaCluster::AnyPodOf(const std::string& job) {
  ASSIGN_OR_RETURN(kube::ObjectList page,
                   client_->ListPage(kube::PodsResource(), "default",
                                     {.label_selector = "training.flyover.dev/job-name=" + job,
                                      .limit = 1}));
  return !page.items.empty();
}

absl::StatusOr<std::string> HaCluster::SupervisionToken(const std::string& job) {
  ASSIGN_OR_RETURN(json secret,
                   client_->Get(kube::SecretsResource(), "default", job + "-supervision"));
  std::string token;
  const std::string encoded = secret.value("data", json::object()).value("token", "");
  if (!absl::Base64Unescape(encoded, &token) || token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Secret ", job, "-supervision: data.token is not base64 text"));
  }
  return token;
}

absl::StatusOr<int> HaCluster::FetchRankTable(const std::string& url, const std::string& job,
                                              const std::string& token, std::string* body) {
  httplib::Client client(url);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  httplib::Result result = client.Get(absl::StrCat("/v1/jobs/default.", job, "/ranktable"),
                                      {{"Authorization", "Bearer " + token}});
  if (!result) {
    return absl::UnavailableError(
        absl::StrCat("GET ", url, ": ", httplib::to_string(result.error())));
  }
  *body = result->body;
  return result->status;
}

absl::StatusOr<json> HaCluster::ApplyJob(const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<json> manifests, kube::ReadYamlFile(path));
  if (manifests.empty()) return absl::InvalidArgumentError(path + ": no document");
  return client_->Create(kube::PostTrainingJobsResource(), "default", manifests[0]);
}

std::string HaCluster::ComponentLogs() const {
  std::string text;
  for (const char* name : {"nodesim", "scheduler", "operator", "operator-standby"}) {
    std::string log = ReadWhole(absl::StrCat(data_, "/logs/", name, ".log"));
    if (log.size() > 4000) log = log.substr(log.size() - 4000);
    absl::StrAppend(&text, "\n--- ", name, ".log (tail)\n", log);
  }
  return text;
}

}  // namespace flyover::ha
