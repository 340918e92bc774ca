// StreamEngine: the in-order streams and events of one emulated die.
//
// Each stream owns one worker thread that runs the stream's operations strictly in the
// order they were enqueued. An operation is a kernel (a closure returning a Status), an
// event record, or a wait on an event recorded elsewhere. Different streams run
// concurrently; they order against each other only through events.
//
// Events follow CUDA's rules: Record(e, s) makes e pending until s reaches that point;
// a later Record on e supersedes the earlier one for waiters that come after it.
// Wait(s, e) makes s's later work wait for e's latest record at the time of the call; an
// event never recorded is already complete. SynchronizeEvent blocks the host.
//
// Errors: a kernel's non-OK Status poisons its stream: later kernels on it are skipped,
// events recorded on it complete with that error, Enqueue/Record/Wait on it and every
// SynchronizeStream return it (the same code, message prefixed with the stream and
// kernel) until Reset. Reset drops the stream's queued work (their events complete with
// Aborted), clears the error and lets the stream take work again; a kernel running during
// Reset finishes, and its result no longer poisons the stream.
//
// Faults and pacing (set by EmulatedNpuBackend):
//   * Hang: while set, no stream starts another operation; synchronisation then ends in
//     DeadlineExceeded. Clearing it lets the queues run on.
//   * Compute rate cap and slowdown: after a kernel of F nominal FLOP ran for E, its
//     stream waits until the die's virtual timeline has advanced by
//     max(F / cap, E) * slowdown (or E * slowdown without a cap). The timeline is shared
//     by all streams, so the cap holds for the die as a whole.
//
// Timeouts: SynchronizeStream/SynchronizeEvent wait on the injected Clock, so tests can
// drive them with FakeClock. Worker threads never wait on a deadline except for pacing.
//
// Thread-safety: every method is safe to call from any thread. All state is guarded by
// one mutex; kernels run without it held. Destroying the engine destroys every stream.
#ifndef FLYOVER_WORKER_NPU_STREAM_ENGINE_H_
#define FLYOVER_WORKER_NPU_STREAM_ENGINE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "worker/npu/npu_types.h"

namespace flyover::worker {

// A kernel as the engine sees it.
struct DeviceOp {
  std::string name;                   // e.g. "gemm"; used in error messages
  double flops = 0;                   // nominal FLOP count, for the rate cap
  std::function<absl::Status()> run;  // the work; runs on the stream's thread
};

class StreamEngine {
 public:
  // `clock` is not owned and must outlive the engine.
  explicit StreamEngine(Clock* clock) : clock_(clock) {}
  StreamEngine(const StreamEngine&) = delete;
  StreamEngine& operator=(const StreamEngine&) = delete;
  ~StreamEngine();

  [[nodiscard]] absl::StatusOr<StreamHandle> CreateStream() ABSL_LOCKS_EXCLUDED(mu_);
  // Drops queued work (events complete with Aborted), waits for a running kernel and
  // joins the thread. NotFound for an unknown stream.
  [[nodiscard]] absl::Status DestroyStream(StreamHandle stream) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status Enqueue(StreamHandle stream, DeviceOp op) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status Synchronize(StreamHandle stream, const SyncOptions& options)
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status Reset(StreamHandle stream) ABSL_LOCKS_EXCLUDED(mu_);
  // The stream's poison, OK if healthy; does not wait.
  [[nodiscard]] absl::Status StreamError(StreamHandle stream) ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] absl::StatusOr<EventHandle> CreateEvent() ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status DestroyEvent(EventHandle event) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status Record(EventHandle event, StreamHandle stream)
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status Wait(StreamHandle stream, EventHandle event)
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::Status SynchronizeEvent(EventHandle event, const SyncOptions& options)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the event's latest record has completed (true if never recorded).
  [[nodiscard]] absl::StatusOr<bool> QueryEvent(EventHandle event) ABSL_LOCKS_EXCLUDED(mu_);

  void SetHang(bool hang) ABSL_LOCKS_EXCLUDED(mu_);
  // `gflops` <= 0 removes the cap; `slowdown` must be >= 1 (smaller values count as 1).
  void SetPacing(double gflops, double slowdown) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Event;
  struct Stream;
  struct Item;

  absl::StatusOr<std::shared_ptr<Stream>> FindStream(StreamHandle stream)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::shared_ptr<Event>> FindEvent(EventHandle event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PushLocked(Stream& stream, Item item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropQueuedLocked(Stream& stream, const absl::Status& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunLoop(Stream* stream) ABSL_LOCKS_EXCLUDED(mu_);
  void RunKernelLocked(Stream& stream, DeviceOp& op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PaceLocked(Stream& stream, double flops, absl::Time start, absl::Duration elapsed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<Stream>> streams_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::shared_ptr<Event>> events_ ABSL_GUARDED_BY(mu_);
  uint64_t next_stream_id_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_event_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool hung_ ABSL_GUARDED_BY(mu_) = false;
  double gflops_cap_ ABSL_GUARDED_BY(mu_) = 0;
  double slowdown_ ABSL_GUARDED_BY(mu_) = 1.0;
  // The end of the die's virtual compute timeline (pacing only).
  absl::Time die_free_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_STREAM_ENGINE_H_
