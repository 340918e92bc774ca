#include "worker/checkpoint/layout.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flyover::worker {
namespace {
constexpr absl::string_view kStepPrefix = "step-";
}  // namespace

std::string StepDirName(uint64_t step) { return absl::StrFormat("step-%012d", step); }

std::optional<uint64_t> ParseStepDirName(absl::string_view name) {
  absl::string_view digits = name;
  if (!absl::ConsumePrefix(&digits, kStepPrefix) || digits.empty()) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return std::nullopt;
  }
  uint64_t step = 0;
  if (!absl::SimpleAtoi(digits, &step)) return std::nullopt;
  // Only the canonical spelling, so one step has exactly one directory.
  if (StepDirName(step) != name) return std::nullopt;
  return step;
}

std::string StepDirPath(absl::string_view root, uint64_t step) {
  return absl::StrCat(root, "/", StepDirName(step));
}

std::string ShardFileName(int rank, int world_size) {
  return absl::StrFormat("shard-%05d-of-%05d.bin", rank, world_size);
}

absl::StatusOr<std::vector<uint64_t>> ListStepDirs(FileSystem& fs, absl::string_view root) {
  absl::StatusOr<std::vector<std::string>> names = fs.ListDir(root);
  if (absl::IsNotFound(names.status())) return std::vector<uint64_t>{};
  if (!names.ok()) return names.status();
  std::vector<uint64_t> steps;
  for (const std::string& name : *names) {
    if (std::optional<uint64_t> step = ParseStepDirName(name)) steps.push_back(*step);
  }
  std::sort(steps.begin(), steps.end());
  return steps;
}

}  // namespace flyover::worker
