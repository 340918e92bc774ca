#include "kube/client/rest_client_internal.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::kube::internal {

using nlohmann::json;

std::string ResourceLabel(const ResourceDescriptor& resource, absl::string_view subresource) {
  std::string label = resource.QualifiedName();
  if (!subresource.empty()) absl::StrAppend(&label, "/", subresource);
  return label;
}

Call MakeCall(absl::string_view verb, const ResourceDescriptor& resource,
              absl::string_view subresource, absl::string_view method, std::string path) {
  Call call;
  call.verb = std::string(verb);
  call.resource = ResourceLabel(resource, subresource);
  call.request.method = std::string(method);
  call.request.path = std::move(path);
  call.request.headers.emplace_back("Accept", "application/json");
  return call;
}

QueryBuilder WriteQuery(const WriteOptions& options) {
  QueryBuilder query;
  if (options.dry_run) query.Add("dryRun", "All");
  query.Add("fieldManager", options.field_manager);
  return query;
}

void SetJsonBody(const json& body, absl::string_view content_type, HttpRequest* request) {
  request->body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  request->content_type = std::string(content_type);
}

const char* PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kJsonPatch:
      return "application/json-patch+json";
    case PatchType::kMerge:
      break;
  }
  return "application/merge-patch+json";
}

absl::StatusOr<ObjectKey> KeyOf(const ResourceDescriptor& resource, const json& object) {
  ObjectKey key;
  if (object.is_object()) {
    auto metadata = object.find("metadata");
    if (metadata != object.end() && metadata->is_object()) {
      auto name = metadata->find("name");
      auto ns = metadata->find("namespace");
      if (name != metadata->end() && name->is_string()) key.name = name->get<std::string>();
      if (ns != metadata->end() && ns->is_string()) key.ns = ns->get<std::string>();
    }
  }
  if (key.name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(resource.QualifiedName(), ": metadata.name is required"));
  }
  if (resource.namespaced && key.ns.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(resource.QualifiedName(), " \"", key.name,
                                                   "\": metadata.namespace is required"));
  }
  return key;
}

json DeleteOptionsBody(const DeleteOptions& options) {
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (options.dry_run) body["dryRun"] = json::array({"All"});
  if (options.grace_period_seconds.has_value()) {
    body["gracePeriodSeconds"] = *options.grace_period_seconds;
  }
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  }
  return body;
}

}  // namespace flyover::kube::internal
