// ServiceAccounts and RBAC objects through the real kubectl (recent, or 1.20 with
// FLYOVER_KUBECTL): applied, read back as YAML and as tables, a changed roleRef refused,
// and an unknown field refused with a message naming it (client-side from OpenAPI v2 by
// 1.20, server-side strict field validation by recent clients).
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/apiserver/kubectl_fixture.h"
#include "tests/apiserver/server_process.h"

namespace flyover::apiserver::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kManifests[] = R"(apiVersion: v1
kind: ServiceAccount
metadata: {name: flyover-operator, namespace: default}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: leases, namespace: default}
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [flyover-operator]
  verbs: [get, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: flyover-operator}
rules:
- apiGroups: [training.flyover.dev]
  resources: [posttrainingjobs, posttrainingjobs/status]
  verbs: [get, list, watch, update, patch]
- nonResourceURLs: [/metrics]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: flyover-operator-leases, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leases}
subjects:
- {kind: ServiceAccount, name: flyover-operator, namespace: default}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: flyover-operator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: flyover-operator}
subjects:
- {kind: ServiceAccount, name: flyover-operator, namespace: default}
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: ops}
)";

class RbacKubectlTest : public KubectlFixture {};

TEST_F(RbacKubectlTest, AppliesAndReadsBackServiceAccountsRolesAndBindings) {
  const std::string path = WriteFile("rbac.yaml", kManifests);
  EXPECT_THAT(Ok(absl::StrCat("apply -f ", path)),
              AllOf(HasSubstr("serviceaccount/flyover-operator created"),
                    HasSubstr("role.rbac.authorization.k8s.io/leases created"),
                    HasSubstr("clusterrole.rbac.authorization.k8s.io/flyover-operator created"),
                    HasSubstr("rolebinding.rbac.authorization.k8s.io/flyover-operator-leases "
                              "created"),
                    HasSubstr("clusterrolebinding.rbac.authorization.k8s.io/flyover-operator "
                              "created")));
  // Applying again changes nothing.
  EXPECT_THAT(Ok(absl::StrCat("apply -f ", path)),
              HasSubstr("clusterrolebinding.rbac.authorization.k8s.io/flyover-operator unchanged"));

  EXPECT_THAT(Ok("get clusterrole flyover-operator -o yaml"),
              AllOf(HasSubstr("kind: ClusterRole"), HasSubstr("- /metrics"),
                    HasSubstr("- posttrainingjobs/status")));
  EXPECT_THAT(Ok("get role leases -o yaml"), HasSubstr("- flyover-operator"));
  EXPECT_THAT(Ok("get sa flyover-operator -o yaml"),
              HasSubstr("automountServiceAccountToken: false"));
  EXPECT_EQ(Ok("get rolebinding flyover-operator-leases -o jsonpath={.subjects[0].name}"),
            "flyover-operator");

  EXPECT_THAT(Ok("get sa"), MatchesRegex("NAME +SECRETS +AGE\nflyover-operator +0 +[0-9]+s\n"));
  EXPECT_THAT(Ok("get roles"), MatchesRegex("NAME +CREATED AT\nleases +[0-9T:-]+Z\n"));
  EXPECT_THAT(Ok("get rolebindings"),
              MatchesRegex("NAME +ROLE +AGE\nflyover-operator-leases +Role/leases +[0-9]+s\n"));
  EXPECT_THAT(Ok("get clusterrolebinding flyover-operator -o wide"),
              AllOf(HasSubstr("ClusterRole/flyover-operator"), HasSubstr("ops"),
                    HasSubstr("default/flyover-operator")));
  EXPECT_THAT(Ok("get clusterroles"), HasSubstr("flyover-operator"));
}

TEST_F(RbacKubectlTest, RefusesAChangedRoleRefAndUnknownFields) {
  Ok(absl::StrCat("apply -f ", WriteFile("rbac.yaml", kManifests)));
  const std::string changed = WriteFile(
      "changed.yaml",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
      "metadata: {name: flyover-operator-leases, namespace: default}\n"
      "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole,\n"
      "          name: flyover-operator}\n");
  CommandResult refused = Kubectl(*server_, absl::StrCat("apply -f ", changed));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("cannot change roleRef"));

  const std::string unknown = WriteFile(
      "unknown.yaml",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad}\n"
      "rules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get]\n  verbz: [list]\n");
  CommandResult bad = Kubectl(*server_, absl::StrCat("apply -f ", unknown));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, AllOf(HasSubstr("unknown field"), HasSubstr("verbz")));
  EXPECT_NE(Kubectl(*server_, "get role bad").exit_code, 0);
}

}  // namespace
}  // namespace flyover::apiserver::testing
