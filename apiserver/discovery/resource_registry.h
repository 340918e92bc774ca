// The resources the embedded API server serves, described the way discovery, OpenAPI and
// table printing need them: group/version/kind, plural and singular names, scope, verbs,
// short names, categories, subresources and printer columns.
//
// A registry starts with the built-in resources (WithBuiltins) and grows or shrinks as
// CustomResourceDefinitions are created and deleted (AddCustomResource /
// RemoveCustomResource take the CRD object as JSON, apiextensions.k8s.io/v1). Each served
// version of a CRD becomes one ResourceInfo; its structural schema is kept for OpenAPI.
//
// Groups and versions are reported in the order kube-apiserver uses: built-in groups
// first (core, then the others in a fixed order), then custom groups by name; versions
// within a group by Kubernetes version priority (v2 > v1 > v1beta2 > v1beta1 > v1alpha1 >
// anything else alphabetically), the first being the preferred version.
//
// Thread-compatible: a registry is a value; the server keeps one behind its own lock (or
// swaps immutable copies) and renders documents from a consistent snapshot.
#ifndef FLYOVER_APISERVER_DISCOVERY_RESOURCE_REGISTRY_H_
#define FLYOVER_APISERVER_DISCOVERY_RESOURCE_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

// Verbs of a fully writable resource, in discovery's sorted order.
const std::vector<std::string>& StandardVerbs();

// One column of `kubectl get` (a CRD's additionalPrinterColumns entry).
struct PrinterColumn {
  std::string name;
  std::string type;  // integer, number, string, boolean, date
  std::string format;
  std::string description;
  std::string json_path;
  int priority = 0;  // 0 = default view, > 0 = only with -o wide

  bool operator==(const PrinterColumn&) const = default;
};

// A subresource such as pods/status; kind/group/version name what it returns (empty
// group and version: those of the parent resource).
struct Subresource {
  std::string name;
  std::string kind;
  std::string group;
  std::string version;
  std::vector<std::string> verbs;

  bool operator==(const Subresource&) const = default;
};

struct ResourceInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string list_kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<Subresource> subresources;
  // For custom resources: the CRD's additionalPrinterColumns (empty = NAME, AGE). Built-in
  // resources print with the fixed columns in table.h and leave this empty.
  std::vector<PrinterColumn> printer_columns;
  // Custom resources only: the owning CRD's name and this version's openAPIV3Schema.
  std::string crd_name;
  nlohmann::json schema;

  bool IsCustom() const { return !crd_name.empty(); }
  // "v1" for core, "<group>/<version>" otherwise.
  std::string GroupVersion() const;
};

// The versions a group serves, preferred first.
struct GroupVersions {
  std::string group;
  std::vector<std::string> versions;
};

class ResourceRegistry {
 public:
  // An empty registry; most callers want WithBuiltins().
  ResourceRegistry() = default;

  // namespaces, nodes, pods, services, configmaps, secrets, events (core/v1);
  // events (events.k8s.io/v1); leases (coordination.k8s.io/v1);
  // customresourcedefinitions (apiextensions.k8s.io/v1).
  static ResourceRegistry WithBuiltins();

  // Adds one resource. AlreadyExists if group/version/plural is taken; InvalidArgument if
  // version, kind or plural is empty.
  [[nodiscard]] absl::Status Add(ResourceInfo resource);

  // Registers (or re-registers, replacing the previous state) every served version of a
  // CRD object. InvalidArgument names the offending field, e.g. "spec.names.plural: is
  // required", and leaves the registry unchanged. AlreadyExists if another CRD or a
  // built-in already serves that group/version/plural.
  [[nodiscard]] absl::Status AddCustomResource(const nlohmann::json& crd);

  // Removes every version registered from the named CRD; NotFound if there is none.
  [[nodiscard]] absl::Status RemoveCustomResource(absl::string_view crd_name);

  // nullptr when absent. `resource` is the plural name.
  const ResourceInfo* Find(absl::string_view group, absl::string_view version,
                           absl::string_view resource) const;
  const ResourceInfo* FindByKind(absl::string_view group, absl::string_view version,
                                 absl::string_view kind) const;

  // Every group with its versions, in discovery order (see the file comment). The core
  // group ("") comes first when it has resources.
  std::vector<GroupVersions> Groups() const;

  // The resources of one group/version in registration order.
  std::vector<const ResourceInfo*> ResourcesIn(absl::string_view group,
                                               absl::string_view version) const;

  const std::vector<ResourceInfo>& resources() const { return resources_; }

 private:
  std::vector<ResourceInfo> resources_;
};

// Orders versions as Kubernetes does: true when `a` is preferred over `b`.
bool VersionPreferred(absl::string_view a, absl::string_view b);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_RESOURCE_REGISTRY_H_
