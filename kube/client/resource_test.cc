#include "kube/client/resource.h"

#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

TEST(ResourceTest, CorePathsFollowTheApiServerLayout) {
  EXPECT_EQ(CollectionPath(PodsResource(), "team-a"), "/api/v1/namespaces/team-a/pods");
  EXPECT_EQ(CollectionPath(PodsResource(), ""), "/api/v1/pods");
  EXPECT_EQ(ObjectPath(PodsResource(), "team-a", "w-0", "binding"),
            "/api/v1/namespaces/team-a/pods/w-0/binding");
  EXPECT_EQ(ObjectPath(ConfigMapsResource(), "a", "b"), "/api/v1/namespaces/a/configmaps/b");
  EXPECT_EQ(ObjectPath(SecretsResource(), "a", "b"), "/api/v1/namespaces/a/secrets/b");
  EXPECT_EQ(ObjectPath(ServicesResource(), "a", "b"), "/api/v1/namespaces/a/services/b");
  EXPECT_EQ(ObjectPath(EventsResource(), "a", "b"), "/api/v1/namespaces/a/events/b");
}

TEST(ResourceTest, ClusterScopedResourcesIgnoreTheNamespace) {
  EXPECT_EQ(ObjectPath(NodesResource(), "ignored", "node-1", "status"),
            "/api/v1/nodes/node-1/status");
  EXPECT_EQ(CollectionPath(NamespacesResource(), "x"), "/api/v1/namespaces");
}

TEST(ResourceTest, GroupResourcesUseApis) {
  EXPECT_EQ(ObjectPath(LeasesResource(), "kube-node-lease", "node-1"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1");
  EXPECT_EQ(LeasesResource().ApiVersion(), "coordination.k8s.io/v1");
  EXPECT_EQ(LeasesResource().QualifiedName(), "leases.coordination.k8s.io");
  EXPECT_EQ(CollectionPath(PostTrainingJobsResource(), "ml"),
            "/apis/training.flyover.dev/v1alpha1/namespaces/ml/posttrainingjobs");
}

TEST(ResourceTest, NamesArePercentEncoded) {
  EXPECT_EQ(ObjectPath(ConfigMapsResource(), "a", "x y"), "/api/v1/namespaces/a/configmaps/x%20y");
}

}  // namespace
}  // namespace flyover::kube
