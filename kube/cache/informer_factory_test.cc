#include "kube/cache/informer_factory.h"

#include <memory>

#include "common/fake_clock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/fake_lister_watcher.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

TEST(SharedInformerFactoryTest, SharesOneInformerPerResource) {
  FakeClock clock;
  SharedInformerFactory factory({.clock = &clock});
  auto pods = std::make_shared<FakeListerWatcher>();
  int made = 0;
  auto make_pods = [&]() -> std::shared_ptr<ListerWatcher> {
    ++made;
    return pods;
  };
  SharedInformer* a = factory.InformerFor("pods", make_pods);
  SharedInformer* b = factory.InformerFor("pods", make_pods);
  EXPECT_EQ(a, b);
  EXPECT_EQ(made, 1);
  ASSERT_TRUE(pods->Create(MakeObject({.namespace_ = "ns", .name = "p"})).ok());

  factory.Start();
  auto nodes = std::make_shared<FakeListerWatcher>();
  SharedInformer* late = factory.InformerFor("nodes", [&] { return nodes; });  // starts at once
  EXPECT_NE(late, a);
  const std::map<std::string, bool> synced = factory.WaitForCacheSync(absl::Seconds(10));
  EXPECT_EQ(synced, (std::map<std::string, bool>{{"nodes", true}, {"pods", true}}));
  EXPECT_NE(a->store().Get("ns/p"), nullptr);
  factory.Shutdown();
  factory.Shutdown();
  EXPECT_EQ(pods->active_watches(), 0);
  EXPECT_EQ(nodes->active_watches(), 0);
}

TEST(SharedInformerFactoryTest, ReportsInformersThatDidNotSync) {
  FakeClock clock;
  SharedInformerFactory factory({.clock = &clock});
  auto broken = std::make_shared<FakeListerWatcher>();
  broken->FailNextList(absl::PermissionDeniedError("forbidden"), 1000);
  factory.InformerFor("secrets", [&] { return broken; });
  factory.Start();
  EXPECT_EQ(factory.WaitForCacheSync(absl::Milliseconds(10)),
            (std::map<std::string, bool>{{"secrets", false}}));
}

}  // namespace
}  // namespace flyover::kube
