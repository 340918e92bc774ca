#include "nodesim/chaos_server.h"

#include <functional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace flyover::nodesim {
namespace {

constexpr char kLoopback[] = "127.0.0.1";

void Reply(httplib::Response& res, const absl::StatusOr<ChaosRecord>& record) {
  if (record.ok()) {
    res.set_content(record->ToJson().dump() + "\n", "application/json");
    return;
  }
  res.status = ChaosHttpCode(record.status());
  res.set_content(nlohmann::json{{"error", std::string(record.status().message())}}.dump() + "\n",
                  "application/json");
}

// The query parameter `name`; InvalidArgument naming it when missing or empty.
absl::StatusOr<std::string> Param(const httplib::Request& req, const std::string& name) {
  std::string value = req.get_param_value(name);
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": required"));
  return value;
}

}  // namespace

int ChaosHttpCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kFailedPrecondition: return 409;
    default: return 500;
  }
}

struct ChaosServer::Impl {
  httplib::Server server;
  ChaosActions* actions = nullptr;

  using NodeAction = std::function<absl::StatusOr<ChaosRecord>(const std::string&)>;

  void AddNodeAction(const std::string& name, NodeAction action) {
    server.Post("/chaos/" + name, [action](const httplib::Request& req, httplib::Response& res) {
      absl::StatusOr<std::string> node = Param(req, "node");
      Reply(res, node.ok() ? action(*node) : absl::StatusOr<ChaosRecord>(node.status()));
    });
  }

  void AddRoutes() {
    ChaosActions* a = actions;
    server.Post("/chaos/kill-pod", [a](const httplib::Request& req, httplib::Response& res) {
      absl::StatusOr<std::string> pod = Param(req, "pod");
      Reply(res, pod.ok() ? a->KillPod(*pod) : absl::StatusOr<ChaosRecord>(pod.status()));
    });
    AddNodeAction("stop-node", [a](const std::string& n) { return a->StopNode(n); });
    AddNodeAction("partition-node", [a](const std::string& n) { return a->PartitionNode(n); });
    AddNodeAction("resume-node", [a](const std::string& n) { return a->ResumeNode(n); });
    server.Post("/chaos/slow-node", [a](const httplib::Request& req, httplib::Response& res) {
      absl::StatusOr<std::string> node = Param(req, "node");
      absl::StatusOr<std::string> factor_text = Param(req, "factor");
      double factor = 0;
      if (!node.ok() || !factor_text.ok()) {
        Reply(res, node.ok() ? factor_text.status() : node.status());
      } else if (!absl::SimpleAtod(*factor_text, &factor)) {
        Reply(res, absl::InvalidArgumentError(
                       absl::StrCat("factor: not a number: \"", *factor_text, "\"")));
      } else {
        Reply(res, a->SlowNode(*node, factor));
      }
    });
    server.Get("/chaos/state", [a](const httplib::Request&, httplib::Response& res) {
      res.set_content(nlohmann::json{{"nodes", a->state().ToJson()}}.dump() + "\n",
                      "application/json");
    });
  }
};

ChaosServer::ChaosServer(ChaosActions* actions, int port)
    : impl_(std::make_unique<Impl>()), requested_port_(port) {
  impl_->actions = actions;
  impl_->AddRoutes();
}

ChaosServer::~ChaosServer() { Stop(); }

absl::Status ChaosServer::Start() {
  if (requested_port_ == 0) {
    port_ = impl_->server.bind_to_any_port(kLoopback);
  } else {
    port_ = impl_->server.bind_to_port(kLoopback, requested_port_) ? requested_port_ : -1;
  }
  if (port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("--chaos-port: cannot listen on ", kLoopback, ":", requested_port_));
  }
  thread_ = std::thread([this] { impl_->server.listen_after_bind(); });
  return absl::OkStatus();
}

void ChaosServer::Stop() {
  impl_->server.stop();
  if (thread_.joinable()) thread_.join();
}

std::string ChaosServer::address() const { return absl::StrCat(kLoopback, ":", port_); }

}  // namespace flyover::nodesim
