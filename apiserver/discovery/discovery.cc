#include "apiserver/discovery/discovery.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

json GroupVersionEntry(absl::string_view group, absl::string_view version) {
  std::string gv = group.empty() ? std::string(version) : absl::StrCat(group, "/", version);
  return {{"groupVersion", gv}, {"version", version}};
}

json ApiGroupEntry(const GroupVersions& group) {
  json versions = json::array();
  for (const std::string& v : group.versions) versions.push_back(GroupVersionEntry(group.group, v));
  return {{"name", group.group},
          {"versions", versions},
          {"preferredVersion", GroupVersionEntry(group.group, group.versions.front())}};
}

const GroupVersions* FindGroup(const std::vector<GroupVersions>& groups, absl::string_view name) {
  auto it = std::find_if(groups.begin(), groups.end(),
                         [&](const GroupVersions& g) { return g.group == name; });
  return it == groups.end() ? nullptr : &*it;
}

// Sets `key` only when the list is not empty, as Go's omitempty does.
void SetList(json* out, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) (*out)[key] = values;
}

json ResourceEntry(const ResourceInfo& r) {
  json entry = {{"name", r.plural},     {"singularName", r.singular}, {"namespaced", r.namespaced},
                {"kind", r.kind},       {"verbs", r.verbs}};
  SetList(&entry, "shortNames", r.short_names);
  SetList(&entry, "categories", r.categories);
  return entry;
}

json SubresourceEntry(const ResourceInfo& r, const Subresource& s) {
  json entry = {{"name", absl::StrCat(r.plural, "/", s.name)},
                {"singularName", ""},
                {"namespaced", r.namespaced},
                {"kind", s.kind},
                {"verbs", s.verbs}};
  if (!s.group.empty() || !s.version.empty()) {
    entry["group"] = s.group;
    entry["version"] = s.version;
  }
  return entry;
}

json Gvk(absl::string_view group, absl::string_view version, absl::string_view kind) {
  return {{"group", group}, {"version", version}, {"kind", kind}};
}

json AggregatedResource(const ResourceInfo& r) {
  json entry = {{"resource", r.plural},
                {"responseKind", Gvk(r.group, r.version, r.kind)},
                {"scope", r.namespaced ? "Namespaced" : "Cluster"},
                {"singularResource", r.singular},
                {"verbs", r.verbs}};
  SetList(&entry, "shortNames", r.short_names);
  SetList(&entry, "categories", r.categories);
  json subresources = json::array();
  for (const Subresource& s : r.subresources) {
    bool own_gv = s.group.empty() && s.version.empty();
    subresources.push_back({{"subresource", s.name},
                            {"responseKind", Gvk(own_gv ? r.group : s.group,
                                                 own_gv ? r.version : s.version, s.kind)},
                            {"verbs", s.verbs}});
  }
  if (!subresources.empty()) entry["subresources"] = subresources;
  return entry;
}

json AggregatedGroup(const ResourceRegistry& registry, const GroupVersions& group) {
  json metadata = {{"creationTimestamp", nullptr}};
  if (!group.group.empty()) metadata["name"] = group.group;
  json versions = json::array();
  for (const std::string& v : group.versions) {
    json resources = json::array();
    for (const ResourceInfo* r : registry.ResourcesIn(group.group, v)) {
      resources.push_back(AggregatedResource(*r));
    }
    versions.push_back({{"version", v}, {"resources", resources}, {"freshness", "Current"}});
  }
  return {{"metadata", metadata}, {"versions", versions}};
}

}  // namespace

json VersionDocument(const ServerVersion& version) {
  return {{"major", version.major},           {"minor", version.minor},
          {"gitVersion", version.git_version}, {"gitCommit", version.git_commit},
          {"gitTreeState", "clean"},           {"buildDate", version.build_date},
          {"goVersion", ""},                   {"compiler", ""},
          {"platform", version.platform}};
}

json ApiVersionsDocument(const ResourceRegistry& registry, absl::string_view server_address) {
  json versions = json::array();
  const std::vector<GroupVersions> groups = registry.Groups();
  if (const GroupVersions* core = FindGroup(groups, ""); core != nullptr) {
    versions = core->versions;
  }
  return {{"kind", "APIVersions"},
          {"versions", versions},
          {"serverAddressByClientCIDRs",
           json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}})}};
}

json ApiGroupListDocument(const ResourceRegistry& registry) {
  json groups = json::array();
  for (const GroupVersions& group : registry.Groups()) {
    if (!group.group.empty()) groups.push_back(ApiGroupEntry(group));
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

absl::StatusOr<json> ApiGroupDocument(const ResourceRegistry& registry, absl::string_view group) {
  std::vector<GroupVersions> groups = registry.Groups();
  const GroupVersions* found = FindGroup(groups, group);
  if (group.empty() || found == nullptr) {
    return absl::NotFoundError(absl::StrCat("the server could not find the API group \"", group,
                                            "\""));
  }
  json doc = ApiGroupEntry(*found);
  doc["kind"] = "APIGroup";
  doc["apiVersion"] = "v1";
  return doc;
}

absl::StatusOr<json> ApiResourceListDocument(const ResourceRegistry& registry,
                                             absl::string_view group, absl::string_view version) {
  std::vector<const ResourceInfo*> resources = registry.ResourcesIn(group, version);
  if (resources.empty()) {
    return absl::NotFoundError(absl::StrCat("the server could not find the group version \"",
                                            group.empty() ? "" : absl::StrCat(group, "/"),
                                            version, "\""));
  }
  json entries = json::array();
  for (const ResourceInfo* r : resources) {
    entries.push_back(ResourceEntry(*r));
    for (const Subresource& s : r->subresources) entries.push_back(SubresourceEntry(*r, s));
  }
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", resources.front()->GroupVersion()},
              {"resources", entries}};
}

json AggregatedDiscoveryDocument(const ResourceRegistry& registry, DiscoveryRoot root) {
  json items = json::array();
  for (const GroupVersions& group : registry.Groups()) {
    bool core = group.group.empty();
    if (core == (root == DiscoveryRoot::kLegacy)) items.push_back(AggregatedGroup(registry, group));
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()},
          {"items", items}};
}

}  // namespace flyover::apiserver::discovery
