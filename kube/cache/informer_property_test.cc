// A randomized property test of the informer: random server-side changes interleaved with
// random disconnects, server timeouts, 410s (compaction, ERROR events), list and watch
// failures, bookmarks, replayed and stale events and a late handler. Afterwards the store must
// equal the server's state, every handler's implied state must too, and no handler may have
// seen an inconsistent sequence (RecordingHandler checks that as events arrive). Without 410s
// the cache never relists, so a handler must have seen exactly the server's transitions.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/testing/fake_informer_driver.h"
#include "kube/cache/testing/fake_lister_watcher.h"
#include "kube/cache/testing/objects.h"
#include "kube/cache/testing/recording_handler.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::IsEmpty;

enum class Mode { kReconnectsOnly, kWithRelists };

struct Param {
  Mode mode;
  uint32_t seed;
};

std::string Rv(const json& object) { return object["metadata"]["resourceVersion"]; }

class InformerPropertyTest : public ::testing::TestWithParam<Param> {
 protected:
  InformerPropertyTest() : random_(GetParam().seed) {
    SharedInformerOptions options;
    options.resource = "pods";
    options.clock = &clock_;
    options.reflector.seed = GetParam().seed;
    informer_ = std::make_unique<SharedInformer>(fake_, options);
    informer_->AddEventHandler(first_);
  }
  ~InformerPropertyTest() override { informer_->Stop(); }

  int Pick(int n) { return static_cast<int>(random_() % static_cast<uint32_t>(n)); }
  bool relists() const { return GetParam().mode == Mode::kWithRelists; }

  // One random server-side change; records the transition a handler must see.
  void Change() {
    const std::string name = absl::StrCat("p", Pick(10));
    const std::string key = "ns/" + name;
    const auto objects = fake_->Objects();
    auto it = objects.find(key);
    json object = MakeObject(
        {.namespace_ = "ns", .name = name, .labels = {{"gen", std::to_string(Pick(1000))}}});
    if (it == objects.end()) {
      const json created = *fake_->Create(object);
      expected_.push_back(absl::StrCat("add ", key, "@", Rv(created)));
      sent_.push_back({WatchEventType::kAdded, created});
    } else if (Pick(3) > 0) {
      const json updated = *fake_->Update(object);
      expected_.push_back(absl::StrCat("update ", key, "@", Rv(it->second), "->", Rv(updated)));
      sent_.push_back({WatchEventType::kModified, updated});
    } else {
      const json deleted = *fake_->Delete(key);
      expected_.push_back(absl::StrCat("delete ", key, "@", Rv(deleted)));
      sent_.push_back({WatchEventType::kDeleted, deleted});
    }
  }

  // One random fault, injected from a quiet state so that the driver can tell what the
  // reflector will do next.
  void Fault() {
    ASSERT_TRUE(driver_.Settle());
    const int fault = Pick(relists() ? 9 : 5);
    switch (fault) {
      case 0:
        fake_->EndWatches(absl::UnavailableError("connection reset"));
        break;
      case 1:
        driver_.CloseWatches();
        break;
      case 2:
        fake_->SendBookmark();
        break;
      case 3:  // a replay of something already delivered
        if (!sent_.empty()) fake_->InjectEvent(sent_[Pick(static_cast<int>(sent_.size()))]);
        break;
      case 4:
        fake_->FailNextWatch(absl::UnavailableError("connection refused"), 1 + Pick(2));
        fake_->EndWatches(absl::UnavailableError("connection reset"));
        break;
      case 5:  // history lost while disconnected: the resumed watch gets 410
        fake_->EndWatches(absl::UnavailableError("connection reset"));
        Change();
        fake_->Compact();
        fake_->SetExpiredAsErrorEvent(Pick(2) == 0);
        break;
      case 6:
        fake_->ExpireWatches();
        break;
      case 7:
        fake_->FailNextList(absl::UnavailableError("apiserver busy"), 1 + Pick(2));
        fake_->ExpireWatches();
        break;
      default:
        fake_->Compact();  // takes effect at the next reconnect
        break;
    }
  }

  std::map<std::string, std::string> ServerState() {
    std::map<std::string, std::string> state;
    for (const auto& [key, object] : fake_->Objects()) state[key] = Rv(object);
    return state;
  }

  log::CapturingSink log_sink_;
  log::ScopedSink scoped_sink_{&log_sink_};
  std::mt19937 random_;
  FakeClock clock_;
  std::shared_ptr<FakeListerWatcher> fake_ = std::make_shared<FakeListerWatcher>();
  FakeInformerDriver driver_{fake_.get(), &clock_};
  std::unique_ptr<SharedInformer> informer_;
  std::shared_ptr<RecordingHandler> first_ = std::make_shared<RecordingHandler>();
  std::shared_ptr<RecordingHandler> late_;
  std::vector<std::string> expected_;  // transitions, in server order
  std::vector<WatchEvent> sent_;       // every event the server sent
};

TEST_P(InformerPropertyTest, StoreAndHandlersConvergeToTheServerState) {
  informer_->Start();
  ASSERT_TRUE(driver_.Settle());
  for (int step = 0; step < 150; ++step) {
    const int what = Pick(100);
    if (what < 70) {
      Change();
    } else if (what < 97) {
      ASSERT_NO_FATAL_FAILURE(Fault());
    } else if (late_ == nullptr) {
      late_ = std::make_shared<RecordingHandler>();
      informer_->AddEventHandler(late_);
    }
    if (Pick(4) == 0) {
      ASSERT_TRUE(driver_.Settle()) << "step " << step;
    }
  }
  ASSERT_TRUE(driver_.Settle());

  const std::map<std::string, json> server = fake_->Objects();
  EXPECT_EQ(informer_->store().size(), server.size());
  for (const auto& [key, object] : server) {
    const ObjectPtr cached = informer_->store().Get(key);
    ASSERT_NE(cached, nullptr) << key;
    EXPECT_EQ(cached->ToJson(), object) << key;
  }
  EXPECT_TRUE(first_->WaitForState(ServerState())) << ::testing::PrintToString(first_->State());
  EXPECT_THAT(first_->Violations(), IsEmpty());
  if (late_ != nullptr) {
    EXPECT_TRUE(late_->WaitForState(ServerState()));
    EXPECT_THAT(late_->Violations(), IsEmpty());
  }
  if (!relists()) {
    EXPECT_EQ(first_->Strings(), expected_);
    EXPECT_EQ(fake_->CountCalls(FakeListerWatcher::Call::Kind::kList), 1);
  }
}

std::vector<Param> Params() {
  std::vector<Param> params;
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    params.push_back({Mode::kReconnectsOnly, seed});
    params.push_back({Mode::kWithRelists, seed});
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Seeds, InformerPropertyTest, ::testing::ValuesIn(Params()),
                         [](const ::testing::TestParamInfo<Param>& param_info) {
                           return absl::StrCat(param_info.param.mode == Mode::kWithRelists
                                                   ? "WithRelists"
                                                   : "ReconnectsOnly",
                                               param_info.param.seed);
                         });

}  // namespace
}  // namespace flyover::kube
