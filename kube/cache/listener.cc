#include "kube/cache/listener.h"

#include <utility>

namespace flyover::kube {

Listener::Listener(std::shared_ptr<ResourceEventHandler> handler) : handler_(std::move(handler)) {}

Listener::~Listener() { Stop(); }

void Listener::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void Listener::Stop() {
  std::thread thread;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    pending_.clear();
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

void Listener::Push(Notification notification) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  pending_.push_back(std::move(notification));
}

bool Listener::HasSynced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

bool Listener::WaitUntilIdle(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto idle = [this] {
    mu_.AssertHeld();
    return pending_.empty() && !busy_;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

void Listener::Run() {
  auto ready = [this] {
    mu_.AssertHeld();
    return !pending_.empty() || stopping_;
  };
  mu_.Lock();
  while (true) {
    mu_.Await(absl::Condition(&ready));
    if (stopping_) break;
    Notification n = std::move(pending_.front());
    pending_.pop_front();
    if (n.kind == Notification::Kind::kSynced) {
      synced_ = true;
      continue;
    }
    busy_ = true;
    mu_.Unlock();
    Deliver(n);
    n = Notification();  // release the objects outside the lock
    mu_.Lock();
    busy_ = false;
  }
  mu_.Unlock();
}

void Listener::Deliver(const Notification& n) {
  switch (n.kind) {
    case Notification::Kind::kAdd:
      handler_->OnAdd(n.object, n.flag);
      return;
    case Notification::Kind::kUpdate:
      handler_->OnUpdate(n.old_object, n.object);
      return;
    case Notification::Kind::kDelete:
      handler_->OnDelete(n.object, n.flag);
      return;
    case Notification::Kind::kSynced:
      return;
  }
}

}  // namespace flyover::kube
