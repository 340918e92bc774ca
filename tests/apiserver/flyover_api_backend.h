// FlyoverApiBackend: flyover-apiserver, in process on 127.0.0.1, as an ApiBackend
// (kube/client/testing/api_backend.h) for the kube client's protocol suites. Each instance
// has its own data directory with the PostTrainingJob CRD installed.
//
//   Restart()               Stop(), then Start() again on the same data directory and port.
//   Compact()               Store::Compact() at the current revision.
//   ExpireContinueTokens()  a write elsewhere (a ConfigMap in kube-system), then Compact():
//                           a token's snapshot is then older than the retained history,
//                           which is when kube-apiserver expires tokens too.
//   RequestBookmark()       nothing: the store offers bookmarks every 100 ms.
//
// Thread-safety: as ApiBackend; Restart() must not race with another Restart().
#ifndef FLYOVER_TESTS_APISERVER_FLYOVER_API_BACKEND_H_
#define FLYOVER_TESTS_APISERVER_FLYOVER_API_BACKEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "apiserver/server/api_server.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/api_backend.h"
#include "tests/apiserver/server_process.h"

namespace flyover::apiserver::testing {

class FlyoverApiBackend final : public kube::testing::ApiBackend {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FlyoverApiBackend>> Start();
  ~FlyoverApiBackend() override;

  std::string url() const override { return url_; }
  absl::Status Restart() override;
  absl::Status Compact() override;
  absl::Status ExpireContinueTokens() override;
  void RequestBookmark() override {}
  kube::testing::ApiBackendCapabilities capabilities() const override;

  ApiServer& server() { return *server_; }

 private:
  FlyoverApiBackend() = default;
  absl::Status Serve(int port);
  absl::Status InstallPostTrainingJobCrd();

  TempDir dir_;
  std::unique_ptr<ApiServer> server_;
  std::string url_;
  std::unique_ptr<kube::RestClient> client_;  // the backend's own writes
  int marker_writes_ = 0;
};

// The factory the suites are instantiated with in tests/apiserver.
kube::testing::ApiBackendFactory FlyoverBackendFactory();

}  // namespace flyover::apiserver::testing

#endif  // FLYOVER_TESTS_APISERVER_FLYOVER_API_BACKEND_H_
