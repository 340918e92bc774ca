// GlooCommunicator: the production Communicator, on Gloo's TCP transport (Debian's
// libgloo). Ranks find each other through a RendezvousStore (each publishes its listening
// address under "gloo/..." keys of the store's job/generation scope), then keep one TCP
// connection to every peer.
//
// Algorithms (all built on Gloo's unbound-buffer send/recv, not on Gloo's own collectives,
// because the reduction order is part of our contract; see communicator.h):
//   ReduceScatter  direct: every rank sends shard p of its buffer to rank p; rank p folds the
//                  W contributions in rank order (SumInRankOrder). Shards travel in
//                  segments of at most segment_bytes; all sends are posted at once and up
//                  to 4 segments are received ahead, so receiving overlaps folding and
//                  per-message latency is hidden. Each rank sends and receives
//                  (W-1)/W of the buffer: as little as a ring, in one step instead of W-1.
//   AllGather      direct: every rank sends its shard to every peer.
//   AllReduce      ReduceScatter then AllGather: 2(W-1)/W of the buffer each way per rank,
//                  the bandwidth lower bound of allreduce.
//   Broadcast      the root sends the buffer to every peer.
//   Barrier        every rank sends a one-byte token to every peer and waits for all.
// Message tags (Gloo "slots") are derived from the collective's sequence number, kind,
// size and root, so ranks whose calls disagree never match each other's messages: they
// time out (DeadlineExceeded) instead of exchanging wrong data.
//
// Errors: as communicator.h. Connect() returns DeadlineExceeded when not every rank has
// published its address and connected within connect_timeout, the store's error when the
// store fails (e.g. Unavailable: retry; Aborted: the generation was superseded), and
// InvalidArgument for bad options. After any failed collective the communicator closes all
// of its connections, so peers blocked on it fail fast with Aborted instead of waiting for
// their own timeouts; every later call returns Aborted. When a rank's own timeout expires
// it returns DeadlineExceeded; its peers may see Aborted first (that rank tore down its
// connections).
//
// Exceptions: Gloo reports errors by throwing (gloo::IoException, gloo::EnforceNotMet, ...).
// gloo_communicator.cc is the only file that includes Gloo's headers and it converts every
// exception into a Status; none leaves this class.
//
// Signals: Gloo writes with writev(2), so a write to a peer that has died would raise
// SIGPIPE and kill the process. Connect() therefore sets SIGPIPE to SIG_IGN if it is still
// at its default disposition (such writes then fail with EPIPE, reported as Aborted); a
// process that installed its own SIGPIPE handler keeps it.
//
// Ownership: owns its Gloo context, device and connections; destroying it closes them
// (peers in a collective then see Aborted). Thread-safety: as communicator.h.
#ifndef FLYOVER_WORKER_COMM_GLOO_COMMUNICATOR_H_
#define FLYOVER_WORKER_COMM_GLOO_COMMUNICATOR_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/comm/communicator.h"
#include "worker/comm/rendezvous_store.h"

namespace flyover::worker {

struct GlooCommunicatorOptions {
  // This rank and the number of ranks: 0 <= rank < size.
  int rank = 0;
  int size = 1;
  // The address this rank listens on and publishes to its peers: an IP address or a host
  // name that resolves to one. Pods set their pod IP.
  std::string hostname = "127.0.0.1";
  // How long Connect() waits for every peer to publish its address and connect.
  absl::Duration connect_timeout = absl::Minutes(5);
  // The timeout of collectives that do not set their own. Generous by default: a step's
  // first collective waits for the slowest rank's forward and backward pass.
  absl::Duration default_timeout = absl::Minutes(5);
  // The largest message of ReduceScatter/AllReduce; each rank keeps 4*(size-1) segments of
  // receive buffer (at most its shard's size each). Must be >= 4 (one float).
  size_t segment_bytes = 512 * 1024;
};

class GlooCommunicator final : public Communicator {
 public:
  // Rendezvouses through `store` (used only during this call) and connects to every peer.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<GlooCommunicator>> Connect(
      RendezvousStore& store, const GlooCommunicatorOptions& options);

  ~GlooCommunicator() override;

  int rank() const override;
  int size() const override;

  struct Impl;  // Gloo's types; defined in the .cc

 private:
  explicit GlooCommunicator(std::unique_ptr<Impl> impl, absl::Duration default_timeout);

  absl::Status DoAllReduce(absl::Span<float> data, absl::Time deadline) override;
  absl::Status DoReduceScatter(absl::Span<float> data, absl::Time deadline) override;
  absl::Status DoAllGather(absl::Span<float> data, absl::Time deadline) override;
  absl::Status DoBroadcast(absl::Span<uint8_t> data, int root, absl::Time deadline) override;
  absl::Status DoBarrier(absl::Time deadline) override;

  const std::unique_ptr<Impl> impl_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_GLOO_COMMUNICATOR_H_
