#include "kube/client/testing/scripted_api_backend.h"

namespace flyover::kube::testing {

absl::StatusOr<std::unique_ptr<ScriptedApiBackend>> ScriptedApiBackend::Start() {
  std::unique_ptr<ScriptedApiBackend> backend(new ScriptedApiBackend());
  for (const ResourceDescriptor* resource :
       {&PodsResource(), &NamespacesResource(), &ConfigMapsResource(),
        &PostTrainingJobsResource()}) {
    backend->server_.AddResource(*resource);
  }
  absl::StatusOr<int> port = backend->server_.Start();
  if (!port.ok()) return port.status();
  return backend;
}

absl::Status ScriptedApiBackend::Compact() {
  server_.Compact();
  return absl::OkStatus();
}

absl::Status ScriptedApiBackend::ExpireContinueTokens() {
  server_.ExpireContinueTokens();
  return absl::OkStatus();
}

ApiBackendFactory ScriptedBackendFactory() {
  return {"Scripted", []() -> std::unique_ptr<ApiBackend> {
            absl::StatusOr<std::unique_ptr<ScriptedApiBackend>> backend =
                ScriptedApiBackend::Start();
            if (!backend.ok()) return nullptr;
            return *std::move(backend);
          }};
}

}  // namespace flyover::kube::testing
