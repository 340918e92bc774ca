// Applies the CustomResourceDefinitions of a directory (crds/) through the API, as
// `kubectl apply -f crds/` would for them: each *.yaml / *.yml / *.json file, every
// document, is created, or updated in place when it exists; then each is waited for until
// its Established condition is True.
//
// Errors: InvalidArgument naming the file for unreadable YAML or a document that is not a
// CustomResourceDefinition; the API's error naming the CRD; DeadlineExceeded naming the CRD
// that did not become Established within the timeout. Thread-compatible.
#ifndef FLYOVER_CLI_CRD_APPLY_H_
#define FLYOVER_CLI_CRD_APPLY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/client/rest_client.h"

namespace flyover::cli {

[[nodiscard]] const kube::ResourceDescriptor& CrdResource();

// Creates or updates `crd`; the stored object.
[[nodiscard]] absl::StatusOr<nlohmann::json> CreateOrUpdate(kube::RestClient* client,
                                                            const nlohmann::json& crd);

// Applies every CRD in `dir` and waits for them; returns their names.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ApplyCrdDirectory(
    kube::RestClient* client, const std::string& dir, absl::Duration timeout);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_CRD_APPLY_H_
