#include "kube/cache/store.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/indexers.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

ObjectPtr Obj(const ObjectSpec& spec) {
  absl::StatusOr<ObjectPtr> object = MakeCachedObject(MakeObject(spec), nullptr);
  EXPECT_TRUE(object.ok()) << object.status();
  return *object;
}

std::vector<std::string> Names(const std::vector<ObjectPtr>& objects) {
  std::vector<std::string> names;
  for (const ObjectPtr& o : objects)
    names.emplace_back(o->view()["metadata"]["name"].string_value());
  return names;
}

std::vector<std::string> Names(const absl::StatusOr<std::vector<ObjectPtr>>& objects) {
  EXPECT_TRUE(objects.ok()) << objects.status();
  return objects.ok() ? Names(*objects) : std::vector<std::string>{};
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() {
    EXPECT_TRUE(store_
                    .AddIndexers({{kNamespaceIndex, IndexByNamespace},
                                  {kControllerUidIndex, IndexByControllerUid},
                                  {kLabelsIndex, IndexByLabels},
                                  {"job", IndexByLabel("job")}})
                    .ok());
  }
  void Put(const ObjectSpec& spec) { store_.Put(JoinKey(spec.namespace_, spec.name), Obj(spec)); }

  Store store_;
};

TEST_F(StoreTest, PutGetRemoveAndList) {
  EXPECT_EQ(store_.Get("ns/a"), nullptr);
  Put({.namespace_ = "ns", .name = "a"});
  Put({.namespace_ = "ns", .name = "b"});
  Put({.name = "cluster-wide"});
  EXPECT_EQ(store_.size(), 3);
  ASSERT_NE(store_.Get("ns/a"), nullptr);
  EXPECT_EQ(store_.Get("ns/a")->view()["metadata"]["name"].string_value(), "a");
  EXPECT_THAT(store_.ListKeys(), UnorderedElementsAre("ns/a", "ns/b", "cluster-wide"));
  EXPECT_THAT(Names(store_.List()), UnorderedElementsAre("a", "b", "cluster-wide"));
  ObjectPtr removed = store_.Remove("ns/a");
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(store_.Remove("ns/a"), nullptr);
  EXPECT_EQ(store_.size(), 2);
  EXPECT_THAT(store_.Snapshot(), ::testing::SizeIs(2));
}

TEST_F(StoreTest, PutReturnsTheReplacedObject) {
  ObjectPtr first = Obj({.namespace_ = "ns", .name = "a", .resource_version = "1"});
  EXPECT_EQ(store_.Put("ns/a", first), nullptr);
  EXPECT_EQ(store_.Put("ns/a", Obj({.namespace_ = "ns", .name = "a", .resource_version = "2"})),
            first);
  EXPECT_EQ(ResourceVersionOf(store_.Get("ns/a")->view()), "2");
}

TEST_F(StoreTest, IndexesByNamespaceControllerAndLabels) {
  Put({.namespace_ = "ns1",
       .name = "a",
       .labels = {{"job", "j1"}, {"app", "x"}},
       .controller_uid = "owner-1"});
  Put({.namespace_ = "ns1", .name = "b", .labels = {{"job", "j2"}}, .controller_uid = "owner-2"});
  Put({.namespace_ = "ns2", .name = "c", .labels = {{"job", "j1"}}, .controller_uid = "owner-1"});
  Put({.name = "node"});
  EXPECT_THAT(Names(store_.ByIndex(kNamespaceIndex, "ns1")), UnorderedElementsAre("a", "b"));
  EXPECT_THAT(Names(store_.ByIndex(kNamespaceIndex, "ns3")), IsEmpty());
  EXPECT_THAT(Names(store_.ByIndex(kControllerUidIndex, "owner-1")),
              UnorderedElementsAre("a", "c"));
  EXPECT_THAT(Names(store_.ByIndex(kLabelsIndex, LabelIndexValue("job", "j1"))),
              UnorderedElementsAre("a", "c"));
  EXPECT_THAT(Names(store_.ByIndex(kLabelsIndex, "app=x")), UnorderedElementsAre("a"));
  EXPECT_THAT(Names(store_.ByIndex("job", "j2")), UnorderedElementsAre("b"));
  EXPECT_THAT(*store_.IndexKeys("job", "j1"), UnorderedElementsAre("ns1/a", "ns2/c"));
  EXPECT_THAT(*store_.IndexValues(kNamespaceIndex), UnorderedElementsAre("ns1", "ns2"));
}

TEST_F(StoreTest, UpdatesAndRemovalsMoveIndexEntries) {
  Put({.namespace_ = "ns", .name = "a", .labels = {{"job", "j1"}}});
  Put({.namespace_ = "ns", .name = "a", .labels = {{"job", "j2"}}});
  EXPECT_THAT(Names(store_.ByIndex("job", "j1")), IsEmpty());
  EXPECT_THAT(Names(store_.ByIndex("job", "j2")), UnorderedElementsAre("a"));
  EXPECT_THAT(*store_.IndexValues("job"), UnorderedElementsAre("j2"));
  store_.Remove("ns/a");
  EXPECT_THAT(*store_.IndexValues("job"), IsEmpty());
  EXPECT_THAT(*store_.IndexValues(kNamespaceIndex), IsEmpty());
}

TEST_F(StoreTest, ReplaceSwapsContentsAndRebuildsIndexes) {
  Put({.namespace_ = "ns", .name = "old", .labels = {{"job", "j1"}}});
  store_.Replace({{"ns/a", Obj({.namespace_ = "ns", .name = "a", .labels = {{"job", "j2"}}})},
                  {"ns/b", Obj({.namespace_ = "ns", .name = "b", .resource_version = "1"})},
                  {"ns/b", Obj({.namespace_ = "ns", .name = "b", .resource_version = "2"})}});
  EXPECT_THAT(store_.ListKeys(), UnorderedElementsAre("ns/a", "ns/b"));
  EXPECT_EQ(ResourceVersionOf(store_.Get("ns/b")->view()), "2");  // last duplicate wins
  EXPECT_THAT(*store_.IndexValues("job"), UnorderedElementsAre("j2"));
  EXPECT_THAT(Names(store_.ByIndex(kNamespaceIndex, "ns")), UnorderedElementsAre("a", "b"));
}

TEST_F(StoreTest, AddIndexersIndexesExistingObjectsAndRejectsClashes) {
  Put({.namespace_ = "ns", .name = "a", .labels = {{"tier", "web"}}});
  ASSERT_TRUE(store_.AddIndexers({{"tier", IndexByLabel("tier")}}).ok());
  EXPECT_THAT(Names(store_.ByIndex("tier", "web")), UnorderedElementsAre("a"));
  EXPECT_EQ(store_.AddIndexers({{"tier", IndexByLabel("x")}, {"new", IndexByLabel("y")}}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_.IndexValues("new").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.AddIndexers({{"", IndexByLabel("x")}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.AddIndexers({{"empty", nullptr}}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, UnknownIndexIsNotFound) {
  EXPECT_EQ(store_.ByIndex("nope", "x").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_.IndexKeys("nope", "x").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, CustomIndexFunctionsMayYieldSeveralValues) {
  ASSERT_TRUE(store_
                  .AddIndexers({{"containers",
                                 [](JsonView object) {
                                   std::vector<std::string> images;
                                   for (JsonView c : object["spec"]["containers"].elements()) {
                                     images.emplace_back(c["image"].string_value());
                                   }
                                   return images;
                                 }}})
                  .ok());
  Put({.namespace_ = "ns",
       .name = "a",
       .spec = {{"containers", {{{"image", "x:1"}}, {{"image", "y:2"}}}}}});
  Put({.namespace_ = "ns", .name = "b", .spec = {{"containers", {{{"image", "y:2"}}}}}});
  EXPECT_THAT(Names(store_.ByIndex("containers", "x:1")), UnorderedElementsAre("a"));
  EXPECT_THAT(Names(store_.ByIndex("containers", "y:2")), UnorderedElementsAre("a", "b"));
}

TEST_F(StoreTest, ReadersAndAWriterRunConcurrently) {
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      Put({.namespace_ = absl::StrCat("ns", i % 3),
           .name = absl::StrCat("o", i % 50),
           .labels = {{"job", absl::StrCat("j", i % 7)}}});
      if (i % 5 == 0) store_.Remove(absl::StrCat("ns", (i + 1) % 3, "/o", i % 50));
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        const absl::StatusOr<std::vector<ObjectPtr>> j3 = store_.ByIndex("job", "j3");
        ASSERT_TRUE(j3.ok());
        for (const ObjectPtr& o : *j3) {
          ASSERT_EQ(o->view()["metadata"]["labels"]["job"].string_value(), "j3");
        }
        (void)store_.List();
      }
    });
  }
  writer.join();
  for (std::thread& t : readers) t.join();
  for (const ObjectPtr& o : store_.List()) {
    const std::string job(o->view()["metadata"]["labels"]["job"].string_value());
    EXPECT_THAT(*store_.IndexKeys("job", job), ::testing::Contains(*ObjectKey(o->view())));
  }
}

}  // namespace
}  // namespace flyover::kube
