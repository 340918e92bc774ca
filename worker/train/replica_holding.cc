#include "worker/train/replica_holding.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace flyover::worker {
namespace {

// Parses "shard-<rank>-<step>-<crc>.bin"; false for any other name.
bool ParseFileName(absl::string_view name, ShardReplica& out) {
  if (!absl::ConsumePrefix(&name, "shard-") || !absl::ConsumeSuffix(&name, ".bin")) return false;
  std::vector<absl::string_view> parts = absl::StrSplit(name, '-');
  return parts.size() == 3 && absl::SimpleAtoi(parts[0], &out.rank) && out.rank >= 0 &&
         absl::SimpleAtoi(parts[1], &out.step) && absl::SimpleAtoi(parts[2], &out.crc32);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReplicaHolding>> ReplicaHolding::Open(
    const ReplicaHoldingOptions& options) {
  if (options.job.empty()) return absl::InvalidArgumentError("replica holding: job is required");
  if (!options.dir.empty() && options.fs == nullptr) {
    return absl::InvalidArgumentError("replica holding: a directory needs a file system");
  }
  std::unique_ptr<ReplicaHolding> holding(new ReplicaHolding(options));
  if (!options.dir.empty()) {
    RETURN_IF_ERROR(options.fs->CreateDirs(options.dir));
    RETURN_IF_ERROR(holding->LoadDir());
  }
  return holding;
}

absl::Status ReplicaHolding::LoadDir() {
  ASSIGN_OR_RETURN(const std::vector<std::string> names, options_.fs->ListDir(options_.dir));
  for (const std::string& name : names) {
    ShardReplica replica{.job = options_.job};
    if (!ParseFileName(name, replica)) continue;
    absl::StatusOr<std::string> bytes = options_.fs->ReadFile(absl::StrCat(options_.dir, "/", name));
    if (!bytes.ok()) continue;
    replica.bytes = *std::move(bytes);
    const Key key{replica.rank, replica.step};
    held_[key] = std::make_shared<const ShardReplica>(std::move(replica));
  }
  return absl::OkStatus();
}

std::string ReplicaHolding::FileOf(const ShardReplica& replica) const {
  return absl::StrCat(options_.dir, "/shard-", replica.rank, "-", replica.step, "-",
                      replica.crc32, ".bin");
}

absl::Status ReplicaHolding::Put(ShardReplica replica) {
  if (replica.rank < 0) return absl::InvalidArgumentError("replica: rank must be >= 0");
  replica.job = options_.job;
  const Key key{replica.rank, replica.step};
  if (!options_.dir.empty()) {
    if (auto old = held_.find(key); old != held_.end()) {
      options_.fs->DeleteFile(FileOf(*old->second)).IgnoreError();
    }
    const std::string path = FileOf(replica), temp = path + ".tmp";
    ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, options_.fs->NewWritableFile(temp));
    RETURN_IF_ERROR(file->Append(replica.bytes));
    RETURN_IF_ERROR(file->Close());
    RETURN_IF_ERROR(options_.fs->Rename(temp, path));
  }
  held_[key] = std::make_shared<const ShardReplica>(std::move(replica));
  return absl::OkStatus();
}

absl::Status ReplicaHolding::DropStepsBefore(uint64_t oldest_kept) {
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->first.second >= oldest_kept) {
      ++it;
      continue;
    }
    if (!options_.dir.empty()) {
      absl::Status deleted = options_.fs->DeleteFile(FileOf(*it->second));
      if (!deleted.ok() && !absl::IsNotFound(deleted)) return deleted;
    }
    it = held_.erase(it);
  }
  return absl::OkStatus();
}

absl::Status ReplicaHolding::Clear() {
  held_.clear();
  if (options_.dir.empty()) return absl::OkStatus();
  return options_.fs->DeleteDirRecursively(options_.dir);
}

std::vector<std::pair<int, uint64_t>> ReplicaHolding::Inventory() const {
  std::vector<Key> keys;
  for (const auto& [key, replica] : held_) keys.push_back(key);
  return keys;
}

std::shared_ptr<const ShardReplica> ReplicaHolding::Find(int rank, uint64_t step) const {
  auto it = held_.find(Key{rank, step});
  return it == held_.end() ? nullptr : it->second;
}

}  // namespace flyover::worker
