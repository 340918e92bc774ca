#include "worker/comm/loopback_communicator.h"

#include <cstring>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "worker/comm/rank_order_sum.h"

namespace flyover::worker {
namespace {

// One rank's side of a collective. `count` is in floats, or in bytes for kBroadcast.
struct Call {
  CollectiveKind kind = CollectiveKind::kBarrier;
  void* data = nullptr;
  size_t count = 0;
  int root = 0;
};

std::string Describe(const Call& call) {
  return absl::StrCat(CollectiveName(call.kind), "(count=", call.count, ", root=", call.root, ")");
}

}  // namespace

class LoopbackCommunicator::Group {
 public:
  Group(int size, Clock* clock) : size_(size), clock_(clock) {}

  // Runs `rank`'s side of collective number `sequence`.
  absl::Status Run(int rank, uint64_t sequence, const Call& call, absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_);

  // `rank` is gone: breaks the group for everyone still calling.
  void Leave(int rank) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (broken_.ok()) {
      broken_ = absl::AbortedError(absl::StrCat("loopback rank ", rank, " left the group"));
    }
  }

 private:
  struct Op {
    Call call;       // the first arrival's call; every other must match it
    int first_rank = 0;
    std::vector<void*> buffers;
    int arrived = 0;
    int departed = 0;
    bool done = false;
  };

  // Performs `op` for every rank; all buffers are present.
  void Execute(const Op& op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The call of `rank` that waited for the others and did not see the op completed.
  absl::Status Abandon(int rank, uint64_t sequence, const Op& op, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int size_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::map<uint64_t, Op> ops_ ABSL_GUARDED_BY(mu_);  // a map: Op addresses must stay put
  absl::Status broken_ ABSL_GUARDED_BY(mu_);
};

absl::Status LoopbackCommunicator::Group::Run(int rank, uint64_t sequence, const Call& call,
                                              absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (!broken_.ok()) return broken_;
  Op& op = ops_[sequence];
  if (op.arrived == 0) {
    op.call = call;
    op.first_rank = rank;
    op.buffers.assign(size_, nullptr);
  } else if (op.call.kind != call.kind || op.call.count != call.count ||
             op.call.root != call.root) {
    broken_ = absl::InvalidArgumentError(absl::StrCat(
        "collective #", sequence, " differs between ranks: rank ", op.first_rank, " called ",
        Describe(op.call), ", rank ", rank, " called ", Describe(call)));
    return broken_;
  }
  op.buffers[rank] = call.data;
  if (++op.arrived == size_) {
    Execute(op);
    op.done = true;
  } else {
    auto settled = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return op.done || !broken_.ok(); };
    clock_->AwaitWithDeadline(&mu_, absl::Condition(&settled), deadline);
    if (!op.done) return Abandon(rank, sequence, op, deadline);
  }
  if (++op.departed == size_) ops_.erase(sequence);
  return absl::OkStatus();
}

absl::Status LoopbackCommunicator::Group::Abandon(int rank, uint64_t sequence, const Op& op,
                                                  absl::Time deadline) {
  if (clock_->Now() < deadline) return broken_;  // another rank broke the group first
  std::vector<int> missing;
  for (int r = 0; r < size_; ++r) {
    if (op.buffers[r] == nullptr) missing.push_back(r);
  }
  const std::string what =
      absl::StrCat(CollectiveName(op.call.kind), " #", sequence, " on loopback rank ", rank,
                   " timed out waiting for ranks [", absl::StrJoin(missing, ","), "]");
  if (broken_.ok()) broken_ = absl::AbortedError(absl::StrCat("peer gave up: ", what));
  return absl::DeadlineExceededError(what);
}

void LoopbackCommunicator::Group::Execute(const Op& op) {
  const size_t n = op.call.count;
  std::vector<const float*> inputs(size_);
  for (int r = 0; r < size_; ++r) inputs[r] = static_cast<const float*>(op.buffers[r]);
  auto floats = [&](int r) { return static_cast<float*>(op.buffers[r]); };
  switch (op.call.kind) {
    case CollectiveKind::kAllReduce:
      SumInRankOrder(inputs, n, floats(0));  // rank 0's buffer is input 0: aliasing allowed
      for (int r = 1; r < size_; ++r) std::memcpy(floats(r), floats(0), n * sizeof(float));
      return;
    case CollectiveKind::kReduceScatter:
      for (int p = 0; p < size_; ++p) {
        const ShardRange shard = ShardOf(n, size_, p);
        std::vector<const float*> slices(size_);
        for (int r = 0; r < size_; ++r) slices[r] = inputs[r] + shard.offset;
        SumInRankOrder(slices, shard.size, floats(p) + shard.offset);
      }
      return;
    case CollectiveKind::kAllGather:
      for (int p = 0; p < size_; ++p) {
        const ShardRange shard = ShardOf(n, size_, p);
        for (int r = 0; r < size_; ++r) {
          if (r == p || shard.size == 0) continue;
          std::memcpy(floats(r) + shard.offset, floats(p) + shard.offset,
                      shard.size * sizeof(float));
        }
      }
      return;
    case CollectiveKind::kBroadcast:
      for (int r = 0; r < size_; ++r) {
        if (r != op.call.root) std::memcpy(op.buffers[r], op.buffers[op.call.root], n);
      }
      return;
    case CollectiveKind::kBarrier:
      return;
  }
}

absl::StatusOr<std::vector<std::unique_ptr<LoopbackCommunicator>>>
LoopbackCommunicator::CreateGroup(const LoopbackOptions& options) {
  if (options.size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("loopback group size must be >= 1, got ", options.size));
  }
  if (options.default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("loopback default timeout must be positive");
  }
  Clock* clock = options.clock != nullptr ? options.clock : RealClock();
  auto group = std::make_shared<Group>(options.size, clock);
  std::vector<std::unique_ptr<LoopbackCommunicator>> communicators;
  for (int rank = 0; rank < options.size; ++rank) {
    communicators.push_back(std::unique_ptr<LoopbackCommunicator>(new LoopbackCommunicator(
        group, rank, options.size, clock, options.default_timeout)));
  }
  return communicators;
}

LoopbackCommunicator::LoopbackCommunicator(std::shared_ptr<Group> group, int rank, int size,
                                           Clock* clock, absl::Duration default_timeout)
    : Communicator(clock, default_timeout), group_(std::move(group)), rank_(rank), size_(size) {}

LoopbackCommunicator::~LoopbackCommunicator() { group_->Leave(rank_); }

absl::Status LoopbackCommunicator::DoAllReduce(absl::Span<float> data, absl::Time deadline) {
  return group_->Run(rank_, next_sequence_++,
                     Call{CollectiveKind::kAllReduce, data.data(), data.size(), 0}, deadline);
}

absl::Status LoopbackCommunicator::DoReduceScatter(absl::Span<float> data, absl::Time deadline) {
  return group_->Run(rank_, next_sequence_++,
                     Call{CollectiveKind::kReduceScatter, data.data(), data.size(), 0},
                     deadline);
}

absl::Status LoopbackCommunicator::DoAllGather(absl::Span<float> data, absl::Time deadline) {
  return group_->Run(rank_, next_sequence_++,
                     Call{CollectiveKind::kAllGather, data.data(), data.size(), 0}, deadline);
}

absl::Status LoopbackCommunicator::DoBroadcast(absl::Span<uint8_t> data, int root,
                                               absl::Time deadline) {
  return group_->Run(rank_, next_sequence_++,
                     Call{CollectiveKind::kBroadcast, data.data(), data.size(), root}, deadline);
}

absl::Status LoopbackCommunicator::DoBarrier(absl::Time deadline) {
  return group_->Run(rank_, next_sequence_++, Call{CollectiveKind::kBarrier, nullptr, 0, 0},
                     deadline);
}

}  // namespace flyover::worker
