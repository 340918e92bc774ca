#include "apiserver/server/response_encoding.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "apiserver/discovery/media_type.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/server/object_meta.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver {
namespace {

constexpr size_t kNone = absl::string_view::npos;

struct Span {
  size_t begin = kNone;
  size_t end = kNone;
};

size_t SkipSpace(absl::string_view text, size_t at) {
  while (at < text.size() && absl::ascii_isspace(static_cast<unsigned char>(text[at]))) ++at;
  return at;
}

// One past the closing quote of the string whose opening quote is at `at`; kNone if none.
size_t SkipString(absl::string_view text, size_t at) {
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1;
    }
  }
  return kNone;
}

// One past the JSON value starting at `at` (a scalar ends at the next delimiter); kNone if
// its brackets or strings do not close.
size_t SkipValue(absl::string_view text, size_t at) {
  if (at >= text.size()) return kNone;
  int depth = 0;
  for (size_t i = at; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const size_t end = SkipString(text, i);
      if (end == kNone) return kNone;
      if (depth == 0) return end;
      i = end - 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || absl::ascii_isspace(static_cast<unsigned char>(c)))) {
      return i;
    }
  }
  return depth == 0 ? text.size() : kNone;
}

// Looks for member `key` of the object whose '{' is at `open`, reading members up to it:
// false if they are malformed; `value` stays empty (kNone) when the object has no `key`.
bool FindMember(absl::string_view text, size_t open, absl::string_view key, Span* value) {
  size_t at = SkipSpace(text, open + 1);
  if (at < text.size() && text[at] == '}') return true;
  while (at < text.size() && text[at] == '"') {
    const size_t key_end = SkipString(text, at);
    if (key_end == kNone) return false;
    const size_t colon = SkipSpace(text, key_end);
    if (colon >= text.size() || text[colon] != ':') return false;
    const size_t begin = SkipSpace(text, colon + 1);
    const size_t end = SkipValue(text, begin);
    if (end == kNone || end == begin) return false;
    if (text.substr(at + 1, key_end - at - 2) == key) {
      *value = {begin, end};
      return true;
    }
    at = SkipSpace(text, end);
    if (at < text.size() && text[at] == '}') return true;
    if (at >= text.size() || text[at] != ',') return false;
    at = SkipSpace(text, at + 1);
  }
  return false;
}

nlohmann::json ListMetadata(int64_t revision, const std::string& continue_token,
                            std::optional<int64_t> remaining_item_count) {
  nlohmann::json metadata = {{"resourceVersion", absl::StrCat(revision)}};
  if (!continue_token.empty()) metadata["continue"] = continue_token;
  if (remaining_item_count) metadata["remainingItemCount"] = *remaining_item_count;
  return metadata;
}

std::string ListBodyStart(const discovery::ResourceInfo& resource) {
  return absl::StrCat("{\"apiVersion\":\"", resource.GroupVersion(), "\",\"items\":[");
}

void AppendListBodyEnd(const discovery::ResourceInfo& resource, const nlohmann::json& metadata,
                       std::string* body) {
  absl::StrAppend(body, "],\"kind\":\"", resource.list_kind,
                  "\",\"metadata\":", kube::DumpJson(metadata), "}");
}

}  // namespace

std::optional<std::string> SpliceResourceVersion(absl::string_view object, int64_t revision) {
  const size_t open = SkipSpace(object, 0);
  if (open >= object.size() || object[open] != '{') return std::nullopt;
  Span meta;
  if (!FindMember(object, open, "metadata", &meta) || meta.begin == kNone ||
      object[meta.begin] != '{') {
    return std::nullopt;
  }
  Span version;
  if (!FindMember(object, meta.begin, "resourceVersion", &version)) return std::nullopt;
  const std::string quoted = absl::StrCat("\"", revision, "\"");
  if (version.begin != kNone) {
    return absl::StrCat(object.substr(0, version.begin), quoted, object.substr(version.end));
  }
  const bool empty = object[SkipSpace(object, meta.begin + 1)] == '}';
  return absl::StrCat(object.substr(0, meta.begin + 1), "\"resourceVersion\":", quoted,
                      empty ? "" : ",", object.substr(meta.begin + 1));
}

absl::StatusOr<ReadFormat> ReadFormatOf(const HttpRequest& request) {
  ReadFormat format;
  format.table = discovery::AcceptsTable(request.Header("accept"));
  absl::StatusOr<discovery::IncludeObject> include =
      discovery::ParseIncludeObject(request.Param("includeObject"));
  if (!include.ok()) return ToAbslStatus(BadRequestStatus(include.status().message()));
  format.include_object = *include;
  return format;
}

void ForVersion(const discovery::ResourceInfo& resource, nlohmann::json& object) {
  if (resource.IsCustom() && object.is_object()) object["apiVersion"] = resource.GroupVersion();
}

std::string WarningHeader(absl::string_view message) {
  return absl::StrCat("299 - \"", absl::StrReplaceAll(message, {{"\\", "\\\\"}, {"\"", "\\\""}}),
                      "\"");
}

HttpResponse ObjectResponse(int status, const discovery::ResourceInfo& resource,
                            nlohmann::json object, const ReadFormat& format, absl::Time now,
                            const std::vector<std::string>& warnings) {
  ForVersion(resource, object);
  HttpResponse response =
      format.table ? JsonResponse(status, discovery::RenderTable(resource, {std::move(object)}, now,
                                                                 {format.include_object, true}))
                   : JsonResponse(status, object);
  for (const std::string& warning : warnings) {
    response.headers.emplace_back("Warning", WarningHeader(warning));
  }
  return response;
}

HttpResponse ListResponse(const discovery::ResourceInfo& resource, ListResult list,
                          const ReadFormat& format, absl::Time now) {
  const nlohmann::json metadata =
      ListMetadata(list.revision, list.continue_token, list.remaining_item_count);
  for (nlohmann::json& item : list.items) ForVersion(resource, item);
  if (format.table) {
    return JsonResponse(200, discovery::RenderTable(resource, list.items, now,
                                                    {format.include_object, true}, metadata));
  }
  // Items are serialised one by one into the body rather than copied into one document.
  std::string body = ListBodyStart(resource);
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) body.push_back(',');
    body += kube::DumpJson(list.items[i]);
  }
  AppendListBodyEnd(resource, metadata, &body);
  return RawJsonResponse(200, std::move(body));
}

HttpResponse StoredListResponse(const discovery::ResourceInfo& resource, StoredListResult list) {
  std::string body = ListBodyStart(resource);
  // Room for every item and its resourceVersion: growing by doubling would briefly hold the
  // body twice.
  size_t size = body.size() + 512;
  for (const storage::StoredObject& item : list.items) size += item.value.size() + 48;
  body.reserve(size);
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) body.push_back(',');
    const storage::StoredObject& item = list.items[i];
    std::optional<std::string> spliced =
        resource.IsCustom() ? std::nullopt : SpliceResourceVersion(item.value, item.revision);
    if (spliced) {
      body += *spliced;
      continue;
    }
    absl::StatusOr<nlohmann::json> object = Served(item);
    if (!object.ok()) return ErrorResponse(object.status());
    ForVersion(resource, *object);
    body += kube::DumpJson(*object);
  }
  AppendListBodyEnd(
      resource, ListMetadata(list.revision, list.continue_token, list.remaining_item_count),
      &body);
  return RawJsonResponse(200, std::move(body));
}

}  // namespace flyover::apiserver
