// Admission of the rbac.authorization.k8s.io/v1 kinds, as kube-apiserver's RBAC
// validation does it (errors in its wording, each naming the field):
//   rules[i]     verbs is required; a rule names either resources (then apiGroups and
//                resources are required) or nonResourceURLs, not both; Roles (namespaced)
//                cannot name nonResourceURLs;
//   roleRef      apiGroup must be rbac.authorization.k8s.io, kind Role or ClusterRole
//                (ClusterRole only for a ClusterRoleBinding), name is required; on update
//                it cannot change (422 "cannot change roleRef");
//   subjects[i]  kind is User, Group or ServiceAccount, name is required, and a
//                ServiceAccount subject of a ClusterRoleBinding needs a namespace.
// Nothing is authorized with these objects: the server admits every request.
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SERVER_RBAC_ADMISSION_H_
#define FLYOVER_APISERVER_SERVER_RBAC_ADMISSION_H_

#include "apiserver/discovery/resource_registry.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

bool IsRbacResource(const discovery::ResourceInfo& resource);

// Appends the problems of `object` (a Role, ClusterRole, RoleBinding or
// ClusterRoleBinding) to `errors`; `old` is the stored object on updates, else null.
void ValidateRbacObject(const discovery::ResourceInfo& resource, const nlohmann::json& object,
                        const nlohmann::json* old, kube::ErrorList* errors);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_RBAC_ADMISSION_H_
