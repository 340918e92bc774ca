#include "worker/comm/in_memory_rendezvous_store.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::worker {

absl::Status InMemoryRendezvousStore::Set(absl::string_view key, absl::string_view value) {
  return table_->Set(scope_, key, value);
}

absl::StatusOr<std::string> InMemoryRendezvousStore::Get(absl::string_view key) {
  return table_->Get(scope_, key);
}

absl::Status InMemoryRendezvousStore::Wait(absl::Span<const std::string> keys,
                                           absl::Duration timeout) {
  const absl::Time deadline = table_->clock()->Now() + timeout;
  for (const std::string& key : keys) {
    absl::StatusOr<std::string> value = table_->WaitAndGet(scope_, key, deadline);
    if (absl::IsNotFound(value.status())) {
      return absl::DeadlineExceededError(absl::StrCat("rendezvous key ", scope_.KeyPrefix(), key,
                                                      " not set within ",
                                                      absl::FormatDuration(timeout)));
    }
    RETURN_IF_ERROR(value.status());
  }
  return absl::OkStatus();
}

}  // namespace flyover::worker
