#include "kube/client/fake_http_transport.h"

#include <utility>

namespace flyover::kube {

void FakeHttpTransport::AddResponse(int status, std::string body, HttpHeaders headers) {
  Outcome outcome;
  outcome.response = HttpResponse{status, std::move(headers), body};
  if (status >= 200 && status < 300) outcome.chunks.push_back(std::move(body));
  Add(std::move(outcome));
}

void FakeHttpTransport::AddStream(std::vector<std::string> chunks, absl::Status end) {
  Outcome outcome;
  outcome.response.status = 200;
  outcome.chunks = std::move(chunks);
  outcome.stream_end = std::move(end);
  Add(std::move(outcome));
}

void FakeHttpTransport::AddError(absl::Status error) {
  Outcome outcome;
  outcome.error = std::move(error);
  Add(std::move(outcome));
}

void FakeHttpTransport::Add(Outcome outcome) {
  absl::MutexLock lock(&mu_);
  script_.push_back(std::move(outcome));
}

std::vector<HttpRequest> FakeHttpTransport::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

size_t FakeHttpTransport::pending() const {
  absl::MutexLock lock(&mu_);
  return script_.size();
}

absl::StatusOr<FakeHttpTransport::Outcome> FakeHttpTransport::Next(const HttpRequest& request) {
  absl::MutexLock lock(&mu_);
  requests_.push_back(request);
  if (script_.empty()) {
    return absl::UnavailableError("FakeHttpTransport: no scripted response for " + request.path);
  }
  Outcome outcome = std::move(script_.front());
  script_.pop_front();
  if (!outcome.error.ok()) return outcome.error;
  return outcome;
}

absl::StatusOr<HttpResponse> FakeHttpTransport::Send(const HttpRequest& request) {
  absl::StatusOr<Outcome> outcome = Next(request);
  if (!outcome.ok()) return outcome.status();
  return std::move(outcome->response);
}

absl::StatusOr<HttpResponse> FakeHttpTransport::Stream(const HttpRequest& request,
                                                       const BodyChunkHandler& on_chunk,
                                                       std::stop_token stop) {
  absl::StatusOr<Outcome> outcome = Next(request);
  if (!outcome.ok()) return outcome.status();
  HttpResponse& response = outcome->response;
  if (response.status < 200 || response.status >= 300) return std::move(response);
  for (const std::string& chunk : outcome->chunks) {
    if (stop.stop_requested()) return absl::CancelledError("stream stopped");
    if (!on_chunk(chunk)) return std::move(response);
  }
  if (!outcome->stream_end.ok()) return outcome->stream_end;
  response.body.clear();
  return std::move(response);
}

}  // namespace flyover::kube
