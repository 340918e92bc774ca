// The per-step loss log (FLYOVER_LOSS_LOG, read by `flyover-worker agent`, agent_env.h): the
// agent appends one JSON line for every progress line of its ranks that carries a step and a
// loss, so a run's losses can be compared bit for bit with another run's (the fault drill,
// bench/e2e/).
//
// Format: one line per loss, newline included,
//   {"rank":R,"generation":G,"step":S,"loss":L}
// with L the shortest text that reads back as the same double (std::to_chars); a loss that is
// not finite is written as a string ("nan", "inf", "-inf"): JSON has no such number.
//
// Atomic lines: the file is opened with O_APPEND and each line is one write(2), so the agents
// of several pods may share one file on a local filesystem without interleaving their lines.
//
// Errors: Open returns InvalidArgument naming FLYOVER_LOSS_LOG, the path and the reason;
// Append returns Unavailable naming FLYOVER_LOSS_LOG and how much was written. Neither is
// retried. Thread-compatible: one writer per LossLog object.
#ifndef FLYOVER_WORKER_MAIN_LOSS_LOG_H_
#define FLYOVER_WORKER_MAIN_LOSS_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "worker/agent/supervision_types.h"

namespace flyover::worker {

// One loss log line in the format above, newline included.
[[nodiscard]] std::string LossLogLine(int rank, int64_t generation, int64_t step, double loss);

// Appends LossLogLine()s to one file (see the file comment for the contract).
class LossLog {
 public:
  // Opens (creating with mode 0644 when missing) `path` for appending; InvalidArgument naming
  // FLYOVER_LOSS_LOG and the reason when it cannot.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LossLog>> Open(const std::string& path);
  ~LossLog();
  LossLog(const LossLog&) = delete;
  LossLog& operator=(const LossLog&) = delete;

  // Appends the line for `line` when it carries a step and a loss; OK otherwise.
  absl::Status Append(int rank, int64_t generation, const ProgressLine& line);

 private:
  explicit LossLog(int fd) : fd_(fd) {}
  const int fd_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MAIN_LOSS_LOG_H_
