// FakeHttpTransport: an HttpTransport that answers from a script, for unit tests of code
// above the network (retries, rate limiting, error mapping) without sockets.
//
// Each Send() or Stream() takes the next scripted outcome in FIFO order: a response, or
// a transport error. For Stream(), a 2xx response's body is handed to the chunk handler
// in the scripted pieces, then the stream ends (OK) or fails with the scripted
// `stream_end` status. With the script empty, calls fail with Unavailable. Every request
// is recorded.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef FLYOVER_KUBE_CLIENT_FAKE_HTTP_TRANSPORT_H_
#define FLYOVER_KUBE_CLIENT_FAKE_HTTP_TRANSPORT_H_

#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "kube/client/http_transport.h"

namespace flyover::kube {

class FakeHttpTransport final : public HttpTransport {
 public:
  struct Outcome {
    absl::Status error;             // non-OK: the call fails with it
    HttpResponse response;
    std::vector<std::string> chunks;  // Stream(): the 2xx body, piece by piece
    absl::Status stream_end;          // Stream(): how the body ends
  };

  // A response with a body; for Stream(), a 2xx body is delivered as one chunk.
  void AddResponse(int status, std::string body, HttpHeaders headers = {})
      ABSL_LOCKS_EXCLUDED(mu_);
  void AddStream(std::vector<std::string> chunks, absl::Status end = absl::OkStatus())
      ABSL_LOCKS_EXCLUDED(mu_);
  void AddError(absl::Status error) ABSL_LOCKS_EXCLUDED(mu_);
  void Add(Outcome outcome) ABSL_LOCKS_EXCLUDED(mu_);

  std::vector<HttpRequest> requests() const ABSL_LOCKS_EXCLUDED(mu_);
  size_t pending() const ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<HttpResponse> Stream(const HttpRequest& request, const BodyChunkHandler& on_chunk,
                                      std::stop_token stop) override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::StatusOr<Outcome> Next(const HttpRequest& request) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  std::deque<Outcome> script_ ABSL_GUARDED_BY(mu_);
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_FAKE_HTTP_TRANSPORT_H_
