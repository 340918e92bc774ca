// Reading the Accept header the way kube-apiserver negotiates: which of the documents in
// this directory a client asked for. kubectl sends, for example,
//   /api, /apis:   application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,
//                  application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,
//                  application/json
//   /openapi/v2:   application/com.github.proto-openapi.spec.v2@v1.0+protobuf
//   kubectl get:   application/json;as=Table;v=v1;g=meta.k8s.io,
//                  application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json
// Media types and parameter names compare case-insensitively; order of parameters does
// not matter. Pure functions.
#ifndef FLYOVER_APISERVER_DISCOVERY_MEDIA_TYPE_H_
#define FLYOVER_APISERVER_DISCOVERY_MEDIA_TYPE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace flyover::apiserver::discovery {

// Content types of the responses.
inline constexpr char kJsonContentType[] = "application/json";
inline constexpr char kAggregatedDiscoveryContentType[] =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
// kubectl asks for "...spec.v2@v1.0+protobuf", but Go's mime parser rejects the '@' in a
// response's Content-Type (kubectl 1.20 then fails with "mime: unexpected content after
// media subtype"), so the answer uses the dotted spelling, as kube-apiserver does.
inline constexpr char kOpenApiV2ProtobufContentType[] =
    "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
inline constexpr char kTableContentType[] = "application/json;as=Table;v=v1;g=meta.k8s.io";

// One entry of an Accept header: "type/subtype" lower-cased, parameters by lower-cased
// name (values verbatim, without quotes).
struct MediaRange {
  std::string type;
  std::map<std::string, std::string> params;
};

std::vector<MediaRange> ParseAccept(absl::string_view accept);

// The client takes aggregated discovery (apidiscovery.k8s.io/v2). Only v2 is served; a
// client offering only v2beta1 gets the unaggregated documents, which every client reads.
bool AcceptsAggregatedDiscovery(absl::string_view accept);

// The client asks for the OpenAPI v2 document as protobuf (gnostic's openapi.v2.Document).
bool AcceptsOpenApiV2Protobuf(absl::string_view accept);

// The client asks for meta.k8s.io/v1 Table rendering.
bool AcceptsTable(absl::string_view accept);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_MEDIA_TYPE_H_
