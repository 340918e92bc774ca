#include "nodesim/pod_volumes.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::nodesim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

absl::Status WriteFile(const fs::path& path, const std::string& contents, fs::perms mode) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  fs::permissions(path, mode, error);
  return absl::OkStatus();
}

// key -> contents of a ConfigMap or Secret, or nullopt when it is absent and optional.
absl::StatusOr<std::optional<std::map<std::string, std::string>>> SourceData(
    const kube::core::Pod& pod, const json& spec, bool secret, ObjectSource* source) {
  std::string name = spec.value(secret ? "secretName" : "name", "");
  std::map<std::string, std::string> data;
  absl::Status status;
  if (secret) {
    absl::StatusOr<kube::core::Secret> s = source->GetSecret(pod.metadata.namespace_, name);
    status = s.status();
    for (const auto& entry : s.ok() ? s->data : std::map<std::string, std::string>{}) {
      ASSIGN_OR_RETURN(data[entry.first], kube::core::SecretValue(*s, entry.first));
    }
  } else {
    absl::StatusOr<kube::core::ConfigMap> cm = source->GetConfigMap(pod.metadata.namespace_, name);
    status = cm.status();
    if (cm.ok()) data = cm->data;
  }
  if (absl::IsNotFound(status) && spec.value("optional", false)) return std::nullopt;
  RETURN_IF_ERROR(Annotate(status, absl::StrCat(secret ? "secret " : "configmap ", name)));
  return std::optional<std::map<std::string, std::string>>(std::move(data));
}

absl::Status WriteKeys(const std::map<std::string, std::string>& data, const json& spec,
                       const fs::path& dir, fs::perms mode) {
  if (!spec.contains("items")) {
    for (const auto& [key, value] : data) RETURN_IF_ERROR(WriteFile(dir / key, value, mode));
    return absl::OkStatus();
  }
  for (const json& item : spec["items"]) {
    std::string key = item.value("key", "");
    std::string path = item.value("path", key);
    auto it = data.find(key);
    if (it == data.end()) return absl::NotFoundError(absl::StrCat("items: key ", key, " not found"));
    if (path.empty() || path[0] == '/' || path.find("..") != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("items: path \"", path, "\" is not relative"));
    }
    RETURN_IF_ERROR(WriteFile(dir / path, it->second, mode));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> WriteVolume(const kube::core::Pod& pod, const json& volume,
                                        const fs::path& dir, ObjectSource* source) {
  if (volume.contains("hostPath")) return volume["hostPath"].value("path", "");
  fs::create_directories(dir);
  for (bool secret : {false, true}) {
    const char* kind = secret ? "secret" : "configMap";
    if (!volume.contains(kind)) continue;
    ASSIGN_OR_RETURN(auto data, SourceData(pod, volume[kind], secret, source));
    if (data.has_value()) {
      fs::perms mode = secret ? fs::perms::owner_read | fs::perms::owner_write
                              : fs::perms::owner_read | fs::perms::owner_write |
                                    fs::perms::group_read | fs::perms::others_read;
      RETURN_IF_ERROR(WriteKeys(*data, volume[kind], dir, mode));
    }
  }
  return dir.string();
}

bool IsPathChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> WriteVolumes(const kube::core::Pod& pod,
                                                                const std::string& pod_dir,
                                                                ObjectSource* source) {
  std::map<std::string, std::string> out;
  json volumes = pod.spec.rest.is_object() ? pod.spec.rest.value("volumes", json::array())
                                           : json::array();
  for (size_t i = 0; i < volumes.size(); ++i) {
    std::string name = volumes[i].value("name", "");
    fs::path dir = fs::path(pod_dir) / "volumes" / name;
    absl::StatusOr<std::string> local = WriteVolume(pod, volumes[i], dir, source);
    if (!local.ok()) {
      return Annotate(local.status(), absl::StrCat("spec.volumes[", i, "] (", name, ")"));
    }
    out[name] = *local;
  }
  return out;
}

absl::StatusOr<std::vector<Mount>> ContainerMounts(
    const kube::core::Container& container, const std::map<std::string, std::string>& volumes) {
  std::vector<Mount> mounts;
  json list = container.rest.is_object() ? container.rest.value("volumeMounts", json::array())
                                         : json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    std::string name = list[i].value("name", "");
    auto it = volumes.find(name);
    if (it == volumes.end()) {
      return absl::InvalidArgumentError(absl::StrCat("containers[", container.name,
                                                     "].volumeMounts[", i, "]: volume \"", name,
                                                     "\" is not defined"));
    }
    std::string local = it->second;
    if (std::string sub = list[i].value("subPath", ""); !sub.empty()) local += "/" + sub;
    mounts.push_back({list[i].value("mountPath", ""), local});
  }
  return mounts;
}

std::string RewriteMountPaths(absl::string_view text, const std::vector<Mount>& mounts) {
  std::vector<const Mount*> order;
  for (const Mount& m : mounts) {
    if (!m.mount_path.empty()) order.push_back(&m);
  }
  std::sort(order.begin(), order.end(), [](const Mount* a, const Mount* b) {
    return a->mount_path.size() > b->mount_path.size();
  });
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    bool at_start = i == 0 || (!IsPathChar(text[i - 1]) && text[i - 1] != '/');
    for (const Mount* m : at_start ? order : std::vector<const Mount*>{}) {
      absl::string_view path = m->mount_path;
      size_t end = i + path.size();
      if (text.substr(i, path.size()) != path) continue;
      if (end < text.size() && IsPathChar(text[end])) continue;
      out += m->local_path;
      i = end;
      replaced = true;
      break;
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

}  // namespace flyover::nodesim
