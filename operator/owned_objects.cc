#include "operator/owned_objects.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/client/resource.h"
#include "operator/slow_start.h"

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

std::vector<absl::StatusOr<bool>> OwnedObjects::CreatePods(const std::vector<nlohmann::json>& pods,
                                                           int max_parallel) {
  std::vector<absl::StatusOr<bool>> made(pods.size(), false);
  const std::vector<absl::Status> results =
      SlowStartBatches(pods.size(), max_parallel, [&](size_t i) -> absl::Status {
        const std::string ns = pods[i]["metadata"]["namespace"];
        absl::StatusOr<nlohmann::json> created =
            client_->Create(kube::PodsResource(), ns, pods[i], {.field_manager = kFieldManager});
        if (absl::IsAlreadyExists(created.status())) return absl::OkStatus();
        if (created.ok()) made[i] = true;
        return created.status();
      });
  for (size_t i = 0; i < pods.size(); ++i) {
    if (!results[i].ok()) made[i] = results[i];
  }
  return made;
}

OwnedObjects::Deleted OwnedObjects::DeleteEach(const std::vector<nlohmann::json>& pods,
                                               const kube::DeleteOptions& options,
                                               int max_parallel) {
  const std::vector<absl::Status> results =
      SlowStartBatches(pods.size(), max_parallel, [&](size_t i) {
        const nlohmann::json& meta = Metadata(pods[i]);
        kube::DeleteOptions once = options;
        once.precondition_uid = meta.value("uid", "");
        absl::Status status = client_->Delete(kube::PodsResource(), meta.value("namespace", ""),
                                              meta.value("name", ""), once);
        return absl::IsNotFound(status) ? absl::OkStatus() : status;
      });
  Deleted deleted;
  for (size_t i = 0; i < pods.size(); ++i) {
    if (results[i].ok()) {
      deleted.uids.push_back(Metadata(pods[i]).value("uid", ""));
    } else if (deleted.error.ok()) {
      deleted.error = results[i];
    }
  }
  return deleted;
}

OwnedObjects::Deleted OwnedObjects::DeletePods(const std::vector<nlohmann::json>& pods,
                                               int max_parallel) {
  std::vector<nlohmann::json> live;
  for (const nlohmann::json& pod : pods) {
    if (!Metadata(pod).contains("deletionTimestamp")) live.push_back(pod);
  }
  return DeleteEach(live, {}, max_parallel);
}

OwnedObjects::Deleted OwnedObjects::ForceDeletePods(const std::vector<nlohmann::json>& pods,
                                                    int max_parallel) {
  return DeleteEach(pods, {.grace_period_seconds = 0}, max_parallel);
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
