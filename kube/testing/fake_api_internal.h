// The state FakeApiServer shares with its transports, and the functions that serve
// requests from it. Not part of the fake's interface.
//
// Every field is guarded by FakeApiState::mu. The functions that take the lock themselves
// say so (ABSL_LOCKS_EXCLUDED); none calls a client's chunk handler or a reactor with it held.
#ifndef FLYOVER_KUBE_TESTING_FAKE_API_INTERNAL_H_
#define FLYOVER_KUBE_TESTING_FAKE_API_INTERNAL_H_

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kube/client/http_transport.h"
#include "kube/client/resource.h"
#include "kube/client/testing/scripted_store.h"
#include "kube/testing/action.h"
#include "kube/testing/fake_api_server.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::testing::internal {

// A request, decoded. `resource` points into the store's registry (stable).
struct Request {
  std::string method;
  const ResourceDescriptor* resource = nullptr;
  std::string ns;
  std::string name;
  std::string subresource;
  std::map<std::string, std::string> params;
  std::string content_type;
  nlohmann::json body;  // null when the request had none
  bool watch = false;

  [[nodiscard]] std::string Param(const std::string& key) const;
};

struct Reaction {
  ActionMatcher match;
  Reactor reactor;                        // set for AddReactor
  std::optional<InjectedResponse> fixed;  // set for FailNext / FailNextWithError
  int remaining = -1;                     // fixed answers left; -1 for reactors
};

// One open watch. Lives on the stack of the thread serving it.
struct WatchState {
  enum class End { kNone, kClosed, kDropped, kCancelled };

  const ResourceDescriptor* resource = nullptr;
  std::string ns;
  std::string label_selector;
  std::string field_selector;
  bool bookmarks = false;
  int64_t cursor = 0;                 // changes up to here were looked at
  std::vector<std::string> pending;   // event lines not yet handed to the client
  bool delivering = false;            // a batch is with the client's handler
  int64_t bookmark_generation = 0;
  bool expire = false;                // send a 410 ERROR event next
  bool finish = false;                // end after handing over what is pending
  End end = End::kNone;
};

struct FakeApiState {
  mutable absl::Mutex mu;
  ScriptedStore store ABSL_GUARDED_BY(mu);
  std::vector<Action> actions ABSL_GUARDED_BY(mu);
  std::vector<Reaction> reactions ABSL_GUARDED_BY(mu);
  std::list<WatchState*> watches ABSL_GUARDED_BY(mu);
  int64_t bookmark_generation ABSL_GUARDED_BY(mu) = 0;
  bool shut_down ABSL_GUARDED_BY(mu) = false;
};

// fake_api_transport.cc: the transport FakeApiServer::NewTransport() returns.
[[nodiscard]] std::unique_ptr<HttpTransport> NewFakeApiTransport(std::shared_ptr<FakeApiState> state);

// A response with a JSON body.
[[nodiscard]] HttpResponse JsonResponse(int code, const nlohmann::json& body,
                                        HttpHeaders headers = {});
// The Status body kube-apiserver sends for `code`, with `message` (or a default one).
[[nodiscard]] StoreResult StatusForCode(int code, absl::string_view message);

// fake_api_request.cc: decodes `http` into *request, or returns the error answer (404 for
// an unknown path or resource, 400 for a body that is not JSON).
[[nodiscard]] std::optional<StoreResult> DecodeRequest(FakeApiState& state, const HttpRequest& http,
                                                       Request* request)
    ABSL_LOCKS_EXCLUDED(state.mu);
[[nodiscard]] Action MakeAction(const Request& request);
// Records the action, then asks the reactors and injected failures for an answer.
[[nodiscard]] std::optional<InjectedResponse> RecordAndReact(FakeApiState& state,
                                                             const Action& action)
    ABSL_LOCKS_EXCLUDED(state.mu);

// fake_api_dispatch.cc: serves every verb but watch from the store.
[[nodiscard]] StoreResult Dispatch(FakeApiState& state, const Request& request)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu);

// fake_api_watch.cc: streams a watch until it ends (see HttpTransport::Stream).
[[nodiscard]] absl::StatusOr<HttpResponse> ServeWatch(FakeApiState& state, const Request& request,
                                                      const BodyChunkHandler& on_chunk,
                                                      std::stop_token stop)
    ABSL_LOCKS_EXCLUDED(state.mu);
// Moves every change a live watch has not looked at into its pending lines.
void CollectChanges(FakeApiState& state, WatchState& watch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu);
// Whether the watch has handed every change so far to its client.
[[nodiscard]] bool CaughtUp(const FakeApiState& state, const WatchState& watch)
    ABSL_EXCLUSIVE_LOCKS_REQUIRED(state.mu);

}  // namespace flyover::kube::testing::internal

#endif  // FLYOVER_KUBE_TESTING_FAKE_API_INTERNAL_H_
