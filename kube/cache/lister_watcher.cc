#include "kube/cache/lister_watcher.h"

#include <optional>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace flyover::kube {
namespace {

constexpr int kGone = 410;
constexpr int kTooManyRequests = 429;
constexpr int kFirstServerError = 500;

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

absl::StatusOr<std::string> ListerWatcher::ListInto(const ListOptions& options, ListItemSink sink) {
  absl::StatusOr<ListResult> result = List(options);
  if (!result.ok()) return result.status();
  for (nlohmann::json& item : result->items) sink(std::move(item));
  return std::move(result->resource_version);
}

absl::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      break;
  }
  return "ERROR";
}

absl::Status ResourceExpiredError(absl::string_view message) {
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kKubeReasonPayloadUrl, absl::Cord("Expired"));
  return status;
}

bool IsResourceExpired(const absl::Status& status) {
  const absl::optional<absl::Cord> reason = status.GetPayload(kKubeReasonPayloadUrl);
  return reason.has_value() && (*reason == "Expired" || *reason == "Gone");
}

absl::Status StatusFromErrorEvent(const nlohmann::json& status_object) {
  if (!status_object.is_object()) {
    return absl::UnavailableError("watch ERROR event without a Status object");
  }
  int code = 0;
  if (auto it = status_object.find("code"); it != status_object.end() && it->is_number()) {
    code = it->get<int>();
  }
  const std::string reason = StringField(status_object, "reason");
  const std::string message =
      absl::StrCat("watch ERROR event: code ", code, ", reason ", reason.empty() ? "-" : reason,
                   ": ", StringField(status_object, "message"));
  if (code == kGone || reason == "Expired" || reason == "Gone") {
    return ResourceExpiredError(message);
  }
  if (code == 0 || code == kTooManyRequests || code >= kFirstServerError) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

}  // namespace flyover::kube
