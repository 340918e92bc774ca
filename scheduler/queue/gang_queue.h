// GangQueue: the order in which ready gangs are tried, with backoff for unschedulable ones
// (kube-scheduler's activeQ / backoffQ / unschedulable pods, for gangs).
//
//   * Active gangs pop in this order: replacements first (a running job is waiting), then
//     higher priority (the pods' spec.priority), then older creation time (FIFO), then key.
//   * Done(key, kUnschedulable) parks the gang and grows its backoff: initial_backoff doubling
//     per consecutive failure up to max_backoff. A parked gang returns to the active queue
//     when the cluster changes (OnClusterChange) and its backoff has passed, or after
//     max_unschedulable_wait without any change (a periodic safety net), or at the `wake_by`
//     time its Done gave (a gang timeout running out), whichever comes first.
//   * Done(key, kError) (an API error, a conflict) retries after the backoff, change or not.
//   * Done(key, kScheduled) forgets the gang's failure count.
//   * A key is never handed to two callers: between Pop and Done an Add only marks it dirty,
//     and Done puts it back on the active queue.
//
// Time is the injected clock's, so tests run backoff without sleeping.
// Thread-safety: all methods are thread-safe. The clock must outlive the queue.
#ifndef FLYOVER_SCHEDULER_QUEUE_GANG_QUEUE_H_
#define FLYOVER_SCHEDULER_QUEUE_GANG_QUEUE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::sched {

struct GangQueueOptions {
  Clock* clock = RealClock();
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(10);
  absl::Duration max_unschedulable_wait = absl::Seconds(60);
};

// What ordering needs to know of a gang.
struct GangOrder {
  bool replacement = false;
  int priority = 0;  // higher first
  absl::Time created = absl::InfinitePast();
};

enum class GangOutcome { kScheduled, kUnschedulable, kError };

class GangQueue {
 public:
  explicit GangQueue(GangQueueOptions options = {});
  GangQueue(const GangQueue&) = delete;
  GangQueue& operator=(const GangQueue&) = delete;

  // Makes the gang active (unless it is backing off after an error, or being processed).
  void Add(const std::string& key, GangOrder order) ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the gang wherever it is (it has no pending pods left).
  void Remove(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_);
  // The next active gang, waiting up to `timeout` on the clock; nullopt on timeout or Close().
  std::optional<std::string> Pop(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  // The caller finished with a popped gang. `wake_by` (kUnschedulable only): retry the gang
  // by then even if nothing changes (still after its backoff).
  void Done(const std::string& key, GangOutcome outcome,
            absl::Time wake_by = absl::InfiniteFuture()) ABSL_LOCKS_EXCLUDED(mu_);
  // Something in the cluster changed: parked gangs may go again once their backoff passes.
  void OnClusterChange() ABSL_LOCKS_EXCLUDED(mu_);
  // Wakes every Pop; later Pops return nullopt at once.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] size_t active_size() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] size_t unschedulable_size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // (!replacement, -priority, created, key): std::set's order is the pop order.
  using ActiveKey = std::tuple<bool, int64_t, absl::Time, std::string>;
  struct Entry {
    GangOrder order;
    int failures = 0;
    absl::Time backoff_until = absl::InfinitePast();
    absl::Time parked_at = absl::InfinitePast();
    absl::Time wake_by = absl::InfiniteFuture();
    enum class State { kActive, kParked, kWaiting, kInFlight } state = State::kActive;
    bool changed_while_parked = false;
    bool dirty = false;  // re-added while in flight
  };

  static ActiveKey ActiveKeyOf(const std::string& key, const GangOrder& order);
  void Activate(const std::string& key, Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Promote(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Time NextWake(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration Backoff(int failures) const;
  // When a parked gang goes again without a change.
  absl::Time ParkedUntil(const Entry& entry) const;

  const GangQueueOptions options_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::set<ActiveKey> active_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t wakeups_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_QUEUE_GANG_QUEUE_H_
