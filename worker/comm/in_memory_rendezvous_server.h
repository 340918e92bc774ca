// InMemoryRendezvousServer: serves the rendezvous protocol of rendezvous_http_protocol.h
// from a RendezvousTable in this process, on cpp-httplib. Tests run it on port 0 today;
// the operator can embed it in its supervision endpoint later (or mount the same handlers).
//
// Long polls: a GET with wait_ms holds one worker thread for up to
// min(wait_ms, max_long_poll); requests beyond worker_threads queue until a thread frees
// up, so size worker_threads to the number of ranks that rendezvous at once.
//
// Lifecycle: Start() once, Stop() once (the destructor stops). Stop() shuts the table down,
// which answers every held long poll with 503 at once, then joins the serving thread.
//
// Thread-safety: all methods may be called from any thread; table() is safe to use
// concurrently with requests.
#ifndef FLYOVER_WORKER_COMM_IN_MEMORY_RENDEZVOUS_SERVER_H_
#define FLYOVER_WORKER_COMM_IN_MEMORY_RENDEZVOUS_SERVER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "worker/comm/rendezvous_table.h"

namespace flyover::worker {

struct InMemoryRendezvousServerOptions {
  // Address to bind; the default serves only this host.
  std::string bind_address = "127.0.0.1";
  // TCP port; 0 picks a free ephemeral port (Start() returns it).
  int port = 0;
  // When not empty, every request must carry "Authorization: Bearer <token>" (else 401).
  std::string bearer_token;
  // The longest a GET ?wait_ms=... is held.
  absl::Duration max_long_poll = absl::Seconds(10);
  // Threads serving requests; each held long poll occupies one.
  int worker_threads = 32;
  // Per-connection socket timeouts.
  absl::Duration read_timeout = absl::Seconds(5);
  absl::Duration write_timeout = absl::Seconds(5);
  // How long Start() waits for the serving thread to accept connections.
  absl::Duration start_timeout = absl::Seconds(5);
  // nullptr: RealClock(). Measures long polls. Not owned.
  Clock* clock = nullptr;
};

class InMemoryRendezvousServer {
 public:
  explicit InMemoryRendezvousServer(InMemoryRendezvousServerOptions options = {});
  ~InMemoryRendezvousServer();
  InMemoryRendezvousServer(const InMemoryRendezvousServer&) = delete;
  InMemoryRendezvousServer& operator=(const InMemoryRendezvousServer&) = delete;

  // Binds, starts serving and returns the port. FailedPrecondition if started before;
  // Unavailable if the address cannot be bound; DeadlineExceeded if the serving thread
  // does not start within options.start_timeout.
  [[nodiscard]] absl::StatusOr<int> Start() ABSL_LOCKS_EXCLUDED(mu_);

  // Answers held long polls with 503, stops accepting and joins the serving thread.
  // Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // "http://<bind_address>:<port>" while serving, else empty.
  std::string endpoint() const ABSL_LOCKS_EXCLUDED(mu_);

  // The keys served, for inspection (and for an embedding operator to drop jobs).
  RendezvousTable& table() { return table_; }

 private:
  struct Serving;  // the httplib server and its thread

  const InMemoryRendezvousServerOptions options_;
  RendezvousTable table_;

  mutable absl::Mutex mu_;
  std::unique_ptr<Serving> serving_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_IN_MEMORY_RENDEZVOUS_SERVER_H_
