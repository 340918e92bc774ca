// pods/log: GET /api/v1/namespaces/<ns>/pods/<name>/log, served the way kube-apiserver
// serves it — by proxying to the kubelet of the pod's node (kubelet_proxy.h):
//
//   GET http://<address>:<port>/containerLogs/<ns>/<pod>/<container>?<options>
//
// where <address> is the node's status.addresses entry of type InternalIP, else Hostname,
// and <port> is status.daemonEndpoints.kubeletEndpoint.Port (10250 when unset). The query
// passes follow, previous, timestamps, sinceSeconds, sinceTime, tailLines and limitBytes
// through, as given. flyover-nodesim's kubelets serve this endpoint (README.md has the
// contract).
//
// Answers: the kubelet's body streamed as it comes (so `kubectl logs -f` follows), or a
// Status: 404 for an unknown pod, node or container; 400 when the pod has several
// containers and none is named (kube-apiserver's "a container name must be specified for
// pod P, choose one of: [a b]"), when it is not bound to a node, or for a parameter that is
// not a number or boolean; 422 for out-of-range values (tailLines < 0, limitBytes < 1,
// sinceSeconds < 1, both sinceSeconds and sinceTime); 503 naming the node when its kubelet
// cannot be reached; the kubelet's own code and message when it refuses.
//
// Thread-safety: a free function; ObjectService is thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_POD_LOG_H_
#define FLYOVER_APISERVER_SERVER_POD_LOG_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/server/http_types.h"
#include "apiserver/server/kubelet_proxy.h"
#include "apiserver/server/object_service.h"

namespace flyover::apiserver {

inline constexpr int kDefaultKubeletPort = 10250;

// The query parameters of a pods/log request (PodLogOptions).
struct PodLogOptions {
  std::string container;
  bool follow = false;
  bool previous = false;
  bool timestamps = false;
  std::optional<int64_t> since_seconds;
  std::string since_time;  // RFC 3339, passed through
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> limit_bytes;
};

// 400 for values that do not parse, 422 (kind PodLogOptions) for values out of range.
[[nodiscard]] absl::StatusOr<PodLogOptions> ParsePodLogOptions(const HttpRequest& request,
                                                               absl::string_view pod_name);

// The kubelet path and query for `options` (the container already chosen).
std::string ContainerLogsPath(absl::string_view namespace_, absl::string_view pod,
                              const PodLogOptions& options);

HttpResponse ServePodLog(ObjectService& objects, const HttpRequest& request,
                         absl::string_view namespace_, absl::string_view pod_name,
                         const KubeletProxyOptions& proxy_options = {});

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_POD_LOG_H_
