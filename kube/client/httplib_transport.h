// HttplibTransport: HttpTransport over cpp-httplib, with TLS through OpenSSL.
//
// TLS follows the RestConfig: the server's certificate is verified against ca_pem only
// (the system roots are not added when a CA is given), or against the system roots when
// none is, and its name or IP must match the server URL; `insecure_skip_tls_verify`
// turns verification off. A client certificate and key are presented when given.
//
// Connections: requests borrow a keep-alive connection from a small pool (each
// httplib client serialises its requests, so concurrent calls get one each); streams get a
// dedicated connection that is closed when the stream ends. Stopping a stream shuts its
// socket down, which unblocks a read in progress; a stop that lands between connecting
// and the server's first response byte is seen when the response headers arrive.
//
// Thread-safety: safe to call from many threads at once.
#ifndef FLYOVER_KUBE_CLIENT_HTTPLIB_TRANSPORT_H_
#define FLYOVER_KUBE_CLIENT_HTTPLIB_TRANSPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/client/config.h"
#include "kube/client/http_transport.h"

namespace httplib {
class ClientImpl;
}  // namespace httplib

namespace flyover::kube {

struct HttplibTransportOptions {
  // Upper bound on connecting (TCP and TLS handshake); a request's own timeout can only
  // shorten it.
  absl::Duration connect_timeout = absl::Seconds(10);
  // Idle keep-alive connections kept for reuse.
  int max_idle_connections = 8;
  std::string user_agent = "flyover/0.1";
};

class HttplibTransport final : public HttpTransport {
 public:
  // InvalidArgument for a malformed server URL or PEM, FailedPrecondition when the client
  // certificate and key do not match.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttplibTransport>> Create(
      const RestConfig& config, HttplibTransportOptions options = {});
  ~HttplibTransport() override;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<HttpResponse> Stream(const HttpRequest& request, const BodyChunkHandler& on_chunk,
                                      std::stop_token stop) override;

 private:
  struct Tls;  // parsed CA certificates, client certificate and key (OpenSSL objects)
  using ClientPtr = std::unique_ptr<httplib::ClientImpl>;

  static absl::Status LoadTls(const RestConfig& config, Tls* tls);

  HttplibTransport(bool use_tls, std::string host, int port, std::unique_ptr<Tls> tls,
                   HttplibTransportOptions options);

  ClientPtr NewClient(absl::Duration timeout) const;
  ClientPtr Acquire(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  void Release(ClientPtr client) ABSL_LOCKS_EXCLUDED(mu_);
  std::string Describe() const;

  const bool use_tls_;
  const std::string host_;
  const int port_;
  const std::unique_ptr<Tls> tls_;
  const HttplibTransportOptions options_;

  absl::Mutex mu_;
  std::vector<ClientPtr> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_HTTPLIB_TRANSPORT_H_
