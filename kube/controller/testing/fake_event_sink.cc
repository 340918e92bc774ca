#include "kube/controller/testing/fake_event_sink.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::kube {
namespace {

std::string KeyOf(absl::string_view ns, absl::string_view name) {
  return absl::StrCat(ns, "/", name);
}

std::string MetadataString(const nlohmann::json& object, const char* field) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto value = metadata->find(field);
  return value != metadata->end() && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace

absl::StatusOr<nlohmann::json> FakeEventSink::Create(const nlohmann::json& event) {
  absl::MutexLock lock(&mu_);
  ++creates_;
  if (absl::Status failure = NextFailure(); !failure.ok()) return failure;
  const std::string key = KeyOf(MetadataString(event, "namespace"), MetadataString(event, "name"));
  if (events_.contains(key)) return absl::AlreadyExistsError(absl::StrCat(key, " exists"));
  nlohmann::json stored = event;
  stored["metadata"]["resourceVersion"] = absl::StrCat(++version_);
  events_[key] = stored;
  return stored;
}

absl::StatusOr<nlohmann::json> FakeEventSink::Patch(absl::string_view ns, absl::string_view name,
                                                    const nlohmann::json& patch) {
  absl::MutexLock lock(&mu_);
  ++patches_;
  if (absl::Status failure = NextFailure(); !failure.ok()) return failure;
  auto it = events_.find(KeyOf(ns, name));
  if (it == events_.end()) {
    return absl::NotFoundError(absl::StrCat("event ", KeyOf(ns, name), " not found"));
  }
  it->second.merge_patch(patch);
  it->second["metadata"]["resourceVersion"] = absl::StrCat(++version_);
  return it->second;
}

void FakeEventSink::FailNext(absl::Status error, int times) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < times; ++i) failures_.push_back(error);
}

void FakeEventSink::Remove(const std::string& ns, const std::string& name) {
  absl::MutexLock lock(&mu_);
  events_.erase(KeyOf(ns, name));
}

std::map<std::string, nlohmann::json> FakeEventSink::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

std::optional<nlohmann::json> FakeEventSink::Get(const std::string& ns,
                                                 const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = events_.find(KeyOf(ns, name));
  if (it == events_.end()) return std::nullopt;
  return it->second;
}

int FakeEventSink::creates() const {
  absl::MutexLock lock(&mu_);
  return creates_;
}

int FakeEventSink::patches() const {
  absl::MutexLock lock(&mu_);
  return patches_;
}

absl::Status FakeEventSink::NextFailure() {
  if (failures_.empty()) return absl::OkStatus();
  absl::Status failure = std::move(failures_.front());
  failures_.pop_front();
  return failure;
}

}  // namespace flyover::kube
