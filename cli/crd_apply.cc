#include "cli/crd_apply.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "kube/api/yaml.h"
#include "kube/client/api_status.h"

namespace flyover::cli {
namespace {

bool IsManifest(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

bool Established(const nlohmann::json& crd) {
  const nlohmann::json* conditions = crd.contains("status") && crd["status"].is_object() &&
                                             crd["status"].contains("conditions")
                                         ? &crd["status"]["conditions"]
                                         : nullptr;
  if (conditions == nullptr || !conditions->is_array()) return false;
  return std::any_of(conditions->begin(), conditions->end(), [](const nlohmann::json& c) {
    return c.value("type", "") == "Established" && c.value("status", "") == "True";
  });
}

absl::Status WaitEstablished(kube::RestClient* client, const std::string& name,
                             absl::Time deadline) {
  for (;; absl::SleepFor(absl::Milliseconds(50))) {
    absl::StatusOr<nlohmann::json> crd = client->Get(CrdResource(), "", name);
    if (crd.ok() && Established(*crd)) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("crd ", name, ": not Established in time",
                       crd.ok() ? "" : absl::StrCat(" (", crd.status().message(), ")")));
    }
  }
}

}  // namespace

const kube::ResourceDescriptor& CrdResource() {
  static const kube::ResourceDescriptor* resource = new kube::ResourceDescriptor{
      .group = "apiextensions.k8s.io", .version = "v1", .plural = "customresourcedefinitions",
      .kind = "CustomResourceDefinition", .namespaced = false};
  return *resource;
}

absl::StatusOr<nlohmann::json> CreateOrUpdate(kube::RestClient* client,
                                              const nlohmann::json& crd) {
  const std::string name = crd["metadata"].value("name", "");
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<nlohmann::json> created = client->Create(CrdResource(), "", crd);
    if (!absl::IsAlreadyExists(created.status())) return created;
    absl::StatusOr<nlohmann::json> current = client->Get(CrdResource(), "", name);
    if (!current.ok()) return current.status();
    nlohmann::json update = crd;
    update["metadata"]["resourceVersion"] = (*current)["metadata"]["resourceVersion"];
    absl::StatusOr<nlohmann::json> updated = client->Update(CrdResource(), update);
    if (!kube::IsConflict(updated.status()) || attempt >= 3) return updated;
  }
}

absl::StatusOr<std::vector<std::string>> ApplyCrdDirectory(kube::RestClient* client,
                                                           const std::string& dir,
                                                           absl::Duration timeout) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && IsManifest(entry.path())) files.push_back(entry.path());
  }
  if (error) return absl::InvalidArgumentError(absl::StrCat("crds ", dir, ": ", error.message()));
  std::sort(files.begin(), files.end());
  std::vector<std::string> names;
  for (const auto& file : files) {
    absl::StatusOr<std::vector<nlohmann::json>> docs = kube::ReadYamlFile(file.string());
    if (!docs.ok()) return Annotate(docs.status(), file.string());
    for (const nlohmann::json& doc : *docs) {
      if (!doc.is_object() || doc.value("kind", "") != "CustomResourceDefinition") {
        return absl::InvalidArgumentError(
            absl::StrCat(file.string(), ": kind: want CustomResourceDefinition"));
      }
      absl::StatusOr<nlohmann::json> stored = CreateOrUpdate(client, doc);
      std::string name = doc["metadata"].value("name", "");
      if (!stored.ok()) return Annotate(stored.status(), absl::StrCat("crd ", name));
      names.push_back(name);
    }
  }
  absl::Time deadline = absl::Now() + timeout;
  for (const std::string& name : names) RETURN_IF_ERROR(WaitEstablished(client, name, deadline));
  return names;
}

}  // namespace flyover::cli
