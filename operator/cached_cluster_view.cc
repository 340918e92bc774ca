#include "operator/cached_cluster_view.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/cache/indexers.h"
#include "kube/cache/object.h"
#include "kube/controller/handlers.h"
#include "kube/api/post_training_job.h"

namespace flyover::op {

namespace {

std::vector<std::string> IndexByNodeName(kube::JsonView pod) {
  const absl::string_view node = pod["spec"]["nodeName"].string_value();
  if (node.empty()) return {};
  return {std::string(node)};
}

bool Ready(kube::JsonView node) {
  kube::JsonView conditions = node["status"]["conditions"];
  for (size_t i = 0; conditions.is_array() && i < conditions.size(); ++i) {
    if (conditions[i]["type"].string_value() == "Ready") {
      return conditions[i]["status"].string_value() == "True";
    }
  }
  return false;
}

void EnqueueJobsOn(const kube::SharedInformer* pods, kube::JsonView node,
                   const std::function<void(const std::string&)>& enqueue) {
  absl::StatusOr<std::vector<kube::ObjectPtr>> on_node =
      pods->store().ByIndex(kPodNodeIndex, node["metadata"]["name"].string_value());
  if (!on_node.ok()) return;
  std::set<std::string> jobs;
  for (const kube::ObjectPtr& pod : *on_node) {
    for (std::string& key : kube::OwnerKeys(pod->view(), {.api_group = kube::kPostTrainingJobGroup,
                                                          .kind = kube::kPostTrainingJobKind})) {
      jobs.insert(std::move(key));
    }
  }
  for (const std::string& job : jobs) enqueue(job);
}

}  // namespace

kube::Indexers PodIndexers() {
  return {{kube::kControllerUidIndex, kube::IndexByControllerUid},
          {kPodNodeIndex, IndexByNodeName}};
}

std::shared_ptr<kube::ResourceEventHandler> NodeLostHandler(
    const kube::SharedInformer* pods, std::function<void(const std::string& key)> enqueue) {
  return std::make_shared<kube::FuncEventHandler>(kube::FuncEventHandler::Funcs{
      .on_update =
          [pods, enqueue](const kube::ObjectPtr& before, const kube::ObjectPtr& after) {
            if (Ready(before->view()) && !Ready(after->view())) {
              EnqueueJobsOn(pods, after->view(), enqueue);
            }
          },
      .on_delete = [pods, enqueue](const kube::ObjectPtr& node,
                                   bool) { EnqueueJobsOn(pods, node->view(), enqueue); }});
}

absl::Status CachedClusterView::CheckSynced() const {
  for (const kube::SharedInformer* informer : {pods_, nodes_, leases_}) {
    if (!informer->HasSynced()) {
      return absl::UnavailableError("the operator's pod, node and Lease caches have not synced");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<nlohmann::json>> CachedClusterView::JobPods(
    const kube::PostTrainingJob& job) {
  RETURN_IF_ERROR(CheckSynced());
  ASSIGN_OR_RETURN(std::vector<kube::ObjectPtr> controlled,
                   pods_->store().ByIndex(kube::kControllerUidIndex, job.metadata.uid));
  std::vector<nlohmann::json> pods;
  pods.reserve(controlled.size());
  for (const kube::ObjectPtr& object : controlled) {
    nlohmann::json pod = object->ToJson();
    const nlohmann::json& meta = pod["metadata"];
    const nlohmann::json labels = meta.value("labels", nlohmann::json::object());
    if (meta.value("namespace", "") != job.metadata.namespace_ || !labels.is_object() ||
        labels.value(kube::scheduling::kLabelJobName, "") != job.metadata.name) {
      continue;
    }
    pods.push_back(std::move(pod));
  }
  return pods;
}

absl::StatusOr<std::map<std::string, nlohmann::json>> CachedClusterView::Nodes(
    const std::set<std::string>& names) {
  RETURN_IF_ERROR(CheckSynced());
  std::map<std::string, nlohmann::json> found;
  std::set<std::string> missing;
  for (const std::string& name : names) {
    if (kube::ObjectPtr node = nodes_->store().Get(name); node != nullptr) {
      found[name] = node->ToJson();
    } else {
      missing.insert(name);
    }
  }
  if (missing.empty()) return found;
  ASSIGN_OR_RETURN(auto read, api_.Nodes(missing));
  found.merge(read);
  return found;
}

absl::StatusOr<std::map<std::string, nlohmann::json>> CachedClusterView::NodeLeases(
    const std::set<std::string>& names) {
  RETURN_IF_ERROR(CheckSynced());
  std::map<std::string, nlohmann::json> found;
  for (const std::string& name : names) {
    kube::ObjectPtr lease = leases_->store().Get(kube::JoinKey(kNodeLeaseNamespace, name));
    if (lease != nullptr) found[name] = lease->ToJson();
  }
  return found;
}

}  // namespace flyover::op
