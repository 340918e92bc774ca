// The columns of ServiceAccount and the RBAC kinds, as kube-apiserver prints them:
// service accounts with their number of secrets; roles with their creation time; bindings
// with the role as Kind/name and, under -o wide, their users, groups and service accounts
// (namespace/name).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "apiserver/discovery/age.h"
#include "apiserver/discovery/table_printers.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

struct SubjectNames {
  std::vector<std::string> users;
  std::vector<std::string> groups;
  std::vector<std::string> service_accounts;
};

SubjectNames NamesOf(const json& subjects) {
  SubjectNames out;
  for (const json& s : subjects.is_array() ? subjects : json::array()) {
    const std::string kind = StringAt(s, {"kind"});
    const std::string name = StringAt(s, {"name"});
    const std::string ns = StringAt(s, {"namespace"});
    if (kind == "User") out.users.push_back(name);
    if (kind == "Group") out.groups.push_back(name);
    if (kind == "ServiceAccount") {
      out.service_accounts.push_back(ns.empty() ? name : absl::StrCat(ns, "/", name));
    }
  }
  return out;
}

json AgeOf(const json& o, absl::Time now) {
  return AgeSince(At(o, {"metadata", "creationTimestamp"}), now);
}

}  // namespace

TablePrinter ServiceAccountPrinter() {
  json columns = json::array(
      {NameColumn(), Column("Secrets", "string", "", "Secrets is the number of secrets."),
       AgeColumn()});
  return {columns, [](const json& sa, absl::Time now) {
            const json& secrets = At(sa, {"secrets"});
            const size_t count = secrets.is_array() ? secrets.size() : 0;
            return json::array({StringAt(sa, {"metadata", "name"}), count, AgeOf(sa, now)});
          }};
}

TablePrinter RolePrinter() {
  json columns = json::array({NameColumn(), Column("Created At", "date", "",
                                                   "When the role was created.")});
  return {columns, [](const json& role, absl::Time) {
            return json::array({StringAt(role, {"metadata", "name"}),
                                StringAt(role, {"metadata", "creationTimestamp"})});
          }};
}

TablePrinter BindingPrinter() {
  json columns = json::array(
      {NameColumn(), Column("Role", "string", "", "The role bound, as Kind/name."), AgeColumn(),
       Column("Users", "string", "", "Users in the binding.", 1),
       Column("Groups", "string", "", "Groups in the binding.", 1),
       Column("ServiceAccounts", "string", "", "Service accounts in the binding.", 1)});
  return {columns, [](const json& b, absl::Time now) {
            const SubjectNames names = NamesOf(At(b, {"subjects"}));
            return json::array(
                {StringAt(b, {"metadata", "name"}),
                 absl::StrCat(StringAt(b, {"roleRef", "kind"}), "/",
                              StringAt(b, {"roleRef", "name"})),
                 AgeOf(b, now), absl::StrJoin(names.users, ", "),
                 absl::StrJoin(names.groups, ", "), absl::StrJoin(names.service_accounts, ", ")});
          }};
}

}  // namespace flyover::apiserver::discovery
