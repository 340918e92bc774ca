// CustomResourceDefinition admission: the checks and the status kube-apiextensions-server
// gives a CRD before its resources are served.
//
// ValidateCrd refuses (422) a CRD whose name is not "<plural>.<group>", or which the
// resource registry would not accept (missing names, bad printer-column paths, names
// another resource already serves), naming the field. SetCrdStatus writes what the
// apiextensions controllers write once the names are accepted and the resource is served:
// conditions NamesAccepted and Established (status True, lastTransitionTime kept while the
// status stays), acceptedNames (= spec.names, with listKind and singular filled in) and
// storedVersions (the storage version added to those recorded before).
//
// Thread-safety: free functions; RegistryState is thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_CRD_ADMISSION_H_
#define FLYOVER_APISERVER_SERVER_CRD_ADMISSION_H_

#include "absl/time/time.h"
#include "apiserver/server/registry_state.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

void ValidateCrd(const nlohmann::json& crd, const RegistryState& registry, kube::ErrorList* errors);

// `old` is the stored CRD on updates, else null.
void SetCrdStatus(nlohmann::json& crd, const nlohmann::json* old, absl::Time now);

// The storage resource of a CRD's custom resources, "<plural>.<group>" (its name).
std::string CrdStorageResource(const nlohmann::json& crd);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_CRD_ADMISSION_H_
