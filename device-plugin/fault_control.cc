#include "device-plugin/fault_control.h"

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace flyover::deviceplugin {
namespace {

FaultControlResponse Error(int code, absl::string_view message) {
  return {code, {{"error", std::string(message)}}};
}

int HttpCodeOf(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition ? 409 : 400;
}

// Parses {"die": <int>, ...}; the die id or an error message.
absl::StatusOr<nlohmann::json> ParseBody(absl::string_view body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError("body: must be a JSON object");
  }
  if (!parsed.contains("die") || !parsed["die"].is_number_integer()) {
    return absl::InvalidArgumentError("die: must be an integer die id");
  }
  return parsed;
}

FaultControlResponse Inject(EmulatedNpuSource* source, const nlohmann::json& body) {
  auto fault = body.find("fault");
  if (fault == body.end() || !fault->is_string()) return Error(400, "fault: must be a string");
  absl::StatusOr<FaultKind> kind = ParseFaultKind(fault->get<std::string>());
  if (!kind.ok()) return Error(400, kind.status().message());
  absl::Status status = source->InjectFault(body["die"].get<int>(), *kind);
  if (!status.ok()) return Error(HttpCodeOf(status), status.message());
  return {200, StatusesToJson(source->Statuses())};
}

FaultControlResponse Recover(EmulatedNpuSource* source, const nlohmann::json& body) {
  bool clear = false;
  if (auto it = body.find("clearIsolation"); it != body.end()) {
    if (!it->is_boolean()) return Error(400, "clearIsolation: must be a boolean");
    clear = it->get<bool>();
  }
  absl::Status status = source->Recover(body["die"].get<int>(), clear);
  if (!status.ok()) return Error(HttpCodeOf(status), status.message());
  return {200, StatusesToJson(source->Statuses())};
}

}  // namespace

nlohmann::json StatusesToJson(const std::vector<DieStatus>& statuses) {
  nlohmann::json dies = nlohmann::json::array();
  for (const DieStatus& status : statuses) {
    nlohmann::json faults = nlohmann::json::array();
    for (const ActiveFault& fault : status.faults) {
      faults.push_back({{"fault", std::string(SpecOf(fault.kind).name)},
                        {"code", fault.code},
                        {"level", std::string(FaultLevelName(fault.level))},
                        {"since", absl::FormatTime(absl::RFC3339_sec, fault.since,
                                                   absl::UTCTimeZone())}});
    }
    dies.push_back({{"die", status.die},
                    {"healthy", status.Healthy()},
                    {"networkHealthy", status.NetworkHealthy()},
                    {"isolated", status.isolated},
                    {"faults", faults}});
  }
  return {{"dies", dies}};
}

FaultControlResponse HandleFaultControl(EmulatedNpuSource* source, absl::string_view method,
                                        absl::string_view path, absl::string_view body) {
  if (path == "/faults" && method == "GET") return {200, StatusesToJson(source->Statuses())};
  if ((path != "/faults" && path != "/recover") || method != "POST") {
    return Error(404, absl::StrCat(method, " ", path, ": no such endpoint"));
  }
  absl::StatusOr<nlohmann::json> parsed = ParseBody(body);
  if (!parsed.ok()) return Error(400, parsed.status().message());
  return path == "/faults" ? Inject(source, *parsed) : Recover(source, *parsed);
}

struct FaultControlServer::Serving {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> done{false};
};

FaultControlServer::FaultControlServer(EmulatedNpuSource* source) : source_(source) {}

FaultControlServer::~FaultControlServer() { Stop(); }

absl::StatusOr<int> FaultControlServer::Start(int port) {
  if (serving_ != nullptr) return absl::FailedPreconditionError("fault control: already started");
  auto serving = std::make_unique<Serving>();
  auto handle = [this](const httplib::Request& request, httplib::Response& response) {
    FaultControlResponse answer =
        HandleFaultControl(source_, request.method, request.path, request.body);
    response.status = answer.code;
    response.set_content(answer.body.dump(), "application/json");
  };
  serving->server.Get("/faults", handle);
  serving->server.Post("/faults", handle);
  serving->server.Post("/recover", handle);
  const int bound = port == 0 ? serving->server.bind_to_any_port("127.0.0.1")
                              : (serving->server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("fault control: cannot bind 127.0.0.1:", port));
  }
  Serving* raw = serving.get();
  serving->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  serving_ = std::move(serving);
  return bound;
}

void FaultControlServer::Stop() {
  if (serving_ == nullptr) return;
  // stop() is lost until the accept loop runs (httplib 0.11): wait for it first.
  while (!serving_->server.is_running() && !serving_->done.load()) {
    absl::SleepFor(absl::Microseconds(50));
  }
  serving_->server.stop();
  serving_->thread.join();
  serving_.reset();
}

}  // namespace flyover::deviceplugin
