#include "tests/apiserver/flyover_api_backend.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kube/api/yaml.h"
#include "kube/client/resource.h"

namespace flyover::apiserver::testing {
namespace {

using nlohmann::json;

const kube::ResourceDescriptor& CrdResource() {
  static const kube::ResourceDescriptor crds{"apiextensions.k8s.io", "v1",
                                             "customresourcedefinitions",
                                             "CustomResourceDefinition", false};
  return crds;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FlyoverApiBackend>> FlyoverApiBackend::Start() {
  std::unique_ptr<FlyoverApiBackend> backend(new FlyoverApiBackend());
  if (absl::Status served = backend->Serve(0); !served.ok()) return served;
  absl::StatusOr<std::unique_ptr<kube::RestClient>> client =
      kube::NewRestClient({.server = backend->url_}, {.rate_limit = {.qps = 0}});
  if (!client.ok()) return client.status();
  backend->client_ = *std::move(client);
  if (absl::Status crd = backend->InstallPostTrainingJobCrd(); !crd.ok()) return crd;
  return backend;
}

FlyoverApiBackend::~FlyoverApiBackend() {
  client_.reset();  // its idle keep-alive connection would hold Stop() up
  if (server_ != nullptr) server_->Stop();
}

absl::Status FlyoverApiBackend::Serve(int port) {
  ApiServerOptions options{.data_dir = dir_.path()};
  options.http.port = port;
  options.storage.watch.bookmark_interval = absl::Milliseconds(100);
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(std::move(options));
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  url_ = server_->url();
  return absl::OkStatus();
}

absl::Status FlyoverApiBackend::InstallPostTrainingJobCrd() {
  absl::StatusOr<std::vector<json>> crds = kube::ReadYamlFile(FLYOVER_PTJ_CRD_FILE);
  if (!crds.ok()) return crds.status();
  for (const json& crd : *crds) {
    absl::StatusOr<json> created = client_->Create(CrdResource(), "", crd);
    if (!created.ok()) return created.status();
  }
  return absl::OkStatus();
}

absl::Status FlyoverApiBackend::Restart() {
  const int port = server_->port();
  server_->Stop();
  server_.reset();
  return Serve(port);
}

absl::Status FlyoverApiBackend::Compact() {
  return server_->store().Compact(server_->store().CurrentRevision());
}

absl::Status FlyoverApiBackend::ExpireContinueTokens() {
  json marker = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata",
                  {{"name", absl::StrCat("expire-continue-tokens-", ++marker_writes_)},
                   {"namespace", "kube-system"}}}};
  absl::StatusOr<json> written = client_->Create(kube::ConfigMapsResource(), "kube-system", marker);
  if (!written.ok()) return written.status();
  return Compact();
}

kube::testing::ApiBackendCapabilities FlyoverApiBackend::capabilities() const {
  return {.apply_field_ownership = true, .list_remaining_item_count = true};
}

kube::testing::ApiBackendFactory FlyoverBackendFactory() {
  return {"FlyoverApiserver", []() -> std::unique_ptr<kube::testing::ApiBackend> {
            absl::StatusOr<std::unique_ptr<FlyoverApiBackend>> backend =
                FlyoverApiBackend::Start();
            if (!backend.ok()) {
              ADD_FAILURE() << "flyover-apiserver did not start: " << backend.status();
              return nullptr;
            }
            return *std::move(backend);
          }};
}

}  // namespace flyover::apiserver::testing
