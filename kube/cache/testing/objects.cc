#include "kube/cache/testing/objects.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

// A deterministic RFC 4122-shaped uid from two numbers.
std::string Uid(uint32_t a, uint32_t b) {
  return absl::StrFormat("%08x-%04x-4%03x-8%03x-%012x", a * 2654435761u, b & 0xFFFF,
                         (a >> 4) & 0xFFF, b & 0xFFF, uint64_t{a} * 40503u + b);
}

// 64 hex digits, as image and container ids carry.
std::string Sha256Like(uint32_t seed) {
  std::string out;
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  while (out.size() < 64) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    absl::StrAppend(&out, absl::Hex(x, absl::kZeroPad16));
  }
  return out.substr(0, 64);
}

json Condition(const char* type, const std::string& time) {
  return {
      {"type", type}, {"status", "True"}, {"lastProbeTime", nullptr}, {"lastTransitionTime", time}};
}

json WorkerContainer(const WorkerPodSpec& s, const std::string& image) {
  json resources = {{"huawei.com/Ascend910", "16"}, {"cpu", "64"}, {"memory", "512Gi"}};
  return {
      {"name", "worker"},
      {"image", image},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", {"/usr/local/bin/flyover-worker"}},
      {"args",
       {"--rank-table=/etc/flyover/hccl.json",
        absl::StrCat("--checkpoint-dir=/checkpoints/", s.job)}},
      {"env",
       {{{"name", "RANK_TABLE_FILE"}, {"value", "/etc/flyover/hccl.json"}},
        {{"name", "FLYOVER_JOB"}, {"value", s.job}},
        {{"name", "FLYOVER_REPLICA_INDEX"}, {"value", std::to_string(s.index)}},
        {{"name", "FLYOVER_SUPERVISOR"}, {"value", "flyover-operator.flyover-system:9443"}}}},
      {"ports", {{{"name", "agent"}, {"containerPort", 29400}, {"protocol", "TCP"}}}},
      {"resources", {{"limits", resources}, {"requests", resources}}},
      {"volumeMounts",
       {{{"name", "rank-table"}, {"mountPath", "/etc/flyover"}, {"readOnly", true}},
        {{"name", "checkpoints"}, {"mountPath", "/checkpoints"}}}},
      {"terminationMessagePath", "/dev/termination-log"},
      {"terminationMessagePolicy", "File"},
  };
}

json ManagedFields(const std::string& owner_uid, const std::string& created,
                   const std::string& started) {
  json labels = json::object();
  for (const char* key : {"f:app.kubernetes.io/name", "f:training.flyover.dev/job-name",
                          "f:training.flyover.dev/replica-index"}) {
    labels[key] = json::object();
  }
  json operator_fields = {
      {"f:metadata",
       {{"f:labels", labels},
        {"f:ownerReferences",
         {{absl::StrCat("k:{\"uid\":\"", owner_uid, "\"}"), json::object()}}}}},
      {"f:spec",
       {{"f:containers",
         {{"k:{\"name\":\"worker\"}",
           {{".", json::object()}, {"f:image", json::object()}, {"f:resources", json::object()}}}}},
        {"f:volumes", json::object()}}}};
  json kubelet_fields = {{"f:status",
                          {{"f:conditions", json::object()},
                           {"f:containerStatuses", json::object()},
                           {"f:hostIP", json::object()},
                           {"f:phase", json::object()},
                           {"f:podIP", json::object()},
                           {"f:startTime", json::object()}}}};
  return {{{"manager", "flyover-operator"},
           {"operation", "Apply"},
           {"apiVersion", "v1"},
           {"time", created},
           {"fieldsType", "FieldsV1"},
           {"fieldsV1", operator_fields}},
          {{"manager", "kubelet"},
           {"operation", "Update"},
           {"apiVersion", "v1"},
           {"time", started},
           {"fieldsType", "FieldsV1"},
           {"fieldsV1", kubelet_fields},
           {"subresource", "status"}}};
}

}  // namespace

json MakeObject(const ObjectSpec& spec) {
  json meta = {{"name", spec.name}};
  if (!spec.namespace_.empty()) meta["namespace"] = spec.namespace_;
  if (!spec.uid.empty()) meta["uid"] = spec.uid;
  if (!spec.resource_version.empty()) meta["resourceVersion"] = spec.resource_version;
  if (!spec.labels.empty()) meta["labels"] = spec.labels;
  if (!spec.controller_uid.empty()) {
    meta["ownerReferences"] = {{{"apiVersion", "training.flyover.dev/v1alpha1"},
                                {"kind", "PostTrainingJob"},
                                {"name", "owner"},
                                {"uid", spec.controller_uid},
                                {"controller", true}}};
  }
  json object = {{"apiVersion", spec.api_version}, {"kind", spec.kind}, {"metadata", meta}};
  if (!spec.spec.is_null()) object["spec"] = spec.spec;
  return object;
}

json MakeWorkerPod(const WorkerPodSpec& s) {
  const uint32_t i = static_cast<uint32_t>(s.index);
  const std::string name = absl::StrCat(s.job, "-worker-", s.index);
  const std::string owner_uid = Uid(0xF1, 0x0);
  const std::string created = absl::StrFormat("2026-01-01T00:%02d:%02dZ", i / 60 % 60, i % 60);
  const std::string started = absl::StrFormat("2026-01-01T01:%02d:%02dZ", i / 60 % 60, i % 60);
  const std::string image = "registry.flyover.dev/flyover/worker:0.1.0";
  const std::string node = absl::StrFormat("node-sp%02d-%02d", i / 48 % 100, i % 48);
  const std::string pod_ip = absl::StrFormat("172.16.%d.%d", i / 250 % 250, i % 250 + 2);
  json metadata = {
      {"name", name},
      {"namespace", s.namespace_},
      {"uid", Uid(i, 0x5EED)},
      {"resourceVersion", s.resource_version},
      {"creationTimestamp", created},
      {"labels",
       {{"app.kubernetes.io/name", "flyover-worker"},
        {"training.flyover.dev/job-name", s.job},
        {"training.flyover.dev/replica-index", std::to_string(s.index)}}},
      {"ownerReferences",
       {{{"apiVersion", "training.flyover.dev/v1alpha1"},
         {"kind", "PostTrainingJob"},
         {"name", s.job},
         {"uid", owner_uid},
         {"controller", true},
         {"blockOwnerDeletion", true}}}},
      {"managedFields", ManagedFields(owner_uid, created, started)},
  };
  json spec = {
      {"containers", {WorkerContainer(s, image)}},
      {"volumes",
       {{{"name", "rank-table"},
         {"configMap", {{"name", absl::StrCat(s.job, "-rank-table")}, {"defaultMode", 420}}}},
        {{"name", "checkpoints"},
         {"persistentVolumeClaim", {{"claimName", absl::StrCat(s.job, "-checkpoints")}}}}}},
      {"restartPolicy", "Never"},
      {"terminationGracePeriodSeconds", 30},
      {"serviceAccountName", "flyover-worker"},
      {"nodeName", node},
      {"schedulerName", "flyover-scheduler"},
      {"hostname", name},
      {"subdomain", s.job},
      {"priority", 0},
  };
  json status = {
      {"phase", "Running"},
      {"conditions",
       {Condition("Initialized", started), Condition("Ready", started),
        Condition("ContainersReady", started), Condition("PodScheduled", created)}},
      {"hostIP", absl::StrFormat("10.3.%d.%d", i / 48 % 250, i % 48 + 10)},
      {"podIP", pod_ip},
      {"podIPs", {{{"ip", pod_ip}}}},
      {"startTime", started},
      {"containerStatuses",
       {{{"name", "worker"},
         {"state", {{"running", {{"startedAt", started}}}}},
         {"ready", true},
         {"restartCount", 0},
         {"image", image},
         {"imageID", absl::StrCat("registry.flyover.dev/flyover/worker@sha256:", Sha256Like(7))},
         {"containerID", absl::StrCat("containerd://", Sha256Like(i + 1000))},
         {"started", true}}}},
      {"qosClass", "Guaranteed"},
  };
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", metadata},
          {"spec", spec},
          {"status", status}};
}

}  // namespace flyover::kube
