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
// Listening only while leading (listen_only_while_leading): in process mode the replicas
// of the operator share one fixed address, the way pods in a cluster reach whichever
// replica the operator Service routes to (the Ready one, i.e. the leader). Start() then
// binds nothing and returns the fixed port; the leader calls Listen() when it starts
// leading and Stop() when it stops (a replica that stopped leading never leads again), and
// a killed leader's socket is freed by the kernel at once, so the next leader's Listen()
// takes the address over and pods created by the old leader reach the new one. In between,
// agents see connection refused, which they retry (worker/agent/agent_commands.cc).
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
  // Bind `port` (which must not be 0) only in Listen(); see above.
  bool listen_only_while_leading = false;
  // How long Listen() retries an address still held (by a replica shutting down).
  absl::Duration listen_retry_for = absl::Seconds(15);
};

class SupervisionServer {
 public:
  SupervisionServer(SupervisionRegistry* registry, std::function<bool()> is_leader,
                    SupervisionServerOptions options = {});
  ~SupervisionServer();
  SupervisionServer(const SupervisionServer&) = delete;
  SupervisionServer& operator=(const SupervisionServer&) = delete;

  // Starts the embedded rendezvous server and this one; returns the port. FailedPrecondition
  // when called twice; Unavailable when the address cannot be bound. With
  // listen_only_while_leading it binds nothing and returns the fixed port (InvalidArgument
  // naming the field when it is 0).
  [[nodiscard]] absl::StatusOr<int> Start() ABSL_LOCKS_EXCLUDED(mu_);
  // With listen_only_while_leading, after Start(): binds the fixed address and serves,
  // retrying every 100 ms for listen_retry_for while another process holds it; OK at once
  // if already listening. Unavailable when the address stays taken; FailedPrecondition
  // without that option, before Start() or after Stop().
  [[nodiscard]] absl::Status Listen() ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the endpoint accepts connections now.
  [[nodiscard]] bool listening() const ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  int port() const ABSL_LOCKS_EXCLUDED(mu_);

  // Drops the rendezvous keys of a finished or deleted job.
  void ForgetRendezvous(const std::string& job);

 private:
  struct Serving;

  // Binds `port` (0: any) on bind_address and runs the accept loop. Unavailable when the
  // address cannot be bound.
  absl::StatusOr<std::unique_ptr<Serving>> Serve(int port, int* bound_port)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One Listen() attempt: true when listening afterwards.
  absl::StatusOr<bool> TryListen() ABSL_LOCKS_EXCLUDED(mu_);

  SupervisionRegistry* const registry_;
  const std::function<bool()> is_leader_;
  const SupervisionServerOptions options_;
  const std::string internal_token_;
  worker::InMemoryRendezvousServer rendezvous_;

  mutable absl::Mutex mu_;
  std::unique_ptr<Serving> serving_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int rendezvous_port_ ABSL_GUARDED_BY(mu_) = 0;
  int port_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SUPERVISION_SUPERVISION_SERVER_H_
