// Graceful pod deletion (deletion_plan.h) through ObjectService with a fake clock, and
// through the HTTP handler: grace periods from the request, the pod and the default; what a
// second DELETE may change; pods that go at once; finalizers; what watchers see; and the
// garbage collector deleting dependents.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "apiserver/server/deletion_plan.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/testing/api_fixture.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using json = nlohmann::json;

json Pod(const std::string& name, const std::string& node = "n1",
         std::optional<int64_t> termination_grace = std::nullopt) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  if (termination_grace) pod["spec"]["terminationGracePeriodSeconds"] = *termination_grace;
  return pod;
}

DeleteOptions Grace(std::optional<int64_t> seconds) {
  DeleteOptions options;
  options.grace_period_seconds = seconds;
  return options;
}

class GracefulDeleteTest : public ::testing::Test {
 protected:
  GracefulDeleteTest() {
    store_ = *storage::Store::Open(std::make_shared<storage::MemoryRevisionLog>(),
                                   ApiFixture::DefaultStoreOptions(), &clock_, nullptr);
    objects_ = std::make_unique<ObjectService>(store_.get(), &registry_, &clock_);
    const json ns = {{"metadata", {{"name", "default"}}}};
    EXPECT_TRUE(objects_->Create(Resource("namespaces"), "", ns, {}).ok());
  }
  ~GracefulDeleteTest() override { store_->Close(); }

  const discovery::ResourceInfo& Resource(const char* plural) {
    return *snapshot_->registry().Find("", "v1", plural);
  }

  void CreatePod(const json& pod) {
    absl::StatusOr<WriteResult> created = objects_->Create(Resource("pods"), "default", pod, {});
    ASSERT_TRUE(created.ok()) << created.status();
  }

  absl::StatusOr<DeleteResult> DeletePod(const std::string& name, const DeleteOptions& options) {
    return objects_->Delete(Resource("pods"), "default", name, options);
  }

  absl::StatusOr<json> GetPod(const std::string& name) {
    return objects_->Get(Resource("pods"), "default", name);
  }

  std::string In(int64_t seconds) { return Timestamp(clock_.Now() + absl::Seconds(seconds)); }

  FakeClock clock_;
  RegistryState registry_;
  std::shared_ptr<const RegistrySnapshot> snapshot_ = registry_.Snapshot();
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<ObjectService> objects_;
};

TEST_F(GracefulDeleteTest, BoundPodWaitsForItsTerminationGracePeriod) {
  CreatePod(Pod("a", "n1", 45));
  absl::StatusOr<DeleteResult> deleted = DeletePod("a", {});
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_FALSE(deleted->removed);
  EXPECT_EQ(deleted->object["metadata"]["deletionTimestamp"], In(45));
  EXPECT_EQ(deleted->object["metadata"]["deletionGracePeriodSeconds"], 45);
  absl::StatusOr<json> stored = GetPod("a");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ((*stored)["metadata"]["deletionGracePeriodSeconds"], 45);
}

TEST_F(GracefulDeleteTest, GraceDefaultsToThirtySecondsAndTheRequestOverridesThePod) {
  CreatePod(Pod("default-grace"));
  CreatePod(Pod("requested", "n1", 45));
  EXPECT_EQ(DeletePod("default-grace", {})->object["metadata"]["deletionGracePeriodSeconds"], 30);
  absl::StatusOr<DeleteResult> requested = DeletePod("requested", Grace(7));
  ASSERT_TRUE(requested.ok());
  EXPECT_EQ(requested->object["metadata"]["deletionGracePeriodSeconds"], 7);
  EXPECT_EQ(requested->object["metadata"]["deletionTimestamp"], In(7));
}

TEST_F(GracefulDeleteTest, NegativeGraceMeansOneSecond) {
  CreatePod(Pod("a"));
  EXPECT_EQ(DeletePod("a", Grace(-5))->object["metadata"]["deletionGracePeriodSeconds"], 1);
}

TEST_F(GracefulDeleteTest, UnboundTerminalAndZeroGracePodsGoAtOnce) {
  CreatePod(Pod("unbound", ""));
  CreatePod(Pod("forced"));
  CreatePod(Pod("finished"));
  auto finish = [](const json& current) -> absl::StatusOr<json> {
    json pod = current;
    pod["status"]["phase"] = "Succeeded";
    return pod;
  };
  ASSERT_TRUE(objects_->Update(Resource("pods"), "default", "finished", "status", finish, {}).ok());
  EXPECT_TRUE(DeletePod("unbound", {})->removed);
  EXPECT_TRUE(DeletePod("forced", Grace(0))->removed);
  EXPECT_TRUE(DeletePod("finished", {})->removed);
  for (const char* name : {"unbound", "forced", "finished"}) {
    EXPECT_TRUE(absl::IsNotFound(GetPod(name).status())) << name;
  }
}

TEST_F(GracefulDeleteTest, ASecondDeleteMayOnlyShortenTheGracePeriod) {
  CreatePod(Pod("a"));
  ASSERT_TRUE(DeletePod("a", {}).ok());
  for (std::optional<int64_t> grace : {std::optional<int64_t>(), std::optional<int64_t>(30),
                                       std::optional<int64_t>(60)}) {
    absl::StatusOr<DeleteResult> again = DeletePod("a", Grace(grace));
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->removed);
    EXPECT_EQ(again->object["metadata"]["deletionGracePeriodSeconds"], 30);
    EXPECT_EQ(again->object["metadata"]["deletionTimestamp"], In(30));
  }
  clock_.Advance(absl::Seconds(5));
  absl::StatusOr<DeleteResult> shorter = DeletePod("a", Grace(10));
  ASSERT_TRUE(shorter.ok());
  EXPECT_FALSE(shorter->removed);
  // The deadline moves earlier by the difference: start + 10, not now + 10.
  EXPECT_EQ(shorter->object["metadata"]["deletionTimestamp"], In(5));
  EXPECT_EQ(shorter->object["metadata"]["deletionGracePeriodSeconds"], 10);
  absl::StatusOr<DeleteResult> forced = DeletePod("a", Grace(0));
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->removed);
  EXPECT_TRUE(absl::IsNotFound(GetPod("a").status()));
}

TEST_F(GracefulDeleteTest, UpdatesDuringTheGracePeriodKeepThePod) {
  json pod = Pod("a");
  pod["metadata"]["finalizers"] = json::array({"example.com/hold"});
  CreatePod(pod);
  ASSERT_TRUE(DeletePod("a", {}).ok());
  auto drop_finalizers = [](const json& current) -> absl::StatusOr<json> {
    json updated = current;
    updated["metadata"].erase("finalizers");
    return updated;
  };
  ASSERT_TRUE(objects_->Update(Resource("pods"), "default", "a", "", drop_finalizers, {}).ok());
  // No finalizer left, but the kubelet has not confirmed termination.
  ASSERT_TRUE(GetPod("a").ok());
  EXPECT_TRUE(DeletePod("a", Grace(0))->removed);
}

TEST_F(GracefulDeleteTest, FinalizersHoldAPodAfterItsGracePeriodIsCut) {
  json pod = Pod("a");
  pod["metadata"]["finalizers"] = json::array({"example.com/hold"});
  CreatePod(pod);
  ASSERT_TRUE(DeletePod("a", {}).ok());
  absl::StatusOr<DeleteResult> forced = DeletePod("a", Grace(0));
  ASSERT_TRUE(forced.ok());
  EXPECT_FALSE(forced->removed);
  EXPECT_EQ(forced->object["metadata"]["deletionGracePeriodSeconds"], 0);
  ASSERT_TRUE(
      objects_->RemoveFinalizer(Resource("pods"), "default", "a", "example.com/hold").ok());
  EXPECT_TRUE(absl::IsNotFound(GetPod("a").status()));
}

TEST_F(GracefulDeleteTest, OtherResourcesIgnoreGracePeriods) {
  const json config = {{"metadata", {{"name", "c"}}}, {"data", {{"k", "v"}}}};
  ASSERT_TRUE(objects_->Create(Resource("configmaps"), "default", config, {}).ok());
  absl::StatusOr<DeleteResult> deleted =
      objects_->Delete(Resource("configmaps"), "default", "c", Grace(30));
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->removed);
}

TEST_F(GracefulDeleteTest, DryRunShowsTheGracePeriodWithoutStoringIt) {
  CreatePod(Pod("a"));
  DeleteOptions options;
  options.dry_run = true;
  absl::StatusOr<DeleteResult> dry = DeletePod("a", options);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->object["metadata"]["deletionGracePeriodSeconds"], 30);
  EXPECT_FALSE(HasDeletionTimestamp(*GetPod("a")));
}

// Through the HTTP handler.
constexpr char kGracefulPods[] = "/api/v1/namespaces/default/pods";

json Events(const HttpResponse& watch) {
  std::string text;
  StreamSink sink;
  sink.write = [&text](absl::string_view chunk) {
    absl::StrAppend(&text, chunk);
    return true;
  };
  sink.stopping = [] { return false; };
  watch.stream(sink);
  json events = json::array();
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    events.push_back(json::parse(line));
  }
  return events;
}

TEST(GracefulDeleteHttpTest, GraceFromTheQueryOrTheBodyAndWhatWatchersSee) {
  ApiFixture api;
  for (const char* name : {"a", "b"}) {
    ASSERT_EQ(api.Call("POST", kGracefulPods, Pod(name).dump()).status, 201);
  }
  const std::string rv = std::to_string(api.store().CurrentRevision());
  HttpResponse by_query = api.Call("DELETE", absl::StrCat(kGracefulPods, "/a?gracePeriodSeconds=12"));
  ASSERT_EQ(by_query.status, 200) << by_query.body;
  EXPECT_EQ(ApiFixture::Json(by_query)["metadata"]["deletionGracePeriodSeconds"], 12);
  HttpResponse by_body = api.Call("DELETE", absl::StrCat(kGracefulPods, "/b?gracePeriodSeconds=12"),
                                  R"({"kind":"DeleteOptions","gracePeriodSeconds":3})");
  ASSERT_EQ(by_body.status, 200) << by_body.body;
  EXPECT_EQ(ApiFixture::Json(by_body)["metadata"]["deletionGracePeriodSeconds"], 3);
  EXPECT_EQ(api.Call("GET", absl::StrCat(kGracefulPods, "/a")).status, 200);
  // What `kubectl delete --grace-period=0 --force` sends.
  HttpResponse forced = api.Call("DELETE", absl::StrCat(kGracefulPods, "/a"),
                                 R"({"gracePeriodSeconds":0,"propagationPolicy":"Background"})");
  ASSERT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(api.Call("GET", absl::StrCat(kGracefulPods, "/a")).status, 404);

  const json events = Events(api.Call(
      "GET", absl::StrCat(kGracefulPods, "?watch=true&resourceVersion=", rv, "&timeoutSeconds=1")));
  ASSERT_EQ(events.size(), 3u) << events.dump();
  EXPECT_EQ(events[0]["type"], "MODIFIED");
  EXPECT_EQ(events[0]["object"]["metadata"]["name"], "a");
  EXPECT_TRUE(events[0]["object"]["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[2]["type"], "DELETED");
  EXPECT_EQ(events[2]["object"]["metadata"]["name"], "a");
}

TEST(GracefulDeleteHttpTest, RefusesAGraceThatIsNotANumber) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kGracefulPods, Pod("a").dump()).status, 201);
  EXPECT_EQ(api.Call("DELETE", absl::StrCat(kGracefulPods, "/a?gracePeriodSeconds=soon")).status, 400);
  HttpResponse body =
      api.Call("DELETE", absl::StrCat(kGracefulPods, "/a"), R"({"gracePeriodSeconds":"1"})");
  EXPECT_EQ(body.status, 400);
  EXPECT_THAT(body.body, ::testing::HasSubstr("gracePeriodSeconds"));
}

TEST(GracefulDeleteHttpTest, GarbageCollectorDeletesDependentPods) {
  ApiFixture api;
  HttpResponse owner = api.Call("POST", "/api/v1/namespaces/default/configmaps",
                                R"({"metadata":{"name":"owner"}})");
  ASSERT_EQ(owner.status, 201);
  const json reference = {{"apiVersion", "v1"},
                          {"kind", "ConfigMap"},
                          {"name", "owner"},
                          {"uid", ApiFixture::Json(owner)["metadata"]["uid"]}};
  for (const auto& [name, node] : {std::pair{"bound", "n1"}, std::pair{"unbound", ""}}) {
    json pod = Pod(name, node);
    pod["metadata"]["ownerReferences"] = json::array({reference});
    ASSERT_EQ(api.Call("POST", kGracefulPods, pod.dump()).status, 201);
  }
  ASSERT_EQ(api.Call("DELETE", "/api/v1/namespaces/default/configmaps/owner").status, 200);
  ASSERT_TRUE(api.gc().RunOnce().ok());
  EXPECT_EQ(api.Call("GET", absl::StrCat(kGracefulPods, "/unbound")).status, 404);
  // The bound pod terminates gracefully, as its kubelet would be told to.
  const json bound = ApiFixture::Json(api.Call("GET", absl::StrCat(kGracefulPods, "/bound")));
  EXPECT_EQ(bound["metadata"]["deletionGracePeriodSeconds"], 30);
  ASSERT_TRUE(api.gc().RunOnce().ok());  // a later pass leaves it be
  EXPECT_EQ(api.Call("GET", absl::StrCat(kGracefulPods, "/bound")).status, 200);
  ASSERT_EQ(api.Call("DELETE", absl::StrCat(kGracefulPods, "/bound?gracePeriodSeconds=0")).status, 200);
  EXPECT_EQ(api.Call("GET", absl::StrCat(kGracefulPods, "/bound")).status, 404);
}

}  // namespace
}  // namespace flyover::apiserver
