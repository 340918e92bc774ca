// ChaosServer: nodesim's fault-injection API, served on a loopback address only.
//
//   POST /chaos/kill-pod?pod=NS/NAME
//   POST /chaos/stop-node?node=NODE
//   POST /chaos/partition-node?node=NODE
//   POST /chaos/slow-node?node=NODE&factor=F
//   POST /chaos/resume-node?node=NODE
//   GET  /chaos/state          -> {"nodes": {NODE: {"fault": ..., "slowFactor": ...}}}
//
// A success is 200 with the injection's record as JSON ({"time": RFC 3339 ms, "action",
// "target", "detail"}); a failure is {"error": "..."} with 400 (bad or missing parameter),
// 404 (unknown node, or a pod with no process here), 409 (no process runtime) or 500.
//
// Ownership: borrows the ChaosActions. Thread-safety: Start()/Stop() from one thread.
#ifndef FLYOVER_NODESIM_CHAOS_SERVER_H_
#define FLYOVER_NODESIM_CHAOS_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "nodesim/chaos_actions.h"

namespace flyover::nodesim {

// The HTTP status for a failed injection's Status.
[[nodiscard]] int ChaosHttpCode(const absl::Status& status);

class ChaosServer {
 public:
  // `port` 0 picks a free port. The server always binds 127.0.0.1.
  ChaosServer(ChaosActions* actions, int port);
  ~ChaosServer();
  ChaosServer(const ChaosServer&) = delete;
  ChaosServer& operator=(const ChaosServer&) = delete;

  // Unavailable when the port cannot be bound.
  [[nodiscard]] absl::Status Start();
  void Stop();
  int port() const { return port_; }
  // "127.0.0.1:<port>"
  [[nodiscard]] std::string address() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const int requested_port_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_CHAOS_SERVER_H_
