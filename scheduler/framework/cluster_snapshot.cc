#include "scheduler/framework/cluster_snapshot.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::sched {
namespace {

std::string PodKey(absl::string_view pod_namespace, absl::string_view name) {
  return absl::StrCat(pod_namespace, "/", name);
}

DieSet AdvertisedDies(const NodeInfo& node) {
  if (node.allocatable.dies >= topology::kDiesPerNode) return DieSet::All();
  return DieSet::FromMask(static_cast<uint16_t>((1u << node.allocatable.dies) - 1));
}

// Copy-on-write: clone the shared storage only when another snapshot still sees it.
template <typename T>
T& Unshare(std::shared_ptr<T>& storage) {
  if (storage.use_count() > 1) storage = std::make_shared<T>(*storage);
  return *storage;
}

}  // namespace

bool NodeInfo::WhollyFree() const {
  return ready && !unschedulable && allocatable.dies == topology::kDiesPerNode &&
         free() == DieSet::All();
}

std::string PlacedPod::Key() const { return PodKey(pod_namespace, name); }

ClusterSnapshot::ClusterSnapshot()
    : nodes_(std::make_shared<NodeVector>()),
      index_(std::make_shared<NameIndex>()),
      pods_(std::make_shared<PodMap>()) {}

ClusterSnapshot::NodeVector& ClusterSnapshot::MutableNodes() { return Unshare(nodes_); }
ClusterSnapshot::NameIndex& ClusterSnapshot::MutableIndex() { return Unshare(index_); }
ClusterSnapshot::PodMap& ClusterSnapshot::MutablePods() { return Unshare(pods_); }

NodeInfo& ClusterSnapshot::MutableNode(size_t index) {
  std::shared_ptr<const NodeInfo>& slot = MutableNodes()[index];
  auto copy = std::make_shared<NodeInfo>(*slot);
  NodeInfo& node = *copy;
  slot = std::move(copy);
  return node;
}

absl::Status ClusterSnapshot::UpsertNode(NodeInfo node) {
  if (node.name.empty()) return absl::InvalidArgumentError("node: name is empty");
  if (node.allocatable.dies < 0 || node.allocatable.dies > topology::kDiesPerNode) {
    return absl::InvalidArgumentError(absl::StrCat("node ", node.name, ": allocatable dies ",
                                                   node.allocatable.dies, " is outside 0..",
                                                   topology::kDiesPerNode));
  }
  const int existing = NodeIndex(node.name);
  if (existing >= 0) {
    const NodeInfo& old = this->node(static_cast<size_t>(existing));
    node.used_dies = old.used_dies;
    node.requested = old.requested;
    MutableNode(static_cast<size_t>(existing)) = std::move(node);
    return absl::OkStatus();
  }
  node.used_dies = DieSet();
  node.requested = Resources{};
  MutableIndex()[node.name] = nodes_->size();
  MutableNodes().push_back(std::make_shared<const NodeInfo>(std::move(node)));
  return absl::OkStatus();
}

absl::Status ClusterSnapshot::RemoveNode(absl::string_view name) {
  const int index = NodeIndex(name);
  if (index < 0) return absl::NotFoundError(absl::StrCat("node ", name, " is not in the snapshot"));
  PodMap& pods = MutablePods();
  for (auto it = pods.begin(); it != pods.end();) {
    if (it->second.node == name) {
      pods.erase(it++);
    } else {
      ++it;
    }
  }
  NodeVector& nodes = MutableNodes();
  NameIndex& by_name = MutableIndex();
  by_name.erase(name);
  const size_t last = nodes.size() - 1;
  if (static_cast<size_t>(index) != last) {  // move the last node into the hole
    nodes[static_cast<size_t>(index)] = std::move(nodes[last]);
    by_name[nodes[static_cast<size_t>(index)]->name] = static_cast<size_t>(index);
  }
  nodes.pop_back();
  return absl::OkStatus();
}

absl::Status ClusterSnapshot::CheckFits(const PlacedPod& pod, const PlacedPod* replaced) const {
  const NodeInfo* node = FindNode(pod.node);
  if (node == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("pod ", pod.Key(), ": node ", pod.node, " is not in the snapshot"));
  }
  if (!AdvertisedDies(*node).ContainsAll(pod.dies)) {
    return absl::FailedPreconditionError(absl::StrCat("pod ", pod.Key(), ": dies ",
                                                      pod.dies.ToIdList(), " are not all on node ",
                                                      node->name));
  }
  DieSet used = node->used_dies;
  if (replaced != nullptr && replaced->node == pod.node) used = used - replaced->dies;
  const DieSet taken = used & pod.dies;
  if (!taken.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("pod ", pod.Key(), ": dies ",
                                                      taken.ToIdList(), " of node ", node->name,
                                                      " are held by another pod"));
  }
  return absl::OkStatus();
}

void ClusterSnapshot::Release(const PlacedPod& pod) {
  const int index = NodeIndex(pod.node);
  if (index < 0) return;
  NodeInfo& node = MutableNode(static_cast<size_t>(index));
  node.used_dies = node.used_dies - pod.dies;
  node.requested.cpu_millis -= pod.cpu_millis;
  node.requested.memory_bytes -= pod.memory_bytes;
  node.requested.dies -= pod.dies.Count();
  node.requested.pods -= 1;
}

absl::Status ClusterSnapshot::Assume(const PlacedPod& pod) {
  const std::string key = pod.Key();
  auto existing = pods_->find(key);
  const PlacedPod* replaced = existing == pods_->end() ? nullptr : &existing->second;
  if (absl::Status fits = CheckFits(pod, replaced); !fits.ok()) return fits;
  if (replaced != nullptr) Release(*replaced);
  NodeInfo& node = MutableNode(static_cast<size_t>(NodeIndex(pod.node)));
  node.used_dies = node.used_dies | pod.dies;
  node.requested.cpu_millis += pod.cpu_millis;
  node.requested.memory_bytes += pod.memory_bytes;
  node.requested.dies += pod.dies.Count();
  node.requested.pods += 1;
  MutablePods()[key] = pod;
  return absl::OkStatus();
}

absl::Status ClusterSnapshot::Forget(absl::string_view pod_namespace, absl::string_view name) {
  const std::string key = PodKey(pod_namespace, name);
  auto it = pods_->find(key);
  if (it == pods_->end()) {
    return absl::NotFoundError(absl::StrCat("pod ", key, " is not placed in the snapshot"));
  }
  Release(it->second);
  MutablePods().erase(key);
  return absl::OkStatus();
}

const NodeInfo* ClusterSnapshot::FindNode(absl::string_view name) const {
  const int index = NodeIndex(name);
  return index < 0 ? nullptr : &node(static_cast<size_t>(index));
}

int ClusterSnapshot::NodeIndex(absl::string_view name) const {
  auto it = index_->find(name);
  return it == index_->end() ? -1 : static_cast<int>(it->second);
}

const PlacedPod* ClusterSnapshot::FindPod(absl::string_view pod_namespace,
                                          absl::string_view name) const {
  auto it = pods_->find(PodKey(pod_namespace, name));
  return it == pods_->end() ? nullptr : &it->second;
}

}  // namespace flyover::sched
