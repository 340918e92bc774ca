// InMemoryRendezvousStore: the fake RendezvousStore, for unit tests of code that
// rendezvouses (threads of one process acting as ranks). It reads and writes a
// RendezvousTable directly, so it has exactly the semantics the HTTP endpoint serves
// (generation supersession included) without sockets.
//
// Ownership: the table is not owned and must outlive the store.
// Thread-safety: safe to call from many threads at once.
#ifndef FLYOVER_WORKER_COMM_IN_MEMORY_RENDEZVOUS_STORE_H_
#define FLYOVER_WORKER_COMM_IN_MEMORY_RENDEZVOUS_STORE_H_

#include <string>
#include <utility>

#include "worker/comm/rendezvous_store.h"
#include "worker/comm/rendezvous_table.h"

namespace flyover::worker {

class InMemoryRendezvousStore final : public RendezvousStore {
 public:
  // The scope is validated on every call (InvalidArgument), not here.
  // Timeouts are measured by the table's clock.
  InMemoryRendezvousStore(RendezvousTable* table, RendezvousScope scope)
      : table_(table), scope_(std::move(scope)) {}

  const RendezvousScope& scope() const override { return scope_; }
  absl::Status Set(absl::string_view key, absl::string_view value) override;
  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Wait(absl::Span<const std::string> keys, absl::Duration timeout) override;

 private:
  RendezvousTable* const table_;
  const RendezvousScope scope_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_IN_MEMORY_RENDEZVOUS_STORE_H_
