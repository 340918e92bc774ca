// The OpenAPI v2 document in protobuf: gnostic's `openapi.v2.Document` message, which is
// what every kubectl asks /openapi/v2 for (Accept:
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf) and decodes with
// proto.Unmarshal before `apply`, `create`, `replace` (client-side validation) and
// `explain` can run. Serving JSON there makes those commands fail.
//
// Written straight in the protobuf wire format (no protobuf library): the fields that
// kube-openapi's model reads are encoded — Document.swagger, info.title/version and
// definitions; per Schema: $ref, format, title, description, required, type, items,
// properties, additionalProperties (schema or boolean) and the x- vendor extensions
// (their values as JSON text, which the reader parses as YAML). Other keywords (enum,
// bounds, defaults) are left out; no kubectl reads them from v2.
//
// Input is an OpenApiV2Document (openapi.h). Pure; non-string scalars where the message
// wants strings are skipped rather than failing.
#ifndef FLYOVER_APISERVER_DISCOVERY_OPENAPI_PROTO_H_
#define FLYOVER_APISERVER_DISCOVERY_OPENAPI_PROTO_H_

#include <string>

#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

std::string OpenApiV2Protobuf(const nlohmann::json& v2_document);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_OPENAPI_PROTO_H_
