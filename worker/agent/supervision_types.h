// The messages of the supervision protocol (docs/design/supervision.md section 2) as C++
// values, and their JSON codecs: the heartbeat an agent posts, the commands the operator
// answers with, and the progress lines rank processes write (section 3).
//
// Decoding is strict: a missing required field, a wrong type or an unknown enum value is
// InvalidArgument naming the field ("commands[0].kind: ..."). Unknown fields are ignored.
// Thread-safety: plain values and pure functions.
#ifndef FLYOVER_WORKER_AGENT_SUPERVISION_TYPES_H_
#define FLYOVER_WORKER_AGENT_SUPERVISION_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace flyover::worker {

enum class RankState { kStarting, kRunning, kExited, kSucceeded };
absl::string_view RankStateName(RankState state);

struct RankReport {
  int rank = 0;
  RankState state = RankState::kStarting;
  int64_t step = 0;  // last step reported; 0 before the first
  std::optional<double> loss;
  std::optional<double> step_millis;
  std::optional<int> exit_code;
  std::optional<int> signal;
};

struct RankExitEvent {
  int rank = 0;
  std::optional<int> exit_code;
  std::optional<int> signal;
  absl::Time at;
};

// One evaluation a rank reported: "before" or "after" training.
struct EvaluationReport {
  std::string phase;
  std::optional<double> accuracy;
  std::optional<int64_t> examples;
  bool operator==(const EvaluationReport&) const = default;
};

struct Heartbeat {
  std::string pod;
  int rank_index = 0;
  int64_t generation = 0;
  std::vector<RankReport> ranks;
  std::optional<int64_t> last_checkpoint_step;
  bool healthy = true;
  std::vector<RankExitEvent> events;  // each sent once
  std::vector<EvaluationReport> evaluations;  // each sent once; "evaluations" when any
};

enum class CommandKind { kPause, kResume, kRestartInPlace, kCheckpointNow };
absl::string_view CommandKindName(CommandKind kind);

struct Command {
  std::string id;
  CommandKind kind = CommandKind::kPause;
  int64_t generation = -1;           // RestartInPlace: the generation to start in
  std::optional<int64_t> resume_step;  // RestartInPlace: absent = newest checkpoint
};

std::string EncodeHeartbeat(const Heartbeat& heartbeat);
[[nodiscard]] absl::StatusOr<Heartbeat> DecodeHeartbeat(absl::string_view body);

// The 200 body of a heartbeat: {"commands": [...]}.
std::string EncodeCommands(const std::vector<Command>& commands);
[[nodiscard]] absl::StatusOr<std::vector<Command>> DecodeCommands(absl::string_view body);

// One progress line of a rank process; exactly the members the line carried are set.
struct ProgressLine {
  std::optional<int64_t> step;
  std::optional<double> loss;
  std::optional<double> step_millis;
  std::optional<int64_t> tokens;  // tokens the rank fed through its model in the step
  std::optional<int64_t> checkpoint;
  // {"checkpointSave": {"step": S, "stallMillis": M}}: the loop was blocked M ms saving S.
  std::optional<int64_t> checkpoint_save_step;
  std::optional<double> checkpoint_stall_millis;
  std::optional<std::string> eval_phase;
  std::optional<double> eval_accuracy;
  std::optional<int64_t> eval_examples;
  bool done = false;
};
[[nodiscard]] absl::StatusOr<ProgressLine> ParseProgressLine(absl::string_view line);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_SUPERVISION_TYPES_H_
