// The patch strategies of built-in kinds, from the patchStrategy / patchMergeKey
// annotations of the Kubernetes API types (k8s.io/api), as strategic merge patch reads them.
//
// A field is named by its dotted JSON path from the object's root; entering a list element
// adds no segment, so a container's env list in a Deployment is
// "spec.template.spec.containers.env". Fields missing from the table use the defaults:
// objects merge member by member and lists are replaced whole. The table holds:
//   every kind      metadata.finalizers (merged as a set), metadata.ownerReferences (uid)
//   pod specs       containers, initContainers, ephemeralContainers, volumes,
//                   imagePullSecrets, schedulingGates, resourceClaims (name);
//                   hostAliases (ip); topologySpreadConstraints (topologyKey);
//                   in each container: env (name), ports (containerPort),
//                   volumeMounts (mountPath), volumeDevices (devicePath).
//                   tolerations have no strategy: a patch replaces them.
//                   Pod spec, PodTemplate template.spec, workloads' spec.template.spec,
//                   CronJob spec.jobTemplate.spec.template.spec
//   status          conditions (type) of Pod, Node, Namespace, Service, PVC, RC,
//                   Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, PDB;
//                   Pod podIPs / hostIPs (ip); Node addresses (type)
//   others          Node spec.podCIDRs (set), Service spec.ports (port),
//                   ServiceAccount secrets (name)
// Node spec.taints has no strategy in the API either (kubectl taint sends the whole list).
//
// Schemas are built once and immutable; lookups are thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_SCHEMA_H_
#define FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_SCHEMA_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "apiserver/semantics/api_status_builder.h"

namespace flyover::apiserver {

// The strategy of one list field.
struct ListStrategy {
  // patchStrategy "merge": elements merge by `merge_key` (objects) or as a set
  // (primitives); otherwise the patch's list replaces the object's.
  bool merge = false;
  std::string merge_key;  // patchMergeKey; empty for lists of primitives
};

class PatchSchema {
 public:
  // The strategy of the list at `path`; nullptr when the list is replaced whole.
  [[nodiscard]] const ListStrategy* Find(absl::string_view path) const;

  void AddMergeList(const std::string& path, std::string merge_key);

 private:
  absl::flat_hash_map<std::string, ListStrategy> lists_;
};

// Whether kube-apiserver serves `kind` as a built-in type, i.e. accepts strategic merge
// patches for it. Custom resources (any group not built into Kubernetes, such as
// training.flyover.dev) do not.
[[nodiscard]] bool SupportsStrategicMergePatch(const GroupKind& kind);

// The schema of a built-in kind (built-in kinds not in the table get the ObjectMeta
// strategies only); nullptr when SupportsStrategicMergePatch(kind) is false.
[[nodiscard]] const PatchSchema* PatchSchemaFor(const GroupKind& kind);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_STRATEGIC_MERGE_SCHEMA_H_
