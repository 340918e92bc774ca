// LoopbackCommunicator: the in-process fake Communicator. N ranks are N threads of one
// process, each holding its own LoopbackCommunicator of one group; other modules' unit
// tests use it to run sharded code without sockets.
//
//   auto comms = LoopbackCommunicator::CreateGroup({.size = 4}).value();
//   std::vector<std::thread> ranks;
//   for (auto& comm : comms) ranks.emplace_back([&comm] { Train(*comm); });
//
// Semantics are those of communicator.h, including the reduction order: results are
// bit-identical to GlooCommunicator's for the same inputs. The k-th call of every rank
// forms one collective. The last rank to arrive performs it for everyone (reading every
// rank's buffer, then writing every rank's result) while the others wait; buffers are
// therefore touched only while their owners are blocked in the call.
//
// Failures, as in a real group:
//   * a rank whose timeout expires before all ranks arrive gets DeadlineExceeded, and the
//     group is broken: ranks still waiting (whose own deadline has not passed) and every
//     later call get Aborted;
//   * destroying a rank's communicator (the fake of a process dying) breaks the group the
//     same way, naming that rank;
//   * ranks whose k-th calls disagree (kind, element count or root) all get
//     InvalidArgument naming both calls, and the group is broken.
// A collective that has completed is never affected by a later break.
//
// Ownership: each LoopbackCommunicator shares ownership of the group state. The clock in
// the options is not owned and must outlive every communicator of the group.
// Thread-safety: as communicator.h; the communicators of one group are meant to be used
// from different threads at once.
#ifndef FLYOVER_WORKER_COMM_LOOPBACK_COMMUNICATOR_H_
#define FLYOVER_WORKER_COMM_LOOPBACK_COMMUNICATOR_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "worker/comm/communicator.h"

namespace flyover::worker {

struct LoopbackOptions {
  // The number of ranks, >= 1.
  int size = 1;
  // The timeout of calls that do not set their own.
  absl::Duration default_timeout = absl::Seconds(30);
  // nullptr: RealClock(). A FakeClock makes timeouts hermetic.
  Clock* clock = nullptr;
};

class LoopbackCommunicator final : public Communicator {
 public:
  // One communicator per rank, in rank order. InvalidArgument for size < 1 or a
  // non-positive default timeout.
  [[nodiscard]] static absl::StatusOr<std::vector<std::unique_ptr<LoopbackCommunicator>>>
  CreateGroup(const LoopbackOptions& options);

  // Leaves the group: calls of other ranks in progress or later return Aborted.
  ~LoopbackCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  class Group;  // the shared state; defined in the .cc

 private:
  LoopbackCommunicator(std::shared_ptr<Group> group, int rank, int size, Clock* clock,
                       absl::Duration default_timeout);

  absl::Status DoAllReduce(absl::Span<float> data, absl::Time deadline) override;
  absl::Status DoReduceScatter(absl::Span<float> data, absl::Time deadline) override;
  absl::Status DoAllGather(absl::Span<float> data, absl::Time deadline) override;
  absl::Status DoBroadcast(absl::Span<uint8_t> data, int root, absl::Time deadline) override;
  absl::Status DoBarrier(absl::Time deadline) override;

  const std::shared_ptr<Group> group_;
  const int rank_;
  const int size_;
  uint64_t next_sequence_ = 0;  // the index of this rank's next collective
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_LOOPBACK_COMMUNICATOR_H_
