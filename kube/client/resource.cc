#include "kube/client/resource.h"

#include "absl/strings/str_cat.h"
#include "kube/api/post_training_job.h"

namespace flyover::kube {

std::string ResourceDescriptor::ApiVersion() const {
  return group.empty() ? version : absl::StrCat(group, "/", version);
}

std::string ResourceDescriptor::QualifiedName() const {
  return group.empty() ? plural : absl::StrCat(plural, ".", group);
}

const ResourceDescriptor& PodsResource() {
  static const ResourceDescriptor* const kPods =
      new ResourceDescriptor{"", "v1", "pods", "Pod", true};
  return *kPods;
}

#define FLYOVER_RESOURCE(function, group, version, plural, kind, namespaced)  \
  const ResourceDescriptor& function() {                                   \
    static const ResourceDescriptor* const kValue =                        \
        new ResourceDescriptor{group, version, plural, kind, namespaced};  \
    return *kValue;                                                        \
  }
FLYOVER_RESOURCE(NodesResource, "", "v1", "nodes", "Node", false)
FLYOVER_RESOURCE(NamespacesResource, "", "v1", "namespaces", "Namespace", false)
FLYOVER_RESOURCE(ServicesResource, "", "v1", "services", "Service", true)
FLYOVER_RESOURCE(ConfigMapsResource, "", "v1", "configmaps", "ConfigMap", true)
FLYOVER_RESOURCE(SecretsResource, "", "v1", "secrets", "Secret", true)
FLYOVER_RESOURCE(EventsResource, "", "v1", "events", "Event", true)
FLYOVER_RESOURCE(LeasesResource, "coordination.k8s.io", "v1", "leases", "Lease", true)
#undef FLYOVER_RESOURCE

const ResourceDescriptor& PostTrainingJobsResource() {
  static const ResourceDescriptor* const kJobs =
      new ResourceDescriptor{kPostTrainingJobGroup, kPostTrainingJobVersion,
                             kPostTrainingJobPlural, kPostTrainingJobKind, true};
  return *kJobs;
}

std::string CollectionPath(const ResourceDescriptor& resource, absl::string_view ns) {
  std::string path = resource.group.empty()
                         ? absl::StrCat("/api/", resource.version)
                         : absl::StrCat("/apis/", resource.group, "/", resource.version);
  if (resource.namespaced && !ns.empty()) absl::StrAppend(&path, "/namespaces/", UrlEncode(ns));
  absl::StrAppend(&path, "/", resource.plural);
  return path;
}

std::string ObjectPath(const ResourceDescriptor& resource, absl::string_view ns,
                       absl::string_view name, absl::string_view subresource) {
  std::string path = absl::StrCat(CollectionPath(resource, ns), "/", UrlEncode(name));
  if (!subresource.empty()) absl::StrAppend(&path, "/", subresource);
  return path;
}

QueryBuilder& QueryBuilder::Add(absl::string_view key, absl::string_view value) {
  if (!value.empty()) params_.emplace_back(std::string(key), std::string(value));
  return *this;
}

std::string QueryBuilder::Build() const {
  std::string query;
  for (const auto& [key, value] : params_) {
    absl::StrAppend(&query, query.empty() ? "?" : "&", UrlEncode(key), "=", UrlEncode(value));
  }
  return query;
}

std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace flyover::kube
