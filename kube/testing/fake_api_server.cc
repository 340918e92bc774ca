// FakeApiServer: the test-facing methods. Requests are served in fake_api_transport.cc,
// fake_api_request.cc, fake_api_dispatch.cc and fake_api_watch.cc.
#include "kube/testing/fake_api_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/client/api_status.h"
#include "kube/client/list_decoder.h"
#include "kube/testing/fake_api_internal.h"

namespace flyover::kube::testing {

using nlohmann::json;
using internal::FakeApiState;
using internal::WatchState;

namespace {

absl::Status ToStatus(const StoreResult& result) {
  if (result.code >= 200 && result.code < 300) return absl::OkStatus();
  return StatusFromHttpResponse(result.code, result.body.dump());
}

std::string MetaField(const json& object, const char* key) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  return object["metadata"].value(key, "");
}

// The namespace of a seeded object; InvalidArgument names what is missing.
absl::StatusOr<std::string> SeedNamespace(const ResourceDescriptor& resource, const json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(resource.QualifiedName(), ": not a JSON object"));
  }
  if (MetaField(object, "name").empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(resource.QualifiedName(), ": metadata.name is required"));
  }
  const std::string ns = MetaField(object, "namespace");
  if (resource.namespaced && ns.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(resource.QualifiedName(), " \"",
                                                   MetaField(object, "name"),
                                                   "\": metadata.namespace is required"));
  }
  return resource.namespaced ? ns : "";
}

}  // namespace

std::vector<ResourceDescriptor> DefaultFakeResources() {
  return {PodsResource(),        NodesResource(),  NamespacesResource(),
          ServicesResource(),    ConfigMapsResource(), SecretsResource(),
          EventsResource(),      LeasesResource(), PostTrainingJobsResource()};
}

FakeApiServer::FakeApiServer(FakeApiServerOptions options)
    : state_(std::make_shared<FakeApiState>()) {
  for (const ResourceDescriptor& resource : options.resources) AddResource(resource);
}

FakeApiServer::~FakeApiServer() {
  absl::MutexLock lock(&state_->mu);
  state_->shut_down = true;
  for (WatchState* watch : state_->watches) watch->end = WatchState::End::kDropped;
}

std::unique_ptr<HttpTransport> FakeApiServer::NewTransport() {
  return internal::NewFakeApiTransport(state_);
}

std::unique_ptr<RestClient> FakeApiServer::NewClient() {
  RestClientOptions options;
  options.rate_limit.qps = 0;
  return NewClient(std::move(options));
}

std::unique_ptr<RestClient> FakeApiServer::NewClient(RestClientOptions options) {
  return std::make_unique<RestClient>(NewTransport(), nullptr, std::move(options), "default");
}

void FakeApiServer::AddResource(const ResourceDescriptor& resource) {
  absl::MutexLock lock(&state_->mu);
  state_->store.AddResource(resource);
}

absl::StatusOr<json> FakeApiServer::Create(const ResourceDescriptor& resource, json object) {
  absl::StatusOr<std::string> ns = SeedNamespace(resource, object);
  if (!ns.ok()) return ns.status();
  absl::MutexLock lock(&state_->mu);
  state_->store.AddResource(resource);
  StoreResult result = state_->store.Create(resource, *ns, std::move(object), false);
  if (absl::Status status = ToStatus(result); !status.ok()) return status;
  return std::move(result.body);
}

absl::StatusOr<json> FakeApiServer::Upsert(const ResourceDescriptor& resource, json object) {
  absl::StatusOr<std::string> ns = SeedNamespace(resource, object);
  if (!ns.ok()) return ns.status();
  const std::string name = MetaField(object, "name");
  absl::MutexLock lock(&state_->mu);
  ScriptedStore& store = state_->store;
  store.AddResource(resource);
  const StoreResult existing = store.Get(resource, *ns, name);
  if (existing.code == 404) {
    StoreResult created = store.Create(resource, *ns, std::move(object), false);
    if (absl::Status status = ToStatus(created); !status.ok()) return status;
    return std::move(created.body);
  }
  const json status = object.contains("status") ? object["status"] : json();
  object["metadata"]["resourceVersion"] = existing.body["metadata"]["resourceVersion"];
  StoreResult result = store.Update(resource, *ns, name, std::move(object), "", false);
  if (result.code == 200 && !status.is_null()) {
    json with_status = std::move(result.body);
    with_status["status"] = status;
    result = store.Update(resource, *ns, name, std::move(with_status), "status", false);
  }
  if (absl::Status error = ToStatus(result); !error.ok()) return error;
  return std::move(result.body);
}

absl::Status FakeApiServer::Delete(const ResourceDescriptor& resource, absl::string_view ns,
                                   absl::string_view name) {
  absl::MutexLock lock(&state_->mu);
  return ToStatus(state_->store.Delete(resource, std::string(ns), std::string(name), json(), false));
}

std::optional<json> FakeApiServer::Get(const ResourceDescriptor& resource, absl::string_view ns,
                                       absl::string_view name) const {
  absl::MutexLock lock(&state_->mu);
  StoreResult result = state_->store.Get(resource, std::string(ns), std::string(name));
  if (result.code != 200) return std::nullopt;
  return std::move(result.body);
}

std::vector<json> FakeApiServer::List(const ResourceDescriptor& resource,
                                      absl::string_view ns) const {
  StoreResult result;
  {
    absl::MutexLock lock(&state_->mu);
    result = state_->store.List(resource, std::string(ns), ListQuery{});
  }
  absl::StatusOr<ObjectList> list = DecodeListDocument(std::move(result.body));
  return list.ok() ? std::move(list->items) : std::vector<json>();
}

int64_t FakeApiServer::resource_version() const {
  absl::MutexLock lock(&state_->mu);
  return state_->store.resource_version();
}

std::vector<Action> FakeApiServer::Actions(const ActionMatcher& match) const {
  absl::MutexLock lock(&state_->mu);
  std::vector<Action> out;
  for (const Action& action : state_->actions) {
    if (match.Matches(action)) out.push_back(action);
  }
  return out;
}

std::vector<std::string> FakeApiServer::ActionStrings(const ActionMatcher& match) const {
  std::vector<std::string> out;
  for (const Action& action : Actions(match)) out.push_back(action.ToString());
  return out;
}

void FakeApiServer::ClearActions() {
  absl::MutexLock lock(&state_->mu);
  state_->actions.clear();
}

bool FakeApiServer::WaitForActions(const ActionMatcher& match, size_t count,
                                   absl::Duration timeout) const {
  FakeApiState& s = *state_;
  absl::MutexLock lock(&s.mu);
  auto enough = [&s, &match, count] {
    s.mu.AssertHeld();
    size_t matched = 0;
    for (const Action& action : s.actions) matched += match.Matches(action) ? 1 : 0;
    return matched >= count;
  };
  return s.mu.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void FakeApiServer::FailNext(const ActionMatcher& match, int code, int times, std::string message) {
  InjectedResponse response;
  response.code = code;
  response.message = std::move(message);
  FailNextWith(match, std::move(response), times);
}

void FakeApiServer::FailNextWith(const ActionMatcher& match, InjectedResponse response, int times) {
  if (times <= 0) return;
  absl::MutexLock lock(&state_->mu);
  state_->reactions.push_back({match, nullptr, std::move(response), times});
}

void FakeApiServer::FailNextWithError(const ActionMatcher& match, absl::Status error, int times) {
  InjectedResponse response;
  response.transport_error = error.ok() ? absl::UnknownError("injected error") : std::move(error);
  FailNextWith(match, std::move(response), times);
}

void FakeApiServer::AddReactor(const ActionMatcher& match, Reactor reactor) {
  absl::MutexLock lock(&state_->mu);
  state_->reactions.push_back({match, std::move(reactor), std::nullopt, -1});
}

void FakeApiServer::ClearReactors() {
  absl::MutexLock lock(&state_->mu);
  state_->reactions.clear();
}

void FakeApiServer::SendBookmark() {
  absl::MutexLock lock(&state_->mu);
  ++state_->bookmark_generation;
}

void FakeApiServer::CloseWatches() {
  absl::MutexLock lock(&state_->mu);
  for (WatchState* watch : state_->watches) {
    if (watch->end == WatchState::End::kNone) watch->end = WatchState::End::kClosed;
  }
}

void FakeApiServer::DropWatches() {
  absl::MutexLock lock(&state_->mu);
  for (WatchState* watch : state_->watches) {
    if (watch->end == WatchState::End::kNone) watch->end = WatchState::End::kDropped;
  }
}

void FakeApiServer::ExpireWatches() {
  absl::MutexLock lock(&state_->mu);
  for (WatchState* watch : state_->watches) watch->expire = true;
}

void FakeApiServer::Compact() {
  absl::MutexLock lock(&state_->mu);
  // Open watches keep the changes they have not been sent yet, as a watch cache would.
  for (WatchState* watch : state_->watches) internal::CollectChanges(*state_, *watch);
  state_->store.Compact();
}

void FakeApiServer::ExpireContinueTokens() {
  absl::MutexLock lock(&state_->mu);
  state_->store.ExpireContinueTokens();
}

int FakeApiServer::open_watches() const {
  absl::MutexLock lock(&state_->mu);
  return static_cast<int>(state_->watches.size());
}

bool FakeApiServer::WaitForWatches(int count, absl::Duration timeout) const {
  FakeApiState& s = *state_;
  absl::MutexLock lock(&s.mu);
  auto caught_up = [&s, count] {
    s.mu.AssertHeld();
    int live = 0;
    for (const WatchState* watch : s.watches) {
      if (watch->end != WatchState::End::kNone) continue;
      if (!internal::CaughtUp(s, *watch)) return false;
      ++live;
    }
    return live >= count;
  };
  return s.mu.AwaitWithTimeout(absl::Condition(&caught_up), timeout);
}

}  // namespace flyover::kube::testing
