// FakeListerWatcher: an in-memory stand-in for one resource of an API server, for tests of
// informers and of the controllers built on them.
//
// It keeps objects and a global resourceVersion counter like the real server: Create/Update/
// Delete assign resourceVersions (and uids) and send ADDED/MODIFIED/DELETED to every active
// watch; List returns the current state; Watch replays the history after the requested
// resourceVersion and then streams live events. On top of that the test scripts faults:
//
//   fake.Compact();                      // a watch from an older RV now gets 410 Gone
//   fake.FailNextWatch(absl::UnavailableError("connection refused"));
//   fake.EndWatches(absl::UnavailableError("connection reset"));   // drop live watches
//   fake.EndWatches(absl::OkStatus());   // the server's watch timeout
//   fake.ExpireWatches();                // ERROR event with a 410 Status
//   fake.SendBookmark();
//   fake.InjectEvent({WatchEventType::kModified, stale_copy});       // replays, junk
//   fake.QueueListResult({...});         // the next List returns exactly this
//
// Watches do not time out on their own (the requested timeout is only recorded): tests end
// them with EndWatches(). Synchronisation without sleeps: WaitForWatchers() and WaitForIdle()
// block (with a real-time timeout) until the watches have consumed everything sent to them,
// which means the informer's store has applied it; FakeInformerDriver (fake_informer_driver.h)
// builds on them to also skip the informer's backoff waits on a FakeClock.
//
// Objects are keyed "namespace/name" like the cache. Thread-safety: all methods are
// thread-safe; Watch() runs on the caller's (reflector's) thread and calls the sink without
// holding the fake's lock.
#ifndef FLYOVER_KUBE_CACHE_TESTING_FAKE_LISTER_WATCHER_H_
#define FLYOVER_KUBE_CACHE_TESTING_FAKE_LISTER_WATCHER_H_

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/lister_watcher.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

class FakeListerWatcher final : public ListerWatcher {
 public:
  // One List or Watch call, as made.
  struct Call {
    enum class Kind { kList, kWatch };
    int64_t id = 0;  // 1, 2, ... in call order
    Kind kind = Kind::kList;
    std::string resource_version;
    absl::Duration timeout;
    bool allow_bookmarks = false;
    bool finished = false;
    absl::Status result;  // once finished
  };

  // What WaitForIdle() found.
  struct Idle {
    enum class Kind {
      kWatching,  // the newest call is a live watch that has consumed everything sent
      kFailed,    // the newest call failed and no call followed (the caller backs off)
    };
    Kind kind;
    int64_t call;  // the newest call's id
  };

  FakeListerWatcher() = default;

  // ListerWatcher.
  absl::StatusOr<ListResult> List(const ListOptions& options) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Watch(const WatchOptions& options, WatchEventSink sink, StopSignal* stop) override
      ABSL_LOCKS_EXCLUDED(mu_);

  // Server-side changes. Each returns the object as stored (with its new resourceVersion).
  // Create: InvalidArgument without metadata.name, AlreadyExists for a taken key; assigns a
  // uid when there is none. Update: NotFound for an unknown key; keeps the stored uid.
  // Delete: NotFound for an unknown key; the DELETED event carries the final state.
  absl::StatusOr<nlohmann::json> Create(nlohmann::json object) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<nlohmann::json> Update(nlohmann::json object) ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<nlohmann::json> Delete(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  // The server's state.
  [[nodiscard]] std::map<std::string, nlohmann::json> Objects() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::string ResourceVersion() const ABSL_LOCKS_EXCLUDED(mu_);

  // Faults.
  // Drops the history so far: watches from an older resourceVersion expire (410).
  void Compact() ABSL_LOCKS_EXCLUDED(mu_);
  // Whether expired watches fail as the call's status (false, the default) or through an
  // ERROR event carrying a 410 Status (true).
  void SetExpiredAsErrorEvent(bool as_event) ABSL_LOCKS_EXCLUDED(mu_);
  // The next `times` List / Watch calls fail with `status` at once.
  void FailNextList(absl::Status status, int times = 1) ABSL_LOCKS_EXCLUDED(mu_);
  void FailNextWatch(absl::Status status, int times = 1) ABSL_LOCKS_EXCLUDED(mu_);
  // The next List returns `result` verbatim.
  void QueueListResult(ListResult result) ABSL_LOCKS_EXCLUDED(mu_);
  // Ends every live watch with `status` (OK: the server's timeout; an error: a broken
  // connection). Events sent but not yet consumed are lost with the connection.
  void EndWatches(absl::Status status) ABSL_LOCKS_EXCLUDED(mu_);
  // Sends every live watch an ERROR event with a 410 Expired Status.
  void ExpireWatches() ABSL_LOCKS_EXCLUDED(mu_);
  // Sends a BOOKMARK at the current resourceVersion to every live watch that asked for them.
  void SendBookmark() ABSL_LOCKS_EXCLUDED(mu_);
  // Sends `event` as is to every live watch, without touching the server's state.
  void InjectEvent(const WatchEvent& event) ABSL_LOCKS_EXCLUDED(mu_);

  // Observation.
  [[nodiscard]] std::vector<Call> calls() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] int CountCalls(Call::Kind kind) const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] int active_watches() const ABSL_LOCKS_EXCLUDED(mu_);
  // The id of the newest call (0 before the first).
  [[nodiscard]] int64_t LastCallId() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until at least `count` watches are live and have consumed every event
  // sent to them.
  [[nodiscard]] bool WaitForWatchers(int count, absl::Duration timeout = absl::Seconds(10))
      ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) for a quiet state: the newest call is a drained live watch, or it is a
  // failed call with an id above `after_call`. nullopt on timeout.
  [[nodiscard]] std::optional<Idle> WaitForIdle(int64_t after_call,
                                                absl::Duration timeout = absl::Seconds(10))
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct HistoryEvent {
    uint64_t rv;
    WatchEventType type;
    nlohmann::json object;
  };
  struct LiveWatch {
    int64_t call;
    bool bookmarks;
    std::deque<WatchEvent> pending;
    bool delivering = false;
    bool stopped = false;
    std::optional<absl::Status> end;
    bool Drained() const { return pending.empty() && !delivering; }
  };

  Call& StartCall(Call::Kind kind, std::string rv, absl::Duration timeout, bool bookmarks)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishCall(int64_t id, const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Opens a watch: InvalidArgument / expired status, or the events to replay.
  absl::Status OpenWatch(const WatchOptions& options, LiveWatch* watch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Delivers events until the watch ends, then unregisters it and finishes its call.
  absl::Status Stream(LiveWatch* watch, WatchEventSink sink) ABSL_LOCKS_EXCLUDED(mu_);
  nlohmann::json Record(WatchEventType type, nlohmann::json object)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IsIdle(int64_t after_call, Idle* idle) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, nlohmann::json> objects_ ABSL_GUARDED_BY(mu_);
  uint64_t rv_ ABSL_GUARDED_BY(mu_) = 100;
  uint64_t next_uid_ ABSL_GUARDED_BY(mu_) = 1;
  std::deque<HistoryEvent> history_ ABSL_GUARDED_BY(mu_);
  // A watch from an RV below this has lost history: 410.
  uint64_t compacted_rv_ ABSL_GUARDED_BY(mu_) = 0;
  bool expired_as_event_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<absl::Status> list_failures_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::Status> watch_failures_ ABSL_GUARDED_BY(mu_);
  std::deque<ListResult> list_results_ ABSL_GUARDED_BY(mu_);
  std::list<LiveWatch*> watches_ ABSL_GUARDED_BY(mu_);  // each lives on its Watch() stack
  std::vector<Call> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_TESTING_FAKE_LISTER_WATCHER_H_
