#include "apiserver/server/kubeconfig.h"

#include <sys/stat.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "kube/api/yaml.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

std::string RenderKubeconfig(const KubeconfigOptions& options) {
  nlohmann::json cluster = {{"server", options.server_url}};
  if (!options.ca_pem.empty()) {
    cluster["certificate-authority-data"] = absl::Base64Escape(options.ca_pem);
  }
  nlohmann::json user = nlohmann::json::object();
  if (!options.token.empty()) user["token"] = options.token;
  const nlohmann::json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", {{{"name", kKubeconfigName}, {"cluster", cluster}}}},
      {"users", {{{"name", kKubeconfigName}, {"user", user}}}},
      {"contexts",
       {{{"name", kKubeconfigName},
         {"context", {{"cluster", kKubeconfigName}, {"user", kKubeconfigName}}}}}},
      {"current-context", kKubeconfigName},
      {"preferences", nlohmann::json::object()},
  };
  return kube::JsonToYaml(config);
}

absl::Status WriteKubeconfig(absl::string_view path, const KubeconfigOptions& options) {
  RETURN_IF_ERROR(WriteFileAtomically(*DefaultFileSystem(), path, RenderKubeconfig(options)));
  const std::string file(path);
  if (chmod(file.c_str(), 0600) != 0) return ErrnoToStatus(errno, absl::StrCat("chmod ", path));
  return absl::OkStatus();
}

std::string ServerUrl(bool tls, absl::string_view bind_address, int port) {
  std::string host(bind_address);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (absl::StrContains(host, ':')) host = absl::StrCat("[", host, "]");
  return absl::StrCat(tls ? "https" : "http", "://", host, ":", port);
}

}  // namespace flyover::apiserver
