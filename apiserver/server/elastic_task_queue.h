// ElasticTaskQueue: the task queue cpp-httplib runs each accepted connection on.
//
// httplib's own ThreadPool has a fixed number of threads (8 by default) and a connection
// occupies one for as long as it is open. A watch is a request that stays open for many
// minutes, so a fixed pool would stop serving after eight `kubectl get -w` or informers.
// This queue grows instead: a connection is handed to an idle thread if there is one,
// otherwise a new thread is started, up to `max_threads` (default 4096, enough for well
// over 1,000 concurrent watches beside ordinary requests); beyond that, connections wait
// in FIFO order. Threads left idle for `idle_timeout` exit, down to `min_idle` kept warm,
// so a burst of watches does not pin its threads forever. A thread costs its stack's
// address space (mostly untouched, so little memory) and nothing while blocked.
//
// The alternative — an event loop multiplexing watches — would mean leaving httplib's
// blocking handler model; a thread per open connection keeps every handler a plain
// blocking function, which is what httplib and the storage's Watcher (NextBatch) offer.
//
// shutdown() (called by httplib when it stops listening) waits for every queued and
// running task; connection tasks end once the server stops (httplib checks between
// requests, and our watch streams watch the server's stopping flag).
//
// Thread-safety: enqueue() and the counters are thread-safe; shutdown() once, by the owner.
#ifndef FLYOVER_APISERVER_SERVER_ELASTIC_TASK_QUEUE_H_
#define FLYOVER_APISERVER_SERVER_ELASTIC_TASK_QUEUE_H_

#include <cstddef>
#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "httplib.h"

namespace flyover::apiserver {

struct ElasticTaskQueueOptions {
  size_t max_threads = 4096;
  size_t min_idle = 4;
  absl::Duration idle_timeout = absl::Seconds(30);
};

class ElasticTaskQueue final : public httplib::TaskQueue {
 public:
  explicit ElasticTaskQueue(ElasticTaskQueueOptions options = {});
  ~ElasticTaskQueue() override;  // shutdown()s if the owner did not
  ElasticTaskQueue(const ElasticTaskQueue&) = delete;
  ElasticTaskQueue& operator=(const ElasticTaskQueue&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // Threads alive now, and tasks running now (for metrics and tests).
  size_t threads() const;
  size_t running() const;

 private:
  struct State;
  static void Work(std::shared_ptr<State> state);
  static std::function<void()> NextTask(State& state, bool finished_one);

  // Shared with the worker threads, which are detached and may outlive this object by the
  // instant between signalling their exit and returning.
  const std::shared_ptr<State> state_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_ELASTIC_TASK_QUEUE_H_
