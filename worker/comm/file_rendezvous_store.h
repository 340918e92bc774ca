// FileRendezvousStore: a RendezvousStore over a directory that every rank can see (a local
// directory for N processes on one machine, or a shared volume). For standalone runs
// without the operator.
//
// Layout: the value of key "a/b" in scope {job, generation} is the file
// <root>/<job>/<generation>/a/b. Set writes it atomically (temp file, fsync, rename,
// directory fsync: common/atomic_file.h), so a reader sees a whole value or none. Wait polls
// for the files with exponential backoff. Nothing but the directory is shared, so no rank
// is a point of failure.
//
// Generations: a new generation uses a new directory and so never sees an older one's
// keys. Wait returns Aborted once the directory of the next generation exists (the job
// restarted without this rank). Removing old generations' directories is left to whoever
// starts the next generation.
//
// Ownership: the FileSystem and Clock in the options are not owned and must outlive the
// store. Thread-safety: safe to call from many threads and processes at once.
#ifndef FLYOVER_WORKER_COMM_FILE_RENDEZVOUS_STORE_H_
#define FLYOVER_WORKER_COMM_FILE_RENDEZVOUS_STORE_H_

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/file_system.h"
#include "worker/comm/rendezvous_store.h"

namespace flyover::worker {

struct FileRendezvousStoreOptions {
  // The shared directory; created (with parents) if missing. Required.
  std::string root;
  RendezvousScope scope;
  // Wait's first poll interval; it doubles after every miss up to max_poll_interval.
  absl::Duration initial_poll_interval = absl::Milliseconds(1);
  absl::Duration max_poll_interval = absl::Milliseconds(50);
  // nullptr: DefaultFileSystem() and RealClock().
  FileSystem* fs = nullptr;
  Clock* clock = nullptr;
};

class FileRendezvousStore final : public RendezvousStore {
 public:
  // InvalidArgument for a bad scope, an empty root or non-positive poll intervals; the
  // filesystem's error if the scope's directory cannot be created.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<FileRendezvousStore>> Create(
      FileRendezvousStoreOptions options);

  const RendezvousScope& scope() const override { return options_.scope; }
  absl::Status Set(absl::string_view key, absl::string_view value) override;
  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Wait(absl::Span<const std::string> keys, absl::Duration timeout) override;

  // <root>/<job>/<generation>: the directory holding this scope's keys.
  const std::string& scope_dir() const { return scope_dir_; }

 private:
  explicit FileRendezvousStore(FileRendezvousStoreOptions options);

  std::string PathOf(absl::string_view key) const;
  // Whether the next generation's directory exists; errors count as "no".
  bool Superseded() const;
  // Polls until `key` exists, `deadline` passes (DeadlineExceeded) or the scope is superseded.
  absl::Status WaitForKey(const std::string& key, absl::Time deadline, absl::Duration timeout);

  const FileRendezvousStoreOptions options_;
  FileSystem& fs_;
  Clock& clock_;
  const std::string scope_dir_;
  const std::string next_generation_dir_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_FILE_RENDEZVOUS_STORE_H_
