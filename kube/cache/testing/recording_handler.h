// RecordingHandler: a ResourceEventHandler for tests that records every notification, keeps
// the state the notifications imply (key -> object), and checks them against the handler
// guarantees of event_handler.h as they arrive:
//   - Add only for a key the handler does not know; Update and Delete only for one it does;
//   - Update's old object is the one the handler was last given for that key, and its new
//     resourceVersion is higher (or it is the very same object: a resync);
//   - Delete carries a resourceVersion at least that of the last known state, or, with
//     final_state_unknown, exactly the last known object.
// Violations() lists every breach; a correct informer leaves it empty.
//
//   auto handler = std::make_shared<RecordingHandler>();
//   informer.AddEventHandler(handler);
//   ASSERT_TRUE(handler->WaitForState({{"ns/a", "101"}}));     // key -> resourceVersion
//   EXPECT_THAT(handler->Strings(), ElementsAre("add* ns/a@101"));
//   EXPECT_THAT(handler->Violations(), IsEmpty());
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_KUBE_CACHE_TESTING_RECORDING_HANDLER_H_
#define FLYOVER_KUBE_CACHE_TESTING_RECORDING_HANDLER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/event_handler.h"

namespace flyover::kube {

class RecordingHandler final : public ResourceEventHandler {
 public:
  struct Event {
    enum class Kind { kAdd, kUpdate, kDelete };
    Kind kind;
    std::string key;
    ObjectPtr old_object;  // kUpdate only
    ObjectPtr object;
    bool flag;  // kAdd: is_initial_list; kDelete: final_state_unknown
  };

  void OnAdd(const ObjectPtr& object, bool is_initial_list) override ABSL_LOCKS_EXCLUDED(mu_);
  void OnUpdate(const ObjectPtr& old_object, const ObjectPtr& new_object) override
      ABSL_LOCKS_EXCLUDED(mu_);
  void OnDelete(const ObjectPtr& object, bool final_state_unknown) override
      ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] std::vector<Event> events() const ABSL_LOCKS_EXCLUDED(mu_);
  // One line per event: "add ns/a@101" ("add*" from the initial list), "update ns/a@101->105",
  // "delete ns/a@107" ("delete?" when the final state is unknown).
  [[nodiscard]] std::vector<std::string> Strings() const ABSL_LOCKS_EXCLUDED(mu_);
  // The implied state: key -> resourceVersion.
  [[nodiscard]] std::map<std::string, std::string> State() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::vector<std::string> Violations() const ABSL_LOCKS_EXCLUDED(mu_);

  // Wait (real time) until at least `count` events arrived / the state equals `expected`.
  [[nodiscard]] bool WaitForEvents(size_t count, absl::Duration timeout = absl::Seconds(10)) const
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] bool WaitForState(const std::map<std::string, std::string>& expected,
                                  absl::Duration timeout = absl::Seconds(10)) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Forgets the recorded events (not the state).
  void ClearEvents() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Record(Event event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::map<std::string, std::string> StateLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<Event> events_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ObjectPtr> state_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> violations_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_TESTING_RECORDING_HANDLER_H_
