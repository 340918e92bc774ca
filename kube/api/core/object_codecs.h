// ObjectCodec specialisations (kube/client/object_codec.h) for the core kinds, so that
// TypedClient<core::Pod>, TypedClient<core::Node>, ... work:
//
//   TypedClient<core::Pod> pods(rest_client);
//   ASSIGN_OR_RETURN(core::Pod pod, pods.Get("team-a", "llama-sft-worker-3"));
//
// Decode is the lenient core decoding (unknown fields kept, wrong types of modelled fields
// are InvalidArgument by path); Encode writes every modelled and kept field.
#ifndef FLYOVER_KUBE_API_CORE_OBJECT_CODECS_H_
#define FLYOVER_KUBE_API_CORE_OBJECT_CODECS_H_

#include "kube/api/core/config_map.h"
#include "kube/api/core/event.h"
#include "kube/api/core/lease.h"
#include "kube/api/core/namespace.h"
#include "kube/api/core/node.h"
#include "kube/api/core/pod.h"
#include "kube/api/core/service.h"
#include "kube/client/object_codec.h"
#include "kube/client/resource.h"

namespace flyover::kube {

// One specialisation per kind: its resource descriptor and its codec functions.
#define FLYOVER_CORE_OBJECT_CODEC_(Type, ResourceFn)                                   \
  template <>                                                                          \
  struct ObjectCodec<core::Type> {                                                     \
    static const ResourceDescriptor& Resource() { return ResourceFn(); }               \
    [[nodiscard]] static absl::StatusOr<core::Type> Decode(const nlohmann::json& object) { \
      return core::Decode##Type(object);                                               \
    }                                                                                  \
    [[nodiscard]] static nlohmann::json Encode(const core::Type& object) {             \
      return core::Encode##Type(object);                                               \
    }                                                                                  \
  }

FLYOVER_CORE_OBJECT_CODEC_(Pod, PodsResource);
FLYOVER_CORE_OBJECT_CODEC_(Node, NodesResource);
FLYOVER_CORE_OBJECT_CODEC_(Service, ServicesResource);
FLYOVER_CORE_OBJECT_CODEC_(ConfigMap, ConfigMapsResource);
FLYOVER_CORE_OBJECT_CODEC_(Secret, SecretsResource);
FLYOVER_CORE_OBJECT_CODEC_(Event, EventsResource);
FLYOVER_CORE_OBJECT_CODEC_(Lease, LeasesResource);
FLYOVER_CORE_OBJECT_CODEC_(Namespace, NamespacesResource);

#undef FLYOVER_CORE_OBJECT_CODEC_

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_CORE_OBJECT_CODECS_H_
