// ScriptedApiServer: lifecycle, state, request routing and the non-watch verbs. Watch
// streaming is in scripted_watch.cc.
#include "kube/client/testing/scripted_api_server.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <exception>
#include <utility>

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kube/client/testing/scripted_api_server_internal.h"
#include "kube/client/testing/scripted_store_internal.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void SetJson(httplib::Response& res, const StoreResult& result) {
  res.status = result.code;
  res.set_content(Dump(result.body), "application/json");
}

std::unique_ptr<httplib::Server> MakeServer(const ScriptedApiServerOptions& options) {
  if (options.server_cert_pem.empty()) return std::make_unique<httplib::Server>();
  BIO* cert_bio = BIO_new_mem_buf(options.server_cert_pem.data(),
                                  static_cast<int>(options.server_cert_pem.size()));
  BIO* key_bio = BIO_new_mem_buf(options.server_key_pem.data(),
                                 static_cast<int>(options.server_key_pem.size()));
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr);
  X509_STORE* client_cas = nullptr;  // owned by the server's SSL_CTX once passed
  if (!options.client_ca_pem.empty()) {
    client_cas = X509_STORE_new();
    BIO* ca_bio = BIO_new_mem_buf(options.client_ca_pem.data(),
                                  static_cast<int>(options.client_ca_pem.size()));
    while (X509* ca = PEM_read_bio_X509(ca_bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(client_cas, ca);
      X509_free(ca);
    }
    BIO_free(ca_bio);
  }
  auto server = std::make_unique<httplib::SSLServer>(cert, key, client_cas);
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  return server;
}

}  // namespace

std::string RecordedRequest::Param(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? "" : it->second;
}

std::string RecordedRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

ScriptedApiServer::ScriptedApiServer(ScriptedApiServerOptions options)
    : options_(std::move(options)), token_(options_.required_token) {}

ScriptedApiServer::~ScriptedApiServer() { Stop(); }

absl::StatusOr<int> ScriptedApiServer::Start() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (server_ != nullptr) return absl::FailedPreconditionError("already serving");
  return Serve(0);
}

absl::StatusOr<int> ScriptedApiServer::Serve(int port) {
  server_ = MakeServer(options_);
  if (!server_->is_valid()) {
    server_.reset();
    return absl::InvalidArgumentError("bad TLS material for the scripted API server");
  }
  server_->new_task_queue = [] { return new httplib::ThreadPool(32); };
  server_->set_keep_alive_max_count(1);  // so Stop() never waits on an idle connection
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server_->Get(".*", handler).Post(".*", handler).Put(".*", handler);
  server_->Patch(".*", handler).Delete(".*", handler);
  const int bound = port == 0 ? server_->bind_to_any_port("127.0.0.1")
                              : (server_->bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot bind 127.0.0.1:", port));
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  httplib::Server* raw = server_.get();
  thread_ = std::thread([raw, done] {
    raw->listen_after_bind();
    done->store(true);
  });
  // httplib has no "accepting" signal; Stop() needs the accept loop to have started.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!raw->is_running() && !done->load() && absl::Now() < deadline) {
    absl::SleepFor(absl::Microseconds(50));
  }
  port_ = bound;
  return bound;
}

void ScriptedApiServer::Stop() {
  absl::MutexLock lock(&lifecycle_mu_);
  StopLocked();
}

void ScriptedApiServer::StopLocked() {
  if (server_ == nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  server_->stop();
  thread_.join();
  server_.reset();
  absl::MutexLock lock(&mu_);
  stopping_ = false;
}

absl::StatusOr<int> ScriptedApiServer::Restart() {
  absl::MutexLock lock(&lifecycle_mu_);
  const int port = port_;
  StopLocked();
  return Serve(port);
}

int ScriptedApiServer::port() const {
  absl::MutexLock lock(&lifecycle_mu_);
  return port_;
}

std::string ScriptedApiServer::url() const {
  return absl::StrCat(options_.server_cert_pem.empty() ? "http" : "https", "://127.0.0.1:", port());
}

void ScriptedApiServer::AddResource(const ResourceDescriptor& resource) {
  absl::MutexLock lock(&mu_);
  store_.AddResource(resource);
}

json ScriptedApiServer::Upsert(const ResourceDescriptor& resource, json object) {
  absl::MutexLock lock(&mu_);
  const std::string ns = internal::MetaStr(object, "namespace");
  const std::string name = internal::MetaStr(object, "name");
  StoreResult existing = store_.Get(resource, ns, name);
  StoreResult result;
  if (existing.code == 404) {
    result = store_.Create(resource, ns, std::move(object), false);
  } else {
    const json status = object.contains("status") ? object["status"] : json();
    object["metadata"]["resourceVersion"] = existing.body["metadata"]["resourceVersion"];
    result = store_.Update(resource, ns, name, std::move(object), "", false);
    if (result.code == 200 && !status.is_null()) {
      json with_status = result.body;
      with_status["status"] = status;
      result = store_.Update(resource, ns, name, std::move(with_status), "status", false);
    }
  }
  ++changes_;
  return result.body;
}

void ScriptedApiServer::Remove(const ResourceDescriptor& resource, const std::string& ns,
                               const std::string& name) {
  absl::MutexLock lock(&mu_);
  (void)store_.Delete(resource, ns, name, json(), false);
  ++changes_;
}

std::optional<json> ScriptedApiServer::Object(const ResourceDescriptor& resource,
                                              const std::string& ns, const std::string& name) {
  absl::MutexLock lock(&mu_);
  StoreResult result = store_.Get(resource, ns, name);
  if (result.code != 200) return std::nullopt;
  return result.body;
}

int64_t ScriptedApiServer::resource_version() {
  absl::MutexLock lock(&mu_);
  return store_.resource_version();
}

void ScriptedApiServer::Compact() {
  absl::MutexLock lock(&mu_);
  store_.Compact();
}

void ScriptedApiServer::ExpireContinueTokens() {
  absl::MutexLock lock(&mu_);
  store_.ExpireContinueTokens();
}

void ScriptedApiServer::SendBookmark() {
  absl::MutexLock lock(&mu_);
  ++bookmark_generation_;
}

void ScriptedApiServer::CloseWatches() {
  absl::MutexLock lock(&mu_);
  ++close_generation_;
}

void ScriptedApiServer::SetToken(std::string token) {
  absl::MutexLock lock(&mu_);
  token_ = std::move(token);
}

void ScriptedApiServer::InjectResponse(std::string method, std::string path_prefix, int code,
                                       std::string body, HttpHeaders headers, int times) {
  absl::MutexLock lock(&mu_);
  injections_.push_back(Injection{std::move(method), std::move(path_prefix), code, std::move(body),
                                  std::move(headers), times});
}

void ScriptedApiServer::InjectRawWatch(std::string path_prefix, std::vector<std::string> chunks,
                                       bool abrupt) {
  absl::MutexLock lock(&mu_);
  raw_watches_.push_back(RawWatch{std::move(path_prefix), std::move(chunks), abrupt});
}

std::vector<RecordedRequest> ScriptedApiServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

std::vector<RecordedRequest> ScriptedApiServer::requests(absl::string_view method,
                                                         absl::string_view path_prefix) const {
  absl::MutexLock lock(&mu_);
  std::vector<RecordedRequest> out;
  for (const RecordedRequest& r : requests_) {
    if (r.method == method && absl::StartsWith(r.path, path_prefix)) out.push_back(r);
  }
  return out;
}

bool ScriptedApiServer::WaitForWatchRequests(int count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return watch_requests_ >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

int ScriptedApiServer::open_watches() {
  absl::MutexLock lock(&mu_);
  return open_watches_;
}

// Records the request, checks the token, and answers from an injection if one matches.
// Returns whether the request should go on to the store.
bool ScriptedApiServer::Admit(const httplib::Request& req, httplib::Response& res) {
  RecordedRequest recorded{req.method, req.path, {}, {}, req.body};
  for (const auto& [key, value] : req.params) recorded.params[key] = value;
  for (const auto& [key, value] : req.headers) recorded.headers.emplace_back(key, value);
  requests_.push_back(std::move(recorded));
  if (!token_.empty() && req.get_header_value("Authorization") != "Bearer " + token_) {
    SetJson(res, StatusResult(401, "Unauthorized", "Unauthorized"));
    return false;
  }
  for (auto it = injections_.begin(); it != injections_.end(); ++it) {
    if ((it->method != "*" && it->method != req.method) ||
        !absl::StartsWith(req.path, it->path_prefix)) {
      continue;
    }
    res.status = it->code;
    for (const auto& [key, value] : it->headers) res.set_header(key, value);
    res.set_content(it->body, "application/json");
    if (--it->times <= 0) injections_.erase(it);
    return false;
  }
  return true;
}

namespace {

// /api/v1/... or /apis/<group>/<version>/..., then [namespaces/<ns>/]<plural>[/<name>[/<sub>]].
std::optional<std::vector<std::string>> SplitApiPath(const std::string& path, std::string* group,
                                                     std::string* version) {
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  size_t at = 0;
  if (parts.size() >= 2 && parts[0] == "api") {
    *version = parts[1];
    at = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    *group = parts[1];
    *version = parts[2];
    at = 3;
  } else {
    return std::nullopt;
  }
  return std::vector<std::string>(parts.begin() + at, parts.end());
}

}  // namespace

void ScriptedApiServer::Handle(const httplib::Request& req, httplib::Response& res) {
  absl::MutexLock lock(&mu_);
  try {
    if (!Admit(req, res)) return;
    std::string group, version;
    std::optional<std::vector<std::string>> rest = SplitApiPath(req.path, &group, &version);
    Route route;
    if (rest.has_value() && rest->size() >= 3 && (*rest)[0] == "namespaces") {
      route.ns = (*rest)[1];
      rest->erase(rest->begin(), rest->begin() + 2);
    }
    if (rest.has_value() && !rest->empty() && rest->size() <= 3) {
      route.resource = store_.Find(group, version, (*rest)[0]);
      if (rest->size() >= 2) route.name = (*rest)[1];
      if (rest->size() == 3) route.subresource = (*rest)[2];
    }
    if (route.resource == nullptr) {
      SetJson(res, StatusResult(404, "NotFound", "the server could not find the requested resource"));
      return;
    }
    const std::string watch = req.get_param_value("watch");
    if (req.method == "GET" && route.name.empty() && (watch == "true" || watch == "1")) {
      StartWatch(route, req, res);
      return;
    }
    SetJson(res, Dispatch(route, req));
    ++changes_;
  } catch (const std::exception& e) {
    SetJson(res, StatusResult(500, "InternalError", e.what()));
  }
}

StoreResult ScriptedApiServer::Dispatch(const Route& route, const httplib::Request& req) {
  const ResourceDescriptor& r = *route.resource;
  const bool dry_run = req.get_param_value("dryRun") == "All";
  json body = req.body.empty() ? json() : json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return StatusResult(400, "BadRequest", "the body is not valid JSON");
  if (req.method == "GET" && route.name.empty()) {
    ListQuery query{req.get_param_value("labelSelector"), req.get_param_value("fieldSelector"), 0,
                    req.get_param_value("continue")};
    if (req.has_param("limit")) query.limit = std::stoll(req.get_param_value("limit"));
    return store_.List(r, route.ns, query);
  }
  if (req.method == "GET") return store_.Get(r, route.ns, route.name);
  if (req.method == "POST" && route.subresource == "binding" && r.plural == "pods") {
    return store_.Bind(route.ns, route.name, body, dry_run);
  }
  if (req.method == "POST" && route.name.empty()) return store_.Create(r, route.ns, body, dry_run);
  if (req.method == "PUT") {
    return store_.Update(r, route.ns, route.name, body, route.subresource, dry_run);
  }
  if (req.method == "DELETE") return store_.Delete(r, route.ns, route.name, body, dry_run);
  if (req.method == "PATCH") {
    const std::string type = req.get_header_value("Content-Type");
    if (type == "application/merge-patch+json") {
      return store_.MergePatch(r, route.ns, route.name, body, route.subresource, dry_run);
    }
    if (type == "application/apply-patch+yaml") {
      return store_.Apply(r, route.ns, route.name, body, req.get_param_value("fieldManager"),
                          req.get_param_value("force") == "true", dry_run);
    }
    return StatusResult(415, "UnsupportedMediaType",
                        absl::StrCat("the body of the request was in an unknown format - accepted "
                                     "media types include: application/merge-patch+json, "
                                     "application/apply-patch+yaml; got ", type));
  }
  return StatusResult(405, "MethodNotAllowed", "the server does not allow this method");
}

}  // namespace flyover::kube::testing
