#include "apiserver/semantics/json_body.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"

namespace flyover::apiserver {

absl::StatusOr<nlohmann::json> ParseJsonBody(absl::string_view body, absl::string_view what) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    std::string message = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep the position and reason.
    if (size_t tag_end = message.find("] "); message.rfind('[', 0) == 0 &&
                                              tag_end != std::string::npos) {
      message.erase(0, tag_end + 2);
    }
    return ToAbslStatus(BadRequestStatus(absl::StrCat("error decoding ", what, ": ", message)));
  }
  if (absl::Status depth = CheckNestingDepth(parsed, what); !depth.ok()) return depth;
  return parsed;
}

size_t NestingDepth(const nlohmann::json& value) {
  size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, size_t>> pending = {{&value, 0}};
  while (!pending.empty()) {
    auto [at, depth] = pending.back();
    pending.pop_back();
    if (!at->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const nlohmann::json& child : *at) pending.emplace_back(&child, depth + 1);
  }
  return deepest;
}

absl::Status CheckNestingDepth(const nlohmann::json& value, absl::string_view what,
                               size_t max_depth) {
  std::vector<std::pair<const nlohmann::json*, size_t>> pending = {{&value, 0}};
  while (!pending.empty()) {
    auto [at, depth] = pending.back();
    pending.pop_back();
    if (!at->is_structured()) continue;
    if (depth + 1 > max_depth) {
      return ToAbslStatus(BadRequestStatus(absl::StrCat(
          "error decoding ", what, ": nested deeper than ", max_depth, " levels")));
    }
    for (const nlohmann::json& child : *at) pending.emplace_back(&child, depth + 1);
  }
  return absl::OkStatus();
}

}  // namespace flyover::apiserver
