// OpenAPI schemas of the built-in kinds, in the neutral form of schema_dsl.h, keyed by
// the definition names kube-apiserver uses (io.k8s.api.core.v1.Pod, ...).
//
// Coverage: every field of the objects people write in manifests (ObjectMeta, Pod with
// PodSpec, Container and friends, Service, ConfigMap, Secret, Namespace, Node, Event,
// Lease, CustomResourceDefinition, ServiceAccount, the RBAC kinds) is declared, so client-side validation does not
// reject valid manifests as having unknown fields; deeper or rarer structures (affinity,
// probes, volume sources, security contexts, status details) are declared as free-form
// objects described in words. Lists that strategic merge patch merges carry their
// x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key. Internal to
// apiserver/discovery: others read them through builtin_kind_schemas.h.
#ifndef FLYOVER_APISERVER_DISCOVERY_BUILTIN_SCHEMAS_H_
#define FLYOVER_APISERVER_DISCOVERY_BUILTIN_SCHEMAS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "apiserver/discovery/builtin_kind_schemas.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

// Parts of BuiltinDefinitions(), one per source file.
void AddMetaDefinitions(nlohmann::json* definitions);
void AddPodDefinitions(nlohmann::json* definitions);
void AddClusterDefinitions(nlohmann::json* definitions);
void AddRbacDefinitions(nlohmann::json* definitions);  // and ServiceAccount

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_BUILTIN_SCHEMAS_H_
