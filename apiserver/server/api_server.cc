#include "apiserver/server/api_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "apiserver/server/kubeconfig.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/strategy.h"
#include "common/log.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

constexpr const char* kSystemNamespaces[] = {"default", "kube-system", "kube-public",
                                             "kube-node-lease"};

const discovery::ResourceInfo* Builtin(const RegistryState& registry, const char* group,
                                       const char* resource) {
  return registry.Snapshot()->registry().Find(group, "v1", resource);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(ApiServerOptions options,
                                                            Clock* clock) {
  std::unique_ptr<ApiServer> server(new ApiServer());
  RETURN_IF_ERROR(server->Init(std::move(options), clock));
  return server;
}

absl::Status ApiServer::Init(ApiServerOptions options, Clock* clock) {
  options_ = std::move(options);
  if (options_.data_dir.empty()) return absl::InvalidArgumentError("a data directory is required");
  prometheus_ = std::make_shared<prometheus::Registry>();
  ASSIGN_OR_RETURN(
      store_, storage::Store::OpenSqlite(absl::StrCat(options_.data_dir, "/", kDatabaseFileName),
                                         options_.storage, clock, prometheus_));
  registry_ = std::make_unique<RegistryState>();
  metrics_ = std::make_unique<ServerMetrics>(prometheus_);
  objects_ = std::make_unique<ObjectService>(store_.get(), registry_.get(), clock, [this] {
    if (gc_ != nullptr) gc_->Poke();
  });
  RETURN_IF_ERROR(RestoreCustomResources());
  RETURN_IF_ERROR(CreateSystemNamespaces());
  gc_ = std::make_unique<GarbageCollector>(objects_.get(), options_.gc);
  gc_->Start();
  watches_ = std::make_unique<ActiveWatches>();
  storage::Store* store = store_.get();
  std::vector<HealthCheck> readiness = {
      {"storage", [store] {
         absl::StatusOr<storage::StoredObject> ns = store->Get({"namespaces", "", "default"});
         return ns.ok() || absl::IsNotFound(ns.status()) ? absl::OkStatus() : ns.status();
       }}};
  handler_ = std::make_unique<ApiHandler>(objects_.get(), watches_.get(), metrics_.get(),
                                          std::move(readiness));
  ApiHandler* handler = handler_.get();
  http_ = std::make_unique<HttpServer>(
      options_.http, [handler](const HttpRequest& request) { return handler->Handle(request); });
  RETURN_IF_ERROR(http_->Start().status());
  log::Info("flyover-apiserver serving", {{"url", url()}, {"data_dir", options_.data_dir}});
  return absl::OkStatus();
}

absl::Status ApiServer::RestoreCustomResources() {
  const discovery::ResourceInfo* crds =
      Builtin(*registry_, "apiextensions.k8s.io", "customresourcedefinitions");
  ASSIGN_OR_RETURN(ListResult list, objects_->List(*crds, "", {}));
  for (const nlohmann::json& crd : list.items) {
    if (HasDeletionTimestamp(crd)) continue;
    if (absl::Status status = registry_->AddCustomResource(crd); !status.ok()) {
      log::Error(status, "restoring custom resource failed", {{"crd", MetaString(crd, "name")}});
    }
  }
  return absl::OkStatus();
}

absl::Status ApiServer::CreateSystemNamespaces() {
  const discovery::ResourceInfo* namespaces = Builtin(*registry_, "", "namespaces");
  for (const char* name : kSystemNamespaces) {
    nlohmann::json ns = {
        {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    absl::StatusOr<WriteResult> created = objects_->Create(*namespaces, "", std::move(ns), {});
    if (!created.ok() && !absl::IsAlreadyExists(created.status())) return created.status();
  }
  return absl::OkStatus();
}

std::string ApiServer::url() const {
  return ServerUrl(http_->tls(), options_.http.bind_address, http_->port());
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (watches_ != nullptr) watches_->StopAll();
  if (http_ != nullptr) http_->Stop();
  if (gc_ != nullptr) gc_->Stop();
  if (store_ != nullptr) store_->Close();
}

}  // namespace flyover::apiserver
