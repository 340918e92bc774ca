#include "apiserver/server/registry_state.h"

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/openapi.h"
#include "apiserver/discovery/openapi_proto.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver {

const nlohmann::json& RegistrySnapshot::V2Document() const {
  if (!v2_document_) v2_document_ = discovery::OpenApiV2Document(registry_);
  return *v2_document_;
}

const std::string& RegistrySnapshot::OpenApiV2Json() const {
  absl::MutexLock lock(&mu_);
  if (!v2_json_) v2_json_ = kube::DumpJson(V2Document());
  return *v2_json_;
}

const std::string& RegistrySnapshot::OpenApiV2Protobuf() const {
  absl::MutexLock lock(&mu_);
  if (!v2_protobuf_) v2_protobuf_ = discovery::OpenApiV2Protobuf(V2Document());
  return *v2_protobuf_;
}

const std::string& RegistrySnapshot::OpenApiV3Index() const {
  absl::MutexLock lock(&mu_);
  if (!v3_index_) v3_index_ = kube::DumpJson(discovery::OpenApiV3Index(registry_));
  return *v3_index_;
}

absl::StatusOr<std::string> RegistrySnapshot::OpenApiV3(absl::string_view group,
                                                        absl::string_view version) const {
  const std::string key = absl::StrCat(group, "/", version);
  absl::MutexLock lock(&mu_);
  auto it = v3_documents_.find(key);
  if (it != v3_documents_.end()) return it->second;
  absl::StatusOr<nlohmann::json> document = discovery::OpenApiV3Document(registry_, group, version);
  if (!document.ok()) return document.status();
  return v3_documents_.emplace(key, kube::DumpJson(*document)).first->second;
}

RegistryState::RegistryState()
    : current_(std::make_shared<RegistrySnapshot>(discovery::ResourceRegistry::WithBuiltins())) {}

std::shared_ptr<const RegistrySnapshot> RegistryState::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

absl::Status RegistryState::AddCustomResource(const nlohmann::json& crd) {
  absl::MutexLock lock(&mu_);
  discovery::ResourceRegistry next = current_->registry();
  if (absl::Status status = next.AddCustomResource(crd); !status.ok()) return status;
  current_ = std::make_shared<RegistrySnapshot>(std::move(next));
  return absl::OkStatus();
}

absl::Status RegistryState::CheckCustomResource(const nlohmann::json& crd) const {
  discovery::ResourceRegistry copy = Snapshot()->registry();
  return copy.AddCustomResource(crd);
}

void RegistryState::RemoveCustomResource(absl::string_view crd_name) {
  absl::MutexLock lock(&mu_);
  discovery::ResourceRegistry next = current_->registry();
  if (!next.RemoveCustomResource(crd_name).ok()) return;
  current_ = std::make_shared<RegistrySnapshot>(std::move(next));
}

}  // namespace flyover::apiserver
