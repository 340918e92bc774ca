// The kubeconfig flyover-apiserver writes for its clients (--kubeconfig-out): one cluster,
// one user and one context, all named "flyover-local", and current-context set to it, so
// `kubectl --kubeconfig <file> get ptj` works as is. With TLS the cluster carries the CA
// bundle inline (certificate-authority-data); with a token the user carries it. The file
// is replaced atomically and made readable by its owner only (it may hold the token).
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SERVER_KUBECONFIG_H_
#define FLYOVER_APISERVER_SERVER_KUBECONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace flyover::apiserver {

inline constexpr char kKubeconfigName[] = "flyover-local";

struct KubeconfigOptions {
  std::string server_url;  // "http://127.0.0.1:6443" or "https://..."
  std::string ca_pem;      // PEM text of the CA (or self-signed certificate); may be empty
  std::string token;       // may be empty
};

// The kubeconfig document as YAML.
std::string RenderKubeconfig(const KubeconfigOptions& options);

// Writes RenderKubeconfig(options) to `path` (mode 0600).
[[nodiscard]] absl::Status WriteKubeconfig(absl::string_view path,
                                           const KubeconfigOptions& options);

// "http://host:port" or "https://host:port"; a wildcard bind address becomes 127.0.0.1 and
// IPv6 addresses are bracketed.
std::string ServerUrl(bool tls, absl::string_view bind_address, int port);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_KUBECONFIG_H_
