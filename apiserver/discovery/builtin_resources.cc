// The built-in resources, with the names, verbs, short names and categories that
// kube-apiserver's discovery reports for them (Kubernetes API reference).
#include <string>
#include <utility>

#include "apiserver/discovery/resource_registry.h"

namespace flyover::apiserver::discovery {
namespace {

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

ResourceInfo Builtin(std::string group, std::string kind, std::string plural,
                     std::string singular, bool namespaced) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = "v1";
  r.kind = std::move(kind);
  r.list_kind = r.kind + "List";
  r.plural = std::move(plural);
  r.singular = std::move(singular);
  r.namespaced = namespaced;
  r.verbs = StandardVerbs();
  return r;
}

Subresource Status(const std::string& kind) {
  return {"status", kind, "", "", {"get", "patch", "update"}};
}

std::vector<ResourceInfo> CoreResources() {
  std::vector<ResourceInfo> out;

  ResourceInfo namespaces = Builtin("", "Namespace", "namespaces", "namespace", false);
  namespaces.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  namespaces.short_names = {"ns"};
  namespaces.subresources = {Status("Namespace")};
  out.push_back(std::move(namespaces));

  ResourceInfo nodes = Builtin("", "Node", "nodes", "node", false);
  nodes.short_names = {"no"};
  nodes.subresources = {Status("Node")};
  out.push_back(std::move(nodes));

  ResourceInfo pods = Builtin("", "Pod", "pods", "pod", true);
  pods.short_names = {"po"};
  pods.categories = {"all"};
  pods.subresources = {
      {"binding", "Binding", "", "", {"create"}},
      {"log", "Pod", "", "", {"get"}},
      Status("Pod"),
  };
  out.push_back(std::move(pods));

  ResourceInfo services = Builtin("", "Service", "services", "service", true);
  services.short_names = {"svc"};
  services.categories = {"all"};
  services.subresources = {Status("Service")};
  out.push_back(std::move(services));

  ResourceInfo configmaps = Builtin("", "ConfigMap", "configmaps", "configmap", true);
  configmaps.short_names = {"cm"};
  out.push_back(std::move(configmaps));

  out.push_back(Builtin("", "Secret", "secrets", "secret", true));

  ResourceInfo events = Builtin("", "Event", "events", "event", true);
  events.short_names = {"ev"};
  out.push_back(std::move(events));

  // kube-apiserver also lists a serviceaccounts/token subresource (TokenRequest); no
  // tokens are issued here, so it is not served.
  ResourceInfo service_accounts =
      Builtin("", "ServiceAccount", "serviceaccounts", "serviceaccount", true);
  service_accounts.short_names = {"sa"};
  out.push_back(std::move(service_accounts));
  return out;
}

std::vector<ResourceInfo> GroupResources() {
  std::vector<ResourceInfo> out;

  ResourceInfo events = Builtin("events.k8s.io", "Event", "events", "event", true);
  events.short_names = {"ev"};
  out.push_back(std::move(events));

  for (const bool namespaced : {true, false}) {
    const std::string prefix = namespaced ? "" : "Cluster";
    const std::string lower = namespaced ? "" : "cluster";
    out.push_back(Builtin(kRbacGroup, prefix + "Role", lower + "roles", lower + "role", namespaced));
    out.push_back(Builtin(kRbacGroup, prefix + "RoleBinding", lower + "rolebindings",
                          lower + "rolebinding", namespaced));
  }

  out.push_back(Builtin("coordination.k8s.io", "Lease", "leases", "lease", true));

  ResourceInfo crds = Builtin("apiextensions.k8s.io", "CustomResourceDefinition",
                              "customresourcedefinitions", "customresourcedefinition", false);
  crds.short_names = {"crd", "crds"};
  crds.categories = {"api-extensions"};
  crds.subresources = {Status("CustomResourceDefinition")};
  out.push_back(std::move(crds));
  return out;
}

}  // namespace

ResourceRegistry ResourceRegistry::WithBuiltins() {
  ResourceRegistry registry;
  for (std::vector<ResourceInfo> batch : {CoreResources(), GroupResources()}) {
    for (ResourceInfo& r : batch) {
      // Built-in names are distinct by construction, so Add cannot fail here.
      (void)registry.Add(std::move(r));
    }
  }
  return registry;
}

}  // namespace flyover::apiserver::discovery
