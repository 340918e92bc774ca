// FakeEventRecorder: an EventRecorder that keeps every event in memory, for unit tests of
// code that reports events (after controller-runtime's record.FakeRecorder).
//
//   FakeEventRecorder recorder;
//   reconciler.Reconcile("ns/job");
//   EXPECT_THAT(recorder.Strings(), Contains("Warning FaultDetected rank 3 exited"));
//
// Nothing is filtered or aggregated. Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_EVENT_RECORDER_H_
#define FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_EVENT_RECORDER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/controller/event_recorder.h"

namespace flyover::kube {

struct RecordedEvent {
  ObjectReference object;
  EventType type = EventType::kNormal;
  std::string reason;
  std::string message;

  // "<Type> <Reason> <message>", as FakeRecorder formats events.
  [[nodiscard]] std::string ToString() const;
  bool operator==(const RecordedEvent&) const = default;
};

class FakeEventRecorder final : public EventRecorder {
 public:
  void Event(const ObjectReference& object, EventType type, absl::string_view reason,
             absl::string_view message) override ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] std::vector<RecordedEvent> events() const ABSL_LOCKS_EXCLUDED(mu_);
  // Every event's ToString(), in order.
  [[nodiscard]] std::vector<std::string> Strings() const ABSL_LOCKS_EXCLUDED(mu_);
  // Events with this reason.
  [[nodiscard]] int CountReason(absl::string_view reason) const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until at least `count` events have been recorded.
  [[nodiscard]] bool WaitForEvents(size_t count, absl::Duration timeout = absl::Seconds(10))
      ABSL_LOCKS_EXCLUDED(mu_);
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::vector<RecordedEvent> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_EVENT_RECORDER_H_
