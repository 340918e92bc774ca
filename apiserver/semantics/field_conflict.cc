#include "apiserver/semantics/field_conflict.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

std::string Message(const std::vector<FieldConflict>& conflicts) {
  if (conflicts.size() == 1) {
    return absl::StrCat("Apply failed with 1 conflict: conflict with ", conflicts[0].manager,
                        ": ", PathString(conflicts[0].path));
  }
  std::map<std::string, std::vector<std::string>> by_manager;
  for (const FieldConflict& conflict : conflicts) {
    by_manager[conflict.manager].push_back(absl::StrCat("- ", PathString(conflict.path)));
  }
  std::vector<std::string> lines;
  for (const auto& [manager, paths] : by_manager) {
    lines.push_back(absl::StrCat("conflicts with ", manager, ":"));
    lines.insert(lines.end(), paths.begin(), paths.end());
  }
  return absl::StrCat("Apply failed with ", conflicts.size(),
                      " conflicts: ", absl::StrJoin(lines, "\n"));
}

}  // namespace

json ApplyConflictStatus(std::vector<FieldConflict> conflicts) {
  std::sort(conflicts.begin(), conflicts.end(), [](const FieldConflict& a, const FieldConflict& b) {
    return std::tie(a.manager, a.path) < std::tie(b.manager, b.path);
  });
  json causes = json::array();
  for (const FieldConflict& conflict : conflicts) {
    causes.push_back({{"reason", "FieldManagerConflict"},
                      {"message", absl::StrCat("conflict with ", conflict.manager)},
                      {"field", PathString(conflict.path)}});
  }
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object()},
          {"status", "Failure"},
          {"message", Message(conflicts)},
          {"reason", "Conflict"},
          {"details", {{"causes", std::move(causes)}}},
          {"code", 409}};
}

}  // namespace flyover::apiserver
