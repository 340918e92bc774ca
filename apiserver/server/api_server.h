// ApiServer: flyover-apiserver assembled — the SQLite store in a data directory, the
// resource registry (rebuilt from the stored CRDs on start), object semantics, the garbage
// collector, metrics and the HTTP(S) server. The binary (apiserver/main) is a thin wrapper;
// tests and benchmarks start one in-process on port 0.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<ApiServer> server,
//                    ApiServer::Start({.data_dir = dir}));
//   std::string url = server->url();   // http://127.0.0.1:<port>
//
// On start the namespaces default, kube-system, kube-public and kube-node-lease are created
// if missing. Stop() ends every watch stream, stops accepting, waits for requests in
// progress, stops the collector and closes the store (every acknowledged write is on disk:
// the store acknowledges only committed transactions).
//
// Errors from Start: FailedPrecondition if another process holds the data directory's
// database, InvalidArgument for bad options (TLS files), Unavailable if the port is taken.
//
// Thread-safety: Start/Stop from one thread; the accessors are safe from any.
#ifndef FLYOVER_APISERVER_SERVER_API_SERVER_H_
#define FLYOVER_APISERVER_SERVER_API_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "apiserver/server/api_handler.h"
#include "apiserver/server/garbage_collector.h"
#include "apiserver/server/http_server.h"
#include "apiserver/server/object_service.h"
#include "apiserver/server/registry_state.h"
#include "apiserver/server/server_metrics.h"
#include "apiserver/server/watch_handler.h"
#include "apiserver/storage/store.h"
#include "common/clock.h"
#include "prometheus/registry.h"

namespace flyover::apiserver {

inline constexpr char kDatabaseFileName[] = "flyover-apiserver.db";

struct ApiServerOptions {
  std::string data_dir;  // required; must exist
  HttpServerOptions http;
  storage::StoreOptions storage;
  GarbageCollectorOptions gc;
};

class ApiServer {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ApiServer>> Start(ApiServerOptions options,
                                                                        Clock* clock = RealClock());
  ~ApiServer();  // Stop()s
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void Stop();

  int port() const { return http_->port(); }
  // http(s)://<bind address>:<port>
  std::string url() const;
  ObjectService& objects() { return *objects_; }
  storage::Store& store() { return *store_; }
  ServerMetrics& metrics() { return *metrics_; }
  GarbageCollector& garbage_collector() { return *gc_; }
  // The request handler, for in-process use without sockets.
  ApiHandler& handler() { return *handler_; }

 private:
  ApiServer() = default;
  absl::Status Init(ApiServerOptions options, Clock* clock);
  absl::Status RestoreCustomResources();
  absl::Status CreateSystemNamespaces();

  ApiServerOptions options_;
  std::shared_ptr<prometheus::Registry> prometheus_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<RegistryState> registry_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<ObjectService> objects_;
  std::unique_ptr<GarbageCollector> gc_;
  std::unique_ptr<ActiveWatches> watches_;
  std::unique_ptr<ApiHandler> handler_;
  std::unique_ptr<HttpServer> http_;
  bool stopped_ = false;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_API_SERVER_H_
