// SupervisionServer: the operator's HTTP endpoint for agents, protocol v1 of
// docs/design/supervision.md section 2, on cpp-httplib:
//
//   GET  /v1/jobs/<job>/ranktable[?wait_ms=N]   200 the completed rank table; 404 until
//                                                then (held up to min(N, max_long_poll))
//   POST /v1/jobs/<job>/heartbeats              200 {"commands": [...]}; 409 superseded
//                                                generation; 400 naming the field
//   PUT|GET /v1/jobs/<job>/rendezvous/<generation>/<key>, DELETE /v1/jobs/<job>/rendezvous
//        exactly worker/comm/rendezvous_http_protocol.h, answered by an embedded
//        InMemoryRendezvousServer on 127.0.0.1 that this server forwards to (with its own
//        internal token) once the job's token checks out
//
// Every request must carry "Authorization: Bearer <the job's token>" (from its Secret,
// through the SupervisionRegistry): 401 otherwise; 404 for a job the operator does not
// know. Only the leader answers: `is_leader` false means 503 for everything. Errors are
// {"error": "<field>: <reason>"} (the rendezvous routes keep their protocol's text bodies).
//
// Long polls hold one worker thread each: size worker_threads for the ranks and agents
// that wait at once (each rendezvous long poll holds one thread here and one in the
// embedded server).
//
// Lifecycle: Start() once; Stop() (also the destructor) wakes long polls and joins.
// Thread-safety: all methods are thread-safe. Borrows the registry, which must outlive it.
#ifndef FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_SERVER_H_
#define FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "operator/supervision/supervision_registry.h"
#include "worker/comm/in_memory_rendezvous_server.h"

namespace flyover::op {

struct SupervisionServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 0;  // 0: a free port, returned by Start()
  absl::Duration max_long_poll = absl::Seconds(30);
  int worker_threads = 64;
  absl::Duration read_timeout = absl::Seconds(10);
  absl::Duration write_timeout = absl::Seconds(10);
};

class SupervisionServer {
 public:
  SupervisionServer(SupervisionRegistry* registry, std::function<bool()> is_leader,
                    SupervisionServerOptions options = {});
  ~SupervisionServer();
  SupervisionServer(const SupervisionServer&) = delete;
  SupervisionServer& operator=(const SupervisionServer&) = delete;

  // Starts the embedded rendezvous server and this one; returns the port. FailedPrecondition
  // when called twice; Unavailable when the address cannot be bound.
  [[nodiscard]] absl::StatusOr<int> Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  int port() const ABSL_LOCKS_EXCLUDED(mu_);

  // Drops the rendezvous keys of a finished or deleted job.
  void ForgetRendezvous(const std::string& job);

 private:
  struct Serving;

  SupervisionRegistry* const registry_;
  const std::function<bool()> is_leader_;
  const SupervisionServerOptions options_;
  const std::string internal_token_;
  worker::InMemoryRendezvousServer rendezvous_;

  mutable absl::Mutex mu_;
  std::unique_ptr<Serving> serving_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  int port_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_SERVER_H_
