// FakeApiServer: the one fake Kubernetes API for unit tests of code that talks to the API
// (operator, scheduler, device plugin, node simulator). It is an in-memory, thread-safe
// object tracker served as an HttpTransport, so the code under test keeps its real
// RestClient, TypedClient, RestListerWatcher and informers, with no sockets:
//
//   FakeApiServer api;                                  // serves every resource.h resource
//   ASSERT_TRUE(api.Create(NodesResource(), node).ok());  // seed state
//   std::unique_ptr<RestClient> client = api.NewClient();
//   api.FailNext({.verb = "create", .resource = "pods"}, 500);
//   ... run the code under test with `client` ...
//   EXPECT_THAT(api.ActionStrings({.verb = "write"}), ElementsAre("create pods ml/w-0", ...));
//
// Semantics are kube-apiserver's, from ScriptedStore (kube/client/testing/scripted_store.h):
// one increasing resourceVersion; uid, creationTimestamp and generation (bumped when spec
// changes) set by the server; 404 NotFound, 409 AlreadyExists, 409 Conflict for a stale
// resourceVersion (updates must carry one: 422 otherwise), the status subresource (writes
// to it change only status, other writes never change it), JSON merge patch, JSON patch
// (RFC 6902), strategic merge patch (applied as a merge patch: lists are replaced, not
// merged by key), server-side apply, pods/binding, dryRun, delete preconditions, equality
// label and field selectors, paginated lists. Finalizers work as in Kubernetes: deleting an
// object that has some sets metadata.deletionTimestamp; the write that removes the last one
// deletes it. Not modelled: admission, defaulting, validation, garbage collection of owned
// objects, graceful deletion of pods (they go at once unless finalizers hold them),
// set-based selectors ("in (...)"), and watch events for objects that stop matching a
// selector.
//
// Watches stream like kube-apiserver's: ADDED events for the current state when started
// from resourceVersion "" or "0", then every change in order; BOOKMARKs on SendBookmark()
// when asked for; an ERROR event with a 410 Expired Status for a version older than the last
// Compact() (or on ExpireWatches()). Watches never time out by themselves: CloseWatches()
// ends them as the server's timeoutSeconds does, DropWatches() as a broken connection does.
//
// Requests made through the transport are recorded as Actions (action.h) in arrival order,
// failed ones included. Before the store, each request meets the reactors (AddReactor, in the
// order added, called without the server's lock so they may read the server), then the
// failures injected with FailNext / FailNextWithError. The seeding and reading methods
// (Create, Upsert, Delete, Get, List) act on the store directly: no actions, no injections.
//
// Synchronisation without sleeps: WaitForWatches() returns once every open watch has handed
// every change to its client and the client's handler returned (an informer over it has then
// applied it to its store); WaitForActions() waits for asynchronous code to make requests.
//
// Ownership and threading: all methods are thread-safe. Transports and clients share the
// server's state, so they may outlive the FakeApiServer; once it is destroyed their requests
// fail with Unavailable and open watches end with Unavailable.
#ifndef FLYOVER_KUBE_TESTING_FAKE_API_SERVER_H_
#define FLYOVER_KUBE_TESTING_FAKE_API_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/client/http_transport.h"
#include "kube/client/resource.h"
#include "kube/client/rest_client.h"
#include "kube/testing/action.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::testing {

namespace internal {
struct FakeApiState;
}  // namespace internal

// What a reactor or an injected failure answers instead of the store.
struct InjectedResponse {
  int code = 500;
  // The body; null means a meta/v1 Status for `code` (reason from the code) with `message`.
  nlohmann::json body;
  std::string message;
  HttpHeaders headers;  // e.g. {"Retry-After", "1"}
  // Non-OK: no HTTP answer at all; the transport call fails with this (e.g. Unavailable
  // "connection refused"), and the other fields are ignored.
  absl::Status transport_error;
};

// An InjectedResponse carrying a meta/v1 Status with this reason, e.g. (409,
// "AlreadyExists") or (410, "Expired"); an empty message gets a default one.
[[nodiscard]] InjectedResponse StatusResponse(int code, absl::string_view reason,
                                              absl::string_view message = "");

// Answers a matching action in place of the store, or returns nullopt to let it through.
// Called without the server's lock, on the requesting thread.
using Reactor = std::function<std::optional<InjectedResponse>(const Action& action)>;

// Every resource of kube/client/resource.h: pods, nodes, namespaces, services, configmaps,
// secrets, events, leases and posttrainingjobs.
[[nodiscard]] std::vector<ResourceDescriptor> DefaultFakeResources();

struct FakeApiServerOptions {
  std::vector<ResourceDescriptor> resources = DefaultFakeResources();
};

class FakeApiServer {
 public:
  explicit FakeApiServer(FakeApiServerOptions options = {});
  // Shuts the server down (see the file comment).
  ~FakeApiServer();
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  // Clients. NewClient() has client-side rate limiting off and "default" as its namespace;
  // the second form takes the options as given.
  [[nodiscard]] std::unique_ptr<HttpTransport> NewTransport();
  [[nodiscard]] std::unique_ptr<RestClient> NewClient();
  [[nodiscard]] std::unique_ptr<RestClient> NewClient(RestClientOptions options);

  // Serves one more resource (requests for unknown resources get 404).
  void AddResource(const ResourceDescriptor& resource);

  // Seeding and reading. The namespace and name come from the object's metadata;
  // InvalidArgument names a missing one. Create: as a POST (server fields set;
  // AlreadyExists). Upsert: creates, or replaces unconditionally, status included. Delete:
  // removes at once, finalizers or not (NotFound if absent). List: ns "" lists all.
  absl::StatusOr<nlohmann::json> Create(const ResourceDescriptor& resource,
                                        nlohmann::json object);
  absl::StatusOr<nlohmann::json> Upsert(const ResourceDescriptor& resource,
                                        nlohmann::json object);
  absl::Status Delete(const ResourceDescriptor& resource, absl::string_view ns,
                      absl::string_view name);
  [[nodiscard]] std::optional<nlohmann::json> Get(const ResourceDescriptor& resource,
                                                  absl::string_view ns,
                                                  absl::string_view name) const;
  [[nodiscard]] std::vector<nlohmann::json> List(const ResourceDescriptor& resource,
                                                 absl::string_view ns = "") const;
  // The newest resourceVersion issued.
  [[nodiscard]] int64_t resource_version() const;

  // Recorded requests, oldest first, those `match` selects.
  [[nodiscard]] std::vector<Action> Actions(const ActionMatcher& match = {}) const;
  // The same as Action::ToString() lines.
  [[nodiscard]] std::vector<std::string> ActionStrings(const ActionMatcher& match = {}) const;
  void ClearActions();
  // Waits (real time) until at least `count` recorded actions match.
  [[nodiscard]] bool WaitForActions(const ActionMatcher& match, size_t count,
                                    absl::Duration timeout = absl::Seconds(10)) const;

  // Faults. FailNext: the next `times` matching requests get HTTP `code` with a Status
  // body whose reason follows the code (500 InternalError, 409 Conflict, 404 NotFound, 410
  // Expired, 429 TooManyRequests, 503 ServiceUnavailable, ...). FailNextWith: they get
  // `response` (StatusResponse(409, "AlreadyExists"), a Retry-After header, any body).
  // FailNextWithError: they fail in the transport with `error` (e.g. Unavailable).
  // AddReactor: `reactor` sees every matching request until ClearReactors().
  void FailNext(const ActionMatcher& match, int code, int times = 1, std::string message = "");
  void FailNextWith(const ActionMatcher& match, InjectedResponse response, int times = 1);
  void FailNextWithError(const ActionMatcher& match, absl::Status error, int times = 1);
  void AddReactor(const ActionMatcher& match, Reactor reactor);
  void ClearReactors();

  // Watches.
  void SendBookmark();   // a BOOKMARK at the newest version to watches that asked for them
  void CloseWatches();   // clean end, as the server's timeoutSeconds
  void DropWatches();    // broken connection: the client's Watch fails with Unavailable
  void ExpireWatches();  // an ERROR event with a 410 Expired Status, then the end
  // Forgets the history so far: watches from an older resourceVersion get 410 Expired (open
  // watches keep what they have not yet been sent).
  void Compact();
  // Continue tokens issued so far expire (410 Expired).
  void ExpireContinueTokens();
  [[nodiscard]] int open_watches() const;
  // Waits (real time) until at least `count` watches are open and each has handed every
  // change so far to its client, whose handler returned.
  [[nodiscard]] bool WaitForWatches(int count, absl::Duration timeout = absl::Seconds(10)) const;

 private:
  const std::shared_ptr<internal::FakeApiState> state_;
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_TESTING_FAKE_API_SERVER_H_
