// ServiceAccount (core/v1) and the rbac.authorization.k8s.io/v1 kinds: Role, ClusterRole,
// RoleBinding and ClusterRoleBinding, with the fields, required fields and list merge
// strategies of the Kubernetes API reference.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/builtin_schemas.h"
#include "apiserver/discovery/schema_dsl.h"

namespace flyover::apiserver::discovery {
namespace {

using dsl::ArrayOf;
using dsl::Bool;
using dsl::json;
using dsl::kCore;
using dsl::Kind;
using dsl::kMeta;
using dsl::MergeList;
using dsl::Object;
using dsl::Ref;
using dsl::Str;
using dsl::StringList;
using dsl::StringMap;

constexpr char kRbac[] = "io.k8s.api.rbac.v1.";
constexpr char kGroup[] = "rbac.authorization.k8s.io";

std::string RbacType(const char* type) { return absl::StrCat(kRbac, type); }
std::string MetaType(const char* type) { return absl::StrCat(kMeta, type); }

json PolicyRule() {
  return Object(
      "What a subject may do: verbs on resources (or non-resource URLs).",
      {{"apiGroups", StringList("API groups of the resources; \"\" is the core group, \"*\" all.")},
       {"nonResourceURLs", StringList("Partial URLs, e.g. /healthz; ClusterRoles only.")},
       {"resourceNames", StringList("Names the rule is restricted to; empty means all.")},
       {"resources", StringList("Resources the rule applies to; \"*\" means all.")},
       {"verbs", StringList("Verbs allowed: get, list, watch, create, update, patch, delete, "
                            "deletecollection, ...; \"*\" means all.")}},
      {"verbs"});
}

json LabelSelector() {
  json requirement = Object(
      "A selector requirement: a key, an operator and values.",
      {{"key", Str("The label key the selector applies to.")},
       {"operator", Str("In, NotIn, Exists or DoesNotExist.")},
       {"values", StringList("Values; empty for Exists and DoesNotExist.")}},
      {"key", "operator"});
  return Object("A label query over a set of resources; the requirements are ANDed.",
                {{"matchExpressions", ArrayOf(requirement, "Label selector requirements.")},
                 {"matchLabels", StringMap("Labels that must all match.")}});
}

json RoleRef() {
  json ref = Object("The role a binding grants; it cannot be changed once set.",
                    {{"apiGroup", Str("API group of the role: rbac.authorization.k8s.io.")},
                     {"kind", Str("Role or ClusterRole.")},
                     {"name", Str("Name of the role.")}},
                    {"apiGroup", "kind", "name"});
  ref["x-kubernetes-map-type"] = "atomic";
  return ref;
}

json Subject() {
  json subject = Object(
      "Who a binding applies to: a user, a group or a service account.",
      {{"apiGroup", Str("\"\" for ServiceAccount, rbac.authorization.k8s.io for User and "
                        "Group.")},
       {"kind", Str("User, Group or ServiceAccount.")},
       {"name", Str("Name of the subject.")},
       {"namespace", Str("Namespace of a ServiceAccount subject.")}},
      {"kind", "name"});
  subject["x-kubernetes-map-type"] = "atomic";
  return subject;
}

json Binding(const char* kind, const char* description) {
  return Kind(kGroup, "v1", kind, description,
              {{"roleRef", Ref(RbacType("RoleRef"), "The role granted; immutable.")},
               {"subjects", ArrayOf(Ref(RbacType("Subject"), ""), "Who the role is granted to.")}},
              {"roleRef"});
}

json ServiceAccount() {
  return Kind(
      "", "v1", "ServiceAccount", "An identity for processes that run in a pod.",
      {{"automountServiceAccountToken",
        Bool("Whether pods using this account get an API token mounted.")},
       {"imagePullSecrets", ArrayOf(Ref(absl::StrCat(kCore, "LocalObjectReference"), ""),
                                    "Secrets for pulling the images of pods using the account.")},
       {"secrets", MergeList(Ref(absl::StrCat(kCore, "ObjectReference"), ""), "name",
                             "Secrets pods using the account may use.")}});
}

}  // namespace

void AddRbacDefinitions(json* defs) {
  (*defs)[absl::StrCat(kCore, "ServiceAccount")] = ServiceAccount();
  (*defs)[MetaType("LabelSelector")] = LabelSelector();
  (*defs)[RbacType("PolicyRule")] = PolicyRule();
  (*defs)[RbacType("AggregationRule")] = Object(
      "How a ClusterRole's rules are aggregated from other ClusterRoles.",
      {{"clusterRoleSelectors", ArrayOf(Ref(MetaType("LabelSelector"), ""),
                                        "ClusterRoles whose rules are aggregated.")}});
  (*defs)[RbacType("RoleRef")] = RoleRef();
  (*defs)[RbacType("Subject")] = Subject();
  (*defs)[RbacType("Role")] =
      Kind(kGroup, "v1", "Role", "Namespaced rules a RoleBinding can grant.",
           {{"rules", ArrayOf(Ref(RbacType("PolicyRule"), ""), "The role's rules.")}});
  (*defs)[RbacType("ClusterRole")] = Kind(
      kGroup, "v1", "ClusterRole",
      "Cluster-wide rules a RoleBinding or ClusterRoleBinding can grant.",
      {{"aggregationRule", Ref(RbacType("AggregationRule"),
                               "Where the rules come from, when the controller fills them in.")},
       {"rules", ArrayOf(Ref(RbacType("PolicyRule"), ""), "The role's rules.")}});
  (*defs)[RbacType("RoleBinding")] =
      Binding("RoleBinding", "Grants a Role or ClusterRole within a namespace.");
  (*defs)[RbacType("ClusterRoleBinding")] =
      Binding("ClusterRoleBinding", "Grants a ClusterRole in every namespace.");
}

}  // namespace flyover::apiserver::discovery
