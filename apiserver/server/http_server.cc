#include "apiserver/server/http_server.h"

#include <dirent.h>
#include <netdb.h>
#include <sys/socket.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "apiserver/semantics/api_status_builder.h"
#include "httplib.h"

namespace flyover::apiserver {
namespace {

// Connections waiting to be accepted; httplib's compiled-in backlog (5) drops the SYNs of
// a burst of clients, which then retry only after a second.
constexpr int kListenBacklog = 1024;

bool Readable(const std::string& path) {
  std::ifstream file(path);
  return file.good();
}

HttpRequest ToHttpRequest(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  out.path = in.path;
  out.params.insert(in.params.begin(), in.params.end());
  for (const auto& [name, value] : in.headers) {
    out.headers.emplace(absl::AsciiStrToLower(name), value);
  }
  out.body = in.body;
  return out;
}

void WriteStatus(httplib::Response& out, const nlohmann::json& status) {
  out.status = HttpCode(status);
  out.set_content(SerializeStatus(status), "application/json");
}

// A Status body for errors httplib answers on its own (413 payload too large, 400 bad
// request line, 404 for methods it does not route).
nlohmann::json StatusForBareError(int code, size_t max_body_bytes) {
  switch (code) {
    case 413:
      return RequestEntityTooLargeStatus(absl::StrCat("limit is ", max_body_bytes));
    case 404:
      return NotFoundStatus({}, "");
    default:
      return BadRequestStatus(
          absl::StrCat("the server could not read the request (HTTP ", code, ")"));
  }
}

std::string PeerName(const std::string& address, int port) {
  return absl::StrCat(address, "|", port);
}

// For a connected (not listening) TCP socket whose local port is `port`: its peer, as
// PeerName() spells it. nullopt for any other descriptor.
std::optional<std::string> PeerOfConnectionOn(int fd, int port) {
  int type = 0;
  int listening = 0;
  socklen_t length = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) return {};
  length = sizeof(listening);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening) return {};
  sockaddr_storage local{};
  length = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) return {};
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&local), length, nullptr, 0, service,
                  sizeof(service), NI_NUMERICSERV) != 0 ||
      std::atoi(service) != port) {
    return {};
  }
  sockaddr_storage peer{};
  length = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0 ||
      getnameinfo(reinterpret_cast<sockaddr*>(&peer), length, host, sizeof(host), service,
                  sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return {};
  }
  return PeerName(host, std::atoi(service));
}

// Shuts down the reading side of every connection this process accepted on `port` whose
// peer is not `busy`. httplib (0.11) waits out the whole keep-alive timeout on an idle
// connection before it looks at stop(); an ended read side wakes it at once. Busy ones are
// left alone: httplib writes no response on a socket it cannot read. Only sockets accepted
// on the listening port have it as their local port.
void EndIdleConnections(int port, const std::function<bool(const std::string&)>& busy) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return;
  const int own = dirfd(fds);
  while (const dirent* entry = readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == own) continue;
    std::optional<std::string> peer = PeerOfConnectionOn(static_cast<int>(fd), port);
    if (peer && !busy(*peer)) shutdown(static_cast<int>(fd), SHUT_RD);
  }
  closedir(fds);
}

}  // namespace

bool IsPublicPath(absl::string_view path) {
  for (absl::string_view root : {"/healthz", "/livez", "/readyz"}) {
    if (path == root || absl::StartsWith(path, absl::StrCat(root, "/"))) return true;
  }
  return path == "/version" || path == "/version/";
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<int> HttpServer::Start() {
  if (started_) return absl::FailedPreconditionError("HTTP server already started");
  if (absl::Status created = CreateServer(); !created.ok()) return created;
  std::signal(SIGPIPE, SIG_IGN);
  Configure(*server_);
  httplib::Server& server = *server_;
  const bool bound = options_.port == 0
                         ? (port_ = server.bind_to_any_port(options_.bind_address)) > 0
                         : server.bind_to_port(options_.bind_address, options_.port);
  if (!bound) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.bind_address, ":", options_.port));
  }
  if (options_.port != 0) port_ = options_.port;
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
  started_ = true;
  listener_ = std::thread([&server] { server.listen_after_bind(); });
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!server.is_running() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  if (!server.is_running()) {
    Stop();
    return absl::UnavailableError("the HTTP server did not start listening");
  }
  return port_;
}

absl::Status HttpServer::CreateServer() {
  if (options_.tls_cert_file.empty() != options_.tls_private_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert-file and --tls-private-key-file must be given together");
  }
  if (!tls()) {
    server_ = std::make_unique<httplib::Server>();
    return absl::OkStatus();
  }
  for (const std::string& file : {options_.tls_cert_file, options_.tls_private_key_file}) {
    if (!Readable(file)) return absl::InvalidArgumentError(absl::StrCat("cannot read ", file));
  }
  server_ = std::make_unique<httplib::SSLServer>(options_.tls_cert_file.c_str(),
                                                 options_.tls_private_key_file.c_str());
  if (!server_->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot load TLS certificate ",
                                                   options_.tls_cert_file, " with key ",
                                                   options_.tls_private_key_file));
  }
  return absl::OkStatus();
}

void HttpServer::Configure(httplib::Server& server) {
  const ElasticTaskQueueOptions thread_options = options_.threads;
  server.new_task_queue = [thread_options] { return new ElasticTaskQueue(thread_options); };
  server.set_payload_max_length(options_.max_body_bytes);
  server.set_read_timeout(absl::ToChronoSeconds(options_.read_timeout));
  server.set_write_timeout(absl::ToChronoSeconds(options_.write_timeout));
  server.set_keep_alive_timeout(absl::ToInt64Seconds(options_.keep_alive_timeout));
  server.set_keep_alive_max_count(1u << 30);
  server.set_tcp_nodelay(true);
  server.set_socket_options([this](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = fd;
  });
  // A connection is busy from the start of routing until its response is written.
  server.set_pre_routing_handler([this](const httplib::Request& request, httplib::Response&) {
    CountRequest(PeerName(request.remote_addr, request.remote_port), +1);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_logger([this](const httplib::Request& request, const httplib::Response&) {
    CountRequest(PeerName(request.remote_addr, request.remote_port), -1);
  });
  auto serve = [this](const httplib::Request& request, httplib::Response& response) {
    Serve(&request, &response);
  };
  const std::string any = "/.*";
  server.Get(any, serve).Post(any, serve).Put(any, serve).Patch(any, serve);
  server.Delete(any, serve).Options(any, serve);
  const size_t max_body = options_.max_body_bytes;
  server.set_error_handler([max_body](const httplib::Request&, httplib::Response& response) {
    if (!response.body.empty() || response.is_chunked_content_provider_) return;
    WriteStatus(response, StatusForBareError(response.status, max_body));
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        WriteStatus(response, InternalErrorStatus(what));
      });
}

void HttpServer::Stop() {
  if (!started_ || stopping_.exchange(true)) return;
  server_->stop();  // closes the listening socket
  // Ends idle connections until every connection thread is gone: repeatedly, because one
  // accepted just as the socket closed may show up after a first pass.
  std::atomic<bool> connections_done = false;
  std::thread closer([this, &connections_done] {
    while (!connections_done.load()) {
      EndIdleConnections(port_, [this](const std::string& peer) { return Busy(peer); });
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  if (listener_.joinable()) listener_.join();
  connections_done = true;
  closer.join();
}

void HttpServer::CountRequest(const std::string& peer, int change) {
  absl::MutexLock lock(&busy_mu_);
  if ((busy_peers_[peer] += change) <= 0) busy_peers_.erase(peer);
}

bool HttpServer::Busy(const std::string& peer) const {
  absl::MutexLock lock(&busy_mu_);
  return busy_peers_.contains(peer);
}

bool HttpServer::Authorized(const HttpRequest& request) const {
  if (options_.bearer_token.empty() || IsPublicPath(request.path)) return true;
  const std::string header = request.Header("authorization");
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(header, kBearer)) return false;
  const absl::string_view presented = absl::string_view(header).substr(kBearer.size());
  const std::string& expected = options_.bearer_token;
  // Compare every byte whatever the first difference, so timing does not leak the token.
  unsigned char difference = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char got = i < presented.size() ? presented[i] : 0;
    difference |= static_cast<unsigned char>(got ^ expected[i]);
  }
  return difference == 0;
}

void HttpServer::Serve(const void* raw_request, void* raw_response) {
  const auto& in = *static_cast<const httplib::Request*>(raw_request);
  auto& out = *static_cast<httplib::Response*>(raw_response);
  HttpRequest request = ToHttpRequest(in);
  HttpResponse response;
  if (!Authorized(request)) {
    response = StatusResponse(UnauthorizedStatus());
  } else if (request.body.size() > options_.max_body_bytes) {
    response = StatusResponse(
        RequestEntityTooLargeStatus(absl::StrCat("limit is ", options_.max_body_bytes)));
  } else {
    response = handler_(request);
  }
  out.status = response.status;
  for (auto& [name, value] : response.headers) out.set_header(name, value);
  if (!response.stream) {
    // What set_content() does, without copying the body (a list's can be tens of MiB).
    out.body = std::move(response.body);
    out.headers.erase("Content-Type");
    out.set_header("Content-Type", response.content_type);
    return;
  }
  StreamBody stream = std::move(response.stream);
  out.set_chunked_content_provider(response.content_type,
                                   [this, stream](size_t, httplib::DataSink& data_sink) {
                                     StreamSink sink;
                                     sink.write = [&data_sink](absl::string_view chunk) {
                                       // httplib reads a zero-length write as the end of the data.
                                       if (chunk.empty()) return data_sink.is_writable();
                                       return data_sink.write(chunk.data(), chunk.size());
                                     };
                                     sink.stopping = [this] { return stopping(); };
                                     stream(sink);
                                     data_sink.done();
                                     return true;
                                   });
}

}  // namespace flyover::apiserver
