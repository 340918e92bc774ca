#include "nodesim/node_heartbeater.h"

#include <algorithm>
#include <queue>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/api/core/object_codecs.h"
#include "kube/client/api_status.h"
#include "kube/client/typed_client.h"

namespace flyover::nodesim {
namespace {

using kube::core::Lease;
using kube::core::Node;

const log::Logger& Logger() {
  static const log::Logger* logger = new log::Logger("nodesim.heartbeat");
  return *logger;
}

// One due renewal in a worker's schedule; the earliest comes first.
struct Due {
  absl::Time at;
  size_t node;
  bool status;  // a status heartbeat rather than a lease renewal
  bool operator>(const Due& other) const { return at > other.at; }
};

}  // namespace

absl::Duration SpreadOffset(int index, int count, absl::Duration interval) {
  if (count <= 0) return absl::ZeroDuration();
  return interval * index / count;
}

NodeHeartbeater::NodeHeartbeater(kube::RestClient* client, std::vector<SimNodeSpec> nodes,
                                 NodeObjectOptions node_options, HeartbeatOptions options)
    : client_(client),
      nodes_(std::move(nodes)),
      node_options_(std::move(node_options)),
      options_(options) {}

NodeHeartbeater::~NodeHeartbeater() { Stop(); }

absl::Status NodeHeartbeater::RegisterAll() {
  for (const SimNodeSpec& spec : nodes_) {
    if (absl::Status status = RegisterNode(spec); !status.ok()) {
      return Annotate(status, absl::StrCat("registering node ", spec.name));
    }
  }
  return absl::OkStatus();
}

absl::Status NodeHeartbeater::RegisterNode(const SimNodeSpec& spec) {
  kube::TypedClient<Node> nodes(client_);
  absl::Time now = options_.clock->Now();
  Node desired = BuildNode(spec, node_options_, now);
  absl::StatusOr<Node> node = nodes.Create(desired);
  if (absl::IsAlreadyExists(node.status())) {
    nlohmann::json labels = {{"metadata", {{"labels", desired.metadata.labels}}}};
    node = nodes.Patch("", spec.name, labels);
  }
  RETURN_IF_ERROR(node.status());
  RETURN_IF_ERROR(nodes
                      .Patch("", spec.name, NodeStatusPatch(*node, spec, node_options_, now),
                             {.subresource = "status"})
                      .status());
  return EnsureLease(spec.name, node->metadata.uid);
}

absl::Status NodeHeartbeater::EnsureLease(const std::string& name, const std::string& uid) {
  kube::TypedClient<Lease> leases(client_);
  absl::Time now = options_.clock->Now();
  absl::StatusOr<Lease> lease = leases.Create(BuildLease(name, uid, node_options_, now));
  if (absl::IsAlreadyExists(lease.status())) {
    lease = leases.Patch(kNodeLeaseNamespace, name, LeaseRenewPatch(now));
  }
  return lease.status();
}

absl::Status NodeHeartbeater::RenewLease(const SimNodeSpec& spec) {
  kube::TypedClient<Lease> leases(client_);
  absl::StatusOr<Lease> lease =
      leases.Patch(kNodeLeaseNamespace, spec.name, LeaseRenewPatch(options_.clock->Now()));
  if (absl::IsNotFound(lease.status())) return RegisterNode(spec);
  return lease.status();
}

absl::Status NodeHeartbeater::ReportStatus(const SimNodeSpec& spec) {
  kube::TypedClient<Node> nodes(client_);
  absl::StatusOr<Node> node = nodes.Get("", spec.name);
  if (absl::IsNotFound(node.status())) return RegisterNode(spec);
  RETURN_IF_ERROR(node.status());
  return nodes
      .Patch("", spec.name, NodeStatusPatch(*node, spec, node_options_, options_.clock->Now()),
             {.subresource = "status"})
      .status();
}

int NodeHeartbeater::WorkerCount() const {
  return std::max(1, std::min<int>(options_.workers, static_cast<int>(nodes_.size())));
}

void NodeHeartbeater::Start() {
  if (!threads_.empty()) return;
  for (int w = 0; w < WorkerCount(); ++w) threads_.emplace_back([this, w] { RunWorker(w); });
}

void NodeHeartbeater::Stop() {
  stop_.Stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void NodeHeartbeater::RunWorker(int worker) {
  const int workers = WorkerCount();
  const int count = static_cast<int>(nodes_.size());
  absl::Time start = options_.clock->Now();
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> schedule;
  for (int i = worker; i < count; i += workers) {
    schedule.push({start + SpreadOffset(i, count, options_.lease_interval),
                   static_cast<size_t>(i), false});
    schedule.push({start + SpreadOffset(i, count, options_.status_interval),
                   static_cast<size_t>(i), true});
  }
  while (!schedule.empty()) {
    Due due = schedule.top();
    absl::Duration wait = due.at - options_.clock->Now();
    if (wait > absl::ZeroDuration() && stop_.WaitFor(options_.clock, wait)) return;
    if (stop_.stopped()) return;
    schedule.pop();
    const SimNodeSpec& spec = nodes_[due.node];
    if (options_.chaos != nullptr && options_.chaos->Silenced(spec.name)) {
      schedule.push({due.at + (due.status ? options_.status_interval : options_.lease_interval),
                     due.node, due.status});
      continue;
    }
    absl::Status status = due.status ? ReportStatus(spec) : RenewLease(spec);
    if (status.ok()) {
      (due.status ? status_updates_ : lease_renewals_).fetch_add(1);
    } else {
      failures_.fetch_add(1);
      Logger().Warn("heartbeat failed", {{"node", spec.name},
                                         {"kind", due.status ? "status" : "lease"},
                                         {"error", status}});
    }
    absl::Duration interval = due.status ? options_.status_interval : options_.lease_interval;
    absl::Time next = due.at + interval;
    absl::Time now = options_.clock->Now();
    if (next < now) next = now + interval;
    schedule.push({next, due.node, due.status});
  }
}

}  // namespace flyover::nodesim
