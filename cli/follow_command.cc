#include "cli/follow_command.h"

#include <unistd.h>

#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cli/follow_render.h"
#include "common/posix_file_system.h"
#include "httplib.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/client/config.h"
#include "kube/client/resource.h"
#include "kube/client/rest_client.h"

namespace flyover::cli {
namespace {

using nlohmann::json;

constexpr absl::Duration kPlainLineEvery = absl::Seconds(10);
constexpr absl::Duration kUnreadableFor = absl::Seconds(30);
constexpr int kDefaultMetricsPort = 9400;

absl::Status ParseDurationFlag(const std::string& flag, const std::string& value,
                               absl::Duration* out) {
  if (!absl::ParseDuration(value, out) || *out <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": \"", value, "\" is not a positive duration (e.g. 30s, 10m)"));
  }
  return absl::OkStatus();
}

// A client on the kubeconfig; fills `args.ns` from its context when no -n was given.
absl::StatusOr<std::unique_ptr<kube::RestClient>> ClientFor(FollowArgs& args) {
  absl::StatusOr<kube::RestConfig> config =
      args.kubeconfig.empty() ? kube::LoadDefaultConfig(DefaultFileSystem(), kube::ProcessEnv())
                              : kube::LoadKubeconfig(DefaultFileSystem(), args.kubeconfig);
  if (!config.ok()) return config.status();
  if (args.ns.empty()) args.ns = config->default_namespace;
  return kube::NewRestClient(*config, {.timeout = absl::Seconds(5), .rate_limit = {.qps = 0}});
}

// The rank-0 pod's agent metrics endpoint ("IP:PORT"), if the pod runs and has an IP.
std::optional<std::string> RankZeroMetricsEndpoint(kube::RestClient& client,
                                                   const FollowArgs& args) {
  absl::StatusOr<kube::ObjectList> pods = client.List(
      kube::PodsResource(), args.ns,
      {.label_selector = absl::StrCat(kube::scheduling::kLabelJobName, "=", args.job)});
  if (!pods.ok()) return std::nullopt;
  for (const json& pod : pods->items) {
    const json annotations = pod.value("metadata", json::object()).value("annotations", json::object());
    const json status = pod.value("status", json::object());
    if (annotations.value("hccl/rankIndex", "") != "0" || status.value("phase", "") != "Running" ||
        !status.value("podIP", json()).is_string()) {
      continue;
    }
    int port = kDefaultMetricsPort;
    for (const json& container : pod.value("spec", json::object()).value("containers", json::array())) {
      for (const json& env : container.value("env", json::array())) {
        int parsed = 0;
        if (env.value("name", "") == "FLYOVER_METRICS_PORT" &&
            absl::SimpleAtoi(env.value("value", ""), &parsed)) {
          port = parsed;
        }
      }
    }
    return absl::StrCat(status["podIP"].get<std::string>(), ":", port);
  }
  return std::nullopt;
}

std::optional<double> ScrapeLoss(const std::string& endpoint) {
  httplib::Client metrics("http://" + endpoint);
  metrics.set_connection_timeout(0, 300'000);
  metrics.set_read_timeout(0, 300'000);
  httplib::Result got = metrics.Get("/metrics");
  if (!got || got->status != 200) return std::nullopt;
  return RankZeroLoss(got->body);
}

int64_t FaultCount(const json& job) {
  const json faults = job.value("status", json::object()).value("faults", json::array());
  return faults.is_array() ? static_cast<int64_t>(faults.size()) : 0;
}

// Prints progress until the job finishes or the deadline passes; the last object read.
std::optional<json> FollowUntilDone(kube::RestClient& client, const FollowArgs& args,
                                    std::ostream& out, std::ostream& err) {
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  const absl::Time deadline = absl::Now() + args.timeout;
  absl::Time last_read = absl::Now(), last_line = absl::InfinitePast();
  PlainLineState printed;
  std::optional<json> job;
  for (; absl::Now() < deadline; absl::SleepFor(args.interval)) {
    absl::StatusOr<json> got = client.Get(kube::PostTrainingJobsResource(), args.ns, args.job);
    if (!got.ok()) {
      if (absl::Now() - last_read > kUnreadableFor) {
        err << "flyover follow: cannot read " << args.ns << "/" << args.job << ": "
            << got.status() << "\n";
        return job;
      }
      continue;
    }
    last_read = absl::Now();
    job = *std::move(got);
    if (OutcomeOf(*job) != FollowOutcome::kRunning) break;
    const json status = job->value("status", json::object());
    // Before the first step the agent's loss gauge reads 0, which is no loss at all.
    const std::optional<std::string> endpoint =
        status.value("step", 0) > 0 ? RankZeroMetricsEndpoint(client, args) : std::nullopt;
    const std::string line =
        RenderProgress(*job, endpoint ? ScrapeLoss(*endpoint) : std::nullopt);
    const PlainLineState state =
        PlainLineStateOf(status.value("phase", ""), FaultCount(*job), status.value("step", 0),
                         status.value("totalSteps", 0));
    if (tty) {
      out << "\r" << line << "\x1b[K" << std::flush;
    } else if (ShouldPrintPlainLine(printed, state, absl::Now() - last_line)) {
      out << line << "\n" << std::flush;
      printed = state;
      last_line = absl::Now();
    }
  }
  if (tty) out << "\n";
  return job;
}

}  // namespace

absl::StatusOr<FollowArgs> ParseFollowArgs(const std::vector<std::string>& args) {
  FollowArgs parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool takes_value = arg == "--kubeconfig" || arg == "-n" || arg == "--namespace" ||
                             arg == "--timeout" || arg == "--interval";
    if (takes_value && i + 1 >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(arg, ": needs a value"));
    }
    if (arg == "--kubeconfig") {
      parsed.kubeconfig = args[++i];
    } else if (arg == "-n" || arg == "--namespace") {
      parsed.ns = args[++i];
    } else if (arg == "--timeout") {
      if (auto s = ParseDurationFlag(arg, args[++i], &parsed.timeout); !s.ok()) return s;
    } else if (arg == "--interval") {
      if (auto s = ParseDurationFlag(arg, args[++i], &parsed.interval); !s.ok()) return s;
    } else if (absl::StartsWith(arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat(arg, ": unknown flag"));
    } else if (!parsed.job.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("JOB: one job only, got \"", parsed.job,
                                                      "\" and \"", arg, "\""));
    } else {
      parsed.job = arg;
    }
  }
  if (parsed.job.empty()) return absl::InvalidArgumentError("JOB: missing (the job's name)");
  return parsed;
}

std::optional<double> RankZeroLoss(absl::string_view metrics_text) {
  for (absl::string_view line : absl::StrSplit(metrics_text, '\n')) {
    if (!absl::ConsumePrefix(&line, "flyover_worker_rank_loss{")) continue;
    const size_t close = line.find('}');
    if (close == absl::string_view::npos) continue;
    bool rank_zero = false;
    for (absl::string_view label : absl::StrSplit(line.substr(0, close), ',')) {
      if (label == "rank=\"0\"") rank_zero = true;
    }
    if (!rank_zero) continue;
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(close + 1));
    value = value.substr(0, value.find(' '));  // a timestamp may follow
    if (value == "NaN") return std::numeric_limits<double>::quiet_NaN();
    double loss = 0;
    if (absl::SimpleAtod(value, &loss)) return loss;
  }
  return std::nullopt;
}

PlainLineState PlainLineStateOf(const std::string& phase, int64_t faults, int64_t step,
                                int64_t total_steps) {
  return {.phase = phase,
          .faults = faults,
          .step_bucket = total_steps > 0 ? step * 20 / total_steps : step};
}

bool ShouldPrintPlainLine(const PlainLineState& previous, const PlainLineState& current,
                          absl::Duration since_last) {
  return previous.phase != current.phase || previous.faults != current.faults ||
         previous.step_bucket != current.step_bucket || since_last >= kPlainLineEvery;
}

int RunFollow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<FollowArgs> parsed = ParseFollowArgs(args);
  if (!parsed.ok()) {
    err << "flyover follow: " << parsed.status().message()
        << "\nusage: flyover follow [--kubeconfig FILE] [-n NAMESPACE] [--timeout D] "
           "[--interval D] JOB\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<kube::RestClient>> client = ClientFor(*parsed);
  if (!client.ok()) {
    err << "flyover follow: " << client.status() << "\n";
    return 1;
  }
  const std::optional<json> job = FollowUntilDone(**client, *parsed, out, err);
  if (!job.has_value()) return 1;
  out << RenderSummary(*job);
  switch (OutcomeOf(*job)) {
    case FollowOutcome::kSucceeded:
      return 0;
    case FollowOutcome::kFailed:
      return 1;
    case FollowOutcome::kRunning:
      break;
  }
  err << "flyover follow: " << parsed->ns << "/" << parsed->job << " not finished after "
      << absl::FormatDuration(parsed->timeout) << "\n";
  return 1;
}

}  // namespace flyover::cli
