// Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.protobuf), for
// the few kinds kubectl 1.32's typed clients create that way: `kubectl create namespace`,
// `kubectl create configmap` and `kubectl create secret` send Namespace, ConfigMap and
// Secret as protobuf. The body is the "k8s\0" magic followed by a runtime.Unknown envelope
// whose raw bytes are the object's message (k8s.io/api core/v1 generated.proto field
// numbers); it is decoded here into the JSON object the rest of the server handles.
// ObjectMeta keeps name, generateName, namespace, uid, resourceVersion, labels,
// annotations, ownerReferences and finalizers; server-set times are dropped.
//
// Other kinds answer 415 UnsupportedMediaType listing the JSON and YAML media types, which
// every client can fall back to. Malformed bodies are 400. Pure functions.
#ifndef FLYOVER_APISERVER_SERVER_PROTOBUF_BODY_H_
#define FLYOVER_APISERVER_SERVER_PROTOBUF_BODY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

inline constexpr char kProtobufMediaType[] = "application/vnd.kubernetes.protobuf";

[[nodiscard]] absl::StatusOr<nlohmann::json> DecodeProtobufBody(
    const discovery::ResourceInfo& resource, absl::string_view body);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_PROTOBUF_BODY_H_
