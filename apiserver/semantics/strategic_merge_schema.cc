#include "apiserver/semantics/strategic_merge_schema.h"

#include <map>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace flyover::apiserver {
namespace {

std::string Join(absl::string_view prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

void AddObjectMeta(PatchSchema* schema) {
  schema->AddMergeList("metadata.finalizers", "");
  schema->AddMergeList("metadata.ownerReferences", "uid");
}

// A PodSpec at `prefix` (k8s.io/api/core/v1 PodSpec, Container, EphemeralContainer).
void AddPodSpec(PatchSchema* schema, absl::string_view prefix) {
  for (const char* list : {"volumes", "imagePullSecrets", "schedulingGates", "resourceClaims"}) {
    schema->AddMergeList(Join(prefix, list), "name");
  }
  schema->AddMergeList(Join(prefix, "hostAliases"), "ip");
  schema->AddMergeList(Join(prefix, "topologySpreadConstraints"), "topologyKey");
  for (const char* containers : {"containers", "initContainers", "ephemeralContainers"}) {
    const std::string path = Join(prefix, containers);
    schema->AddMergeList(path, "name");
    schema->AddMergeList(Join(path, "env"), "name");
    schema->AddMergeList(Join(path, "ports"), "containerPort");
    schema->AddMergeList(Join(path, "volumeMounts"), "mountPath");
    schema->AddMergeList(Join(path, "volumeDevices"), "devicePath");
  }
}

void AddConditions(PatchSchema* schema) { schema->AddMergeList("status.conditions", "type"); }

using SchemaMap = std::map<std::pair<std::string, std::string>, PatchSchema>;

void AddWorkloads(SchemaMap* schemas) {
  for (const auto& [group, kind] : std::initializer_list<std::pair<const char*, const char*>>{
           {"", "ReplicationController"},
           {"apps", "Deployment"},
           {"apps", "ReplicaSet"},
           {"apps", "StatefulSet"},
           {"apps", "DaemonSet"},
           {"batch", "Job"}}) {
    PatchSchema& schema = (*schemas)[{group, kind}];
    AddPodSpec(&schema, "spec.template.spec");
    AddConditions(&schema);
  }
  AddPodSpec(&(*schemas)[{"batch", "CronJob"}], "spec.jobTemplate.spec.template.spec");
  AddPodSpec(&(*schemas)[{"", "PodTemplate"}], "template.spec");
}

void AddCoreKinds(SchemaMap* schemas) {
  PatchSchema& pod = (*schemas)[{"", "Pod"}];
  AddPodSpec(&pod, "spec");
  AddConditions(&pod);
  pod.AddMergeList("status.podIPs", "ip");
  pod.AddMergeList("status.hostIPs", "ip");
  pod.AddMergeList("status.resourceClaimStatuses", "name");

  PatchSchema& node = (*schemas)[{"", "Node"}];
  AddConditions(&node);
  node.AddMergeList("status.addresses", "type");
  node.AddMergeList("spec.podCIDRs", "");

  PatchSchema& service = (*schemas)[{"", "Service"}];
  service.AddMergeList("spec.ports", "port");
  AddConditions(&service);

  AddConditions(&(*schemas)[{"", "Namespace"}]);
  AddConditions(&(*schemas)[{"", "PersistentVolumeClaim"}]);
  AddConditions(&(*schemas)[{"policy", "PodDisruptionBudget"}]);
  (*schemas)[{"", "ServiceAccount"}].AddMergeList("secrets", "name");
}

const SchemaMap& Schemas() {
  static const SchemaMap* const kSchemas = [] {
    auto* schemas = new SchemaMap;
    AddCoreKinds(schemas);
    AddWorkloads(schemas);
    for (auto& [kind, schema] : *schemas) AddObjectMeta(&schema);
    return schemas;
  }();
  return *kSchemas;
}

const PatchSchema& ObjectMetaOnly() {
  static const PatchSchema* const kSchema = [] {
    auto* schema = new PatchSchema;
    AddObjectMeta(schema);
    return schema;
  }();
  return *kSchema;
}

// API groups compiled into kube-apiserver (and apiextensions / aggregator).
bool IsBuiltInGroup(absl::string_view group) {
  static const auto* const kGroups = new absl::flat_hash_set<std::string>{
      "",
      "admissionregistration.k8s.io",
      "apiextensions.k8s.io",
      "apiregistration.k8s.io",
      "apps",
      "authentication.k8s.io",
      "authorization.k8s.io",
      "autoscaling",
      "batch",
      "certificates.k8s.io",
      "coordination.k8s.io",
      "discovery.k8s.io",
      "events.k8s.io",
      "flowcontrol.apiserver.k8s.io",
      "internal.apiserver.k8s.io",
      "networking.k8s.io",
      "node.k8s.io",
      "policy",
      "rbac.authorization.k8s.io",
      "resource.k8s.io",
      "scheduling.k8s.io",
      "storage.k8s.io",
      "storagemigration.k8s.io",
  };
  return kGroups->contains(std::string(group));
}

}  // namespace

const ListStrategy* PatchSchema::Find(absl::string_view path) const {
  auto it = lists_.find(path);
  return it == lists_.end() ? nullptr : &it->second;
}

void PatchSchema::AddMergeList(const std::string& path, std::string merge_key) {
  lists_[path] = ListStrategy{true, std::move(merge_key)};
}

bool SupportsStrategicMergePatch(const GroupKind& kind) {
  return !kind.kind.empty() && IsBuiltInGroup(kind.group);
}

const PatchSchema* PatchSchemaFor(const GroupKind& kind) {
  if (!SupportsStrategicMergePatch(kind)) return nullptr;
  auto it = Schemas().find({kind.group, kind.kind});
  return it == Schemas().end() ? &ObjectMetaOnly() : &it->second;
}

}  // namespace flyover::apiserver
