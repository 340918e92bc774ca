// ResourceEventHandler: what an informer tells the code that registered with it, one
// notification at a time, in the order the cache changed (client-go's
// ResourceEventHandler).
//
// Guarantees, per handler: calls never overlap; for one object (one key) they follow the
// object's resourceVersions upwards; Add, then Updates, then Delete, then perhaps Add again
// for a new incarnation. When the cache relists it sends only what changed: an Update for an
// object whose resourceVersion moved, an Add for a new one, a Delete with
// final_state_unknown=true for one that vanished (the object is then the last state the cache
// knew, client-go's DeletedFinalStateUnknown). A periodic resync sends OnUpdate(x, x).
//
// Handlers run on a thread of their own per registration, so a slow handler delays only
// itself. They must not throw; they usually just put the object's key on a work queue.
#ifndef FLYOVER_KUBE_CACHE_EVENT_HANDLER_H_
#define FLYOVER_KUBE_CACHE_EVENT_HANDLER_H_

#include <functional>
#include <utility>

#include "kube/cache/object.h"

namespace flyover::kube {

class ResourceEventHandler {
 public:
  virtual ~ResourceEventHandler() = default;
  // `object` appeared; `is_initial_list` when it was part of the state the handler found on
  // registration (the first list, or the cache's contents for a late registration).
  virtual void OnAdd(const ObjectPtr& object, bool is_initial_list) = 0;
  // `old_object` became `new_object` (the same object on a periodic resync).
  virtual void OnUpdate(const ObjectPtr& old_object, const ObjectPtr& new_object) = 0;
  // `object` was deleted. With `final_state_unknown`, the deletion was inferred when a relist
  // no longer had the object, and `object` is its last known state.
  virtual void OnDelete(const ObjectPtr& object, bool final_state_unknown) = 0;
};

// A handler made of functions; unset ones ignore their notification.
class FuncEventHandler final : public ResourceEventHandler {
 public:
  struct Funcs {
    std::function<void(const ObjectPtr&, bool)> on_add;
    std::function<void(const ObjectPtr&, const ObjectPtr&)> on_update;
    std::function<void(const ObjectPtr&, bool)> on_delete;
  };
  explicit FuncEventHandler(Funcs funcs) : funcs_(std::move(funcs)) {}

  void OnAdd(const ObjectPtr& object, bool is_initial_list) override {
    if (funcs_.on_add) funcs_.on_add(object, is_initial_list);
  }
  void OnUpdate(const ObjectPtr& old_object, const ObjectPtr& new_object) override {
    if (funcs_.on_update) funcs_.on_update(old_object, new_object);
  }
  void OnDelete(const ObjectPtr& object, bool final_state_unknown) override {
    if (funcs_.on_delete) funcs_.on_delete(object, final_state_unknown);
  }

 private:
  const Funcs funcs_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_EVENT_HANDLER_H_
