// ParseProgressLine: the progress lines rank processes write (supervision.md section 3).
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/agent/json_fields.h"
#include "worker/agent/supervision_types.h"

namespace flyover::worker {

namespace jf = json_fields;

namespace {

absl::Status ParseEval(const nlohmann::json& eval, ProgressLine& line) {
  if (!eval.is_object()) return absl::InvalidArgumentError("eval: must be an object");
  ASSIGN_OR_RETURN(line.eval_phase, jf::RequiredString(eval, "eval", "phase"));
  if (*line.eval_phase != "before" && *line.eval_phase != "after") {
    return absl::InvalidArgumentError(
        absl::StrCat("eval.phase: must be \"before\" or \"after\", got \"", *line.eval_phase, "\""));
  }
  ASSIGN_OR_RETURN(line.eval_accuracy, jf::OptionalNumber(eval, "eval", "accuracy"));
  ASSIGN_OR_RETURN(line.eval_examples, jf::OptionalInt(eval, "eval", "examples"));
  return absl::OkStatus();
}

absl::Status ParseCheckpointSave(const nlohmann::json& save, ProgressLine& line) {
  if (!save.is_object()) return absl::InvalidArgumentError("checkpointSave: must be an object");
  ASSIGN_OR_RETURN(line.checkpoint_save_step, jf::RequiredInt(save, "checkpointSave", "step"));
  ASSIGN_OR_RETURN(line.checkpoint_stall_millis,
                   jf::OptionalNumber(save, "checkpointSave", "stallMillis"));
  if (!line.checkpoint_stall_millis.has_value()) {
    return absl::InvalidArgumentError("checkpointSave.stallMillis: required");
  }
  if (*line.checkpoint_stall_millis < 0) {
    return absl::InvalidArgumentError("checkpointSave.stallMillis: must not be negative");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProgressLine> ParseProgressLine(absl::string_view text) {
  ASSIGN_OR_RETURN(nlohmann::json root, jf::ParseObject(text, "progress line"));
  ProgressLine line;
  ASSIGN_OR_RETURN(line.step, jf::OptionalInt(root, "", "step"));
  ASSIGN_OR_RETURN(line.loss, jf::OptionalNumber(root, "", "loss"));
  ASSIGN_OR_RETURN(line.step_millis, jf::OptionalNumber(root, "", "stepMillis"));
  ASSIGN_OR_RETURN(line.tokens, jf::OptionalInt(root, "", "tokens"));
  if (line.tokens.has_value() && *line.tokens < 0) {
    return absl::InvalidArgumentError("tokens: must not be negative");
  }
  ASSIGN_OR_RETURN(line.checkpoint, jf::OptionalInt(root, "", "checkpoint"));
  if (auto save = root.find("checkpointSave"); save != root.end()) {
    RETURN_IF_ERROR(ParseCheckpointSave(*save, line));
  }
  if (auto eval = root.find("eval"); eval != root.end()) RETURN_IF_ERROR(ParseEval(*eval, line));
  if (auto done = root.find("done"); done != root.end()) {
    if (!done->is_boolean()) return absl::InvalidArgumentError("done: must be a boolean");
    line.done = done->get<bool>();
  }
  return line;
}

}  // namespace flyover::worker
