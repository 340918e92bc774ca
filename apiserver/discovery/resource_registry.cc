#include "apiserver/discovery/resource_registry.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "apiserver/discovery/crd_resources.h"

namespace flyover::apiserver::discovery {
namespace {

// A version like v2, v1beta1, v3alpha2, split into its parts; nullopt when it does not
// look like a Kubernetes version.
struct KubeVersion {
  int major = 0;
  int stability = 2;  // 2 = GA, 1 = beta, 0 = alpha
  int minor = 0;
};

std::optional<KubeVersion> ParseKubeVersion(absl::string_view v) {
  if (v.size() < 2 || v[0] != 'v' || !absl::ascii_isdigit(v[1])) return std::nullopt;
  size_t i = 1;
  while (i < v.size() && absl::ascii_isdigit(v[i])) ++i;
  KubeVersion out;
  if (!absl::SimpleAtoi(v.substr(1, i - 1), &out.major) || out.major == 0) return std::nullopt;
  if (i == v.size()) return out;
  absl::string_view rest = v.substr(i);
  if (absl::StartsWith(rest, "alpha")) {
    out.stability = 0;
    rest.remove_prefix(5);
  } else if (absl::StartsWith(rest, "beta")) {
    out.stability = 1;
    rest.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  if (rest.empty() || !absl::SimpleAtoi(rest, &out.minor) || out.minor == 0) return std::nullopt;
  return out;
}

// Built-in groups in the order kube-apiserver lists them; custom groups follow by name.
int GroupRank(absl::string_view group) {
  static constexpr absl::string_view kOrder[] = {"", "events.k8s.io", "rbac.authorization.k8s.io",
                                                 "coordination.k8s.io",
                                                 "apiextensions.k8s.io"};
  for (size_t i = 0; i < std::size(kOrder); ++i) {
    if (kOrder[i] == group) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kOrder));
}

}  // namespace

bool VersionPreferred(absl::string_view a, absl::string_view b) {
  std::optional<KubeVersion> va = ParseKubeVersion(a);
  std::optional<KubeVersion> vb = ParseKubeVersion(b);
  if (va && vb) {
    if (va->stability != vb->stability) return va->stability > vb->stability;
    if (va->major != vb->major) return va->major > vb->major;
    return va->minor > vb->minor;
  }
  if (va || vb) return va.has_value();
  return a < b;
}

const std::vector<std::string>& StandardVerbs() {
  static const auto* verbs = new std::vector<std::string>{
      "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
  return *verbs;
}

std::string ResourceInfo::GroupVersion() const {
  return group.empty() ? version : absl::StrCat(group, "/", version);
}

absl::Status ResourceRegistry::Add(ResourceInfo resource) {
  if (resource.version.empty() || resource.kind.empty() || resource.plural.empty()) {
    return absl::InvalidArgumentError("resource needs a version, a kind and a plural name");
  }
  if (Find(resource.group, resource.version, resource.plural) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("resource ", resource.plural, " in ",
                                                 resource.GroupVersion(), " is already served"));
  }
  if (resource.list_kind.empty()) resource.list_kind = resource.kind + "List";
  resources_.push_back(std::move(resource));
  return absl::OkStatus();
}

absl::Status ResourceRegistry::AddCustomResource(const nlohmann::json& crd) {
  absl::StatusOr<std::vector<ResourceInfo>> parsed = ResourcesFromCrd(crd);
  if (!parsed.ok()) return parsed.status();
  ResourceRegistry next = *this;
  // ResourcesFromCrd checked metadata.name; a CRD that now serves no version still
  // withdraws what it served before.
  (void)next.RemoveCustomResource(crd["metadata"]["name"].get<std::string>());
  for (ResourceInfo& resource : *parsed) {
    if (absl::Status status = next.Add(std::move(resource)); !status.ok()) return status;
  }
  *this = std::move(next);
  return absl::OkStatus();
}

absl::Status ResourceRegistry::RemoveCustomResource(absl::string_view crd_name) {
  auto removed = std::remove_if(resources_.begin(), resources_.end(),
                                [&](const ResourceInfo& r) { return r.crd_name == crd_name; });
  if (removed == resources_.end()) {
    return absl::NotFoundError(absl::StrCat("no resources registered from CRD ", crd_name));
  }
  resources_.erase(removed, resources_.end());
  return absl::OkStatus();
}

const ResourceInfo* ResourceRegistry::Find(absl::string_view group, absl::string_view version,
                                           absl::string_view resource) const {
  for (const ResourceInfo& r : resources_) {
    if (r.group == group && r.version == version && r.plural == resource) return &r;
  }
  return nullptr;
}

const ResourceInfo* ResourceRegistry::FindByKind(absl::string_view group,
                                                 absl::string_view version,
                                                 absl::string_view kind) const {
  for (const ResourceInfo& r : resources_) {
    if (r.group == group && r.version == version && r.kind == kind) return &r;
  }
  return nullptr;
}

std::vector<GroupVersions> ResourceRegistry::Groups() const {
  std::vector<GroupVersions> groups;
  for (const ResourceInfo& r : resources_) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const GroupVersions& g) { return g.group == r.group; });
    if (it == groups.end()) {
      groups.push_back({r.group, {}});
      it = groups.end() - 1;
    }
    if (std::find(it->versions.begin(), it->versions.end(), r.version) == it->versions.end()) {
      it->versions.push_back(r.version);
    }
  }
  for (GroupVersions& g : groups) {
    std::sort(g.versions.begin(), g.versions.end(),
              [](const std::string& a, const std::string& b) { return VersionPreferred(a, b); });
  }
  std::sort(groups.begin(), groups.end(), [](const GroupVersions& a, const GroupVersions& b) {
    int ra = GroupRank(a.group), rb = GroupRank(b.group);
    return ra != rb ? ra < rb : a.group < b.group;
  });
  return groups;
}

std::vector<const ResourceInfo*> ResourceRegistry::ResourcesIn(absl::string_view group,
                                                               absl::string_view version) const {
  std::vector<const ResourceInfo*> out;
  for (const ResourceInfo& r : resources_) {
    if (r.group == group && r.version == version) out.push_back(&r);
  }
  return out;
}

}  // namespace flyover::apiserver::discovery
