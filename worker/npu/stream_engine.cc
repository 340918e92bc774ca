#include "worker/npu/stream_engine.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::worker {

struct StreamEngine::Event {
  uint64_t id = 0;
  uint64_t recorded = 0;   // records issued
  uint64_t completed = 0;  // highest record reached
  absl::Status status;     // the status its stream had when `completed` was reached
};

struct StreamEngine::Item {
  enum class Kind { kKernel, kRecord, kWait };
  Kind kind = Kind::kKernel;
  DeviceOp op;                   // kKernel
  std::shared_ptr<Event> event;  // kRecord, kWait
  uint64_t seq = 0;              // the record this item completes or waits for
};

struct StreamEngine::Stream {
  uint64_t id = 0;
  std::deque<Item> queue;
  uint64_t enqueued = 0;    // items ever pushed
  uint64_t retired = 0;     // items run, skipped or dropped
  uint64_t generation = 0;  // bumped by Reset: results of older kernels are ignored
  absl::Status error;       // the poison
  bool stopping = false;
  std::thread thread;
};

StreamEngine::~StreamEngine() {
  std::vector<std::shared_ptr<Stream>> streams;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [id, stream] : streams_) {
      stream->stopping = true;
      DropQueuedLocked(*stream, absl::AbortedError("stream engine destroyed"));
      streams.push_back(stream);
    }
    streams_.clear();
  }
  for (auto& stream : streams) stream->thread.join();
}

absl::StatusOr<std::shared_ptr<StreamEngine::Stream>> StreamEngine::FindStream(
    StreamHandle stream) {
  auto it = streams_.find(stream.id);
  if (it == streams_.end()) {
    return absl::NotFoundError(absl::StrCat("stream ", stream.id, " does not exist"));
  }
  return it->second;
}

absl::StatusOr<std::shared_ptr<StreamEngine::Event>> StreamEngine::FindEvent(EventHandle event) {
  auto it = events_.find(event.id);
  if (it == events_.end()) {
    return absl::NotFoundError(absl::StrCat("event ", event.id, " does not exist"));
  }
  return it->second;
}

absl::StatusOr<StreamHandle> StreamEngine::CreateStream() {
  absl::MutexLock lock(&mu_);
  auto stream = std::make_shared<Stream>();
  stream->id = next_stream_id_++;
  Stream* raw = stream.get();
  stream->thread = std::thread([this, raw] { RunLoop(raw); });
  streams_[stream->id] = stream;
  return StreamHandle{stream->id};
}

absl::Status StreamEngine::DestroyStream(StreamHandle handle) {
  std::shared_ptr<Stream> stream;
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(stream, FindStream(handle));
    stream->stopping = true;
    DropQueuedLocked(*stream, absl::AbortedError(absl::StrCat("stream ", handle.id,
                                                              " destroyed")));
    streams_.erase(handle.id);
  }
  stream->thread.join();
  return absl::OkStatus();
}

absl::Status StreamEngine::PushLocked(Stream& stream, Item item) {
  if (!stream.error.ok()) {
    return absl::Status(stream.error.code(),
                        absl::StrCat("stream ", stream.id, " is poisoned until ResetStream by: ",
                                     stream.error.message()));
  }
  stream.queue.push_back(std::move(item));
  ++stream.enqueued;
  return absl::OkStatus();
}

absl::Status StreamEngine::Enqueue(StreamHandle handle, DeviceOp op) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto stream, FindStream(handle));
  Item item;
  item.kind = Item::Kind::kKernel;
  item.op = std::move(op);
  return PushLocked(*stream, std::move(item));
}

absl::Status StreamEngine::Synchronize(StreamHandle handle, const SyncOptions& options) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto stream, FindStream(handle));
  Stream* s = stream.get();
  const uint64_t target = s->enqueued;
  auto done = [s, target]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return s->retired >= target || !s->error.ok() || s->stopping;
  };
  if (!clock_->AwaitWithTimeout(&mu_, absl::Condition(&done), options.timeout)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "synchronize stream ", s->id, ": ", s->retired, " of ", target,
        " operations done after ", absl::FormatDuration(options.timeout),
        hung_ ? " (the die is hung)" : ""));
  }
  if (s->stopping) {
    return absl::AbortedError(absl::StrCat("stream ", s->id, " destroyed during synchronize"));
  }
  return s->error;
}

absl::Status StreamEngine::Reset(StreamHandle handle) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto stream, FindStream(handle));
  DropQueuedLocked(*stream, absl::AbortedError(absl::StrCat("stream ", handle.id, " reset")));
  stream->error = absl::OkStatus();
  ++stream->generation;
  return absl::OkStatus();
}

absl::Status StreamEngine::StreamError(StreamHandle handle) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto stream, FindStream(handle));
  return stream->error;
}

void StreamEngine::DropQueuedLocked(Stream& stream, const absl::Status& why) {
  for (Item& item : stream.queue) {
    if (item.kind == Item::Kind::kRecord && item.seq > item.event->completed) {
      item.event->completed = item.seq;
      item.event->status = why;
    }
  }
  stream.retired += stream.queue.size();
  stream.queue.clear();
}

absl::StatusOr<EventHandle> StreamEngine::CreateEvent() {
  absl::MutexLock lock(&mu_);
  auto event = std::make_shared<Event>();
  event->id = next_event_id_++;
  events_[event->id] = event;
  return EventHandle{event->id};
}

absl::Status StreamEngine::DestroyEvent(EventHandle handle) {
  absl::MutexLock lock(&mu_);
  if (events_.erase(handle.id) == 0) {
    return absl::NotFoundError(absl::StrCat("event ", handle.id, " does not exist"));
  }
  return absl::OkStatus();
}

absl::Status StreamEngine::Record(EventHandle event_handle, StreamHandle stream_handle) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto event, FindEvent(event_handle));
  ASSIGN_OR_RETURN(auto stream, FindStream(stream_handle));
  Item item;
  item.kind = Item::Kind::kRecord;
  item.event = event;
  item.seq = event->recorded + 1;
  RETURN_IF_ERROR(PushLocked(*stream, std::move(item)));
  event->recorded += 1;
  return absl::OkStatus();
}

absl::Status StreamEngine::Wait(StreamHandle stream_handle, EventHandle event_handle) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto event, FindEvent(event_handle));
  ASSIGN_OR_RETURN(auto stream, FindStream(stream_handle));
  Item item;
  item.kind = Item::Kind::kWait;
  item.event = event;
  item.seq = event->recorded;
  return PushLocked(*stream, std::move(item));
}

absl::Status StreamEngine::SynchronizeEvent(EventHandle handle, const SyncOptions& options) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto event, FindEvent(handle));
  Event* e = event.get();
  const uint64_t target = e->recorded;
  auto done = [e, target]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return e->completed >= target; };
  if (!clock_->AwaitWithTimeout(&mu_, absl::Condition(&done), options.timeout)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "synchronize event ", e->id, ": not reached after ", absl::FormatDuration(options.timeout),
        hung_ ? " (the die is hung)" : ""));
  }
  return target == 0 ? absl::OkStatus() : e->status;
}

absl::StatusOr<bool> StreamEngine::QueryEvent(EventHandle handle) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto event, FindEvent(handle));
  return event->completed >= event->recorded;
}

void StreamEngine::SetHang(bool hang) {
  absl::MutexLock lock(&mu_);
  hung_ = hang;
}

void StreamEngine::SetPacing(double gflops, double slowdown) {
  absl::MutexLock lock(&mu_);
  gflops_cap_ = gflops > 0 ? gflops : 0;
  slowdown_ = std::max(1.0, slowdown);
}

void StreamEngine::RunLoop(Stream* s) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, s]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return s->stopping || (!s->queue.empty() && !hung_);
  };
  while (true) {
    mu_.Await(absl::Condition(&ready));
    if (s->stopping) return;
    Item item = std::move(s->queue.front());
    s->queue.pop_front();
    switch (item.kind) {
      case Item::Kind::kRecord:
        if (item.seq > item.event->completed) {
          item.event->completed = item.seq;
          item.event->status = s->error;
        }
        break;
      case Item::Kind::kWait: {
        const uint64_t generation = s->generation;
        Event* e = item.event.get();
        const uint64_t seq = item.seq;
        auto reached = [s, e, seq, generation]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return e->completed >= seq || s->stopping || s->generation != generation;
        };
        mu_.Await(absl::Condition(&reached));
        break;
      }
      case Item::Kind::kKernel:
        if (s->error.ok()) RunKernelLocked(*s, item.op);
        break;
    }
    ++s->retired;
  }
}

void StreamEngine::RunKernelLocked(Stream& s, DeviceOp& op) {
  const uint64_t generation = s.generation;
  mu_.Unlock();
  const absl::Time start = clock_->Now();
  absl::Status status = op.run ? op.run() : absl::OkStatus();
  const absl::Duration elapsed = clock_->Now() - start;
  op.run = nullptr;  // release the buffers it holds before waiting
  mu_.Lock();
  if (!status.ok() && s.generation == generation && s.error.ok()) {
    s.error = absl::Status(status.code(), absl::StrCat("kernel ", op.name, " on stream ", s.id,
                                                       ": ", status.message()));
  }
  PaceLocked(s, op.flops, start, elapsed);
}

void StreamEngine::PaceLocked(Stream& s, double flops, absl::Time start,
                              absl::Duration elapsed) {
  if (gflops_cap_ <= 0 && slowdown_ <= 1.0) return;
  absl::Time finish;
  if (gflops_cap_ > 0 && flops > 0) {
    const absl::Duration cost =
        std::max(elapsed, absl::Seconds(flops / (gflops_cap_ * 1e9))) * slowdown_;
    finish = std::max(start, die_free_at_) + cost;
    die_free_at_ = finish;
  } else {
    finish = start + elapsed * slowdown_;
  }
  clock_->AwaitWithDeadline(&mu_, absl::Condition(&s.stopping), finish);
}

}  // namespace flyover::worker
