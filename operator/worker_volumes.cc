#include "operator/worker_volumes.h"

#include <filesystem>
#include <utility>
#include <vector>

namespace flyover::op {
namespace {

struct WorkerVolume {
  std::string name;
  nlohmann::json source;  // {"emptyDir": {...}} or {"persistentVolumeClaim": {...}}
  std::string mount_path;
};

bool HasEntry(const nlohmann::json& list, const char* key, const std::string& value) {
  if (!list.is_array()) return false;
  for (const nlohmann::json& entry : list) {
    if (entry.is_object() && entry.value(key, "") == value) return true;
  }
  return false;
}

std::vector<WorkerVolume> VolumesFor(const kube::PostTrainingJobSpec& job_spec,
                                     const std::string& rank_table_file) {
  std::vector<WorkerVolume> volumes;
  const std::string table_dir = std::filesystem::path(rank_table_file).parent_path().string();
  if (!table_dir.empty() && table_dir != "/") {
    volumes.push_back({kRankTableVolume, {{"emptyDir", nlohmann::json::object()}}, table_dir});
  }
  volumes.push_back(
      {kReplicaVolume, {{"emptyDir", {{"medium", "Memory"}}}}, kDefaultReplicaDir});
  if (job_spec.checkpoint.volume_claim_name) {
    volumes.push_back(
        {kCheckpointVolume,
         {{"persistentVolumeClaim", {{"claimName", *job_spec.checkpoint.volume_claim_name}}}},
         job_spec.checkpoint.path});
  }
  return volumes;
}

void MountIn(nlohmann::json& container, const WorkerVolume& volume) {
  nlohmann::json& mounts = container["volumeMounts"];
  if (!mounts.is_array()) mounts = nlohmann::json::array();
  if (HasEntry(mounts, "name", volume.name) || HasEntry(mounts, "mountPath", volume.mount_path)) {
    return;
  }
  mounts.push_back({{"name", volume.name}, {"mountPath", volume.mount_path}});
}

void SetReplicaDir(nlohmann::json& container) {
  nlohmann::json& env = container["env"];
  if (!env.is_array()) env = nlohmann::json::array();
  if (HasEntry(env, "name", "FLYOVER_REPLICA_DIR")) return;
  env.push_back({{"name", "FLYOVER_REPLICA_DIR"}, {"value", kDefaultReplicaDir}});
}

}  // namespace

void AddWorkerVolumes(nlohmann::json& pod_spec, const kube::PostTrainingJobSpec& job_spec,
                      const std::string& rank_table_file) {
  nlohmann::json& volumes = pod_spec["volumes"];
  if (!volumes.is_array()) volumes = nlohmann::json::array();
  for (WorkerVolume& volume : VolumesFor(job_spec, rank_table_file)) {
    if (HasEntry(volumes, "name", volume.name)) continue;
    nlohmann::json entry = std::move(volume.source);
    entry["name"] = volume.name;
    volumes.push_back(std::move(entry));
    for (nlohmann::json& container : pod_spec["containers"]) MountIn(container, volume);
  }
  for (nlohmann::json& container : pod_spec["containers"]) SetReplicaDir(container);
}

}  // namespace flyover::op
