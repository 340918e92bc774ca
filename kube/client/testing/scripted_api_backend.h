// ScriptedApiBackend: the scripted API server (scripted_api_server.h) as an ApiBackend for
// the protocol suites, serving pods, namespaces, configmaps and posttrainingjobs.
//
// Thread-safety: as ScriptedApiServer.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_BACKEND_H_
#define FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_BACKEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kube/client/testing/api_backend.h"
#include "kube/client/testing/scripted_api_server.h"

namespace flyover::kube::testing {

class ScriptedApiBackend final : public ApiBackend {
 public:
  // Started on 127.0.0.1 and a free port.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ScriptedApiBackend>> Start();

  std::string url() const override { return server_.url(); }
  absl::Status Restart() override { return server_.Restart().status(); }
  absl::Status Compact() override;
  absl::Status ExpireContinueTokens() override;
  void RequestBookmark() override { server_.SendBookmark(); }
  ApiBackendCapabilities capabilities() const override { return {.paged_list_snapshot = false}; }

  ScriptedApiServer& server() { return server_; }

 private:
  ScriptedApiBackend() = default;

  ScriptedApiServer server_;
};

// The factory the suites are instantiated with in kube/.
ApiBackendFactory ScriptedBackendFactory();

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_BACKEND_H_
