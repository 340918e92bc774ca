#include "kube/client/watch_decoder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

constexpr std::pair<WatchStreamEventType, const char*> kTypeNames[] = {
    {WatchStreamEventType::kAdded, "ADDED"},       {WatchStreamEventType::kModified, "MODIFIED"},
    {WatchStreamEventType::kDeleted, "DELETED"},   {WatchStreamEventType::kBookmark, "BOOKMARK"},
    {WatchStreamEventType::kError, "ERROR"},
};

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

absl::string_view WatchStreamEventTypeName(WatchStreamEventType type) {
  for (const auto& [value, name] : kTypeNames) {
    if (value == type) return name;
  }
  return "UNKNOWN";
}

std::optional<WatchStreamEventType> ParseWatchStreamEventType(absl::string_view name) {
  for (const auto& [value, type_name] : kTypeNames) {
    if (name == type_name) return value;
  }
  return std::nullopt;
}

std::string WatchStreamEvent::ResourceVersion() const {
  if (type == WatchStreamEventType::kError || !object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto rv = metadata->find("resourceVersion");
  return rv != metadata->end() && rv->is_string() ? rv->get<std::string>() : "";
}

absl::Status WatchDecoder::Feed(absl::string_view data, std::vector<WatchStreamEvent>* events) {
  if (!error_.ok()) return error_;
  buffer_.append(data.data(), data.size());
  return Scan(events);
}

absl::Status WatchDecoder::Finish() {
  if (!error_.ok()) return error_;
  if (depth_ > 0) {
    return Fail(absl::UnavailableError(absl::StrCat(
        "watch stream ended inside an event (", buffer_.size(), " bytes buffered)")));
  }
  return absl::OkStatus();
}

absl::Status WatchDecoder::Fail(absl::Status error) {
  error_ = std::move(error);
  buffer_.clear();
  buffer_.shrink_to_fit();
  return error_;
}

// Finds the end of each frame by tracking nesting outside strings; a frame in progress
// always starts at buffer_[0], so the scan resumes where the last Feed() stopped.
absl::Status WatchDecoder::Scan(std::vector<WatchStreamEvent>* events) {
  const size_t n = buffer_.size();
  size_t i = scan_;
  size_t consumed = 0;  // bytes before the current frame (or all scanned, between frames)
  absl::Status status;
  while (i < n && status.ok()) {
    const char c = buffer_[i++];
    if (depth_ == 0) {
      if (IsJsonWhitespace(c)) {
        consumed = i;
        continue;
      }
      if (c != '{') {
        status = absl::DataLossError(absl::StrFormat(
            "watch stream: expected '{' to start an event, got byte 0x%02x", c & 0xff));
        break;
      }
      depth_ = 1;
      continue;
    }
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
    } else if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      if (++depth_ > options_.max_depth) {
        status = absl::ResourceExhaustedError(absl::StrCat(
            "watch stream: event nested deeper than ", options_.max_depth, " levels"));
      }
    } else if (c == '}' || c == ']') {
      if (--depth_ == 0) {
        status = DecodeFrame(absl::string_view(buffer_).substr(consumed, i - consumed), events);
        consumed = i;
        continue;
      }
    }
    if (status.ok() && i - consumed > options_.max_event_bytes) {
      status = absl::ResourceExhaustedError(absl::StrCat(
          "watch stream: event larger than ", options_.max_event_bytes, " bytes"));
    }
  }
  if (!status.ok()) return Fail(std::move(status));
  buffer_.erase(0, consumed);
  scan_ = i - consumed;
  return absl::OkStatus();
}

absl::Status WatchDecoder::DecodeFrame(absl::string_view frame, std::vector<WatchStreamEvent>* events) {
  json parsed;
  try {
    parsed = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    parsed = json(json::value_t::discarded);
  }
  if (parsed.is_discarded()) {
    return absl::DataLossError(
        absl::StrCat("watch stream: malformed JSON event (", frame.size(), " bytes)"));
  }
  auto type = parsed.find("type");
  auto object = parsed.find("object");
  if (type == parsed.end() || !type->is_string() || object == parsed.end() ||
      !object->is_object()) {
    return absl::DataLossError("watch stream: event without a string type and an object");
  }
  std::optional<WatchStreamEventType> event_type = ParseWatchStreamEventType(type->get<std::string>());
  if (!event_type.has_value()) {
    return absl::DataLossError(absl::StrCat("watch stream: unknown event type \"",
                                            type->get<std::string>().substr(0, 64), "\""));
  }
  events->push_back(WatchStreamEvent{*event_type, std::move(*object)});
  return absl::OkStatus();
}

}  // namespace flyover::kube
