// EventRecorder: how controllers report what they did to an object as core/v1 Events
// (`kubectl describe` shows them), after client-go's record.EventRecorder.
//
//   recorder->Event(job_ref, EventType::kNormal, "PodsCreated", "created 128 worker pods");
//
// Event() never blocks on the network and never fails: events are best-effort telemetry.
//
// SinkEventRecorder is the implementation: Event() stamps the event with the clock's time
// and puts it on a bounded queue (dropping it, counted, when the queue is full); one
// background thread takes events in order, passes them through an EventCorrelator
// (event_correlator.h: spam filter, aggregation of identical events into count updates)
// and writes them to an EventSink (event_sink.h): a new Event is created, a repeated one
// is patched (or created again if it has gone). A write that fails in transport (no
// server Status) is retried up to `max_tries` times, the first retry after a random part
// of `retry_interval`, later ones after `retry_interval`, as client-go does; a write the
// server refuses is dropped. FakeEventRecorder (testing/fake_event_recorder.h) records
// events in memory for tests of code that reports events.
//
// Metrics (when a registry is given): flyover_event_recorder_events_total{outcome} with
// outcome created, patched, queue_full, spam_filtered, failed.
//
// Ownership: SinkEventRecorder borrows the sink and the clock, which must outlive it.
// Thread-safety: Event() may be called from any thread; Flush() and Stop() too.
#ifndef FLYOVER_KUBE_CONTROLLER_EVENT_RECORDER_H_
#define FLYOVER_KUBE_CONTROLLER_EVENT_RECORDER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log.h"
#include "kube/cache/stop_signal.h"
#include "kube/controller/event.h"
#include "kube/controller/event_correlator.h"
#include "kube/controller/event_sink.h"
#include "prometheus/registry.h"

namespace flyover::kube {

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;

  // Reports that `reason` (UpperCamelCase, machine-readable) happened to `object`, with a
  // human-readable `message`.
  virtual void Event(const ObjectReference& object, EventType type, absl::string_view reason,
                     absl::string_view message) = 0;
};

struct EventRecorderOptions {
  // source.component: the reporting controller, e.g. "flyover-operator". Required.
  std::string component;
  // source.host: the node or pod the reporter runs on.
  std::string host;
  Clock* clock = RealClock();  // not owned
  // Events waiting to be written; more are dropped (client-go: 1000).
  size_t queue_capacity = 1000;
  // Attempts per event when the transport fails (client-go: 12, 10 s apart).
  int max_tries = 12;
  absl::Duration retry_interval = absl::Seconds(10);
  EventCorrelatorOptions correlator;
  std::shared_ptr<prometheus::Registry> registry;  // null: no metrics
};

// What happened to the events recorded so far.
struct EventRecorderStats {
  int64_t created = 0;
  int64_t patched = 0;
  int64_t queue_full = 0;
  int64_t spam_filtered = 0;
  int64_t failed = 0;
};

class SinkEventRecorder final : public EventRecorder {
 public:
  // InvalidArgument for a null sink or clock, an empty component, a zero queue capacity or
  // max_tries below 1. Starts the writer thread.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SinkEventRecorder>> Create(
      EventSink* sink, EventRecorderOptions options);
  ~SinkEventRecorder() override;  // Stop()
  SinkEventRecorder(const SinkEventRecorder&) = delete;
  SinkEventRecorder& operator=(const SinkEventRecorder&) = delete;

  void Event(const ObjectReference& object, EventType type, absl::string_view reason,
             absl::string_view message) override ABSL_LOCKS_EXCLUDED(mu_);

  // Waits (real time, up to `timeout`) until every event recorded so far has been written,
  // filtered or dropped. Returns whether that happened. For tests and shutdown.
  [[nodiscard]] bool Flush(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  // Stops accepting events, writes those queued (one attempt each, no retry waits) and
  // joins the writer thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] EventRecorderStats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  enum class Outcome { kCreated, kPatched, kQueueFull, kSpamFiltered, kFailed };
  struct Metrics;

  SinkEventRecorder(EventSink* sink, EventRecorderOptions options);

  void WriterLoop() ABSL_LOCKS_EXCLUDED(mu_);
  void Process(KubeEvent event);
  // Writes one correlated event, retrying transport failures; the outcome.
  Outcome WriteWithRetries(const EventCorrelator::Result& correlated);
  // One attempt; the stored event on success.
  absl::StatusOr<KubeEvent> WriteOnce(const EventCorrelator::Result& correlated,
                                      Outcome* outcome);
  void Count(Outcome outcome) ABSL_LOCKS_EXCLUDED(mu_);
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stopping_;
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return queue_.empty() && !busy_; }

  EventSink* const sink_;
  const EventRecorderOptions options_;
  const log::Logger logger_;
  std::unique_ptr<Metrics> metrics_;
  EventCorrelator correlator_;  // the writer thread's
  StopSignal stop_;             // interrupts retry waits

  mutable absl::Mutex mu_;
  std::deque<KubeEvent> queue_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t last_nanos_ ABSL_GUARDED_BY(mu_) = 0;
  EventRecorderStats stats_ ABSL_GUARDED_BY(mu_);

  absl::Mutex join_mu_;  // serialises Stop()
  std::thread writer_;   // started last
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_EVENT_RECORDER_H_
