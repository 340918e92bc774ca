// HttpRequest / HttpResponse: the API server's handlers see requests and answer them through
// these plain values instead of cpp-httplib's types, so that every handler can be unit-tested
// without a socket and the HTTP library stays behind one adapter (http_server.h).
//
// A response either carries a whole body or streams one (watches): `stream` is then called
// once on the connection's thread with a sink whose write() returns false as soon as the
// client is gone, and whose stopping() turns true when the server shuts down; the stream
// returns when it is done, and the response ends there.
//
// Thread-safety: plain values. A StreamSink is used by the one thread running the stream.
#ifndef FLYOVER_APISERVER_SERVER_HTTP_TYPES_H_
#define FLYOVER_APISERVER_SERVER_HTTP_TYPES_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "apiserver/semantics/api_status_builder.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

struct HttpRequest {
  std::string method;                              // "GET", "POST", ...
  std::string path;                                // without the query string
  std::multimap<std::string, std::string> params;  // decoded query parameters
  std::map<std::string, std::string> headers;      // names lower-cased
  std::string body;

  // The first value of a query parameter, or "" when absent.
  [[nodiscard]] std::string Param(absl::string_view name) const;
  [[nodiscard]] bool HasParam(absl::string_view name) const;
  // A header by lower-case name, or "".
  [[nodiscard]] std::string Header(absl::string_view lower_case_name) const;
};

struct StreamSink {
  std::function<bool(absl::string_view chunk)> write;  // false: the client is gone
  std::function<bool()> stopping;                      // true: the server is shutting down
};
using StreamBody = std::function<void(StreamSink& sink)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  StreamBody stream;  // when set, `body` is ignored and the body is streamed (chunked)
};

// `value` as compact JSON with `status`.
[[nodiscard]] HttpResponse JsonResponse(int status, const nlohmann::json& value);
// An already-serialised JSON body.
[[nodiscard]] HttpResponse RawJsonResponse(int status, std::string body);
// A Kubernetes Status object, with its code as the HTTP status.
[[nodiscard]] HttpResponse StatusResponse(const nlohmann::json& status);
// StatusResponse(StatusFromAbsl(error, context)).
[[nodiscard]] HttpResponse ErrorResponse(const absl::Status& error,
                                         const StatusContext& context = {});
// text/plain.
[[nodiscard]] HttpResponse TextResponse(int status, std::string text);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_HTTP_TYPES_H_
