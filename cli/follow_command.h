// `flyover follow`: follows a PostTrainingJob through the API until it finishes.
//
//   flyover follow [--kubeconfig FILE] [-n NAMESPACE] [--timeout DURATION]
//                  [--interval DURATION] JOB
//
// The kubeconfig is FILE, else as kubectl finds it ($KUBECONFIG, in-cluster, ~/.kube/config);
// the namespace, as with kubectl, defaults to the context's.
// While the job runs it prints follow_render.h's progress line: redrawn in place on a
// terminal, and as plain lines (on a phase or fault-count change, every 5% of the steps,
// and at least every 10 s) when stdout is not one. The loss is read from the agent
// metrics (`flyover_worker_rank_loss{rank="0"}`, worker/agent/agent_metrics.h) of the
// job's rank-0 pod at its pod IP and FLYOVER_METRICS_PORT (default 9400) when that answers
// within 300 ms; "-" otherwise. At the end it prints the summary (follow_render.h).
//
// Exit status: 0 the job Succeeded, 1 it Failed (or --timeout, default 30m, passed first,
// or the job cannot be read for 30 s), 2 a usage error.
#ifndef FLYOVER_CLI_FOLLOW_COMMAND_H_
#define FLYOVER_CLI_FOLLOW_COMMAND_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace flyover::cli {

struct FollowArgs {
  std::string job;
  std::string ns;          // "" = the kubeconfig context's namespace
  std::string kubeconfig;  // "" = the default lookup
  absl::Duration timeout = absl::Minutes(30);
  absl::Duration interval = absl::Milliseconds(500);
};

// The words after "follow". InvalidArgument naming the flag or argument.
[[nodiscard]] absl::StatusOr<FollowArgs> ParseFollowArgs(const std::vector<std::string>& args);

// The value of flyover_worker_rank_loss{rank="0"} in Prometheus text exposition, if any
// (NaN included as the exposition writes it).
[[nodiscard]] std::optional<double> RankZeroLoss(absl::string_view metrics_text);

// Whether a non-terminal progress line is worth printing: the phase or the number of
// faults changed, the step crossed a 5% mark of `total_steps`, or `since_last` >= 10 s.
struct PlainLineState {
  std::string phase;
  int64_t faults = -1;
  int64_t step_bucket = -1;
};
[[nodiscard]] bool ShouldPrintPlainLine(const PlainLineState& previous,
                                        const PlainLineState& current,
                                        absl::Duration since_last);
[[nodiscard]] PlainLineState PlainLineStateOf(const std::string& phase, int64_t faults,
                                              int64_t step, int64_t total_steps);

int RunFollow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_FOLLOW_COMMAND_H_
