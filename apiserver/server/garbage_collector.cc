#include "apiserver/server/garbage_collector.h"

#include "apiserver/server/gc_pass.h"
#include "common/log.h"

namespace flyover::apiserver {

GarbageCollector::GarbageCollector(ObjectService* objects, GarbageCollectorOptions options)
    : objects_(objects), options_(options) {}

GarbageCollector::~GarbageCollector() { Stop(); }

void GarbageCollector::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void GarbageCollector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void GarbageCollector::Poke() {
  absl::MutexLock lock(&mu_);
  poked_ = true;
}

int64_t GarbageCollector::passes() const {
  absl::MutexLock lock(&mu_);
  return passes_;
}

absl::Status GarbageCollector::RunOnce() {
  absl::MutexLock pass_lock(&pass_mu_);
  GcPass pass(objects_);
  absl::Status status = pass.Run();
  absl::MutexLock lock(&mu_);
  ++passes_;
  return status;
}

void GarbageCollector::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto wake = [this] {
        mu_.AssertHeld();
        return poked_ || stopping_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&wake), options_.resync_interval);
      if (stopping_) return;
      if (poked_) {
        // Let a burst of deletions land before looking.
        auto stop = [this] {
          mu_.AssertHeld();
          return stopping_;
        };
        mu_.AwaitWithTimeout(absl::Condition(&stop), options_.debounce);
        if (stopping_) return;
      }
      poked_ = false;
    }
    if (absl::Status status = RunOnce(); !status.ok()) {
      log::Warn("garbage collection pass incomplete", {{"error", status}});
    }
  }
}

}  // namespace flyover::apiserver
