// What `flyover follow` prints, as pure functions of a PostTrainingJob's JSON (the object
// the API server returns) so tests can feed canned status.
//
//   RenderProgress: one line, no newline:
//     "tiny [##########----------] 300/600  loss 1.2345  Running  faults 1"
//     (loss "-" when unknown; the bar is omitted when totalSteps is unknown).
//   RenderSummary: several lines ending in a newline: phase and wall time, steps,
//     held-out accuracy before/after, placement, restarts by level, goodput (only when
//     status.goodput is present), and one line per fault: class, place (pod, node, rank),
//     detection time (detectedAt, plus detectionMillis when known), how it was handled
//     (recoveryLevel, recoveryMillis) or "not recovered".
//   OutcomeOf: kSucceeded / kFailed once the phase says so, else kRunning.
//
// Missing or mistyped status fields render as absent; these functions never throw.
#ifndef FLYOVER_CLI_FOLLOW_RENDER_H_
#define FLYOVER_CLI_FOLLOW_RENDER_H_

#include <optional>
#include <string>

#include "nlohmann/json.hpp"

namespace flyover::cli {

enum class FollowOutcome { kRunning, kSucceeded, kFailed };

[[nodiscard]] FollowOutcome OutcomeOf(const nlohmann::json& job);

// `bar_width` cells of '#' (done) and '-' (to do).
[[nodiscard]] std::string RenderProgress(const nlohmann::json& job, std::optional<double> loss,
                                         int bar_width = 24);

[[nodiscard]] std::string RenderSummary(const nlohmann::json& job);

// One fault of status.faults as a summary line (no newline), e.g.
// "PodDeleted pod tiny-1-g0 node sp0-node01: detected 10:00:01.250 (+180 ms),
//  ReschedulePod, recovered in 6.4 s". A fault with no recovery level is "not handled
// yet", or, once the job has `finished`, "not handled: the job finished first".
[[nodiscard]] std::string RenderFault(const nlohmann::json& fault, bool finished = false);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_FOLLOW_RENDER_H_
