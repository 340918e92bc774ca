#include "operator/worker_volumes.h"

#include "gtest/gtest.h"

namespace flyover::op {
namespace {

nlohmann::json TwoContainers() {
  return nlohmann::json::parse(R"({"containers": [{"name": "worker"}, {"name": "sidecar"}]})");
}

const nlohmann::json* Find(const nlohmann::json& list, const std::string& name) {
  for (const nlohmann::json& entry : list) {
    if (entry.value("name", "") == name) return &entry;
  }
  return nullptr;
}

TEST(WorkerVolumesTest, RankTableDirAndReplicaDirAreEmptyDirsInEveryContainer) {
  nlohmann::json spec = TwoContainers();
  AddWorkerVolumes(spec, {}, "/user/serverid/devindex/config/hccl.json");
  ASSERT_EQ(spec["volumes"].size(), 2u) << spec.dump();
  const nlohmann::json* table = Find(spec["volumes"], kRankTableVolume);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ((*table)["emptyDir"], nlohmann::json::object());
  const nlohmann::json* replicas = Find(spec["volumes"], kReplicaVolume);
  ASSERT_NE(replicas, nullptr);
  EXPECT_EQ((*replicas)["emptyDir"]["medium"], "Memory");
  for (const nlohmann::json& container : spec["containers"]) {
    EXPECT_EQ((*Find(container["volumeMounts"], kRankTableVolume))["mountPath"],
              "/user/serverid/devindex/config");
    EXPECT_EQ((*Find(container["volumeMounts"], kReplicaVolume))["mountPath"],
              "/dev/shm/flyover-replicas");
    EXPECT_EQ((*Find(container["env"], "FLYOVER_REPLICA_DIR"))["value"],
              "/dev/shm/flyover-replicas");
  }
}

TEST(WorkerVolumesTest, CheckpointClaimIsMountedAtThePath) {
  kube::PostTrainingJobSpec job;
  job.checkpoint.path = "/ckpt";
  job.checkpoint.volume_claim_name = "shared";
  nlohmann::json spec = TwoContainers();
  AddWorkerVolumes(spec, job, "/etc/hccl/hccl.json");
  const nlohmann::json* claim = Find(spec["volumes"], kCheckpointVolume);
  ASSERT_NE(claim, nullptr) << spec.dump();
  EXPECT_EQ((*claim)["persistentVolumeClaim"]["claimName"], "shared");
  EXPECT_EQ((*Find(spec["containers"][1]["volumeMounts"], kCheckpointVolume))["mountPath"],
            "/ckpt");
}

TEST(WorkerVolumesTest, NoClaimNoCheckpointVolume) {
  nlohmann::json spec = TwoContainers();
  AddWorkerVolumes(spec, {}, "/etc/hccl/hccl.json");
  EXPECT_EQ(Find(spec["volumes"], kCheckpointVolume), nullptr);
}

TEST(WorkerVolumesTest, TemplateVolumesMountsAndEnvWin) {
  nlohmann::json spec = nlohmann::json::parse(R"({
      "volumes": [{"name": "flyover-replicas", "hostPath": {"path": "/big"}}],
      "containers": [{"name": "worker",
                      "volumeMounts": [{"name": "mine", "mountPath": "/etc/hccl"}],
                      "env": [{"name": "FLYOVER_REPLICA_DIR", "value": "/big"}]}]})");
  AddWorkerVolumes(spec, {}, "/etc/hccl/hccl.json");
  EXPECT_EQ((*Find(spec["volumes"], kReplicaVolume))["hostPath"]["path"], "/big");
  EXPECT_EQ(Find(spec["containers"][0]["volumeMounts"], kReplicaVolume), nullptr);
  EXPECT_EQ(Find(spec["containers"][0]["volumeMounts"], kRankTableVolume), nullptr);
  EXPECT_EQ(spec["containers"][0]["env"].size(), 1u);
  EXPECT_EQ(spec["containers"][0]["env"][0]["value"], "/big");
}

}  // namespace
}  // namespace flyover::op
