#include "kube/api/core/namespace.h"

#include "kube/api/core/core_json.h"

namespace flyover::kube::core {

absl::StatusOr<Namespace> DecodeNamespace(const nlohmann::json& value) {
  ErrorList errors;
  Namespace ns;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", "v1");
  r.Expect("kind", "Namespace");
  ReadMetadataField(r, &ns.metadata, &ns.metadata_rest);
  r.FieldWith("status", &ns.phase,
              [&ns](const nlohmann::json& v, const FieldPath& p, ErrorList* e, std::string* o) {
                PartialReader status(v, p, e);
                status.Field("phase", o);
                ns.status_rest = status.Rest();
              });
  ns.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "Namespace", ns.metadata);
  return ns;
}

nlohmann::json EncodeNamespace(const Namespace& ns) {
  nlohmann::json j = FromRest(ns.rest);
  j["apiVersion"] = "v1";
  j["kind"] = "Namespace";
  j["metadata"] = EncodeMetadata(ns.metadata, ns.metadata_rest);
  nlohmann::json status = FromRest(ns.status_rest);
  SetUnlessEmpty(status, "phase", ns.phase);
  SetUnlessEmpty(j, "status", status);
  return j;
}

}  // namespace flyover::kube::core
