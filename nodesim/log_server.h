// LogServer: nodesim's kubelet HTTP endpoint. It serves
//   GET /containerLogs/<namespace>/<pod>/<container>?follow=&previous=&timestamps=&
//       tailLines=&limitBytes=&sinceSeconds=
// as text/plain, exactly the URL an API server proxies `kubectl logs` to (the node's
// InternalIP and status.daemonEndpoints.kubeletEndpoint.Port), plus GET /healthz.
// With follow=true the answer is streamed (chunked) as the container writes, until the
// run ends, limitBytes is reached or the client goes away. Unknown pods and containers are
// 404, bad parameters 400, each with a one-line text reason.
//
// Ownership: borrows the LogLocator. Thread-safety: Start()/Stop() from one thread; the
// server answers on its own threads.
#ifndef FLYOVER_NODESIM_LOG_SERVER_H_
#define FLYOVER_NODESIM_LOG_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nodesim/process_pod_runtime.h"

namespace flyover::nodesim {

// Finds a container's log: (pod key, container, previous) -> log file.
using LogLocator = std::function<absl::StatusOr<ContainerLogRef>(
    const std::string& key, const std::string& container, bool previous)>;

struct LogServerOptions {
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0 picks a free port
  absl::Duration follow_poll = absl::Milliseconds(100);
};

class LogServer {
 public:
  LogServer(LogLocator locator, LogServerOptions options);
  ~LogServer();
  LogServer(const LogServer&) = delete;
  LogServer& operator=(const LogServer&) = delete;

  // Binds and starts serving; Unavailable when the port cannot be bound.
  [[nodiscard]] absl::Status Start();
  void Stop();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_LOG_SERVER_H_
