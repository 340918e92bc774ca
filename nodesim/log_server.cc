#include "nodesim/log_server.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "nodesim/log_render.h"

namespace flyover::nodesim {
namespace {

// The bytes of `path` from `offset` up to the last complete line; advances `offset`.
std::string ReadLinesFrom(const std::string& path, size_t* offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(*offset));
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  size_t end = s.rfind('\n');
  if (end == std::string::npos) return "";
  s.resize(end + 1);
  *offset += s.size();
  return s;
}

// What a follow=true answer still has to send.
struct FollowState {
  std::string path;
  size_t offset = 0;
  std::string pending;  // rendered, not yet sent
  LogQuery query;
  std::function<bool()> running;
  int64_t sent = 0;

  bool LimitReached() const { return query.limit_bytes && sent >= *query.limit_bytes; }
  // Appends as much of `text` as limitBytes allows.
  void Queue(const std::string& text) {
    int64_t room = query.limit_bytes ? *query.limit_bytes - sent - static_cast<int64_t>(pending.size())
                                     : static_cast<int64_t>(text.size());
    pending += text.substr(0, static_cast<size_t>(std::max<int64_t>(0, room)));
  }
};

std::string Render(const std::vector<LogLine>& lines, bool timestamps) {
  std::string out;
  for (const LogLine& line : lines) out += RenderLine(line, timestamps);
  return out;
}

}  // namespace

struct LogServer::Impl {
  LogLocator locator;
  LogServerOptions options;
  httplib::Server server;

  void Serve(const httplib::Request& req, httplib::Response& res) {
    absl::StatusOr<LogQuery> query = ParseLogQuery([&](absl::string_view name) {
      std::string key(name);
      return req.has_param(key) ? std::optional<std::string>(req.get_param_value(key))
                                : std::nullopt;
    });
    if (!query.ok()) return Fail(res, 400, query.status().message());
    std::string key = absl::StrCat(req.matches[1].str(), "/", req.matches[2].str());
    absl::StatusOr<ContainerLogRef> ref = locator(key, req.matches[3].str(), query->previous);
    if (!ref.ok()) return Fail(res, 404, ref.status().message());
    auto state = std::make_shared<FollowState>();
    state->path = ref->path;
    state->query = *query;
    state->running = ref->running;
    std::string text = ReadLinesFrom(ref->path, &state->offset);
    state->Queue(Render(SelectLines(text, *query, absl::Now()), query->timestamps));
    if (!query->follow) {
      res.set_content(state->pending, "text/plain");
      return;
    }
    absl::Duration poll = options.follow_poll;
    res.set_chunked_content_provider(
        "text/plain", [state, poll](size_t, httplib::DataSink& sink) { return Follow(*state, poll, sink); });
  }

  static bool Follow(FollowState& state, absl::Duration poll, httplib::DataSink& sink) {
    if (!state.pending.empty()) {
      if (!sink.write(state.pending.data(), state.pending.size())) return false;
      state.sent += static_cast<int64_t>(state.pending.size());
      state.pending.clear();
    }
    if (state.LimitReached()) {
      sink.done();
      return true;
    }
    bool was_running = state.running && state.running();
    std::string text = ReadLinesFrom(state.path, &state.offset);
    if (!text.empty()) {
      LogQuery rest = state.query;
      rest.tail_lines.reset();
      rest.since_seconds.reset();
      state.Queue(Render(SelectLines(text, rest, absl::Now()), state.query.timestamps));
      return true;
    }
    if (!was_running) {
      sink.done();
      return true;
    }
    absl::SleepFor(poll);
    return sink.is_writable();
  }

  static void Fail(httplib::Response& res, int code, absl::string_view message) {
    res.status = code;
    res.set_content(absl::StrCat(message, "\n"), "text/plain");
  }
};

LogServer::LogServer(LogLocator locator, LogServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->locator = std::move(locator);
  impl_->options = std::move(options);
  impl_->server.Get(R"(/containerLogs/([^/]+)/([^/]+)/([^/]+))",
                    [this](const httplib::Request& req, httplib::Response& res) {
                      impl_->Serve(req, res);
                    });
  impl_->server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
}

LogServer::~LogServer() { Stop(); }

absl::Status LogServer::Start() {
  const LogServerOptions& o = impl_->options;
  if (o.port == 0) {
    port_ = impl_->server.bind_to_any_port(o.bind_address);
  } else {
    port_ = impl_->server.bind_to_port(o.bind_address, o.port) ? o.port : -1;
  }
  if (port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("port: cannot listen on ", o.bind_address, ":", o.port));
  }
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  return absl::OkStatus();
}

void LogServer::Stop() {
  impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace flyover::nodesim
