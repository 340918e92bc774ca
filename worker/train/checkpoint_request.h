// CheckpointRequestWatcher: reads the CheckpointNow request file the agent rewrites
// atomically (FLYOVER_CHECKPOINT_REQUEST_FILE, docs/design/supervision.md section 3):
// {"id": "<command id>", "sequence": n}. Sequence() is cheap to call every step: it stats
// the file and re-reads it only when its modification time or size changed.
//
// Contract: Sequence() returns the highest `sequence` seen so far (0 before any request). A
// missing, unreadable or malformed file leaves the value as it was (the agent replaces the
// file whole, so a half-written one is never seen; a bad one is ignored, not fatal).
// Thread-safety: thread-compatible.
#ifndef FLYOVER_WORKER_TRAIN_CHECKPOINT_REQUEST_H_
#define FLYOVER_WORKER_TRAIN_CHECKPOINT_REQUEST_H_

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>

namespace flyover::worker {

class CheckpointRequestWatcher {
 public:
  explicit CheckpointRequestWatcher(std::string path) : path_(std::move(path)) {}

  int64_t Sequence();

 private:
  const std::string path_;
  timespec seen_mtime_{};
  off_t seen_size_ = -1;
  int64_t sequence_ = 0;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_CHECKPOINT_REQUEST_H_
