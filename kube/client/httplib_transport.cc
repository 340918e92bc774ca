#include "kube/client/httplib_transport.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include <httplib.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::kube {
namespace {

// httplib adds the system roots (SSL_CTX_set_default_verify_paths) unless a CA file or
// directory is configured. Naming a directory that cannot exist keeps the pool to the
// CA the config gave, as client-go does, without writing that CA to disk.
constexpr char kNoSystemRootsDir[] = "/dev/null/flyover-no-system-roots";

// Longest non-2xx body kept from a stream.
constexpr size_t kMaxErrorBody = 1 << 20;

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  return buffer;
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr MemBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::chrono::microseconds ToChrono(absl::Duration d) {
  return std::chrono::microseconds(std::max<int64_t>(0, absl::ToInt64Microseconds(d)));
}

HttpHeaders ConvertHeaders(const httplib::Headers& headers) {
  return HttpHeaders(headers.begin(), headers.end());
}

struct Endpoint {
  bool tls = false;
  std::string host;
  int port = 0;
};

absl::StatusOr<Endpoint> ParseServer(absl::string_view server) {
  Endpoint endpoint;
  absl::string_view rest = server;
  if (absl::ConsumePrefix(&rest, "https://")) {
    endpoint.tls = true;
  } else if (!absl::ConsumePrefix(&rest, "http://")) {
    return absl::InvalidArgumentError(absl::StrCat("server \"", server, "\" is not an http(s) URL"));
  }
  absl::ConsumeSuffix(&rest, "/");
  if (rest.empty() || absl::StrContains(rest, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("server \"", server, "\": want scheme://host[:port] without a path"));
  }
  endpoint.port = endpoint.tls ? 443 : 80;
  size_t colon = rest.rfind(':');
  size_t bracket = rest.rfind(']');
  if (colon != absl::string_view::npos && (bracket == absl::string_view::npos || colon > bracket)) {
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &endpoint.port) || endpoint.port <= 0 ||
        endpoint.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("server \"", server, "\": bad port"));
    }
    rest = rest.substr(0, colon);
  }
  absl::ConsumePrefix(&rest, "[");
  absl::ConsumeSuffix(&rest, "]");
  endpoint.host = std::string(rest);
  return endpoint;
}

}  // namespace

struct HttplibTransport::Tls {
  ~Tls() {
    for (X509* ca : cas) X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(key);
  }

  bool verify = true;
  std::vector<X509*> cas;
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
};

absl::StatusOr<std::unique_ptr<HttplibTransport>> HttplibTransport::Create(
    const RestConfig& config, HttplibTransportOptions options) {
  ASSIGN_OR_RETURN(Endpoint endpoint, ParseServer(config.server));
  std::unique_ptr<Tls> tls;
  if (endpoint.tls) {
    tls = std::make_unique<Tls>();
    RETURN_IF_ERROR(LoadTls(config, tls.get()));
  }
  return std::unique_ptr<HttplibTransport>(new HttplibTransport(
      endpoint.tls, std::move(endpoint.host), endpoint.port, std::move(tls), std::move(options)));
}

absl::Status HttplibTransport::LoadTls(const RestConfig& config, Tls* tls) {
  ERR_clear_error();
  tls->verify = !config.insecure_skip_tls_verify;
  if (!config.ca_pem.empty()) {
    BioPtr bio = MemBio(config.ca_pem);
    while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      tls->cas.push_back(ca);
    }
    ERR_clear_error();  // the read that ends the loop leaves "no start line"
    if (tls->cas.empty()) {
      return absl::InvalidArgumentError("certificate authority: no PEM certificate found");
    }
  }
  if (config.client_cert_pem.empty()) return absl::OkStatus();
  BioPtr cert_bio = MemBio(config.client_cert_pem);
  tls->cert = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr);
  if (tls->cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("client certificate: ", OpenSslError()));
  }
  BioPtr key_bio = MemBio(config.client_key_pem);
  tls->key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  if (tls->key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("client key: ", OpenSslError()));
  }
  if (X509_check_private_key(tls->cert, tls->key) != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("client certificate and key do not match: ", OpenSslError()));
  }
  return absl::OkStatus();
}

HttplibTransport::HttplibTransport(bool use_tls, std::string host, int port,
                                   std::unique_ptr<Tls> tls, HttplibTransportOptions options)
    : use_tls_(use_tls),
      host_(std::move(host)),
      port_(port),
      tls_(std::move(tls)),
      options_(std::move(options)) {}

HttplibTransport::~HttplibTransport() = default;

std::string HttplibTransport::Describe() const {
  return absl::StrCat(use_tls_ ? "https://" : "http://", host_, ":", port_);
}

HttplibTransport::ClientPtr HttplibTransport::NewClient(absl::Duration timeout) const {
  ClientPtr client;
  if (use_tls_) {
    auto ssl = tls_->cert != nullptr
                   ? std::make_unique<httplib::SSLClient>(host_, port_, tls_->cert, tls_->key)
                   : std::make_unique<httplib::SSLClient>(host_, port_);
    if (!tls_->verify) {
      ssl->enable_server_certificate_verification(false);
    } else if (!tls_->cas.empty()) {
      X509_STORE* store = X509_STORE_new();  // owned by the client's SSL_CTX from here on
      for (X509* ca : tls_->cas) X509_STORE_add_cert(store, ca);
      ssl->set_ca_cert_store(store);
      ssl->set_ca_cert_path("", kNoSystemRootsDir);
    }
    client = std::move(ssl);
  } else {
    client = std::make_unique<httplib::ClientImpl>(host_, port_);
  }
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_connection_timeout(ToChrono(std::min(timeout, options_.connect_timeout)));
  client->set_read_timeout(ToChrono(timeout));
  client->set_write_timeout(ToChrono(timeout));
  return client;
}

HttplibTransport::ClientPtr HttplibTransport::Acquire(absl::Duration timeout) {
  ClientPtr client;
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      client = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (client == nullptr) return NewClient(timeout);
  client->set_connection_timeout(ToChrono(std::min(timeout, options_.connect_timeout)));
  client->set_read_timeout(ToChrono(timeout));
  client->set_write_timeout(ToChrono(timeout));
  return client;
}

void HttplibTransport::Release(ClientPtr client) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(idle_.size()) < options_.max_idle_connections) {
    idle_.push_back(std::move(client));
  }
}

namespace {

httplib::Request ToHttplib(const HttpRequest& request, const std::string& user_agent) {
  httplib::Request req;
  req.method = request.method;
  req.path = request.path;
  for (const auto& [key, value] : request.headers) req.headers.emplace(key, value);
  req.headers.emplace("User-Agent", user_agent);
  if (!request.content_type.empty()) req.headers.emplace("Content-Type", request.content_type);
  req.body = request.body;
  return req;
}

absl::Status ErrorToStatus(httplib::Error error, const std::string& target, bool timed_out,
                           long verify_result) {
  const std::string what = absl::StrCat(target, ": ", httplib::to_string(error));
  switch (error) {
    case httplib::Error::ConnectionTimeout:
      return absl::DeadlineExceededError(what);
    case httplib::Error::Read:
    case httplib::Error::Write:
    case httplib::Error::Canceled:
      return timed_out ? absl::DeadlineExceededError(what) : absl::UnavailableError(what);
    case httplib::Error::Connection:
    case httplib::Error::SSLConnection:
      return absl::UnavailableError(what);
    case httplib::Error::SSLServerVerification:
      return absl::UnauthenticatedError(absl::StrCat(
          what, ": ", X509_verify_cert_error_string(verify_result)));
    case httplib::Error::SSLLoadingCerts:
      return absl::FailedPreconditionError(what);
    default:
      return absl::UnknownError(what);
  }
}

long VerifyResult(httplib::ClientImpl* client, bool tls) {
  return tls ? static_cast<httplib::SSLClient*>(client)->get_openssl_verify_result() : 0;
}

}  // namespace

absl::StatusOr<HttpResponse> HttplibTransport::Send(const HttpRequest& request) {
  ClientPtr client = Acquire(request.timeout);
  httplib::Request req = ToHttplib(request, options_.user_agent);
  const absl::Time deadline = absl::Now() + request.timeout;
  req.progress = [deadline](uint64_t, uint64_t) { return absl::Now() < deadline; };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!client->send(req, res, error)) {
    // select() may wake a little before our own clock says the timeout has passed.
    const absl::Duration slack = std::min(request.timeout / 10, absl::Milliseconds(50));
    return ErrorToStatus(error, Describe(), absl::Now() >= deadline - slack,
                         VerifyResult(client.get(), use_tls_));
  }
  HttpResponse response{res.status, ConvertHeaders(res.headers), std::move(res.body)};
  Release(std::move(client));
  return response;
}

absl::StatusOr<HttpResponse> HttplibTransport::Stream(const HttpRequest& request,
                                                      const BodyChunkHandler& on_chunk,
                                                      std::stop_token stop) {
  if (stop.stop_requested()) return absl::CancelledError("stream stopped");
  ClientPtr client = NewClient(request.timeout);
  client->set_keep_alive(false);
  // Declared after `client`, so it is unregistered (and any running callback finished)
  // before the client goes away.
  std::stop_callback on_stop(stop, [&client] { client->stop(); });
  httplib::Request req = ToHttplib(request, options_.user_agent);
  HttpResponse response;
  req.response_handler = [&](const httplib::Response& res) {
    response.status = res.status;
    response.headers = ConvertHeaders(res.headers);
    return !stop.stop_requested();
  };
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    if (stop.stop_requested()) return false;
    if (response.status >= 200 && response.status < 300) {
      return on_chunk(absl::string_view(data, size));
    }
    if (response.body.size() < kMaxErrorBody) response.body.append(data, size);
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool sent = client->send(req, res, error);
  if (stop.stop_requested()) return absl::CancelledError("stream stopped");
  if (!sent && error != httplib::Error::Canceled) {
    return ErrorToStatus(error, Describe(), false, VerifyResult(client.get(), use_tls_));
  }
  return response;
}

}  // namespace flyover::kube
