// RegistryState: the resources the server serves right now, shared by every request.
//
// The registry (apiserver/discovery/resource_registry.h) changes only when a
// CustomResourceDefinition is established or removed; requests read it all the time. So the
// state is an immutable RegistrySnapshot behind a shared_ptr: readers take one and use it for
// the whole request without holding any lock, writers copy, modify and swap. Each snapshot
// caches the documents rendered from it (OpenAPI v2 JSON and protobuf, the v3 index and
// per group-version documents), computed on first use, so kubectl's repeated fetches of the
// multi-megabyte OpenAPI document cost one rendering per registry change.
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_REGISTRY_STATE_H_
#define FLYOVER_APISERVER_SERVER_REGISTRY_STATE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

class RegistrySnapshot {
 public:
  explicit RegistrySnapshot(discovery::ResourceRegistry registry)
      : registry_(std::move(registry)) {}

  const discovery::ResourceRegistry& registry() const { return registry_; }

  // Serialised documents, rendered once per snapshot.
  const std::string& OpenApiV2Json() const ABSL_LOCKS_EXCLUDED(mu_);
  const std::string& OpenApiV2Protobuf() const ABSL_LOCKS_EXCLUDED(mu_);
  const std::string& OpenApiV3Index() const ABSL_LOCKS_EXCLUDED(mu_);
  // NotFound for a group-version the registry does not serve.
  [[nodiscard]] absl::StatusOr<std::string> OpenApiV3(absl::string_view group,
                                                      absl::string_view version) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const nlohmann::json& V2Document() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const discovery::ResourceRegistry registry_;
  mutable absl::Mutex mu_;
  mutable std::optional<nlohmann::json> v2_document_ ABSL_GUARDED_BY(mu_);
  mutable std::optional<std::string> v2_json_ ABSL_GUARDED_BY(mu_);
  mutable std::optional<std::string> v2_protobuf_ ABSL_GUARDED_BY(mu_);
  mutable std::optional<std::string> v3_index_ ABSL_GUARDED_BY(mu_);
  mutable std::map<std::string, std::string> v3_documents_ ABSL_GUARDED_BY(mu_);
};

class RegistryState {
 public:
  // Serves the built-in resources.
  RegistryState();

  std::shared_ptr<const RegistrySnapshot> Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

  // Registers (or re-registers) a CRD's resources; errors as
  // ResourceRegistry::AddCustomResource, leaving the state unchanged.
  [[nodiscard]] absl::Status AddCustomResource(const nlohmann::json& crd) ABSL_LOCKS_EXCLUDED(mu_);
  // Whether AddCustomResource(crd) would succeed, without changing anything.
  [[nodiscard]] absl::Status CheckCustomResource(const nlohmann::json& crd) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Drops a CRD's resources; OK if it had none.
  void RemoveCustomResource(absl::string_view crd_name) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const RegistrySnapshot> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_REGISTRY_STATE_H_
