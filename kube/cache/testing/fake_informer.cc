#include "kube/cache/testing/fake_informer.h"

#include <utility>

namespace flyover::kube {

FakeInformer::FakeInformer(FakeClock* clock, SharedInformerOptions options, int other_clock_waiters)
    : server_(std::make_shared<FakeListerWatcher>()),
      driver_(server_.get(), clock, options.reflector.backoff.max, other_clock_waiters) {
  options.clock = clock;
  informer_ = std::make_unique<SharedInformer>(server_, std::move(options));
}

FakeInformer::~FakeInformer() { informer_->Stop(); }

absl::Status FakeInformer::Start(absl::Duration timeout) {
  informer_->Start();
  if (!driver_.Settle(timeout)) {
    return absl::DeadlineExceededError("fake informer did not list and watch in time");
  }
  return absl::OkStatus();
}

absl::StatusOr<nlohmann::json> FakeInformer::Settled(absl::StatusOr<nlohmann::json> result) {
  if (result.ok() && !driver_.Settle()) {
    return absl::DeadlineExceededError("fake informer did not catch up in time");
  }
  return result;
}

absl::StatusOr<nlohmann::json> FakeInformer::Create(nlohmann::json object) {
  return Settled(server_->Create(std::move(object)));
}

absl::StatusOr<nlohmann::json> FakeInformer::Update(nlohmann::json object) {
  return Settled(server_->Update(std::move(object)));
}

absl::StatusOr<nlohmann::json> FakeInformer::Delete(absl::string_view key) {
  return Settled(server_->Delete(key));
}

bool FakeInformer::Settle(absl::Duration timeout) { return driver_.Settle(timeout); }

bool FakeInformer::WaitForHandlers(absl::Duration timeout) {
  return informer_->WaitForHandlersIdle(timeout);
}

}  // namespace flyover::kube
