// The cache fed by real informers over the fake API server.
#include "scheduler/cache/cache_handlers.h"

#include <atomic>
#include <memory>

#include "gtest/gtest.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/cache/shared_informer.h"
#include "kube/testing/fake_api_server.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using kube::testing::FakeApiServer;

class CacheHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = api_.NewClient();
    Add(kube::NodesResource(), MakeNodeCacheHandler(&cache_, [this] { ++changes_; }));
    Add(kube::PodsResource(), MakePodCacheHandler(&cache_));
    Add(kube::ConfigMapsResource(), MakeDeviceInfoCacheHandler(&cache_));
    for (auto& informer : informers_) {
      informer->Start();
      ASSERT_TRUE(informer->WaitForCacheSync(absl::Seconds(10)));
    }
  }
  void Add(const kube::ResourceDescriptor& resource,
           std::shared_ptr<kube::ResourceEventHandler> handler) {
    auto lw = std::make_shared<kube::RestListerWatcher>(client_.get(), resource);
    informers_.push_back(std::make_unique<kube::SharedInformer>(
        lw, kube::SharedInformerOptions{.resource = resource.plural}));
    (void)informers_.back()->AddEventHandler(std::move(handler));
  }
  void Settle() {
    ASSERT_TRUE(api_.WaitForWatches(3));
    for (auto& informer : informers_) ASSERT_TRUE(informer->WaitForHandlersIdle(absl::Seconds(10)));
  }
  topology::DieSet Free(const std::string& node) {
    ClusterSnapshot snapshot = cache_.Snapshot();
    const NodeInfo* info = snapshot.FindNode(node);
    return info == nullptr ? topology::DieSet::All() : info->free();
  }

  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_;
  ClusterCache cache_;
  std::atomic<int> changes_{0};
  std::vector<std::unique_ptr<kube::SharedInformer>> informers_;
};

TEST_F(CacheHandlersTest, FollowsNodesPodsAndFaultReports) {
  ASSERT_TRUE(api_.Create(kube::NodesResource(), testing::MakeNode("n1", 0, 0)).ok());
  ASSERT_TRUE(api_.Create(kube::PodsResource(),
                          testing::BoundTo(testing::MakeGangPod({.name = "a", .npus = 2}), "n1",
                                           "Ascend910-0,Ascend910-1"))
                  .ok());
  ASSERT_TRUE(
      api_.Create(kube::ConfigMapsResource(), testing::MakeDeviceInfo("n1", "Ascend910-7")).ok());
  Settle();
  EXPECT_EQ(Free("n1"), topology::DieSet::All() - topology::DieSet::Of({0, 1, 7}));
  EXPECT_GE(changes_.load(), 1);

  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "ml", "a").ok());
  ASSERT_TRUE(
      api_.Delete(kube::ConfigMapsResource(), "kube-system", "mindx-dl-deviceinfo-n1").ok());
  Settle();
  EXPECT_EQ(Free("n1"), topology::DieSet::All());

  ASSERT_TRUE(api_.Delete(kube::NodesResource(), "", "n1").ok());
  Settle();
  EXPECT_EQ(cache_.Snapshot().node_count(), 0u);
}

}  // namespace
}  // namespace flyover::sched
