// RendezvousStore: the small key/value store through which the ranks of one job generation
// find each other before they connect (each rank publishes its address, then waits for
// everyone else's).
//
// Keys live in a scope: the job's name and its restart generation. The full key of `k` is
// "<job>/<generation>/<k>", so a new generation (after a restart) never sees the keys of
// an older one. The store is never hosted by a rank: it is a shared directory
// (FileRendezvousStore, for N local processes) or the operator's supervision endpoint
// (HttpRendezvousStore), so no single rank is a point of failure for rendezvous.
//
// Implementations: FileRendezvousStore, HttpRendezvousStore, InMemoryRendezvousStore (the
// fake, over a RendezvousTable in this process).
//
// Keys: one or more segments joined by '/', each segment 1..64 characters of
// [A-Za-z0-9_-]; at most 256 characters in all. Values: arbitrary bytes, at most
// kMaxRendezvousValueBytes.
//
// Errors (by what the caller should do):
//   InvalidArgument    a malformed key or an oversized value.
//   NotFound           Get of a key that is not set.
//   DeadlineExceeded   Wait's timeout expired with keys still missing (named in the message).
//   Unavailable        the store cannot be reached right now; retry the call.
//   Aborted            this scope's generation has been superseded by a newer one: the job
//                      restarted without this rank, so re-rendezvous at the new generation.
//   Unauthenticated / PermissionDenied   the endpoint refused the credentials.
//
// Thread-safety: implementations are safe to call from many threads at once.
#ifndef FLYOVER_WORKER_COMM_RENDEZVOUS_STORE_H_
#define FLYOVER_WORKER_COMM_RENDEZVOUS_STORE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace flyover::worker {

inline constexpr size_t kMaxRendezvousValueBytes = 1 << 20;

// Where a rendezvous happens.
struct RendezvousScope {
  // The job's name: a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting
  // and ending with a letter or digit, at most 253 characters), as Kubernetes names are.
  std::string job;
  // The restart generation, >= 0. Every restart of the job's ranks uses a new, larger one.
  int64_t generation = 0;

  // "<job>/<generation>/".
  std::string KeyPrefix() const;

  friend bool operator==(const RendezvousScope&, const RendezvousScope&) = default;
};

// InvalidArgument naming the problem, or OK.
[[nodiscard]] absl::Status ValidateScope(const RendezvousScope& scope);
[[nodiscard]] absl::Status ValidateRendezvousKey(absl::string_view key);
[[nodiscard]] absl::Status ValidateRendezvousValue(absl::string_view value);

class RendezvousStore {
 public:
  RendezvousStore() = default;
  RendezvousStore(const RendezvousStore&) = delete;
  RendezvousStore& operator=(const RendezvousStore&) = delete;
  virtual ~RendezvousStore() = default;

  // The scope every key of this store lives in.
  virtual const RendezvousScope& scope() const = 0;

  // Publishes `value` under `key`; a later Set of the same key replaces it (last writer
  // wins). Bounded by the implementation's request timeout.
  [[nodiscard]] virtual absl::Status Set(absl::string_view key, absl::string_view value) = 0;

  // The value of `key`; NotFound if it is not set. Does not wait.
  [[nodiscard]] virtual absl::StatusOr<std::string> Get(absl::string_view key) = 0;

  // Blocks until every key in `keys` is set, or returns DeadlineExceeded once `timeout`
  // has passed with some still missing. Transient errors of the backing store are retried
  // until then (the last one is named in the DeadlineExceeded message).
  [[nodiscard]] virtual absl::Status Wait(absl::Span<const std::string> keys,
                                          absl::Duration timeout) = 0;
};

// Wait({key}, timeout), then Get(key).
[[nodiscard]] absl::StatusOr<std::string> WaitAndGet(RendezvousStore& store,
                                                      absl::string_view key,
                                                      absl::Duration timeout);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_RENDEZVOUS_STORE_H_
