// HttpTransport: the network seam under the REST client. One request in, one response
// out; or, for watches, a response whose body is handed over chunk by chunk as it arrives.
//
// Implementations: HttplibTransport (httplib_transport.h: cpp-httplib, TLS via OpenSSL,
// a pool of keep-alive connections) and FakeHttpTransport (fake_http_transport.h: scripted
// responses for unit tests).
//
// Errors are the transport's own (the server's non-2xx answers are responses, not
// errors): Unavailable when the server cannot be reached or the connection breaks,
// DeadlineExceeded when `timeout` passes, Cancelled when a stream is stopped,
// FailedPrecondition for a TLS setup problem, Unauthenticated when the server's
// certificate does not verify.
//
// Thread-safety: implementations are safe to call from many threads at once.
#ifndef FLYOVER_KUBE_CLIENT_HTTP_TRANSPORT_H_
#define FLYOVER_KUBE_CLIENT_HTTP_TRANSPORT_H_

#include <functional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace flyover::kube {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string path;          // path and query: "/api/v1/pods?limit=500"
  HttpHeaders headers;       // besides Content-Type
  std::string body;
  std::string content_type;  // for requests with a body
  // Bounds connecting and each socket read and write; a response still trickling in at
  // this point is cut off. For streams it bounds connecting and each read.
  absl::Duration timeout = absl::Seconds(30);
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;  // for Stream(): only set when status is not 2xx

  // The first header called `name` (case-insensitive), or "".
  [[nodiscard]] std::string Header(absl::string_view name) const;
};

// Receives a 2xx stream's body as it arrives; return false to stop reading.
using BodyChunkHandler = std::function<bool(absl::string_view chunk)>;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  [[nodiscard]] virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;

  // Sends `request` and hands each piece of a 2xx body to `on_chunk` until the server
  // ends the body (OK), the connection breaks (Unavailable), `on_chunk` returns false
  // (OK), or `stop` is requested (Cancelled; also unblocks a read in progress). A non-2xx
  // response is returned with its whole body and `on_chunk` is never called.
  [[nodiscard]] virtual absl::StatusOr<HttpResponse> Stream(const HttpRequest& request,
                                                            const BodyChunkHandler& on_chunk,
                                                            std::stop_token stop) = 0;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_HTTP_TRANSPORT_H_
