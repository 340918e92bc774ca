#include "scheduler/main/scheduler_config.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace flyover::sched {
namespace {

absl::Status Invalid(absl::string_view source, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("--config ", source, ": ", what));
}

absl::StatusOr<YAML::Node> Load(absl::string_view yaml, absl::string_view source) {
  try {
    return YAML::Load(std::string(yaml));
  } catch (const std::exception& e) {
    return Invalid(source, absl::StrCat("not valid YAML: ", e.what()));
  }
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SchedulerConfigArgs(absl::string_view yaml,
                                                             absl::string_view source) {
  absl::StatusOr<YAML::Node> root = Load(yaml, source);
  if (!root.ok()) return root.status();
  std::vector<std::string> args;
  if (root->IsNull()) return args;  // an empty file sets nothing
  if (!root->IsMap()) return Invalid(source, "must be a map of flag name to value");
  for (const auto& entry : *root) {
    if (!entry.first.IsScalar()) return Invalid(source, "keys must be flag names");
    const std::string key = entry.first.Scalar();
    if (!IsSchedulerFlag(key) || key == "config" || key == "help") {
      return Invalid(source, absl::StrCat(key, ": unknown key"));
    }
    if (!entry.second.IsScalar()) return Invalid(source, absl::StrCat(key, ": must be a scalar"));
    args.push_back(absl::StrCat("--", key, "=", entry.second.Scalar()));
  }
  return args;
}

absl::StatusOr<SchedulerFlags> LoadSchedulerFlags(const std::vector<std::string>& args,
                                                  const ReadFileFn& read_file) {
  absl::StatusOr<SchedulerFlags> flags = ParseSchedulerFlags(args);
  if (!flags.ok() || flags->config_file.empty()) return flags;
  absl::StatusOr<std::string> text = read_file(flags->config_file);
  if (!text.ok()) {
    return absl::Status(text.status().code(), absl::StrCat("--config ", flags->config_file,
                                                           ": ", text.status().message()));
  }
  absl::StatusOr<std::vector<std::string>> combined =
      SchedulerConfigArgs(*text, flags->config_file);
  if (!combined.ok()) return combined.status();
  combined->insert(combined->end(), args.begin(), args.end());
  return ParseSchedulerFlags(*combined);
}

}  // namespace flyover::sched
