#include "operator/pod_expectations.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace flyover::op {

PodMark PodMarkOf(const nlohmann::json& pod) {
  const nlohmann::json meta = pod.value("metadata", nlohmann::json::object());
  return {.key = absl::StrCat(meta.value("namespace", ""), "/", meta.value("name", "")),
          .uid = meta.value("uid", ""),
          .being_deleted = meta.contains("deletionTimestamp")};
}

PodMark PodMarkOf(kube::JsonView pod) {
  const kube::JsonView meta = pod["metadata"];
  return {.key = absl::StrCat(meta["namespace"].string_value(), "/", meta["name"].string_value()),
          .uid = std::string(meta["uid"].string_value()),
          .being_deleted = meta.contains("deletionTimestamp")};
}

void PodExpectations::ExpectCreations(const std::string& job_id,
                                      const std::vector<std::string>& keys, absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (const std::string& key : keys) creations_[key] = {.job_id = job_id, .since = now};
}

void PodExpectations::ExpectDeletions(const std::string& job_id,
                                      const std::vector<std::string>& uids, bool until_gone,
                                      absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (const std::string& uid : uids) {
    deletions_[uid] = {.job_id = job_id, .since = now, .until_gone = until_gone};
  }
}

void PodExpectations::ObserveAdd(const PodMark& pod) {
  absl::MutexLock lock(&mu_);
  creations_.erase(pod.key);
}

void PodExpectations::ObserveUpdate(const PodMark& pod) {
  absl::MutexLock lock(&mu_);
  creations_.erase(pod.key);
  if (!pod.being_deleted) return;
  auto it = deletions_.find(pod.uid);
  if (it != deletions_.end() && !it->second.until_gone) deletions_.erase(it);
}

void PodExpectations::ObserveDelete(const PodMark& pod) {
  absl::MutexLock lock(&mu_);
  creations_.erase(pod.key);
  deletions_.erase(pod.uid);
}

bool PodExpectations::Satisfied(const std::string& job_id, const std::vector<nlohmann::json>& pods,
                                absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::flat_hash_map<std::string, bool> listed;  // uid -> being deleted
  for (const nlohmann::json& pod : pods) {
    PodMark mark = PodMarkOf(pod);
    creations_.erase(mark.key);
    listed[std::move(mark.uid)] = mark.being_deleted;
  }
  absl::erase_if(deletions_, [&](const auto& entry) {
    if (entry.second.job_id != job_id) return false;
    auto it = listed.find(entry.first);
    return it == listed.end() || (it->second && !entry.second.until_gone);
  });
  bool satisfied = true;
  const auto pending = [&](const std::string& owner, absl::Time since, const std::string& what) {
    if (owner != job_id) return false;
    if (now - since < ttl_) {
      satisfied = false;
      return false;
    }
    log::Warn("dropping an expectation the pod cache never confirmed",
              {{"job", job_id}, {"pod", what}});
    return true;
  };
  absl::erase_if(creations_, [&](const auto& entry) {
    return pending(entry.second.job_id, entry.second.since, entry.first);
  });
  absl::erase_if(deletions_, [&](const auto& entry) {
    return pending(entry.second.job_id, entry.second.since, "uid " + entry.first);
  });
  return satisfied;
}

void PodExpectations::Forget(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  absl::erase_if(creations_, [&](const auto& entry) { return entry.second.job_id == job_id; });
  absl::erase_if(deletions_, [&](const auto& entry) { return entry.second.job_id == job_id; });
}

std::shared_ptr<kube::ResourceEventHandler> PodExpectations::Handler() {
  return std::make_shared<kube::FuncEventHandler>(kube::FuncEventHandler::Funcs{
      .on_add = [this](const kube::ObjectPtr& pod,
                       bool) { ObserveAdd(PodMarkOf(pod->view())); },
      .on_update = [this](const kube::ObjectPtr&,
                          const kube::ObjectPtr& pod) { ObserveUpdate(PodMarkOf(pod->view())); },
      .on_delete = [this](const kube::ObjectPtr& pod,
                          bool) { ObserveDelete(PodMarkOf(pod->view())); }});
}

}  // namespace flyover::op
