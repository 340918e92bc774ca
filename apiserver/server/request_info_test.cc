#include "apiserver/server/request_info.h"

#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

struct Case {
  const char* method;
  const char* path;
  const char* watch;
  const char* verb;
  const char* group;
  const char* version;
  const char* ns;
  const char* resource;
  const char* name;
  const char* subresource;
};

TEST(RequestInfoTest, ClassifiesResourceRequests) {
  const Case cases[] = {
      {"GET", "/api/v1/namespaces/a/pods", "", "list", "", "v1", "a", "pods", "", ""},
      {"GET", "/api/v1/namespaces/a/pods", "true", "watch", "", "v1", "a", "pods", "", ""},
      {"GET", "/api/v1/namespaces/a/pods", "1", "watch", "", "v1", "a", "pods", "", ""},
      {"GET", "/api/v1/watch/namespaces/a/pods", "", "watch", "", "v1", "a", "pods", "", ""},
      {"GET", "/api/v1/pods", "", "list", "", "v1", "", "pods", "", ""},
      {"GET", "/api/v1/namespaces/a/pods/w-0", "", "get", "", "v1", "a", "pods", "w-0", ""},
      {"POST", "/api/v1/namespaces/a/pods/w-0/binding", "", "create", "", "v1", "a", "pods",
       "w-0", "binding"},
      {"PUT", "/api/v1/namespaces/a/pods/w-0/status", "", "update", "", "v1", "a", "pods", "w-0",
       "status"},
      {"PATCH", "/api/v1/nodes/n-1", "", "patch", "", "v1", "", "nodes", "n-1", ""},
      {"DELETE", "/api/v1/namespaces/a/pods", "", "deletecollection", "", "v1", "a", "pods", "",
       ""},
      {"DELETE", "/api/v1/namespaces/a", "", "delete", "", "v1", "", "namespaces", "a", ""},
      {"GET", "/api/v1/namespaces", "", "list", "", "v1", "", "namespaces", "", ""},
      {"PUT", "/api/v1/namespaces/a/finalize", "", "update", "", "v1", "", "namespaces", "a",
       "finalize"},
      {"GET", "/api/v1/namespaces/a/status", "", "get", "", "v1", "", "namespaces", "a",
       "status"},
      {"GET", "/apis/training.flyover.dev/v1alpha1/namespaces/ml/posttrainingjobs/j", "", "get",
       "training.flyover.dev", "v1alpha1", "ml", "posttrainingjobs", "j", ""},
      {"GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", "", "list",
       "coordination.k8s.io", "v1", "kube-node-lease", "leases", "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.path);
    absl::StatusOr<RequestInfo> info = ParseRequestInfo(c.method, c.path, c.watch);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_TRUE(info->is_resource_request);
    EXPECT_EQ(info->verb, c.verb);
    EXPECT_EQ(info->group, c.group);
    EXPECT_EQ(info->version, c.version);
    EXPECT_EQ(info->namespace_name, c.ns);
    EXPECT_EQ(info->resource, c.resource);
    EXPECT_EQ(info->name, c.name);
    EXPECT_EQ(info->subresource, c.subresource);
  }
}

TEST(RequestInfoTest, DiscoveryPathsAreNotResourceRequests) {
  for (const char* path : {"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/version",
                           "/openapi/v2", "/healthz"}) {
    absl::StatusOr<RequestInfo> info = ParseRequestInfo("GET", path, "");
    ASSERT_TRUE(info.ok()) << path;
    EXPECT_FALSE(info->is_resource_request) << path;
  }
}

TEST(RequestInfoTest, TooManySegmentsAndUnknownMethodsAreErrors) {
  EXPECT_FALSE(ParseRequestInfo("GET", "/api/v1/namespaces/a/pods/w/status/extra", "").ok());
  EXPECT_FALSE(ParseRequestInfo("OPTIONS", "/api/v1/pods", "").ok());
}

}  // namespace
}  // namespace flyover::apiserver
