// FakeApiServer's HttpTransport: decodes each request, records it, lets reactors and
// injected failures answer it, and otherwise serves it from the shared state.
#include <memory>
#include <utility>

#include "kube/testing/fake_api_internal.h"

namespace flyover::kube::testing::internal {
namespace {

absl::StatusOr<HttpResponse> Injected(const InjectedResponse& injected) {
  if (!injected.transport_error.ok()) return injected.transport_error;
  nlohmann::json body = injected.body;
  if (body.is_null()) body = StatusForCode(injected.code, injected.message).body;
  return JsonResponse(injected.code, body, injected.headers);
}

class FakeApiTransport final : public HttpTransport {
 public:
  explicit FakeApiTransport(std::shared_ptr<FakeApiState> state) : state_(std::move(state)) {}

  absl::StatusOr<HttpResponse> Send(const HttpRequest& http) override {
    Request request;
    if (std::optional<absl::StatusOr<HttpResponse>> early = Admit(http, &request)) return *early;
    if (request.watch) {
      return JsonResponse(400, StatusForCode(400, "a watch needs a streaming request").body);
    }
    return Serve(request);
  }

  // A 2xx body that is not a live watch (a list, or a reactor's scripted stream) is handed
  // over as one chunk.
  absl::StatusOr<HttpResponse> Stream(const HttpRequest& http, const BodyChunkHandler& on_chunk,
                                      std::stop_token stop) override {
    Request request;
    absl::StatusOr<HttpResponse> response;
    if (std::optional<absl::StatusOr<HttpResponse>> early = Admit(http, &request)) {
      response = *std::move(early);
    } else if (request.watch) {
      return ServeWatch(*state_, request, on_chunk, std::move(stop));
    } else {
      response = Serve(request);
    }
    if (!response.ok() || response->status < 200 || response->status >= 300) return response;
    if (!response->body.empty()) (void)on_chunk(response->body);
    response->body.clear();
    return response;
  }

 private:
  // Decodes and records the request; returns the answer when it is not for the store to give
  // (a shut-down server, a bad request, a reactor or an injected failure).
  std::optional<absl::StatusOr<HttpResponse>> Admit(const HttpRequest& http, Request* request) {
    {
      absl::MutexLock lock(&state_->mu);
      if (state_->shut_down) {
        return absl::UnavailableError("connection refused: the fake API server is gone");
      }
    }
    if (std::optional<StoreResult> bad = DecodeRequest(*state_, http, request)) {
      return JsonResponse(bad->code, bad->body);
    }
    if (std::optional<InjectedResponse> injected = RecordAndReact(*state_, MakeAction(*request))) {
      return Injected(*injected);
    }
    return std::nullopt;
  }

  HttpResponse Serve(const Request& request) {
    absl::MutexLock lock(&state_->mu);
    StoreResult result = Dispatch(*state_, request);
    return JsonResponse(result.code, result.body);
  }

  const std::shared_ptr<FakeApiState> state_;
};

}  // namespace

std::unique_ptr<HttpTransport> NewFakeApiTransport(std::shared_ptr<FakeApiState> state) {
  return std::make_unique<FakeApiTransport>(std::move(state));
}

}  // namespace flyover::kube::testing::internal
