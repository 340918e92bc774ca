// Mapping informer events to work-queue keys, after controller-runtime's handler package:
// which keys should be reconciled when an object changes.
//
//   controller->Watch(jobs_informer, EnqueueObject());
//   controller->Watch(pods_informer, EnqueueOwner({.api_group = "training.flyover.dev",
//                                                  .kind = "PostTrainingJob"}));
//
// A KeyMapper turns one object into the keys ("namespace/name", or "name" for
// cluster-scoped objects) to enqueue. The controller applies it to the object of an add
// or delete, and to both the old and the new object of an update (so that an owner
// change reconciles both owners); duplicate keys are queued once.
//
// Pure functions; the mappers are immutable and thread-safe.
#ifndef FLYOVER_KUBE_CONTROLLER_HANDLERS_H_
#define FLYOVER_KUBE_CONTROLLER_HANDLERS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/cache/packed_json.h"

namespace flyover::kube {

using KeyMapper = std::function<std::vector<std::string>(JsonView object)>;

// The object's own key (none for an object without a name).
[[nodiscard]] KeyMapper EnqueueObject();

// Which owner references count.
struct OwnerMatch {
  std::string api_group;  // the owner's API group ("" for core), any version
  std::string kind;       // the owner's kind
  // Only the reference with controller: true (controller-runtime's OnlyControllerOwner).
  bool only_controller = true;
  // The owner is cluster-scoped: its key is its bare name.
  bool cluster_scoped = false;
};

// The keys of the owners `match` selects among the object's metadata.ownerReferences.
// A namespaced owner lives in the object's namespace (owner references cannot cross
// namespaces).
[[nodiscard]] std::vector<std::string> OwnerKeys(JsonView object, const OwnerMatch& match);
[[nodiscard]] KeyMapper EnqueueOwner(OwnerMatch match);

// The group of an apiVersion: "training.flyover.dev/v1alpha1" -> "training.flyover.dev",
// "v1" -> "".
[[nodiscard]] absl::string_view ApiGroupOf(absl::string_view api_version);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_HANDLERS_H_
