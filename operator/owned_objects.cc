#include "operator/owned_objects.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/client/resource.h"

namespace flyover::op {
namespace {

const nlohmann::json& Metadata(const nlohmann::json& object) {
  static const nlohmann::json* const empty = new nlohmann::json(nlohmann::json::object());
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : *empty;
}

}  // namespace

std::string RankTableConfigMapName(const std::string& job) {
  return absl::StrCat(job, "-ranktable");
}

absl::StatusOr<nlohmann::json> OwnedObjects::CreateOrGet(const kube::ResourceDescriptor& resource,
                                                         const kube::PostTrainingJob& job,
                                                         const nlohmann::json& object) {
  const std::string ns = job.metadata.namespace_;
  const std::string name = object["metadata"]["name"];
  absl::StatusOr<nlohmann::json> existing = client_->Get(resource, ns, name);
  if (absl::IsNotFound(existing.status())) {
    existing = client_->Create(resource, ns, object, {.field_manager = kFieldManager});
    if (absl::IsAlreadyExists(existing.status())) existing = client_->Get(resource, ns, name);
  }
  if (!existing.ok()) return existing.status();
  if (!IsOwnedBy(*existing, job.metadata.uid)) {
    return absl::FailedPreconditionError(
        absl::StrCat(resource.plural, " \"", name,
                     "\": exists and is not owned by PostTrainingJob \"", job.metadata.name, "\""));
  }
  return existing;
}

absl::StatusOr<std::string> OwnedObjects::EnsureTokenSecret(const kube::PostTrainingJob& job) {
  ASSIGN_OR_RETURN(nlohmann::json secret,
                   CreateOrGet(kube::SecretsResource(), job, BuildTokenSecret(job, NewToken())));
  absl::StatusOr<std::string> token = TokenFromSecret(secret);
  if (!token.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "secrets \"", TokenSecretName(job.metadata.name), "\": ", token.status().message()));
  }
  return token;
}

absl::Status OwnedObjects::EnsureService(const kube::PostTrainingJob& job) {
  return CreateOrGet(kube::ServicesResource(), job, BuildService(job)).status();
}

absl::StatusOr<std::vector<nlohmann::json>> OwnedObjects::ListPods(
    const kube::PostTrainingJob& job) {
  ASSIGN_OR_RETURN(kube::ObjectList list,
                   client_->List(kube::PodsResource(), job.metadata.namespace_,
                                 {.label_selector = JobPodSelector(job.metadata.name)}));
  std::vector<nlohmann::json> owned;
  for (nlohmann::json& pod : list.items) {
    if (IsOwnedBy(pod, job.metadata.uid)) owned.push_back(std::move(pod));
  }
  return owned;
}

absl::StatusOr<bool> OwnedObjects::CreatePod(const nlohmann::json& pod) {
  const std::string ns = pod["metadata"]["namespace"];
  absl::StatusOr<nlohmann::json> created =
      client_->Create(kube::PodsResource(), ns, pod, {.field_manager = kFieldManager});
  if (absl::IsAlreadyExists(created.status())) return false;
  if (!created.ok()) return created.status();
  return true;
}

absl::StatusOr<int> OwnedObjects::DeletePods(const std::vector<nlohmann::json>& pods) {
  int deleted = 0;
  for (const nlohmann::json& pod : pods) {
    const nlohmann::json& meta = Metadata(pod);
    if (meta.contains("deletionTimestamp")) continue;
    absl::Status status =
        client_->Delete(kube::PodsResource(), meta.value("namespace", ""), meta.value("name", ""),
                        {.precondition_uid = meta.value("uid", "")});
    if (!status.ok() && !absl::IsNotFound(status)) return status;
    ++deleted;
  }
  return deleted;
}

absl::StatusOr<int> OwnedObjects::ForceDeletePods(const std::vector<nlohmann::json>& pods) {
  int deleted = 0;
  for (const nlohmann::json& pod : pods) {
    const nlohmann::json& meta = Metadata(pod);
    absl::Status status = client_->Delete(
        kube::PodsResource(), meta.value("namespace", ""), meta.value("name", ""),
        {.grace_period_seconds = 0, .precondition_uid = meta.value("uid", "")});
    if (!status.ok() && !absl::IsNotFound(status)) return status;
    ++deleted;
  }
  return deleted;
}

absl::StatusOr<nlohmann::json> OwnedObjects::GetNode(const std::string& name) {
  return client_->Get(kube::NodesResource(), "", name);
}

absl::Status OwnedObjects::MirrorRankTable(const kube::PostTrainingJob& job,
                                           const nlohmann::json& table) {
  nlohmann::json config_map = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", RankTableConfigMapName(job.metadata.name)},
        {"namespace", job.metadata.namespace_},
        {"labels", {{"training.flyover.dev/job-name", job.metadata.name}}},
        {"ownerReferences", nlohmann::json::array({OwnerReferenceTo(job)})}}},
      {"data", {{"hccl.json", table.dump()}}}};
  ASSIGN_OR_RETURN(nlohmann::json existing,
                   CreateOrGet(kube::ConfigMapsResource(), job, config_map));
  if (existing.value("data", nlohmann::json::object()) == config_map["data"]) {
    return absl::OkStatus();
  }
  existing["data"] = config_map["data"];
  return client_->Update(kube::ConfigMapsResource(), existing, {.field_manager = kFieldManager})
      .status();
}

absl::Status OwnedObjects::DeleteJob(const kube::PostTrainingJob& job) {
  absl::Status status =
      client_->Delete(kube::PostTrainingJobsResource(), job.metadata.namespace_, job.metadata.name,
                      {.propagation_policy = "Background", .precondition_uid = job.metadata.uid});
  return absl::IsNotFound(status) ? absl::OkStatus() : status;
}

absl::Status OwnedObjects::UpdateStatus(const kube::PostTrainingJob& job) {
  return client_
      ->UpdateStatus(kube::PostTrainingJobsResource(), kube::EncodePostTrainingJob(job),
                     {.field_manager = kFieldManager})
      .status();
}

}  // namespace flyover::op
