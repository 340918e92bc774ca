#include "device-plugin/npu_source.h"

namespace flyover::deviceplugin {

void ChangeNotifier::Bump() {
  absl::MutexLock lock(&mu_);
  ++generation_;
}

uint64_t ChangeNotifier::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

uint64_t ChangeNotifier::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return generation_ != seen;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return generation_;
}

}  // namespace flyover::deviceplugin
