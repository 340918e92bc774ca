// ApiFixture: the API server's request handling in process, over an in-memory store, for
// unit tests: no sockets, no files. Requests go straight to ApiHandler; the garbage
// collector is not started (tests run its passes with gc.RunOnce()).
//
//   ApiFixture api;
//   HttpResponse created = api.Call("POST", "/api/v1/namespaces/default/pods", PodJson("a"));
//   EXPECT_EQ(created.status, 201);
//
// Not thread-safe itself; the objects it holds are.
#ifndef FLYOVER_APISERVER_SERVER_TESTING_API_FIXTURE_H_
#define FLYOVER_APISERVER_SERVER_TESTING_API_FIXTURE_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "apiserver/server/api_handler.h"
#include "apiserver/server/garbage_collector.h"
#include "apiserver/server/object_service.h"
#include "apiserver/server/registry_state.h"
#include "apiserver/server/server_metrics.h"
#include "apiserver/server/watch_handler.h"
#include "apiserver/storage/store.h"
#include "apiserver/storage/testing/memory_revision_log.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "prometheus/registry.h"

namespace flyover::apiserver::testing {

class ApiFixture {
 public:
  explicit ApiFixture(storage::StoreOptions options = DefaultStoreOptions()) {
    store_ = *storage::Store::Open(log_, options, RealClock(), prometheus_);
    objects_ = std::make_unique<ObjectService>(store_.get(), &registry_, RealClock(),
                                               [this] { ++deletions_; });
    gc_ = std::make_unique<GarbageCollector>(objects_.get());
    handler_ = std::make_unique<ApiHandler>(objects_.get(), &watches_, &metrics_);
    for (const char* ns : {"default", "kube-system"}) {
      Call("POST", "/api/v1/namespaces", nlohmann::json{{"metadata", {{"name", ns}}}}.dump());
    }
  }
  ~ApiFixture() {
    watches_.StopAll();
    store_->Close();
  }

  static storage::StoreOptions DefaultStoreOptions() {
    storage::StoreOptions options;
    options.committer.compaction_interval = absl::ZeroDuration();
    options.committer.commit_delay = absl::ZeroDuration();
    options.watch.bookmark_interval = absl::ZeroDuration();
    return options;
  }

  // `path` may carry a query string ("?a=b&c=d"; values are not unescaped).
  HttpResponse Call(absl::string_view method, absl::string_view path, std::string body = "",
                    std::map<std::string, std::string> headers = {}) {
    HttpRequest request;
    request.method = std::string(method);
    const size_t query = path.find('?');
    request.path = std::string(path.substr(0, query));
    if (query != absl::string_view::npos) {
      for (absl::string_view pair :
           absl::StrSplit(path.substr(query + 1), '&', absl::SkipEmpty())) {
        const size_t equals = pair.find('=');
        request.params.emplace(
            std::string(pair.substr(0, equals)),
            equals == absl::string_view::npos ? "" : std::string(pair.substr(equals + 1)));
      }
    }
    if (!body.empty() && !headers.count("content-type")) {
      headers["content-type"] = "application/json";
    }
    request.headers = std::move(headers);
    request.body = std::move(body);
    return handler_->Handle(request);
  }

  // The response body as JSON (null if it is not JSON).
  static nlohmann::json Json(const HttpResponse& response) {
    return nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  }

  storage::Store& store() { return *store_; }
  ObjectService& objects() { return *objects_; }
  RegistryState& registry() { return registry_; }
  GarbageCollector& gc() { return *gc_; }
  ActiveWatches& watches() { return watches_; }
  ServerMetrics& metrics() { return metrics_; }
  int deletions() const { return deletions_; }

 private:
  std::shared_ptr<prometheus::Registry> prometheus_ = std::make_shared<prometheus::Registry>();
  std::shared_ptr<storage::MemoryRevisionLog> log_ = std::make_shared<storage::MemoryRevisionLog>();
  std::unique_ptr<storage::Store> store_;
  RegistryState registry_;
  ServerMetrics metrics_{prometheus_};
  ActiveWatches watches_;
  std::unique_ptr<ObjectService> objects_;
  std::unique_ptr<GarbageCollector> gc_;
  std::unique_ptr<ApiHandler> handler_;
  std::atomic<int> deletions_ = 0;
};

// A minimal pod manifest as JSON text.
inline std::string PodJson(absl::string_view name,
                           nlohmann::json labels = nlohmann::json::object()) {
  return nlohmann::json{{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"metadata", {{"name", name}, {"labels", labels}}},
                        {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}
      .dump();
}

}  // namespace flyover::apiserver::testing

#endif  // FLYOVER_APISERVER_SERVER_TESTING_API_FIXTURE_H_
