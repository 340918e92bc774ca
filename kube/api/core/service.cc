#include "kube/api/core/service.h"

namespace flyover::kube::core {
namespace {

void ReadServiceSpec(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
              ServiceSpec* out) {
  PartialReader r(value, path, errors);
  r.Field("clusterIP", &out->cluster_ip);
  r.Field("selector", &out->selector);
  r.Field("ports", &out->ports);
  out->rest = r.Rest();
}

nlohmann::json ServiceSpecJson(const ServiceSpec& spec) {
  nlohmann::json j = FromRest(spec.rest);
  SetUnlessEmpty(j, "clusterIP", spec.cluster_ip);
  SetUnlessEmpty(j, "selector", spec.selector);
  SetUnlessEmpty(j, "ports", spec.ports);
  return j;
}

}  // namespace

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ServicePort* out) {
  PartialReader r(value, path, errors);
  r.Field("name", &out->name);
  r.Field("port", &out->port);
  r.Field("targetPort", &out->target_port);
  out->rest = r.Rest();
}

void to_json(nlohmann::json& j, const ServicePort& port) {
  j = FromRest(port.rest);
  SetUnlessEmpty(j, "name", port.name);
  j["port"] = port.port;
  SetIfPresent(j, "targetPort", port.target_port);
}

absl::StatusOr<Service> DecodeService(const nlohmann::json& value) {
  ErrorList errors;
  Service service;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", "v1");
  r.Expect("kind", "Service");
  ReadMetadataField(r, &service.metadata, &service.metadata_rest);
  r.FieldWith("spec", &service.spec, ReadServiceSpec);
  service.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "Service", service.metadata);
  return service;
}

nlohmann::json EncodeService(const Service& service) {
  nlohmann::json j = FromRest(service.rest);
  j["apiVersion"] = "v1";
  j["kind"] = "Service";
  j["metadata"] = EncodeMetadata(service.metadata, service.metadata_rest);
  SetUnlessEmpty(j, "spec", ServiceSpecJson(service.spec));
  return j;
}

}  // namespace flyover::kube::core
