#include "worker/comm/rendezvous_store.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"

namespace flyover::worker {
namespace {

constexpr size_t kMaxJobName = 253;
constexpr size_t kMaxKey = 256;
constexpr size_t kMaxKeySegment = 64;

bool IsLowerAlnum(char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z'); }

bool IsKeyChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-'; }

}  // namespace

std::string RendezvousScope::KeyPrefix() const { return absl::StrCat(job, "/", generation, "/"); }

absl::Status ValidateScope(const RendezvousScope& scope) {
  const std::string& job = scope.job;
  if (job.empty() || job.size() > kMaxJobName) {
    return absl::InvalidArgumentError(
        absl::StrCat("rendezvous job name must have 1..", kMaxJobName, " characters, got ",
                     job.size()));
  }
  for (char c : job) {
    if (!IsLowerAlnum(c) && c != '-' && c != '.') {
      return absl::InvalidArgumentError(absl::StrCat(
          "rendezvous job name \"", job, "\" is not a DNS-1123 subdomain (bad character)"));
    }
  }
  if (!IsLowerAlnum(job.front()) || !IsLowerAlnum(job.back())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rendezvous job name \"", job, "\" must start and end with a letter or digit"));
  }
  if (scope.generation < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("rendezvous generation must be >= 0, got ", scope.generation));
  }
  return absl::OkStatus();
}

absl::Status ValidateRendezvousKey(absl::string_view key) {
  if (key.empty() || key.size() > kMaxKey) {
    return absl::InvalidArgumentError(
        absl::StrCat("rendezvous key must have 1..", kMaxKey, " characters, got ", key.size()));
  }
  for (absl::string_view segment : absl::StrSplit(key, '/')) {
    if (segment.empty() || segment.size() > kMaxKeySegment) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rendezvous key \"", key, "\": every '/'-separated segment needs 1..",
          kMaxKeySegment, " characters"));
    }
    for (char c : segment) {
      if (!IsKeyChar(c)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rendezvous key \"", key, "\" may contain only [A-Za-z0-9_-] and '/'"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRendezvousValue(absl::string_view value) {
  if (value.size() > kMaxRendezvousValueBytes) {
    return absl::InvalidArgumentError(absl::StrCat("rendezvous value of ", value.size(),
                                                   " bytes exceeds the limit of ",
                                                   kMaxRendezvousValueBytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> WaitAndGet(RendezvousStore& store, absl::string_view key,
                                       absl::Duration timeout) {
  const std::vector<std::string> keys = {std::string(key)};
  RETURN_IF_ERROR(store.Wait(keys, timeout));
  return store.Get(key);
}

}  // namespace flyover::worker
