// ServiceAccounts and the RBAC kinds through the server: created, read back, unknown
// fields pruned or refused like other built-ins, rules and bindings validated as
// kube-apiserver validates them, and a binding's roleRef immutable.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kRoles[] = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles";
constexpr char kRoleBindings[] =
    "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";
constexpr char kClusterRoles[] = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
constexpr char kClusterRoleBindings[] = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
constexpr char kServiceAccounts[] = "/api/v1/namespaces/default/serviceaccounts";

json Binding(const std::string& kind, const std::string& role) {
  return {{"metadata", {{"name", "b"}}},
          {"roleRef",
           {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", kind}, {"name", role}}},
          {"subjects", {{{"kind", "ServiceAccount"}, {"name", "op"}, {"namespace", "default"}}}}};
}

class RbacObjectsTest : public ::testing::Test {
 protected:
  ApiFixture api_;
};

TEST_F(RbacObjectsTest, CreatesAndReadsBackEveryKind) {
  const json rule = {{"apiGroups", {""}}, {"resources", {"pods"}}, {"verbs", {"get", "list"}}};
  ASSERT_EQ(api_.Call("POST", kServiceAccounts,
                      R"({"metadata":{"name":"op"},"automountServiceAccountToken":false})")
                .status,
            201);
  json role = {{"metadata", {{"name", "reader"}}}, {"rules", {rule}}};
  ASSERT_EQ(api_.Call("POST", kRoles, role.dump()).status, 201);
  role["aggregationRule"] = {{"clusterRoleSelectors", {{{"matchLabels", {{"a", "b"}}}}}}};
  ASSERT_EQ(api_.Call("POST", kClusterRoles, role.dump()).status, 201);
  ASSERT_EQ(api_.Call("POST", kRoleBindings, Binding("Role", "reader").dump()).status, 201);
  ASSERT_EQ(api_.Call("POST", kClusterRoleBindings, Binding("ClusterRole", "reader").dump()).status,
            201);

  const json sa = json::parse(api_.Call("GET", absl::StrCat(kServiceAccounts, "/op")).body);
  EXPECT_EQ(sa["kind"], "ServiceAccount");
  EXPECT_EQ(sa["automountServiceAccountToken"], false);
  const json cluster_role =
      json::parse(api_.Call("GET", absl::StrCat(kClusterRoles, "/reader")).body);
  EXPECT_EQ(cluster_role["apiVersion"], "rbac.authorization.k8s.io/v1");
  EXPECT_EQ(cluster_role["rules"], json::array({rule}));
  EXPECT_EQ(cluster_role["aggregationRule"], role["aggregationRule"]);
  const json binding = json::parse(api_.Call("GET", absl::StrCat(kRoleBindings, "/b")).body);
  EXPECT_EQ(binding["roleRef"]["kind"], "Role");
  EXPECT_EQ(binding["subjects"][0]["name"], "op");
  EXPECT_FALSE(binding["metadata"].contains("namespace") &&
               binding["metadata"]["namespace"] != "default");
}

TEST_F(RbacObjectsTest, UnknownFieldsArePrunedOrRefusedLikeOtherBuiltins) {
  const std::string role =
      R"({"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"],)"
      R"("verbs":["get"],"verbz":["list"]}]})";
  HttpResponse refused =
      api_.Call("POST", absl::StrCat(kRoles, "?fieldValidation=Strict"), role);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body, HasSubstr(R"(unknown field \"rules[0].verbz\")"));
  ASSERT_EQ(api_.Call("POST", kRoles, role).status, 201);
  const json stored = json::parse(api_.Call("GET", absl::StrCat(kRoles, "/r")).body);
  EXPECT_FALSE(stored["rules"][0].contains("verbz"));
  EXPECT_EQ(stored["rules"][0]["verbs"], json::array({"get"}));
}

TEST_F(RbacObjectsTest, RulesAndBindingsAreValidatedNamingTheField) {
  HttpResponse no_verbs = api_.Call(
      "POST", kRoles,
      R"({"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"]}]})");
  EXPECT_EQ(no_verbs.status, 422);
  EXPECT_THAT(no_verbs.body,
              HasSubstr("rules[0].verbs: Required value: verbs must contain at least one value"));
  constexpr char kUrlRule[] =
      R"({"metadata":{"name":"r"},"rules":[{"nonResourceURLs":["/healthz"],"verbs":["get"]}]})";
  HttpResponse urls_in_role = api_.Call("POST", kRoles, kUrlRule);
  EXPECT_EQ(urls_in_role.status, 422);
  EXPECT_THAT(urls_in_role.body, HasSubstr("namespaced rules cannot apply to non-resource URLs"));
  EXPECT_EQ(api_.Call("POST", kClusterRoles, kUrlRule).status, 201);
  HttpResponse role_kind = api_.Call("POST", kClusterRoleBindings, Binding("Role", "r").dump());
  EXPECT_EQ(role_kind.status, 422);
  EXPECT_THAT(role_kind.body, HasSubstr(R"(roleRef.kind: Unsupported value: \"Role\")"));
  json no_name = Binding("Role", "");
  no_name["subjects"][0].erase("name");
  HttpResponse missing = api_.Call("POST", kRoleBindings, no_name.dump());
  EXPECT_EQ(missing.status, 422);
  EXPECT_THAT(missing.body, HasSubstr("roleRef.name: Required value"));
  EXPECT_THAT(missing.body, HasSubstr("subjects[0].name: Required value"));
}

TEST_F(RbacObjectsTest, ABindingsRoleRefCannotChange) {
  ASSERT_EQ(api_.Call("POST", kRoleBindings, Binding("Role", "reader").dump()).status, 201);
  const std::string path = absl::StrCat(kRoleBindings, "/b");
  json changed = Binding("ClusterRole", "reader");
  HttpResponse refused = api_.Call("PUT", path, changed.dump());
  EXPECT_EQ(refused.status, 422);
  EXPECT_THAT(refused.body, HasSubstr("roleRef: Invalid value"));
  EXPECT_THAT(refused.body, HasSubstr("cannot change roleRef"));
  json subjects_only = Binding("Role", "reader");
  subjects_only["subjects"][0]["name"] = "other";
  HttpResponse updated = api_.Call("PUT", path, subjects_only.dump());
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(json::parse(updated.body)["subjects"][0]["name"], "other");
}

}  // namespace
}  // namespace flyover::apiserver
