#include "worker/checkpoint/in_memory_replica.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/status.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/manifest.h"
#include "worker/checkpoint/shard_assembler.h"
#include "worker/checkpoint/shard_format.h"

namespace flyover::worker {

InMemoryReplicaStore::InMemoryReplicaStore(InMemoryReplicaStoreOptions options)
    : options_(options) {}

absl::Status InMemoryReplicaStore::Put(ShardReplica replica) {
  if (replica.job.empty() || replica.rank < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("replica of job \"", replica.job, "\" rank ", replica.rank));
  }
  const std::string job = replica.job;
  const int rank = replica.rank;
  absl::MutexLock lock(&mu_);
  replicas_[Key{job, rank, replica.step}] =
      std::make_shared<const ShardReplica>(std::move(replica));
  // Steps of (job, rank) are adjacent in key order, oldest first.
  auto first = replicas_.lower_bound(Key{job, rank, 0});
  auto last = replicas_.upper_bound(Key{job, rank, std::numeric_limits<uint64_t>::max()});
  const auto held = std::distance(first, last);
  const auto excess = held - std::max(options_.steps_per_rank, 1);
  if (excess > 0) replicas_.erase(first, std::next(first, excess));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const ShardReplica>> InMemoryReplicaStore::Get(
    absl::string_view job, int rank, uint64_t step) const {
  absl::MutexLock lock(&mu_);
  auto it = replicas_.find(Key{std::string(job), rank, step});
  if (it == replicas_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no replica of job ", job, " rank ", rank, " step ", step));
  }
  return it->second;
}

std::vector<uint64_t> InMemoryReplicaStore::Steps(absl::string_view job) const {
  std::vector<uint64_t> steps;
  absl::MutexLock lock(&mu_);
  for (auto it = replicas_.lower_bound(Key{std::string(job), 0, 0});
       it != replicas_.end() && std::get<0>(it->first) == job; ++it) {
    steps.push_back(std::get<2>(it->first));
  }
  std::sort(steps.rbegin(), steps.rend());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

void InMemoryReplicaStore::DropJob(absl::string_view job) {
  absl::MutexLock lock(&mu_);
  auto first = replicas_.lower_bound(Key{std::string(job), 0, 0});
  auto last = first;
  while (last != replicas_.end() && std::get<0>(last->first) == job) ++last;
  replicas_.erase(first, last);
}

uint64_t InMemoryReplicaStore::bytes() const {
  absl::MutexLock lock(&mu_);
  uint64_t total = 0;
  for (const auto& [key, replica] : replicas_) total += replica->bytes.size();
  return total;
}

namespace {

std::string ReplicaName(absl::string_view job, int rank, uint64_t step) {
  return absl::StrCat("replica ", job, "/rank-", rank, "/step-", step);
}

// DataLoss naming the replica if it is not held.
absl::StatusOr<std::shared_ptr<const ShardReplica>> Fetch(const InMemoryReplicaStore& store,
                                                         absl::string_view job, int rank,
                                                         uint64_t step) {
  absl::StatusOr<std::shared_ptr<const ShardReplica>> replica = store.Get(job, rank, step);
  if (absl::IsNotFound(replica.status())) {
    return absl::DataLossError(absl::StrCat(ReplicaName(job, rank, step), ": missing"));
  }
  return replica;
}

// The manifest a complete set of replicas amounts to. Rank 0 is verified whole first, so
// the world size and element count that size everything come from checked bytes; the other
// headers are only peeked at here and verified by the ShardAssembler.
absl::StatusOr<Manifest> ManifestOfReplicas(const InMemoryReplicaStore& store,
                                            absl::string_view job, uint64_t step) {
  ASSIGN_OR_RETURN(auto first, Fetch(store, job, 0, step));
  const std::string name = ReplicaName(job, 0, step);
  ASSIGN_OR_RETURN(const ShardView view, ParseShard(first->bytes, name));
  if (view.file_crc32 != first->crc32) {
    return absl::DataLossError(absl::StrCat(name, ": checksum mismatch: computed ",
                                            view.file_crc32, ", sender recorded ", first->crc32));
  }
  Manifest manifest{.step = step,
                    .world_size = view.header.world_size,
                    .num_elements = view.header.num_elements,
                    .lr_schedule_step = view.header.lr_schedule_step};
  for (int r = 0; r < manifest.world_size; ++r) {
    ASSIGN_OR_RETURN(auto replica, Fetch(store, job, r, step));
    ASSIGN_OR_RETURN(const ShardHeader header,
                     PeekShardHeader(replica->bytes, ReplicaName(job, r, step)));
    manifest.shards.push_back(ShardInfo{.rank = r,
                                        .file = ShardFileName(r, manifest.world_size),
                                        .bytes = replica->bytes.size(),
                                        .crc32 = replica->crc32,
                                        .range = header.range});
  }
  RETURN_IF_ERROR(ValidateManifest(manifest, absl::StrCat("replicas of job ", job, " step ", step)));
  return manifest;
}

absl::StatusOr<RestoredState> LoadReplicaStep(const InMemoryReplicaStore& store,
                                              absl::string_view job, uint64_t step,
                                              const LoadRequest& request) {
  ASSIGN_OR_RETURN(const Manifest manifest, ManifestOfReplicas(store, job, step));
  ASSIGN_OR_RETURN(ShardAssembler assembler,
                   ShardAssembler::Create(manifest, request, absl::StrCat("replicas of job ", job)));
  for (int r = 0; r < manifest.world_size; ++r) {
    ASSIGN_OR_RETURN(auto replica, Fetch(store, job, r, step));
    RETURN_IF_ERROR(assembler.Add(r, replica->bytes, ReplicaName(job, r, step)));
  }
  return std::move(assembler).Finish();
}

}  // namespace

absl::StatusOr<RestoredState> LoadFromReplicas(const InMemoryReplicaStore& store,
                                               absl::string_view job,
                                               const LoadRequest& request) {
  const std::vector<uint64_t> steps = store.Steps(job);
  if (steps.empty()) return absl::NotFoundError(absl::StrCat("no replicas of job ", job));
  std::vector<std::string> failures;
  for (uint64_t step : steps) {
    absl::StatusOr<RestoredState> state = LoadReplicaStep(store, job, step, request);
    if (state.ok() || !absl::IsDataLoss(state.status())) return state;
    log::Logger("checkpoint").Warn("skipping replica set",
                                   {{"job", job}, {"step", step}, {"error", state.status()}});
    failures.push_back(std::string(state.status().message()));
  }
  return absl::DataLossError(absl::StrCat("no complete, intact replica set of job ", job, ": ",
                                          absl::StrJoin(failures, "; ")));
}

}  // namespace flyover::worker
