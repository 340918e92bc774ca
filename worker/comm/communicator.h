// Communicator: the collectives a data-parallel training step needs (ZeRO-1 style), among
// the `size()` ranks of one job generation.
//
//   AllReduce      every rank's buffer becomes the element-wise sum of all ranks' buffers
//   ReduceScatter  rank r's shard of its buffer (ShardOf below) becomes the sum of every
//                  rank's shard r; the rest of the buffer is left as it was
//   AllGather      the inverse: every rank's buffer receives shard p from rank p, for all p
//   Broadcast      every rank's buffer becomes the root's
//   Barrier        returns once every rank has entered it
//
// All float collectives work in place on float32 buffers. Every rank calls the same
// collectives in the same order with the same element count (and root); a rank that
// diverges makes the call fail on every rank (LoopbackCommunicator says InvalidArgument;
// GlooCommunicator cannot tell and its peers time out). An empty buffer returns OK at once
// without communicating.
//
// Determinism. Every element of a reduced result is the left fold, in rank order, of the
// `size()` contributions: ((x0 + x1) + x2) + ... + x_{W-1}, in IEEE binary32 with
// round-to-nearest (see rank_order_sum.h). One rank (the owner of the element's shard)
// computes it, and every other rank receives those bits unchanged. Neither the segmenting
// of messages, nor the order in which messages arrive, nor timing enters the arithmetic,
// so results are bit-identical across runs, across ranks and across the implementations
// below (GlooCommunicator and LoopbackCommunicator agree bit for bit), for the same world
// size and inputs.
//
// Timeouts. Every call takes an explicit timeout (CallOptions::timeout) or inherits the
// communicator's default (default_timeout(), set through the implementation's Options).
//
// Errors (by what the caller should do):
//   InvalidArgument     the arguments are wrong on this rank (root out of range, a
//                       non-positive timeout); nothing was communicated and the
//                       communicator stays usable.
//   DeadlineExceeded    this call's timeout expired on this rank: a peer never entered the
//                       collective, or is stuck. The communicator is broken afterwards.
//   Aborted             a peer is gone (its process died, closed its connections, or gave
//                       up on this collective after its own error), or the communicator
//                       was already broken by an earlier error. Retry higher up: build a
//                       new communicator at the next rendezvous generation.
//   Internal            a bug in the transport or its use.
// A failed collective leaves the buffer's contents unspecified.
//
// Thread-safety: thread-compatible. One rank's communicator runs one collective at a time;
// calls from several threads must be serialised by the caller (their order must match
// across ranks anyway). rank(), size() and default_timeout() may be called at any time.
#ifndef FLYOVER_WORKER_COMM_COMMUNICATOR_H_
#define FLYOVER_WORKER_COMM_COMMUNICATOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/clock.h"

namespace flyover::worker {

// The contiguous slice of an n-element buffer that one rank owns in ReduceScatter and
// AllGather (a ZeRO-1 optimizer keeps the state of exactly this slice).
struct ShardRange {
  size_t offset = 0;
  size_t size = 0;

  friend bool operator==(const ShardRange&, const ShardRange&) = default;
};

// Rank r of `world_size` owns elements [floor(r*n/W), floor((r+1)*n/W)). The remainder
// n mod W is thus spread evenly: every shard has floor(n/W) or ceil(n/W) elements, the
// shards tile [0, n) in rank order, and when n < W some shards are empty. Precondition:
// 0 <= rank < world_size and n < 2^54 (r*n is computed in 64 bits); a call that breaks it
// is a caller bug and aborts the process.
ShardRange ShardOf(size_t n, int world_size, int rank);

// Per-call settings.
struct CallOptions {
  // How long this call may block. Unset: the communicator's default_timeout(). Must be
  // positive when set.
  std::optional<absl::Duration> timeout;
};

// Names for logs and error messages: "AllReduce", "ReduceScatter", ...
enum class CollectiveKind : uint8_t {
  kAllReduce = 1,
  kReduceScatter = 2,
  kAllGather = 3,
  kBroadcast = 4,
  kBarrier = 5,
};
const char* CollectiveName(CollectiveKind kind);

class Communicator {
 public:
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  virtual ~Communicator() = default;

  // This rank, in [0, size()).
  virtual int rank() const = 0;
  // The number of ranks, >= 1.
  virtual int size() const = 0;
  // The timeout of calls whose CallOptions leave it unset.
  absl::Duration default_timeout() const { return default_timeout_; }

  [[nodiscard]] absl::Status AllReduce(absl::Span<float> data, const CallOptions& call = {});
  [[nodiscard]] absl::Status ReduceScatter(absl::Span<float> data,
                                           const CallOptions& call = {});
  [[nodiscard]] absl::Status AllGather(absl::Span<float> data, const CallOptions& call = {});
  // InvalidArgument unless 0 <= root < size().
  [[nodiscard]] absl::Status Broadcast(absl::Span<float> data, int root,
                                       const CallOptions& call = {});
  // Broadcast of raw bytes (seeds, configuration): same rules as the float overload.
  [[nodiscard]] absl::Status BroadcastBytes(absl::Span<uint8_t> data, int root,
                                            const CallOptions& call = {});
  [[nodiscard]] absl::Status Barrier(const CallOptions& call = {});

 protected:
  // `clock` (not owned, outlives this) measures timeouts; `default_timeout` must be > 0.
  Communicator(Clock* clock, absl::Duration default_timeout)
      : clock_(clock), default_timeout_(default_timeout) {}

  Clock* clock() const { return clock_; }

 private:
  // The implementations. Arguments are already validated; `data` is not empty (except for
  // kBarrier); `deadline` is by clock().
  virtual absl::Status DoAllReduce(absl::Span<float> data, absl::Time deadline) = 0;
  virtual absl::Status DoReduceScatter(absl::Span<float> data, absl::Time deadline) = 0;
  virtual absl::Status DoAllGather(absl::Span<float> data, absl::Time deadline) = 0;
  virtual absl::Status DoBroadcast(absl::Span<uint8_t> data, int root,
                                   absl::Time deadline) = 0;
  virtual absl::Status DoBarrier(absl::Time deadline) = 0;

  // The deadline of a call, or InvalidArgument for a non-positive timeout.
  absl::Status Deadline(const CallOptions& call, absl::Time* deadline) const;

  Clock* const clock_;
  const absl::Duration default_timeout_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_COMMUNICATOR_H_
