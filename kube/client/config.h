// RestConfig: where the API server is and how to authenticate to it, loaded the way
// kubectl and client-go load it.
//
//   - ParseKubeconfig / LoadKubeconfig: a kubeconfig file's current context, or a named
//     one. Clusters: `server`, `certificate-authority-data` or `certificate-authority`
//     (a file, relative paths resolve against the kubeconfig's directory),
//     `insecure-skip-tls-verify`. Users: `client-certificate(-data)` and
//     `client-key(-data)`, `token` or `tokenFile`. Credential plugins (`exec`,
//     `auth-provider`), basic auth, proxies and `tls-server-name` are refused with
//     Unimplemented rather than silently ignored.
//   - InClusterConfig: the pod's service account (token, ca.crt, namespace) and
//     KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT.
//   - LoopbackConfig: plain HTTP to a local server (the embedded control plane, tests).
//   - LoadDefaultConfig: $KUBECONFIG (its first entry; no merging), else in-cluster, else
//     ~/.kube/config.
//
// TLS is verified against the given CA (or the system roots when none is given) unless
// the kubeconfig sets insecure-skip-tls-verify. Files named by the kubeconfig are read at
// load time, except the token file, which the client re-reads as it rotates
// (token_source.h).
//
// Errors: NotFound for a missing file, InvalidArgument for a malformed kubeconfig or an
// unknown context/cluster/user (the message names it), Unimplemented as above.
// Thread-safety: plain values and free functions; FileSystem* is borrowed for the call.
#ifndef FLYOVER_KUBE_CLIENT_CONFIG_H_
#define FLYOVER_KUBE_CLIENT_CONFIG_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/file_system.h"

namespace flyover::kube {

struct RestConfig {
  // "https://10.0.0.1:6443" or "http://127.0.0.1:8080"; a path prefix is not supported.
  std::string server;
  // PEM CA bundle that signs the server's certificate; empty means the system roots.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  // PEM client certificate and key for mutual TLS; both or neither.
  std::string client_cert_pem;
  std::string client_key_pem;
  // A fixed bearer token, or a file to (re-)read it from; at most one is set.
  std::string bearer_token;
  std::string bearer_token_file;
  // The context's namespace (in-cluster: the pod's), "default" when unset.
  std::string default_namespace = "default";
};

// Reads an environment variable; std::nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(absl::string_view name)>;
// ::getenv.
[[nodiscard]] EnvLookup ProcessEnv();

// `base_dir` resolves relative file references; `context` empty means current-context.
[[nodiscard]] absl::StatusOr<RestConfig> ParseKubeconfig(absl::string_view yaml,
                                                         absl::string_view base_dir,
                                                         FileSystem* fs,
                                                         absl::string_view context = "");

[[nodiscard]] absl::StatusOr<RestConfig> LoadKubeconfig(FileSystem* fs, absl::string_view path,
                                                        absl::string_view context = "");

struct InClusterOptions {
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
};

// FailedPrecondition when KUBERNETES_SERVICE_HOST/PORT are unset (not in a pod).
[[nodiscard]] absl::StatusOr<RestConfig> InClusterConfig(FileSystem* fs, const EnvLookup& env,
                                                         const InClusterOptions& options = {});

// http://<host>:<port>, no credentials.
[[nodiscard]] RestConfig LoopbackConfig(absl::string_view host, int port);

[[nodiscard]] absl::StatusOr<RestConfig> LoadDefaultConfig(FileSystem* fs, const EnvLookup& env);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_CONFIG_H_
