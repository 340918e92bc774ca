#include "bench/e2e/drill_losses.h"

#include <bit>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace flyover::drill {
namespace {

std::string ShowBits(double loss) {
  char buffer[64];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof(buffer), loss).ptr);
}

}  // namespace

StepLosses ReadStepLosses(const std::string& log_text, int rank) {
  StepLosses losses;
  for (absl::string_view line : absl::StrSplit(log_text, '\n', absl::SkipEmpty())) {
    const nlohmann::json entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object() || !entry.contains("rank") || !entry["rank"].is_number_integer() ||
        entry["rank"].get<int>() != rank || !entry.contains("step") ||
        !entry["step"].is_number_integer() || !entry.contains("loss") ||
        !entry["loss"].is_number()) {
      continue;
    }
    losses[entry["step"].get<int64_t>()] = entry["loss"].get<double>();
  }
  return losses;
}

LossComparison CompareStepLosses(const StepLosses& reference, const StepLosses& run,
                                 int64_t steps) {
  LossComparison result;
  for (int64_t step = 1; step <= steps; ++step) {
    const auto want = reference.find(step), got = run.find(step);
    std::string problem;
    if (want == reference.end()) {
      problem = absl::StrCat("step ", step, ": the reference logged no loss");
    } else if (got == run.end()) {
      problem = absl::StrCat("step ", step, ": no loss logged");
    } else if (std::bit_cast<uint64_t>(got->second) != std::bit_cast<uint64_t>(want->second)) {
      problem = absl::StrCat("step ", step, ": loss ", ShowBits(got->second),
                             " differs from the reference's ", ShowBits(want->second));
    }
    if (problem.empty()) {
      ++result.equal;
    } else if (result.problem.empty()) {
      result.problem = std::move(problem);
    }
  }
  return result;
}

}  // namespace flyover::drill
