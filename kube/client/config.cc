#include "kube/client/config.h"

#include <cstdlib>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "kube/api/yaml.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {
namespace {

using nlohmann::json;

// A string-valued key; numbers and booleans are rendered (YAML may resolve `token: 123`).
std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

bool Bool(const json& object, const char* key) {
  if (!object.is_object()) return false;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// The `<field>` of the entry called `name` in the list `list_key` (clusters, users, ...).
absl::StatusOr<json> FindNamed(const json& config, const char* list_key, const char* field,
                               absl::string_view name) {
  auto list = config.find(list_key);
  if (list != config.end() && list->is_array()) {
    for (const json& entry : *list) {
      if (entry.is_object() && Str(entry, "name") == name) {
        auto it = entry.find(field);
        return it != entry.end() && it->is_object() ? *it : json::object();
      }
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("kubeconfig: ", field, " \"", name, "\" not found in ", list_key));
}

std::string ResolvePath(absl::string_view base_dir, absl::string_view path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return std::string(path);
  return absl::StrCat(base_dir, "/", path);
}

// The PEM from `<key>-data` (base64) or from the file `<key>`; empty when neither is set.
absl::StatusOr<std::string> ReadPem(const json& section, const std::string& key,
                                    absl::string_view base_dir, FileSystem* fs) {
  const std::string data_key = key + "-data";
  if (std::string data = Str(section, data_key.c_str()); !data.empty()) {
    std::string decoded;
    if (!absl::Base64Unescape(absl::StripAsciiWhitespace(data), &decoded)) {
      return absl::InvalidArgumentError(absl::StrCat("kubeconfig: ", data_key, " is not base64"));
    }
    return decoded;
  }
  std::string file = Str(section, key.c_str());
  if (file.empty()) return std::string();
  return fs->ReadFile(ResolvePath(base_dir, file));
}

absl::Status RefuseUnsupported(const json& cluster, const json& user) {
  for (const char* key : {"exec", "auth-provider", "username", "password"}) {
    if (user.contains(key)) {
      return absl::UnimplementedError(absl::StrCat("kubeconfig: user.", key, " is not supported"));
    }
  }
  for (const char* key : {"proxy-url", "tls-server-name"}) {
    if (!Str(cluster, key).empty()) {
      return absl::UnimplementedError(
          absl::StrCat("kubeconfig: cluster.", key, " is not supported"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadUser(const json& user, absl::string_view base_dir, FileSystem* fs,
                      RestConfig* config) {
  ASSIGN_OR_RETURN(config->client_cert_pem, ReadPem(user, "client-certificate", base_dir, fs));
  ASSIGN_OR_RETURN(config->client_key_pem, ReadPem(user, "client-key", base_dir, fs));
  if (config->client_cert_pem.empty() != config->client_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "kubeconfig: client-certificate and client-key must be given together");
  }
  config->bearer_token = Str(user, "token");
  if (std::string file = Str(user, "tokenFile"); !file.empty() && config->bearer_token.empty()) {
    config->bearer_token_file = ResolvePath(base_dir, file);
  }
  return absl::OkStatus();
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<RestConfig> ParseKubeconfig(absl::string_view yaml, absl::string_view base_dir,
                                           FileSystem* fs, absl::string_view context) {
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments(yaml);
  if (!docs.ok()) return Annotate(docs.status(), "kubeconfig");
  if (docs->size() != 1 || !(*docs)[0].is_object()) {
    return absl::InvalidArgumentError("kubeconfig: expected one YAML mapping");
  }
  const json& config = (*docs)[0];
  std::string context_name = context.empty() ? Str(config, "current-context") : std::string(context);
  if (context_name.empty()) {
    return absl::InvalidArgumentError("kubeconfig: no current-context and no context given");
  }
  ASSIGN_OR_RETURN(json ctx, FindNamed(config, "contexts", "context", context_name));
  ASSIGN_OR_RETURN(json cluster, FindNamed(config, "clusters", "cluster", Str(ctx, "cluster")));
  json user = json::object();
  if (std::string user_name = Str(ctx, "user"); !user_name.empty()) {
    ASSIGN_OR_RETURN(user, FindNamed(config, "users", "user", user_name));
  }
  RETURN_IF_ERROR(RefuseUnsupported(cluster, user));

  RestConfig out;
  out.server = Str(cluster, "server");
  if (!absl::StartsWith(out.server, "https://") && !absl::StartsWith(out.server, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("kubeconfig: cluster.server \"", out.server, "\" is not an http(s) URL"));
  }
  out.insecure_skip_tls_verify = Bool(cluster, "insecure-skip-tls-verify");
  ASSIGN_OR_RETURN(out.ca_pem, ReadPem(cluster, "certificate-authority", base_dir, fs));
  RETURN_IF_ERROR(ReadUser(user, base_dir, fs, &out));
  if (std::string ns = Str(ctx, "namespace"); !ns.empty()) out.default_namespace = ns;
  return out;
}

absl::StatusOr<RestConfig> LoadKubeconfig(FileSystem* fs, absl::string_view path,
                                          absl::string_view context) {
  ASSIGN_OR_RETURN(std::string text, fs->ReadFile(path));
  absl::string_view dir = path;
  size_t slash = dir.rfind('/');
  dir = slash == absl::string_view::npos ? absl::string_view(".") : dir.substr(0, slash);
  if (dir.empty()) dir = "/";
  absl::StatusOr<RestConfig> config = ParseKubeconfig(text, dir, fs, context);
  if (!config.ok()) return Annotate(config.status(), path);
  return config;
}

absl::StatusOr<RestConfig> InClusterConfig(FileSystem* fs, const EnvLookup& env,
                                           const InClusterOptions& options) {
  std::optional<std::string> host = env("KUBERNETES_SERVICE_HOST");
  std::optional<std::string> port = env("KUBERNETES_SERVICE_PORT");
  if (!host.has_value() || host->empty() || !port.has_value() || port->empty()) {
    return absl::FailedPreconditionError(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset");
  }
  RestConfig out;
  const bool ipv6 = absl::StrContains(*host, ':');
  out.server = absl::StrCat("https://", ipv6 ? "[" : "", *host, ipv6 ? "]" : "", ":", *port);
  const std::string& dir = options.service_account_dir;
  ASSIGN_OR_RETURN(out.ca_pem, fs->ReadFile(absl::StrCat(dir, "/ca.crt")));
  out.bearer_token_file = absl::StrCat(dir, "/token");
  // Fail now rather than on the first request if the token is not mounted.
  ASSIGN_OR_RETURN(bool token_exists, fs->FileExists(out.bearer_token_file));
  if (!token_exists) {
    return absl::NotFoundError(absl::StrCat("service-account token ", out.bearer_token_file,
                                            " does not exist"));
  }
  if (absl::StatusOr<std::string> ns = fs->ReadFile(absl::StrCat(dir, "/namespace")); ns.ok()) {
    std::string trimmed(absl::StripAsciiWhitespace(*ns));
    if (!trimmed.empty()) out.default_namespace = trimmed;
  }
  return out;
}

RestConfig LoopbackConfig(absl::string_view host, int port) {
  RestConfig out;
  out.server = absl::StrCat("http://", host, ":", port);
  return out;
}

absl::StatusOr<RestConfig> LoadDefaultConfig(FileSystem* fs, const EnvLookup& env) {
  if (std::optional<std::string> kubeconfig = env("KUBECONFIG");
      kubeconfig.has_value() && !kubeconfig->empty()) {
    std::vector<std::string> paths = absl::StrSplit(*kubeconfig, ':', absl::SkipEmpty());
    if (!paths.empty()) return LoadKubeconfig(fs, paths.front());
  }
  if (env("KUBERNETES_SERVICE_HOST").has_value()) return InClusterConfig(fs, env);
  std::optional<std::string> home = env("HOME");
  if (!home.has_value() || home->empty()) {
    return absl::FailedPreconditionError("no KUBECONFIG, not in a cluster, and HOME is unset");
  }
  return LoadKubeconfig(fs, absl::StrCat(*home, "/.kube/config"));
}

}  // namespace flyover::kube
