// FakeInformer: a real SharedInformer wired to a FakeListerWatcher and a FakeClock, for the
// unit tests of controllers and other informer consumers. Changes made through it reach the
// informer's store before the call returns; handlers run on their own threads, so wait for
// them with WaitForHandlers() (or on the handler's own condition).
//
//   FakeClock clock;
//   FakeInformer pods(&clock, {.resource = "pods"});
//   pods.informer().AddEventHandler(controller_handler);
//   ASSERT_TRUE(pods.Start().ok());
//   ASSERT_TRUE(pods.Create(MakeObject({.namespace_ = "ns", .name = "a"})).ok());
//   ASSERT_TRUE(pods.WaitForHandlers());
//   // the controller's queue now holds "ns/a"
//
// The server side (faults, scripted lists) is reachable through server(); after injecting a
// fault call Settle(). Thread-compatible: one test thread drives it.
#ifndef FLYOVER_KUBE_CACHE_TESTING_FAKE_INFORMER_H_
#define FLYOVER_KUBE_CACHE_TESTING_FAKE_INFORMER_H_

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/fake_clock.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/testing/fake_informer_driver.h"
#include "kube/cache/testing/fake_lister_watcher.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

class FakeInformer {
 public:
  // `clock` (not owned) replaces options.clock. Resync periods of handlers count as clock
  // waiters: pass their number as `other_clock_waiters`.
  FakeInformer(FakeClock* clock, SharedInformerOptions options = {}, int other_clock_waiters = 0);
  ~FakeInformer();
  FakeInformer(const FakeInformer&) = delete;
  FakeInformer& operator=(const FakeInformer&) = delete;

  SharedInformer& informer() { return *informer_; }
  FakeListerWatcher& server() { return *server_; }

  // Starts the informer and waits until it has listed and watches. DeadlineExceeded after
  // `timeout` of real time.
  [[nodiscard]] absl::Status Start(absl::Duration timeout = absl::Seconds(20));
  // Server-side changes, in the store when they return (see FakeListerWatcher for errors;
  // DeadlineExceeded if the informer does not catch up in 20 s).
  absl::StatusOr<nlohmann::json> Create(nlohmann::json object);
  absl::StatusOr<nlohmann::json> Update(nlohmann::json object);
  absl::StatusOr<nlohmann::json> Delete(absl::string_view key);
  // Waits until the informer watches again with everything applied (FakeInformerDriver).
  [[nodiscard]] bool Settle(absl::Duration timeout = absl::Seconds(20));
  // Waits until every handler has been told everything queued for it.
  [[nodiscard]] bool WaitForHandlers(absl::Duration timeout = absl::Seconds(20));

 private:
  absl::StatusOr<nlohmann::json> Settled(absl::StatusOr<nlohmann::json> result);

  std::shared_ptr<FakeListerWatcher> server_;
  FakeInformerDriver driver_;
  std::unique_ptr<SharedInformer> informer_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_TESTING_FAKE_INFORMER_H_
