// pods/binding: the scheduler's way to place a pod (POST .../pods/<name>/binding with a
// Binding {"target": {"kind": "Node", "name": "<node>"}}). Sets spec.nodeName, copies the
// Binding's metadata.annotations onto the pod (existing keys overwritten, others kept) and
// sets the PodScheduled=True condition, all in one storage write (one watch event), as
// kube-apiserver's binding storage does.
// Errors (with their Status payloads): 404 if the pod does not exist; 409 Conflict if it is
// already assigned to a node, being deleted, or the Binding's metadata.uid is set and is not
// the pod's; 422 if the target has no name or is not a Node; 400 if the Binding names
// another pod.
//
// Thread-safety: thread-safe (one storage read-modify-write).
#ifndef FLYOVER_APISERVER_SERVER_BINDING_H_
#define FLYOVER_APISERVER_SERVER_BINDING_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "apiserver/server/object_service.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

[[nodiscard]] absl::Status BindPod(ObjectService& objects, absl::string_view namespace_,
                                   absl::string_view pod, const nlohmann::json& binding);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_BINDING_H_
