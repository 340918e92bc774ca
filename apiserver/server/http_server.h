// HttpServer: the socket side of flyover-apiserver. Serves HTTP or HTTPS on cpp-httplib,
// turns every request into an HttpRequest for one handler function, and writes its
// HttpResponse back, streaming chunked bodies (watches) as they are produced.
//
//   HttpServer server(options, [&](const HttpRequest& r) { return api.Handle(r); });
//   ASSIGN_OR_RETURN(int port, server.Start());
//   ...
//   server.Stop();
//
// What it adds around the handler:
//   - authentication: with `bearer_token` set, every request except the public health and
//     version endpoints must carry "Authorization: Bearer <token>" (401 Status otherwise);
//   - the request size limit: bodies over `max_body_bytes` (3 MiB, kube-apiserver's
//     default) are answered 413 with a Status before the handler runs;
//   - errors httplib produces itself (bad request lines, unknown methods) and exceptions
//     escaping the handler become Status objects, never a bare body;
//   - one thread per open connection (elastic_task_queue.h explains why), so long watches
//     never starve ordinary requests.
// SIGPIPE is ignored process-wide by Start(): a client that goes away mid-write must cost
// an error return, not the process.
//
// Thread-safety: Start()/Stop() from one owner thread; the handler runs on many connection
// threads at once and must be thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_HTTP_SERVER_H_
#define FLYOVER_APISERVER_SERVER_HTTP_SERVER_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "apiserver/server/elastic_task_queue.h"
#include "apiserver/server/http_types.h"

namespace httplib {
class Server;
}

namespace flyover::apiserver {

struct HttpServerOptions {
  // The default serves this host only; "0.0.0.0" serves every interface.
  std::string bind_address = "127.0.0.1";
  int port = 0;  // 0 picks a free port; Start() returns it
  // Both set: HTTPS with this PEM certificate (chain) and key. Both empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_private_key_file;
  // Non-empty: requests must present it as a bearer token.
  std::string bearer_token;
  size_t max_body_bytes = 3 * 1024 * 1024;
  absl::Duration read_timeout = absl::Seconds(60);
  absl::Duration write_timeout = absl::Seconds(60);
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  ElasticTaskQueueOptions threads;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving on a background thread; returns the bound port.
  // InvalidArgument for unreadable TLS files or only one of them; Unavailable if the
  // address cannot be bound; FailedPrecondition if started before.
  [[nodiscard]] absl::StatusOr<int> Start();
  // Stops accepting, closes idle keep-alive connections at once, lets requests in progress
  // finish (streams see stopping()) and joins every connection thread. Idempotent.
  void Stop();

  // True once Stop() has begun: streaming handlers should end.
  bool stopping() const { return stopping_.load(); }
  int port() const { return port_; }
  bool tls() const { return !options_.tls_cert_file.empty(); }

 private:
  absl::Status CreateServer();
  void Configure(httplib::Server& server);
  void Serve(const void* request, void* response);
  bool Authorized(const HttpRequest& request) const;
  // Requests being answered per peer ("address|port"): Stop() ends only idle connections.
  void CountRequest(const std::string& peer, int change);
  bool Busy(const std::string& peer) const;

  const HttpServerOptions options_;
  const HttpHandler handler_;
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  std::atomic<bool> stopping_ = false;
  bool started_ = false;
  int port_ = 0;
  int listen_fd_ = -1;  // the listening socket, once bound
  mutable absl::Mutex busy_mu_;
  absl::flat_hash_map<std::string, int> busy_peers_ ABSL_GUARDED_BY(busy_mu_);
};

// Whether `path` is served without authentication: /healthz, /livez, /readyz (and their
// sub-paths) and /version, as kube-apiserver's public-info role allows.
bool IsPublicPath(absl::string_view path);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_HTTP_SERVER_H_
