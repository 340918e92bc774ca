#include "apiserver/server/elastic_task_queue.h"

#include <deque>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace flyover::apiserver {

struct ElasticTaskQueue::State {
  explicit State(ElasticTaskQueueOptions opts) : options(opts) {}

  const ElasticTaskQueueOptions options;
  mutable absl::Mutex mu;
  std::deque<std::function<void()>> tasks ABSL_GUARDED_BY(mu);
  size_t threads ABSL_GUARDED_BY(mu) = 0;
  size_t idle ABSL_GUARDED_BY(mu) = 0;
  size_t running ABSL_GUARDED_BY(mu) = 0;
  bool shutting_down ABSL_GUARDED_BY(mu) = false;
};

ElasticTaskQueue::ElasticTaskQueue(ElasticTaskQueueOptions options)
    : state_(std::make_shared<State>(options)) {}

ElasticTaskQueue::~ElasticTaskQueue() { shutdown(); }

void ElasticTaskQueue::enqueue(std::function<void()> fn) {
  bool spawn = false;
  {
    absl::MutexLock lock(&state_->mu);
    state_->tasks.push_back(std::move(fn));
    // Every waiting task needs a thread of its own: start one unless enough are idle.
    if (state_->tasks.size() > state_->idle && state_->threads < state_->options.max_threads) {
      ++state_->threads;
      spawn = true;
    }
  }
  if (spawn) std::thread(&ElasticTaskQueue::Work, state_).detach();
}

// Waits for the next task; an empty function when the calling thread should exit (idle for
// too long with enough others idle, or shutting down with nothing left to run).
std::function<void()> ElasticTaskQueue::NextTask(State& state, bool finished_one) {
  absl::MutexLock lock(&state.mu);
  if (finished_one) --state.running;
  while (state.tasks.empty()) {
    if (state.shutting_down) {
      --state.threads;
      return nullptr;
    }
    ++state.idle;
    auto ready = [&state] {
      state.mu.AssertHeld();
      return !state.tasks.empty() || state.shutting_down;
    };
    const bool woken =
        state.mu.AwaitWithTimeout(absl::Condition(&ready), state.options.idle_timeout);
    --state.idle;
    if (!woken && state.idle >= state.options.min_idle) {
      --state.threads;
      return nullptr;
    }
  }
  std::function<void()> task = std::move(state.tasks.front());
  state.tasks.pop_front();
  ++state.running;
  return task;
}

void ElasticTaskQueue::Work(std::shared_ptr<State> state) {
  bool finished_one = false;
  while (std::function<void()> task = NextTask(*state, finished_one)) {
    task();
    finished_one = true;
  }
}

void ElasticTaskQueue::shutdown() {
  absl::MutexLock lock(&state_->mu);
  state_->shutting_down = true;
  auto drained = [this] {
    state_->mu.AssertHeld();
    return state_->threads == 0;
  };
  state_->mu.Await(absl::Condition(&drained));
}

size_t ElasticTaskQueue::threads() const {
  absl::MutexLock lock(&state_->mu);
  return state_->threads;
}

size_t ElasticTaskQueue::running() const {
  absl::MutexLock lock(&state_->mu);
  return state_->running;
}

}  // namespace flyover::apiserver
