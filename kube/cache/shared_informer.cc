#include "kube/cache/shared_informer.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "common/log.h"
#include "kube/cache/indexers.h"

namespace flyover::kube {
namespace {

Notification Add(ObjectPtr object, bool initial) {
  return {Notification::Kind::kAdd, nullptr, std::move(object), initial};
}
Notification Update(ObjectPtr old_object, ObjectPtr object) {
  return {Notification::Kind::kUpdate, std::move(old_object), std::move(object), false};
}
Notification Delete(ObjectPtr object, bool final_state_unknown) {
  return {Notification::Kind::kDelete, nullptr, std::move(object), final_state_unknown};
}

// Whether two states of one key carry the same resourceVersion (nothing changed).
bool SameVersion(const PackedJson& a, const PackedJson& b) {
  const absl::string_view rv = ResourceVersionOf(a.view());
  return !rv.empty() && rv == ResourceVersionOf(b.view());
}

// Whether two states of one key are different incarnations (deleted and recreated).
bool Reincarnated(const PackedJson& a, const PackedJson& b) {
  const absl::string_view uid = UidOf(a.view());
  return !uid.empty() && !UidOf(b.view()).empty() && uid != UidOf(b.view());
}

}  // namespace

SharedInformer::SharedInformer(std::shared_ptr<ListerWatcher> lister_watcher,
                               SharedInformerOptions options)
    : options_(std::move(options)),
      lister_watcher_(std::move(lister_watcher)),
      metrics_(options_.registry, options_.resource),
      reflector_(options_.resource, lister_watcher_.get(), this, options_.reflector, options_.clock,
                 options_.transform, &metrics_) {
  Indexers indexers = options_.indexers;
  indexers.emplace(kNamespaceIndex, IndexByNamespace);
  if (absl::Status s = store_.AddIndexers(indexers); !s.ok()) {
    log::Error(s, "informer indexers rejected", {{"resource", options_.resource}});
  }
  metrics_.SetObjects(0);
}

SharedInformer::~SharedInformer() { Stop(); }

HandlerRegistration SharedInformer::AddEventHandler(std::shared_ptr<ResourceEventHandler> handler,
                                                    absl::Duration resync_period) {
  auto listener = std::make_shared<Listener>(std::move(handler));
  {
    absl::MutexLock lock(&apply_mu_);
    if (synced_) {
      for (ObjectPtr& object : store_.List()) listener->Push(Add(std::move(object), true));
      listener->Push({Notification::Kind::kSynced});
    }
    handlers_.push_back({listener, resync_period, options_.clock->Now() + resync_period});
    if (started_ && !stopped_) listener->Start();
  }
  WakeResync();
  return HandlerRegistration(std::move(listener));
}

void SharedInformer::RemoveEventHandler(const HandlerRegistration& registration) {
  std::shared_ptr<Listener> removed;
  {
    absl::MutexLock lock(&apply_mu_);
    for (auto it = handlers_.begin(); it != handlers_.end(); ++it) {
      if (it->listener == registration.listener_) {
        removed = std::move(it->listener);
        handlers_.erase(it);
        break;
      }
    }
  }
  if (removed != nullptr) removed->Stop();
  WakeResync();
}

void SharedInformer::Start() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  {
    absl::MutexLock lock(&apply_mu_);
    if (started_ || stopped_) return;
    started_ = true;
    for (Registered& h : handlers_) h.listener->Start();
  }
  reflector_thread_ = std::thread([this] { reflector_.Run(&stop_); });
  resync_thread_ = std::thread([this] { ResyncLoop(); });
}

void SharedInformer::Stop() {
  absl::MutexLock lifecycle(&lifecycle_mu_);
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    absl::MutexLock lock(&apply_mu_);
    if (stopped_) return;
    stopped_ = true;
    for (Registered& h : handlers_) listeners.push_back(h.listener);
  }
  stop_.Stop();
  {
    absl::MutexLock lock(&resync_mu_);
    resync_stopping_ = true;
  }
  if (reflector_thread_.joinable()) reflector_thread_.join();
  if (resync_thread_.joinable()) resync_thread_.join();
  for (const std::shared_ptr<Listener>& listener : listeners) listener->Stop();
}

bool SharedInformer::HasSynced() const {
  absl::MutexLock lock(&apply_mu_);
  return synced_;
}

bool SharedInformer::WaitForCacheSync(absl::Duration timeout) const {
  absl::MutexLock lock(&apply_mu_);
  return apply_mu_.AwaitWithTimeout(absl::Condition(&synced_), timeout);
}

bool SharedInformer::WaitForHandlersIdle(absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<std::shared_ptr<Listener>> listeners;
  {
    absl::MutexLock lock(&apply_mu_);
    for (const Registered& h : handlers_) listeners.push_back(h.listener);
  }
  for (const std::shared_ptr<Listener>& listener : listeners) {
    if (!listener->WaitUntilIdle(deadline - absl::Now())) return false;
  }
  return true;
}

void SharedInformer::Replace(std::vector<ObjectPtr> objects, const std::string& resource_version) {
  absl::flat_hash_map<std::string, ObjectPtr> fresh;
  fresh.reserve(objects.size());
  for (ObjectPtr& object : objects) {
    fresh.insert_or_assign(*ObjectKey(object->view()), std::move(object));  // last one wins
  }
  absl::MutexLock lock(&apply_mu_);
  const bool initial = !synced_;
  absl::flat_hash_map<std::string, ObjectPtr> old;
  for (auto& [key, object] : store_.Snapshot()) old.emplace(std::move(key), std::move(object));
  std::vector<Notification> notes;
  std::vector<std::pair<std::string, ObjectPtr>> items;
  items.reserve(fresh.size());
  for (auto& [key, object] : fresh) {
    auto it = old.find(key);
    if (it == old.end()) {
      notes.push_back(Add(object, initial));
    } else if (SameVersion(*it->second, *object)) {
      object = std::move(it->second);  // unchanged: keep the instance handlers already hold
      old.erase(it);
    } else {
      if (Reincarnated(*it->second, *object)) {
        notes.push_back(Delete(std::move(it->second), true));
        notes.push_back(Add(object, false));
      } else {
        notes.push_back(Update(std::move(it->second), object));
      }
      old.erase(it);
    }
    items.emplace_back(key, std::move(object));
  }
  for (auto& [key, object] : old) notes.push_back(Delete(std::move(object), true));
  store_.Replace(std::move(items));
  for (const Notification& n : notes) Distribute(n);
  if (!synced_) {
    synced_ = true;
    Distribute({Notification::Kind::kSynced});
  }
  metrics_.SetObjects(store_.size());
  log::Debug("informer replaced its store", {{"resource", options_.resource},
                                             {"resourceVersion", resource_version},
                                             {"objects", store_.size()}});
}

void SharedInformer::Apply(WatchEventType type, ObjectPtr object) {
  const std::string key = *ObjectKey(object->view());
  absl::MutexLock lock(&apply_mu_);
  if (type == WatchEventType::kDeleted) {
    if (store_.Remove(key) != nullptr) Distribute(Delete(std::move(object), false));
  } else {
    ObjectPtr current = store_.Get(key);
    // A repeated event: keep the instance handlers hold and say nothing.
    if (current != nullptr && SameVersion(*current, *object)) return;
    store_.Put(key, object);
    NotifyPut(current, object, false);
  }
  metrics_.SetObjects(store_.size());
}

void SharedInformer::NotifyPut(const ObjectPtr& old_object, const ObjectPtr& object, bool initial) {
  if (old_object == nullptr) {
    Distribute(Add(object, initial));
  } else if (Reincarnated(*old_object, *object)) {
    Distribute(Delete(old_object, true));
    Distribute(Add(object, false));
  } else {
    Distribute(Update(old_object, object));
  }
}

void SharedInformer::Distribute(const Notification& n) {
  for (Registered& h : handlers_) h.listener->Push(n);
}

void SharedInformer::WakeResync() {
  absl::MutexLock lock(&resync_mu_);
  ++resync_generation_;
}

absl::Time SharedInformer::NextResync() const {
  absl::MutexLock lock(&apply_mu_);
  absl::Time next = absl::InfiniteFuture();
  for (const Registered& h : handlers_) {
    if (h.resync_period > absl::ZeroDuration()) next = std::min(next, h.next_resync);
  }
  return next;
}

void SharedInformer::ResyncLoop() {
  while (true) {
    uint64_t generation;
    {
      absl::MutexLock lock(&resync_mu_);
      if (resync_stopping_) return;
      generation = resync_generation_;
    }
    const absl::Time next = NextResync();
    {
      absl::MutexLock lock(&resync_mu_);
      auto changed = [this, generation] {
        resync_mu_.AssertHeld();
        return resync_generation_ != generation || resync_stopping_;
      };
      if (next == absl::InfiniteFuture()) {
        resync_mu_.Await(absl::Condition(&changed));
        continue;
      }
      if (options_.clock->AwaitWithDeadline(&resync_mu_, absl::Condition(&changed), next)) {
        continue;
      }
    }
    ResyncDue();
  }
}

void SharedInformer::ResyncDue() {
  absl::MutexLock lock(&apply_mu_);
  const absl::Time now = options_.clock->Now();
  std::vector<ObjectPtr> objects;
  bool loaded = false;
  for (Registered& h : handlers_) {
    if (h.resync_period <= absl::ZeroDuration() || h.next_resync > now) continue;
    if (!loaded) {
      objects = store_.List();
      loaded = true;
    }
    for (const ObjectPtr& object : objects) h.listener->Push(Update(object, object));
    h.next_resync = now + h.resync_period;
  }
}

}  // namespace flyover::kube
