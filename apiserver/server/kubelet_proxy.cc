#include "apiserver/server/kubelet_proxy.h"

#include <deque>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "apiserver/semantics/api_status_builder.h"
#include "httplib.h"

namespace flyover::apiserver {
namespace {

constexpr size_t kMaxErrorBodyBytes = 50000;  // kube-apiserver reads no more of an error body
constexpr absl::Duration kStopCheckInterval = absl::Seconds(1);

// The two sides of one proxied GET: a thread runs the kubelet request and queues what it
// receives; the client's connection thread takes it from the queue.
class Relay {
 public:
  Relay(KubeletTarget target, KubeletProxyOptions options)
      : target_(std::move(target)), options_(options), client_(target_.host, target_.port) {
    client_.set_connection_timeout(absl::ToChronoMicroseconds(options_.connect_timeout));
    client_.set_read_timeout(absl::ToChronoMicroseconds(options_.read_timeout));
    thread_ = std::thread([this] { Fetch(); });
  }
  ~Relay() { Finish(); }
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Waits for the kubelet's response header; the response to give the client.
  HttpResponse Open(std::shared_ptr<Relay> self);

 private:
  void Fetch() ABSL_LOCKS_EXCLUDED(mu_);
  bool Receive(const char* data, size_t length) ABSL_LOCKS_EXCLUDED(mu_);
  void Stream(StreamSink& sink) ABSL_LOCKS_EXCLUDED(mu_);
  HttpResponse KubeletError() ABSL_LOCKS_EXCLUDED(mu_);
  HttpResponse Unreachable(absl::string_view reason) const;
  // Waits up to `timeout` for the kubelet request to end; whether it has.
  bool AwaitDone(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  // Ends the kubelet request (if still running) and joins its thread. Idempotent.
  void Finish() ABSL_LOCKS_EXCLUDED(mu_);

  const KubeletTarget target_;
  const KubeletProxyOptions options_;
  httplib::Client client_;
  absl::Mutex mu_;
  bool headers_ ABSL_GUARDED_BY(mu_) = false;
  int status_ ABSL_GUARDED_BY(mu_) = 0;
  std::string content_type_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> chunks_ ABSL_GUARDED_BY(mu_);
  size_t buffered_ ABSL_GUARDED_BY(mu_) = 0;
  std::string error_body_ ABSL_GUARDED_BY(mu_);
  std::string failure_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

void Relay::Fetch() {
  auto on_headers = [this](const httplib::Response& response) {
    absl::MutexLock lock(&mu_);
    headers_ = true;
    status_ = response.status;
    content_type_ = response.get_header_value("Content-Type");
    return !cancelled_;
  };
  auto on_data = [this](const char* data, size_t length) { return Receive(data, length); };
  httplib::Result result = client_.Get(target_.path, httplib::Headers{}, on_headers, on_data);
  absl::MutexLock lock(&mu_);
  if (!result && !headers_) failure_ = httplib::to_string(result.error());
  done_ = true;
}

bool Relay::Receive(const char* data, size_t length) {
  absl::MutexLock lock(&mu_);
  if (status_ != 200) {
    const size_t room = kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, error_body_.size());
    error_body_.append(data, std::min(room, length));
    return !cancelled_;
  }
  auto room = [this] {
    mu_.AssertHeld();
    return buffered_ < options_.max_buffered_bytes || cancelled_;
  };
  mu_.Await(absl::Condition(&room));
  if (cancelled_) return false;
  chunks_.emplace_back(data, length);
  buffered_ += length;
  return true;
}

HttpResponse Relay::Open(std::shared_ptr<Relay> self) {
  enum class Answer { kNone, kFailed, kError, kOk } answer;
  std::string failure;
  {
    absl::MutexLock lock(&mu_);
    auto answered = [this] {
      mu_.AssertHeld();
      return headers_ || done_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&answered), options_.header_timeout)) {
      answer = Answer::kNone;
    } else if (!headers_) {
      answer = Answer::kFailed;
      failure = failure_;
    } else {
      answer = status_ == 200 ? Answer::kOk : Answer::kError;
    }
  }
  switch (answer) {
    case Answer::kNone:
      Finish();
      return Unreachable(
          absl::StrCat("no response within ", absl::FormatDuration(options_.header_timeout)));
    case Answer::kFailed:
      return Unreachable(failure);
    case Answer::kError:
      AwaitDone(options_.header_timeout);  // the error body is complete with the request
      Finish();
      return KubeletError();
    case Answer::kOk:
      break;
  }
  HttpResponse response;
  {
    absl::MutexLock lock(&mu_);
    response.content_type = content_type_.empty() ? "text/plain" : content_type_;
  }
  response.stream = [self = std::move(self)](StreamSink& sink) { self->Stream(sink); };
  return response;
}

void Relay::Stream(StreamSink& sink) {
  while (true) {
    std::deque<std::string> ready;
    {
      absl::MutexLock lock(&mu_);
      auto has_news = [this] {
        mu_.AssertHeld();
        return !chunks_.empty() || done_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&has_news), kStopCheckInterval);
      ready.swap(chunks_);
      buffered_ = 0;
      if (ready.empty() && done_) break;
    }
    bool client_gone = false;
    for (const std::string& chunk : ready) {
      if (!sink.write(chunk)) {
        client_gone = true;
        break;
      }
    }
    if (client_gone || sink.stopping()) break;
  }
  Finish();
}

HttpResponse Relay::KubeletError() {
  absl::MutexLock lock(&mu_);
  const std::string message(absl::StripAsciiWhitespace(error_body_));
  nlohmann::json status = InternalErrorStatus(message);
  status["message"] = message.empty() ? absl::StrCat("the kubelet of node \"", target_.node,
                                                     "\" answered HTTP ", status_)
                                      : message;
  status["code"] = status_;
  switch (status_) {
    case 400: status["reason"] = "BadRequest"; break;
    case 401: status["reason"] = "Unauthorized"; break;
    case 403: status["reason"] = "Forbidden"; break;
    case 404: status["reason"] = "NotFound"; break;
    case 409: status["reason"] = "Conflict"; break;
    case 429: status["reason"] = "TooManyRequests"; break;
    case 503: status["reason"] = "ServiceUnavailable"; break;
    case 504: status["reason"] = "Timeout"; break;
    default: status["reason"] = "InternalError"; break;
  }
  status.erase("details");
  return StatusResponse(status);
}

HttpResponse Relay::Unreachable(absl::string_view reason) const {
  return StatusResponse(ServiceUnavailableStatus(absl::StrCat(
      "unable to reach the kubelet of node \"", target_.node, "\" at ", target_.host, ":",
      target_.port, " (GET ", target_.path, "): ", reason)));
}

bool Relay::AwaitDone(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto finished = [this] {
    mu_.AssertHeld();
    return done_;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&finished), timeout);
}

void Relay::Finish() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  // stop() closes a connection in progress; one being opened is caught by the next call.
  do {
    client_.stop();
  } while (!AwaitDone(absl::Milliseconds(100)));
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

}  // namespace

HttpResponse ProxyKubeletGet(const KubeletTarget& target, const KubeletProxyOptions& options) {
  auto relay = std::make_shared<Relay>(target, options);
  return relay->Open(relay);
}

}  // namespace flyover::apiserver
