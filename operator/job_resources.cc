#include "operator/job_resources.h"

#include <random>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/topology.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/scheduling_annotations.h"
#include "operator/worker_volumes.h"

namespace flyover::op {
namespace {

namespace sched = kube::scheduling;

nlohmann::json Env(absl::string_view name, absl::string_view value) {
  return {{"name", name}, {"value", value}};
}

nlohmann::json FieldEnv(absl::string_view name, absl::string_view field_path) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", field_path}}}}}};
}

nlohmann::json SupervisionEnv(const kube::PostTrainingJob& job, int32_t rank_index,
                              const PodOptions& options) {
  const kube::ObjectMeta& meta = job.metadata;
  nlohmann::json env = nlohmann::json::array({
      Env("FLYOVER_JOB", JobId(meta.namespace_, meta.name)),
      Env("FLYOVER_RANK_INDEX", absl::StrCat(rank_index)),
      Env("FLYOVER_REPLICAS", absl::StrCat(job.spec.replicas)),
      Env("FLYOVER_NPUS_PER_REPLICA", absl::StrCat(job.spec.npus_per_replica)),
      Env("FLYOVER_GENERATION", absl::StrCat(job.status.restart_generation)),
      Env("FLYOVER_JOB_CONFIG", TrainerConfig(job.spec).dump()),
      Env("RANK_TABLE_FILE", options.rank_table_file),
      FieldEnv("POD_NAME", "metadata.name"),
      FieldEnv("POD_NAMESPACE", "metadata.namespace"),
      FieldEnv("POD_IP", "status.podIP"),
  });
  if (!options.supervision_url.empty()) {
    env.push_back(Env("FLYOVER_SUPERVISION_URL", options.supervision_url));
    env.push_back(
        {{"name", "FLYOVER_SUPERVISION_TOKEN"},
         {"valueFrom",
          {{"secretKeyRef", {{"name", TokenSecretName(meta.name)}, {"key", kTokenKey}}}}}});
  }
  return env;
}

// Ours replace any of the template's variables with the same name.
void MergeEnv(nlohmann::json& container, const nlohmann::json& ours) {
  nlohmann::json merged = nlohmann::json::array();
  if (container.contains("env") && container["env"].is_array()) {
    for (const nlohmann::json& var : container["env"]) {
      bool replaced = false;
      for (const nlohmann::json& mine : ours) {
        if (var.value("name", "") == mine["name"]) replaced = true;
      }
      if (!replaced) merged.push_back(var);
    }
  }
  for (const nlohmann::json& mine : ours) merged.push_back(mine);
  container["env"] = std::move(merged);
}

void RequestNpus(nlohmann::json& container, int32_t npus) {
  const std::string resource(topology::kResourceName);
  container["resources"]["requests"][resource] = absl::StrCat(npus);
  container["resources"]["limits"][resource] = absl::StrCat(npus);
}

nlohmann::json JobLabels(const kube::PostTrainingJob& job) {
  return {{sched::kLabelJobName, job.metadata.name},
          {sched::kLabelGeneration, absl::StrCat(job.status.restart_generation)}};
}

nlohmann::json GangAnnotations(const kube::PostTrainingJob& job, const PodOptions& options) {
  const kube::PostTrainingJobSpec& spec = job.spec;
  // Passed through as written: 0 (the default) is the whole gang as one block, which is how
  // the scheduler reads it. Resolving 0 to the job's NPUs would ask for a block smaller than
  // a node for a small multi-pod job, which the scheduler refuses for multi-pod gangs.
  const int32_t block = spec.topology.super_pod_block;
  return {
      {sched::kAnnotationGang, GangName(job.metadata.name, job.status.restart_generation)},
      {sched::kAnnotationMinMember, absl::StrCat(spec.replicas)},
      {sched::kAnnotationGangTimeoutSeconds, absl::StrCat(options.gang_timeout_seconds)},
      {sched::kAnnotationSuperPodBlock, absl::StrCat(block)},
      {sched::kAnnotationSuperPodAffinity,
       std::string(kube::EnumName(spec.topology.super_pod_affinity))},
      {sched::kAnnotationSpareNodes, absl::StrCat(spec.topology.spare_nodes_per_super_pod)},
      {sched::kAnnotationJob, job.metadata.name},
  };
}

nlohmann::json ObjectMetaFor(const kube::PostTrainingJob& job, absl::string_view name) {
  return {{"name", name},
          {"namespace", job.metadata.namespace_},
          {"labels", {{sched::kLabelJobName, job.metadata.name}}},
          {"ownerReferences", nlohmann::json::array({OwnerReferenceTo(job)})}};
}

}  // namespace

std::string PodName(absl::string_view job, int32_t rank_index, int32_t generation) {
  return absl::StrCat(job, "-", rank_index, "-g", generation);
}
std::string GangName(absl::string_view job, int32_t generation) {
  return absl::StrCat(job, "-g", generation);
}
std::string ServiceName(absl::string_view job) { return std::string(job); }
std::string TokenSecretName(absl::string_view job) { return absl::StrCat(job, "-supervision"); }
std::string JobId(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(ns, ".", name);
}
std::string JobPodSelector(absl::string_view job) {
  return absl::StrCat(sched::kLabelJobName, "=", job);
}

nlohmann::json OwnerReferenceTo(const kube::PostTrainingJob& job) {
  return {{"apiVersion", kube::kPostTrainingJobApiVersion},
          {"kind", kube::kPostTrainingJobKind},
          {"name", job.metadata.name},
          {"uid", job.metadata.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

bool IsOwnedBy(const nlohmann::json& object, absl::string_view uid) {
  const nlohmann::json* refs = nullptr;
  if (object.contains("metadata") && object["metadata"].contains("ownerReferences")) {
    refs = &object["metadata"]["ownerReferences"];
  }
  if (refs == nullptr || !refs->is_array()) return false;
  for (const nlohmann::json& ref : *refs) {
    if (ref.value("uid", "") == uid && ref.value("controller", false)) return true;
  }
  return false;
}

nlohmann::json TrainerConfig(const kube::PostTrainingJobSpec& spec) {
  nlohmann::json encoded;
  kube::to_json(encoded, spec);
  return {{"training", encoded["training"]}, {"checkpoint", encoded["checkpoint"]}};
}

absl::StatusOr<nlohmann::json> BuildPod(const kube::PostTrainingJob& job, int32_t rank_index,
                                        const PodOptions& options) {
  const nlohmann::json& tmpl = job.spec.template_;
  if (!tmpl.is_object() || !tmpl.contains("spec") || !tmpl["spec"].is_object()) {
    return absl::InvalidArgumentError("spec.template.spec: Required value");
  }
  const nlohmann::json& containers = tmpl["spec"].value("containers", nlohmann::json());
  if (!containers.is_array() || containers.empty()) {
    return absl::InvalidArgumentError(
        "spec.template.spec.containers: Required value: at least one container");
  }
  nlohmann::json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}};
  pod["metadata"] = tmpl.value("metadata", nlohmann::json::object());
  if (!pod["metadata"].is_object()) pod["metadata"] = nlohmann::json::object();
  nlohmann::json& meta = pod["metadata"];
  const std::string name = PodName(job.metadata.name, rank_index, job.status.restart_generation);
  meta.update(ObjectMetaFor(job, name), /*merge_objects=*/false);
  nlohmann::json labels =
      tmpl.value("metadata", nlohmann::json::object()).value("labels", nlohmann::json::object());
  labels.update(JobLabels(job));
  labels[sched::kLabelRankIndex] = absl::StrCat(rank_index);
  meta["labels"] = labels;
  nlohmann::json annotations = tmpl.value("metadata", nlohmann::json::object())
                                   .value("annotations", nlohmann::json::object());
  annotations.update(GangAnnotations(job, options));
  annotations[std::string(topology::kAnnotationRankIndex)] = absl::StrCat(rank_index);
  meta["annotations"] = annotations;
  pod["spec"] = tmpl["spec"];
  nlohmann::json& spec = pod["spec"];
  spec["schedulerName"] = sched::kSchedulerName;
  if (!spec.contains("restartPolicy")) spec["restartPolicy"] = "Never";
  spec["hostname"] = name;
  spec["subdomain"] = ServiceName(job.metadata.name);
  const nlohmann::json env = SupervisionEnv(job, rank_index, options);
  for (nlohmann::json& container : spec["containers"]) MergeEnv(container, env);
  RequestNpus(spec["containers"][0], job.spec.npus_per_replica);
  AddWorkerVolumes(spec, job.spec, options.rank_table_file);
  return pod;
}

nlohmann::json BuildService(const kube::PostTrainingJob& job) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", ObjectMetaFor(job, ServiceName(job.metadata.name))},
          {"spec",
           {{"clusterIP", "None"},
            {"publishNotReadyAddresses", true},
            {"selector", {{sched::kLabelJobName, job.metadata.name}}}}}};
}

nlohmann::json BuildTokenSecret(const kube::PostTrainingJob& job, absl::string_view token) {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"type", "Opaque"},
          {"metadata", ObjectMetaFor(job, TokenSecretName(job.metadata.name))},
          {"data", {{kTokenKey, absl::Base64Escape(token)}}}};
}

absl::StatusOr<std::string> TokenFromSecret(const nlohmann::json& secret) {
  const nlohmann::json data = secret.value("data", nlohmann::json::object());
  if (!data.is_object() || !data.contains(kTokenKey) || !data[kTokenKey].is_string()) {
    return absl::InvalidArgumentError("data.token: Required value");
  }
  std::string token;
  if (!absl::Base64Unescape(data[kTokenKey].get<std::string>(), &token) || token.empty()) {
    return absl::InvalidArgumentError("data.token: Invalid value: not base64");
  }
  return token;
}

std::string NewToken() {
  std::random_device device;
  std::string bytes(32, '\0');
  for (char& byte : bytes) byte = static_cast<char>(device() & 0xff);
  return absl::BytesToHexString(bytes);
}

}  // namespace flyover::op
