#include "worker/comm/file_rendezvous_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "common/atomic_file.h"
#include "common/posix_file_system.h"
#include "common/status.h"

namespace flyover::worker {
namespace {

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (absl::EndsWith(dir, "/")) return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FileRendezvousStore>> FileRendezvousStore::Create(
    FileRendezvousStoreOptions options) {
  RETURN_IF_ERROR(ValidateScope(options.scope));
  if (options.root.empty()) {
    return absl::InvalidArgumentError("file rendezvous store needs a root directory");
  }
  if (options.initial_poll_interval <= absl::ZeroDuration() ||
      options.max_poll_interval < options.initial_poll_interval) {
    return absl::InvalidArgumentError(
        "file rendezvous store: poll intervals must satisfy 0 < initial <= max");
  }
  if (options.fs == nullptr) options.fs = DefaultFileSystem();
  if (options.clock == nullptr) options.clock = RealClock();
  auto store = std::unique_ptr<FileRendezvousStore>(new FileRendezvousStore(std::move(options)));
  RETURN_IF_ERROR(Annotate(store->fs_.CreateDirs(store->scope_dir_), "file rendezvous store"));
  return store;
}

FileRendezvousStore::FileRendezvousStore(FileRendezvousStoreOptions options)
    : options_(std::move(options)),
      fs_(*options_.fs),
      clock_(*options_.clock),
      scope_dir_(JoinPath(JoinPath(options_.root, options_.scope.job),
                          absl::StrCat(options_.scope.generation))),
      next_generation_dir_(JoinPath(JoinPath(options_.root, options_.scope.job),
                                    absl::StrCat(options_.scope.generation + 1))) {}

std::string FileRendezvousStore::PathOf(absl::string_view key) const {
  return JoinPath(scope_dir_, key);
}

absl::Status FileRendezvousStore::Set(absl::string_view key, absl::string_view value) {
  RETURN_IF_ERROR(ValidateRendezvousKey(key));
  RETURN_IF_ERROR(ValidateRendezvousValue(value));
  const std::string path = PathOf(key);
  if (key.find('/') != absl::string_view::npos) RETURN_IF_ERROR(fs_.CreateDirs(DirName(path)));
  return WriteFileAtomically(fs_, path, value);
}

absl::StatusOr<std::string> FileRendezvousStore::Get(absl::string_view key) {
  RETURN_IF_ERROR(ValidateRendezvousKey(key));
  return fs_.ReadFile(PathOf(key));
}

bool FileRendezvousStore::Superseded() const {
  absl::StatusOr<bool> exists = fs_.FileExists(next_generation_dir_);
  return exists.ok() && *exists;
}

absl::Status FileRendezvousStore::Wait(absl::Span<const std::string> keys,
                                       absl::Duration timeout) {
  for (const std::string& key : keys) RETURN_IF_ERROR(ValidateRendezvousKey(key));
  const absl::Time deadline = clock_.Now() + timeout;
  for (const std::string& key : keys) RETURN_IF_ERROR(WaitForKey(key, deadline, timeout));
  return absl::OkStatus();
}

absl::Status FileRendezvousStore::WaitForKey(const std::string& key, absl::Time deadline,
                                             absl::Duration timeout) {
  const std::string path = PathOf(key);
  absl::Duration interval = options_.initial_poll_interval;
  absl::Status last_error;
  while (true) {
    absl::StatusOr<bool> exists = fs_.FileExists(path);
    if (exists.ok() && *exists) return absl::OkStatus();
    if (!exists.ok()) last_error = exists.status();
    if (Superseded()) {
      return absl::AbortedError(absl::StrCat("rendezvous generation ", options_.scope.generation,
                                             " of job ", options_.scope.job,
                                             " was superseded (", next_generation_dir_,
                                             " exists)"));
    }
    const absl::Time now = clock_.Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "rendezvous key ", options_.scope.KeyPrefix(), key, " not set within ",
          absl::FormatDuration(timeout), last_error.ok() ? "" : "; last error: ",
          last_error.ok() ? "" : last_error.ToString()));
    }
    clock_.SleepFor(std::min(interval, deadline - now));
    interval = std::min(interval * 2, options_.max_poll_interval);
  }
}

}  // namespace flyover::worker
