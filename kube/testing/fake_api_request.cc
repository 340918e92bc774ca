// FakeApiServer: decoding requests into actions, and the reactors and injected failures
// that may answer them before the store does.
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kube/testing/fake_api_internal.h"

namespace flyover::kube::testing {
namespace internal {
namespace {

using nlohmann::json;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes UrlEncode(); a malformed escape is kept as is.
std::string PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::map<std::string, std::string> DecodeQuery(absl::string_view query) {
  std::map<std::string, std::string> params;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    params[PercentDecode(kv.first)] = PercentDecode(kv.second);
  }
  return params;
}

// "/api/v1/..." or "/apis/<group>/<version>/...": the segments after the version.
std::optional<std::vector<std::string>> SplitApiPath(absl::string_view path, std::string* group,
                                                     std::string* version) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    parts.push_back(PercentDecode(part));
  }
  size_t at = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    *version = parts[1];
    at = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    *group = parts[1];
    *version = parts[2];
    at = 3;
  } else {
    return std::nullopt;
  }
  return std::vector<std::string>(parts.begin() + at, parts.end());
}

// Fills resource, namespace, name and subresource from the segments after the version.
bool Route(const ScriptedStore& store, const std::string& group, const std::string& version,
           std::vector<std::string> rest, Request* request) {
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    const ResourceDescriptor* inner = store.Find(group, version, rest[2]);
    if (inner != nullptr && inner->namespaced) {
      request->ns = rest[1];
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  if (rest.empty() || rest.size() > 3) return false;
  request->resource = store.Find(group, version, rest[0]);
  if (request->resource == nullptr) return false;
  if (rest.size() >= 2) request->name = rest[1];
  if (rest.size() == 3) request->subresource = rest[2];
  return true;
}

std::string PatchTypeOf(absl::string_view content_type) {
  if (absl::StartsWith(content_type, "application/merge-patch+json")) return "merge";
  if (absl::StartsWith(content_type, "application/strategic-merge-patch+json")) {
    return "strategic-merge";
  }
  if (absl::StartsWith(content_type, "application/json-patch+json")) return "json";
  if (absl::StartsWith(content_type, "application/apply-patch+yaml")) return "apply";
  return std::string(content_type);
}

std::string VerbOf(const Request& request) {
  if (request.method == "GET") {
    if (request.watch) return "watch";
    return request.name.empty() ? "list" : "get";
  }
  if (request.method == "POST") return "create";
  if (request.method == "PUT") return "update";
  if (request.method == "PATCH") return "patch";
  if (request.method == "DELETE") return request.name.empty() ? "deletecollection" : "delete";
  return absl::AsciiStrToLower(request.method);
}

}  // namespace

std::string Request::Param(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? "" : it->second;
}

HttpResponse JsonResponse(int code, const json& body, HttpHeaders headers) {
  HttpResponse response;
  response.status = code;
  response.headers = std::move(headers);
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = body.is_null() ? "" : body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

StoreResult StatusForCode(int code, absl::string_view message) {
  static const std::map<int, const char*> kReasons = {
      {400, "BadRequest"},       {401, "Unauthorized"},       {403, "Forbidden"},
      {404, "NotFound"},         {405, "MethodNotAllowed"},   {409, "Conflict"},
      {410, "Expired"},          {413, "RequestEntityTooLarge"}, {415, "UnsupportedMediaType"},
      {422, "Invalid"},          {429, "TooManyRequests"},    {500, "InternalError"},
      {503, "ServiceUnavailable"}, {504, "Timeout"}};
  auto it = kReasons.find(code);
  const std::string reason = it == kReasons.end() ? "" : it->second;
  return StatusResult(code, reason,
                      message.empty() ? absl::StrCat("injected ", reason, " (HTTP ", code, ")")
                                      : std::string(message));
}

std::optional<StoreResult> DecodeRequest(FakeApiState& state, const HttpRequest& http,
                                         Request* request) {
  request->method = http.method;
  request->content_type = http.content_type;
  absl::string_view path = http.path;
  if (size_t q = path.find('?'); q != absl::string_view::npos) {
    request->params = DecodeQuery(path.substr(q + 1));
    path = path.substr(0, q);
  }
  const std::string watch = request->Param("watch");
  request->watch = http.method == "GET" && (watch == "true" || watch == "1");
  std::string group, version;
  std::optional<std::vector<std::string>> rest = SplitApiPath(path, &group, &version);
  bool routed = false;
  if (rest.has_value()) {
    absl::MutexLock lock(&state.mu);
    routed = Route(state.store, group, version, *std::move(rest), request);
  }
  if (!routed) return StatusForCode(404, "the server could not find the requested resource");
  if (!http.body.empty()) {
    request->body = json::parse(http.body, nullptr, /*allow_exceptions=*/false);
    if (request->body.is_discarded()) {
      return StatusForCode(400, "the request body is not valid JSON");
    }
  }
  return std::nullopt;
}

Action MakeAction(const Request& request) {
  Action action;
  action.verb = VerbOf(request);
  action.resource = request.resource->plural;
  action.subresource = request.subresource;
  action.namespace_ = request.resource->namespaced ? request.ns : "";
  action.name = request.name;
  if (action.verb == "create" && action.name.empty() && request.body.is_object()) {
    action.name = request.body.value("metadata", json::object()).value("name", "");
  }
  if (action.verb == "patch") action.patch_type = PatchTypeOf(request.content_type);
  action.body = request.body;
  action.params = request.params;
  return action;
}

std::optional<InjectedResponse> RecordAndReact(FakeApiState& state, const Action& action) {
  std::vector<Reactor> reactors;
  {
    absl::MutexLock lock(&state.mu);
    state.actions.push_back(action);
    for (const Reaction& reaction : state.reactions) {
      if (reaction.reactor && reaction.match.Matches(action)) reactors.push_back(reaction.reactor);
    }
  }
  for (const Reactor& reactor : reactors) {
    if (std::optional<InjectedResponse> answer = reactor(action)) return answer;
  }
  absl::MutexLock lock(&state.mu);
  for (auto it = state.reactions.begin(); it != state.reactions.end(); ++it) {
    if (!it->fixed.has_value() || !it->match.Matches(action)) continue;
    InjectedResponse answer = *it->fixed;
    if (--it->remaining <= 0) state.reactions.erase(it);
    return answer;
  }
  return std::nullopt;
}

}  // namespace internal

InjectedResponse StatusResponse(int code, absl::string_view reason, absl::string_view message) {
  InjectedResponse response;
  response.code = code;
  response.body = internal::StatusForCode(code, message).body;
  if (!reason.empty()) response.body["reason"] = reason;
  response.message = response.body["message"].get<std::string>();
  return response;
}

}  // namespace flyover::kube::testing
