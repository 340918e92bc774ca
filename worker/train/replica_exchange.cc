#include "worker/train/replica_exchange.h"

#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "worker/checkpoint/in_memory_replica.h"

namespace flyover::worker {
namespace {

using Holders = std::map<std::pair<int, uint64_t>, int>;  // (rank, step) -> lowest holder

absl::Span<uint8_t> BytesOf(void* data, size_t size) {
  return absl::MakeSpan(static_cast<uint8_t*>(data), size);
}

// Broadcasts `blob` from `root`: its length, then its bytes.
absl::Status BroadcastBlob(Communicator& comm, int root, std::string& blob) {
  uint64_t size = blob.size();
  RETURN_IF_ERROR(comm.BroadcastBytes(BytesOf(&size, sizeof size), root));
  if (comm.rank() != root) blob.assign(size, '\0');
  return comm.BroadcastBytes(BytesOf(blob.data(), blob.size()), root);
}

// A replica on the wire: its CRC (host order: every rank runs the same build), then bytes.
std::string PackReplica(const ShardReplica& replica) {
  std::string blob(sizeof replica.crc32, '\0');
  std::memcpy(blob.data(), &replica.crc32, sizeof replica.crc32);
  return blob + replica.bytes;
}

absl::StatusOr<ShardReplica> UnpackReplica(const std::string& blob, int rank, uint64_t step) {
  ShardReplica replica{.rank = rank, .step = step};
  if (blob.size() < sizeof replica.crc32) {
    return absl::DataLossError(absl::StrCat("replica of rank ", rank, " step ", step,
                                            ": ", blob.size(), " bytes received"));
  }
  std::memcpy(&replica.crc32, blob.data(), sizeof replica.crc32);
  replica.bytes = blob.substr(sizeof replica.crc32);
  return replica;
}

// Every rank's inventory, broadcast in rank order; the lowest holder of each replica.
absl::StatusOr<Holders> GatherHolders(Communicator& comm, const ReplicaHolding& held) {
  Holders holders;
  for (int root = 0; root < comm.size(); ++root) {
    std::vector<uint64_t> pairs;
    for (const auto& [rank, step] : held.Inventory()) {
      pairs.insert(pairs.end(), {static_cast<uint64_t>(rank), step});
    }
    std::string blob;
    if (root == comm.rank() && !pairs.empty()) {
      blob.assign(reinterpret_cast<const char*>(pairs.data()), pairs.size() * 8);
    }
    RETURN_IF_ERROR(BroadcastBlob(comm, root, blob));
    pairs.assign(blob.size() / 16 * 2, 0);
    if (!pairs.empty()) std::memcpy(pairs.data(), blob.data(), pairs.size() * 8);
    for (size_t i = 0; i < pairs.size(); i += 2) {
      holders.emplace(std::make_pair(static_cast<int>(pairs[i]), pairs[i + 1]), root);
    }
  }
  return holders;
}

// Rank 0's newest disk step, as every rank's view (0: none; else step + 1).
absl::StatusOr<std::optional<uint64_t>> AgreeOnDiskStep(Communicator& comm,
                                                        std::optional<uint64_t> disk_step) {
  uint64_t encoded = disk_step.has_value() ? *disk_step + 1 : 0;
  RETURN_IF_ERROR(comm.BroadcastBytes(BytesOf(&encoded, sizeof encoded), 0));
  if (encoded == 0) return std::nullopt;
  return encoded - 1;
}

// The newest step whose every shard is held, newer than the disk's (and the required one).
std::optional<uint64_t> ChooseStep(const Holders& holders, int world,
                                   std::optional<uint64_t> disk_step,
                                   std::optional<uint64_t> required_step) {
  std::set<uint64_t, std::greater<>> steps;
  for (const auto& [key, holder] : holders) steps.insert(key.second);
  for (uint64_t step : steps) {
    if (disk_step.has_value() && step <= *disk_step) break;
    if (required_step.has_value() && step != *required_step) continue;
    bool complete = true;
    for (int r = 0; r < world && complete; ++r) complete = holders.count({r, step}) > 0;
    if (complete) return step;
  }
  return std::nullopt;
}

// The holders of `step` send every shard of it; loads it on every rank.
absl::StatusOr<absl::StatusOr<RestoredState>> FetchAndLoad(Communicator& comm,
                                                           const ReplicaHolding& held,
                                                           const Holders& holders, uint64_t step,
                                                           const LoadRequest& load) {
  InMemoryReplicaStore store({.steps_per_rank = 1});
  for (int r = 0; r < comm.size(); ++r) {
    const int holder = holders.at({r, step});
    std::string blob;
    if (holder == comm.rank()) blob = PackReplica(*held.Find(r, step));
    RETURN_IF_ERROR(BroadcastBlob(comm, holder, blob));
    ASSIGN_OR_RETURN(ShardReplica replica, UnpackReplica(blob, r, step));
    replica.job = held.job();
    RETURN_IF_ERROR(store.Put(std::move(replica)));
  }
  return LoadFromReplicas(store, held.job(), load);
}

}  // namespace

absl::Status CheckReplicaTopology(int world_size, int ranks_per_pod) {
  if (ranks_per_pod < 1 || world_size % ranks_per_pod != 0 || world_size / ranks_per_pod < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("ranks per pod: ", ranks_per_pod, " must divide the world size ",
                     world_size, " into at least two pods"));
  }
  return absl::OkStatus();
}

int ReplicaBuddyOf(int rank, int world_size, int ranks_per_pod) {
  return (rank + ranks_per_pod) % world_size;
}

absl::Status ShareReplica(Communicator& comm, ReplicaHolding& held, ShardReplica own,
                          const ShareOptions& options) {
  const int world = comm.size(), me = comm.rank();
  RETURN_IF_ERROR(CheckReplicaTopology(world, options.ranks_per_pod));
  if (options.keep_steps < 1) return absl::InvalidArgumentError("keep_steps: must be >= 1");
  own.rank = me;
  const uint64_t step = own.step;
  const std::string mine = PackReplica(own);
  RETURN_IF_ERROR(held.Put(std::move(own)));
  for (int root = 0; root < world; ++root) {
    std::string blob = root == me ? mine : std::string();
    RETURN_IF_ERROR(BroadcastBlob(comm, root, blob));
    if (root == me || ReplicaBuddyOf(root, world, options.ranks_per_pod) != me) continue;
    ASSIGN_OR_RETURN(ShardReplica replica, UnpackReplica(blob, root, step));
    RETURN_IF_ERROR(held.Put(std::move(replica)));
  }
  // Past the barrier every rank holds `step` whole: older steps may go.
  RETURN_IF_ERROR(comm.Barrier());
  const uint64_t keep = static_cast<uint64_t>(options.keep_steps);
  return step + 1 > keep ? held.DropStepsBefore(step + 1 - keep) : absl::OkStatus();
}

absl::StatusOr<std::optional<RestoredState>> RecoverFromReplicas(
    Communicator& comm, const ReplicaHolding& held, const RecoverOptions& options) {
  ASSIGN_OR_RETURN(const Holders holders, GatherHolders(comm, held));
  ASSIGN_OR_RETURN(const std::optional<uint64_t> disk, AgreeOnDiskStep(comm, options.disk_step));
  const std::optional<uint64_t> step =
      ChooseStep(holders, comm.size(), disk, options.required_step);
  if (!step.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(absl::StatusOr<RestoredState> state,
                   FetchAndLoad(comm, held, holders, *step, options.load));
  float failed = state.ok() ? 0.0f : 1.0f;
  RETURN_IF_ERROR(comm.AllReduce(absl::MakeSpan(&failed, 1)));
  if (failed > 0) {
    log::Logger("checkpoint").Warn(
        "replicas not used", {{"step", *step}, {"error", state.ok() ? absl::OkStatus() : state.status()}});
    return std::nullopt;
  }
  log::Logger("checkpoint").Info("resuming from replicas", {{"step", *step}});
  return std::optional<RestoredState>(*std::move(state));
}

}  // namespace flyover::worker
