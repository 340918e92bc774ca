#include "apiserver/server/request_info.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flyover::apiserver {
namespace {

std::string VerbFor(absl::string_view method, bool has_name, bool watch) {
  if (method == "GET" || method == "HEAD") {
    if (watch) return "watch";
    return has_name ? "get" : "list";
  }
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return has_name ? "delete" : "deletecollection";
  return "";
}

absl::Status NotAResourcePath(absl::string_view path) {
  return absl::InvalidArgumentError(
      absl::StrCat("the server could not find the requested resource: ", path));
}

}  // namespace

absl::StatusOr<RequestInfo> ParseRequestInfo(absl::string_view method, absl::string_view path,
                                             absl::string_view watch_param) {
  RequestInfo info;
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  if (parts.empty() || (parts[0] != "api" && parts[0] != "apis")) return info;
  size_t i = 1;
  if (parts[0] == "apis") {
    if (parts.size() < 3) return info;  // /apis, /apis/{group}: discovery
    info.group = parts[1];
    i = 2;
  } else if (parts.size() < 2) {
    return info;  // /api: discovery
  }
  info.version = parts[i++];
  if (i == parts.size()) return info;  // /api/v1, /apis/g/v: discovery
  info.is_resource_request = true;
  bool watch = watch_param == "true" || watch_param == "1";
  if (parts[i] == "watch") {
    watch = true;
    ++i;
  }
  // namespaces/{ns}/{resource}/... addresses objects in a namespace; namespaces[/{name}
  // [/status|/finalize]] addresses the namespaces themselves.
  const size_t left = parts.size() - i;
  if (left >= 3 && parts[i] == "namespaces" && parts[i + 2] != "status" &&
      parts[i + 2] != "finalize") {
    info.namespace_name = parts[i + 1];
    i += 2;
  }
  info.resource = parts[i++];
  if (i < parts.size()) info.name = parts[i++];
  if (i < parts.size()) info.subresource = parts[i++];
  if (i < parts.size()) return NotAResourcePath(path);
  info.verb = VerbFor(method, !info.name.empty(), watch);
  if (info.verb.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("method ", method, " is not supported"));
  }
  return info;
}

}  // namespace flyover::apiserver
