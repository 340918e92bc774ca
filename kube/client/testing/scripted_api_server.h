// ScriptedApiServer: a small HTTP(S) server that answers the Kubernetes REST protocol the
// way kube-apiserver documents it, for protocol tests of the client.
//
// It serves the resources added with AddResource() from a ScriptedStore
// (scripted_store.h: versions, conflicts, status subresource, merge patch, apply,
// pods/binding, dryRun, selectors, pagination), and streams watches as kube-apiserver
// does: chunked JSON events, one per line; initial ADDED events for resourceVersion "" or
// "0"; BOOKMARK events on SendBookmark() when the watch asked for them; an ERROR event
// with a 410 Expired Status when the version is older than the last Compact(); the end
// of the stream after timeoutSeconds. Tests add faults on top:
//   - InjectResponse(): the next matching requests get a scripted answer (429 with
//     Retry-After, 500, a 410 Status, a non-JSON body...);
//   - InjectRawWatch(): the next matching watch streams exactly the given byte chunks;
//   - CloseWatches() ends open watches cleanly; Stop()/Restart() drop them mid-stream,
//     as a crashing server would, and keep the state, so clients can resume;
//   - ExpireContinueTokens(), Compact(), SetToken() (401 unless the bearer token matches).
// With TLS options it serves HTTPS, and with a client CA it requires client certificates.
//
// Idle watches write a newline every `watch_heartbeat` so that a watch whose client went
// away is noticed (JSON allows whitespace between events; clients skip it).
//
// Thread-safety: all methods are safe to call from the test thread while requests are
// served on the server's threads.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_SERVER_H_
#define FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_SERVER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/client/http_transport.h"
#include "kube/client/resource.h"
#include "kube/client/testing/scripted_store.h"
#include "nlohmann/json.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
class DataSink;
}  // namespace httplib

namespace flyover::kube::testing {

struct ScriptedApiServerOptions {
  // PEM serving certificate and key; empty serves plain HTTP.
  std::string server_cert_pem;
  std::string server_key_pem;
  // PEM CA; when set, clients must present a certificate it signed.
  std::string client_ca_pem;
  // When set, requests need "Authorization: Bearer <token>" (401 otherwise).
  std::string required_token;
  absl::Duration watch_heartbeat = absl::Milliseconds(100);
};

struct RecordedRequest {
  std::string method;
  std::string path;                           // without the query
  std::map<std::string, std::string> params;  // the query
  HttpHeaders headers;
  std::string body;

  [[nodiscard]] std::string Param(const std::string& key) const;
  [[nodiscard]] std::string Header(absl::string_view name) const;
};

class ScriptedApiServer {
 public:
  explicit ScriptedApiServer(ScriptedApiServerOptions options = {});
  ~ScriptedApiServer();
  ScriptedApiServer(const ScriptedApiServer&) = delete;
  ScriptedApiServer& operator=(const ScriptedApiServer&) = delete;

  // Serves on 127.0.0.1 and an ephemeral port (the one returned).
  [[nodiscard]] absl::StatusOr<int> Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);
  // Drops open watches without ending their streams and stops serving; keeps the state.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);
  // Stop(), then serve again on the same port.
  [[nodiscard]] absl::StatusOr<int> Restart() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);
  [[nodiscard]] int port() const ABSL_LOCKS_EXCLUDED(lifecycle_mu_);
  // "http://127.0.0.1:<port>" or "https://...".
  [[nodiscard]] std::string url() const;

  void AddResource(const ResourceDescriptor& resource) ABSL_LOCKS_EXCLUDED(mu_);
  // Creates the object, or replaces it (bumping its resourceVersion), as if written by
  // another client; returns the stored object. Namespace and name come from the object.
  nlohmann::json Upsert(const ResourceDescriptor& resource, nlohmann::json object)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(const ResourceDescriptor& resource, const std::string& ns, const std::string& name)
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::optional<nlohmann::json> Object(const ResourceDescriptor& resource,
                                                     const std::string& ns,
                                                     const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] int64_t resource_version() ABSL_LOCKS_EXCLUDED(mu_);

  void Compact() ABSL_LOCKS_EXCLUDED(mu_);
  void ExpireContinueTokens() ABSL_LOCKS_EXCLUDED(mu_);
  void SendBookmark() ABSL_LOCKS_EXCLUDED(mu_);
  void CloseWatches() ABSL_LOCKS_EXCLUDED(mu_);
  void SetToken(std::string token) ABSL_LOCKS_EXCLUDED(mu_);

  // The next `times` requests whose method is `method` ("*" for any) and whose path
  // starts with `path_prefix` are answered with this instead.
  void InjectResponse(std::string method, std::string path_prefix, int code, std::string body,
                      HttpHeaders headers = {}, int times = 1) ABSL_LOCKS_EXCLUDED(mu_);
  // The next watch under `path_prefix` gets a 200 stream of exactly these chunks; then the
  // stream ends cleanly, or is cut off mid-stream if `abrupt`.
  void InjectRawWatch(std::string path_prefix, std::vector<std::string> chunks,
                      bool abrupt = false) ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] std::vector<RecordedRequest> requests() const ABSL_LOCKS_EXCLUDED(mu_);
  // Recorded requests with this method whose path starts with `path_prefix`.
  [[nodiscard]] std::vector<RecordedRequest> requests(absl::string_view method,
                                                      absl::string_view path_prefix) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Blocks (in real time, up to `timeout`) until `count` watch requests have been
  // received in total since the server was created. For test synchronisation.
  [[nodiscard]] bool WaitForWatchRequests(int count, absl::Duration timeout = absl::Seconds(10))
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] int open_watches() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Injection;
  struct RawWatch;
  struct WatchStream;
  struct Route;

  void Handle(const httplib::Request& req, httplib::Response& res) ABSL_LOCKS_EXCLUDED(mu_);
  bool Admit(const httplib::Request& req, httplib::Response& res) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  StoreResult Dispatch(const Route& route, const httplib::Request& req)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartWatch(const Route& route, const httplib::Request& req, httplib::Response& res)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool PumpWatch(WatchStream& stream, httplib::DataSink& sink) ABSL_LOCKS_EXCLUDED(mu_);
  std::string PendingWatchOutput(WatchStream& stream) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int> Serve(int port) ABSL_EXCLUSIVE_LOCKS_REQUIRED(lifecycle_mu_);
  void StopLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lifecycle_mu_);

  const ScriptedApiServerOptions options_;

  mutable absl::Mutex lifecycle_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::unique_ptr<httplib::Server> server_ ABSL_GUARDED_BY(lifecycle_mu_);
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);
  int port_ ABSL_GUARDED_BY(lifecycle_mu_) = 0;

  mutable absl::Mutex mu_;
  ScriptedStore store_ ABSL_GUARDED_BY(mu_);
  std::string token_ ABSL_GUARDED_BY(mu_);
  std::vector<RecordedRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<Injection> injections_ ABSL_GUARDED_BY(mu_);
  std::vector<RawWatch> raw_watches_ ABSL_GUARDED_BY(mu_);
  int watch_requests_ ABSL_GUARDED_BY(mu_) = 0;
  int open_watches_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t bookmark_generation_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t close_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t changes_ ABSL_GUARDED_BY(mu_) = 0;  // bumped on anything a watch may wait for
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_API_SERVER_H_
