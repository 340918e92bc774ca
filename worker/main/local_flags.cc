// ParseLocalFlags: the flags of `flyover-worker local`.
#include <functional>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "common/status.h"
#include "worker/main/commands.h"

namespace flyover::worker {
namespace {

absl::Status IntFlag(const std::string& name, const std::string& text, int64_t& out) {
  if (!absl::SimpleAtoi(text, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": must be an integer, got \"", text, "\""));
  }
  return absl::OkStatus();
}

absl::Status Check(const LocalFlags& flags) {
  if (flags.ranks < 1) return absl::InvalidArgumentError("--ranks: required, at least 1");
  if (flags.config.empty()) return absl::InvalidArgumentError("--config: required");
  if (flags.ranks_per_pod < 1 || flags.ranks % flags.ranks_per_pod != 0) {
    return absl::InvalidArgumentError(absl::StrCat("--ranks-per-pod: ", flags.ranks_per_pod,
                                                   " must divide --ranks (", flags.ranks, ")"));
  }
  if (flags.kill_rank >= flags.ranks) {
    return absl::InvalidArgumentError(absl::StrCat("--kill-rank: ", flags.kill_rank,
                                                   " is not a rank of ", flags.ranks));
  }
  if (flags.kill_pod >= flags.ranks / flags.ranks_per_pod) {
    return absl::InvalidArgumentError(absl::StrCat("--kill-pod: ", flags.kill_pod, " is not a pod of ",
                                                   flags.ranks / flags.ranks_per_pod));
  }
  if (flags.kill_rank >= 0 && flags.kill_pod >= 0) {
    return absl::InvalidArgumentError("--kill-rank and --kill-pod: give one of them");
  }
  if ((flags.kill_rank >= 0 || flags.kill_pod >= 0) != (flags.kill_at_step >= 0)) {
    return absl::InvalidArgumentError(
        "--kill-at-step: give it with --kill-rank or --kill-pod, and neither without it");
  }
  if (flags.max_restarts < 0) return absl::InvalidArgumentError("--max-restarts: must be >= 0");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LocalFlags> ParseLocalFlags(const std::vector<std::string>& args) {
  LocalFlags flags;
  int64_t number = 0;
  const std::map<std::string, std::function<absl::Status(const std::string&)>> setters = {
      {"ranks", [&](const std::string& v) { RETURN_IF_ERROR(IntFlag("ranks", v, number)); flags.ranks = static_cast<int>(number); return absl::OkStatus(); }},
      {"ranks-per-pod", [&](const std::string& v) { RETURN_IF_ERROR(IntFlag("ranks-per-pod", v, number)); flags.ranks_per_pod = static_cast<int>(number); return absl::OkStatus(); }},
      {"kill-rank", [&](const std::string& v) { RETURN_IF_ERROR(IntFlag("kill-rank", v, number)); flags.kill_rank = static_cast<int>(number); return absl::OkStatus(); }},
      {"kill-pod", [&](const std::string& v) { RETURN_IF_ERROR(IntFlag("kill-pod", v, number)); flags.kill_pod = static_cast<int>(number); return absl::OkStatus(); }},
      {"kill-at-step", [&](const std::string& v) { return IntFlag("kill-at-step", v, flags.kill_at_step); }},
      {"max-restarts", [&](const std::string& v) { RETURN_IF_ERROR(IntFlag("max-restarts", v, number)); flags.max_restarts = static_cast<int>(number); return absl::OkStatus(); }},
      {"config", [&](const std::string& v) { flags.config = v; return absl::OkStatus(); }},
      {"work-dir", [&](const std::string& v) { flags.work_dir = v; return absl::OkStatus(); }},
      {"job", [&](const std::string& v) { flags.job = v; return absl::OkStatus(); }},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    if (!absl::StartsWith(args[i], "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", args[i], "\""));
    }
    std::string name = args[i].substr(2);
    std::string value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": needs a value"));
    }
    auto setter = setters.find(name);
    if (setter == setters.end()) return absl::InvalidArgumentError(absl::StrCat("--", name, ": unknown flag"));
    RETURN_IF_ERROR(setter->second(value));
  }
  if (flags.ranks_per_pod == 0) flags.ranks_per_pod = flags.ranks;
  RETURN_IF_ERROR(Check(flags));
  return flags;
}

}  // namespace flyover::worker
