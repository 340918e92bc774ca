// The bodies of the supervision protocol (docs/design/supervision.md section 2): an agent's
// heartbeat, and the commands the operator answers it with. Decoding is strict about what
// the operator relies on and names the field in every error ("ranks[1].step: must be an
// integer"); unknown fields are ignored so agents may add some.
//
// Plain values and pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_SUPERVISION_HEARTBEAT_H_
#define FLYOVER_OPERATOR_SUPERVISION_HEARTBEAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

// Rank states an agent reports.
inline constexpr char kRankStarting[] = "Starting";
inline constexpr char kRankRunning[] = "Running";
inline constexpr char kRankExited[] = "Exited";
inline constexpr char kRankSucceeded[] = "Succeeded";

struct RankReport {
  int32_t rank = 0;
  std::string state;
  int64_t step = 0;
  // NaN when the agent sent "NaN", or null for a Running rank past step 0 (JSON has no
  // NaN; the agent's encoder writes a non-finite double as null).
  std::optional<double> loss;
  bool loss_is_nan = false;
  std::optional<double> step_millis;
  std::optional<int32_t> exit_code;
  std::optional<int32_t> signal;
};

// Something that happened once (sent once): today "RankExit".
struct AgentEvent {
  std::string type;
  int32_t rank = 0;
  std::optional<int32_t> exit_code;
  std::optional<int32_t> signal;
  std::optional<absl::Time> at;
};

// One evaluation: phase "before" or "after" training.
struct Evaluation {
  std::string phase;
  double accuracy = 0;
  int32_t examples = 0;
};

struct Heartbeat {
  std::string pod;
  int32_t rank_index = 0;
  int32_t generation = 0;
  std::vector<RankReport> ranks;
  std::optional<int64_t> last_checkpoint_step;
  std::string health = "Healthy";  // or "Unhealthy"
  std::vector<AgentEvent> events;
  // Optional extension: the rank processes' {"eval": ...} progress lines, forwarded.
  std::vector<Evaluation> evaluations;
};

// Command kinds.
inline constexpr char kCommandPause[] = "Pause";
inline constexpr char kCommandResume[] = "Resume";
inline constexpr char kCommandRestartInPlace[] = "RestartInPlace";
inline constexpr char kCommandCheckpointNow[] = "CheckpointNow";

struct Command {
  std::string id;  // "c-<n>", unique per operator process and job
  std::string kind;
  int32_t generation = 0;
  std::optional<int64_t> resume_step;
};

// InvalidArgument naming the field for a body that is not a heartbeat.
absl::StatusOr<Heartbeat> ParseHeartbeat(absl::string_view body);
nlohmann::json EncodeHeartbeat(const Heartbeat& heartbeat);

// {"commands": [...]}.
nlohmann::json EncodeCommands(const std::vector<Command>& commands);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SUPERVISION_HEARTBEAT_H_
