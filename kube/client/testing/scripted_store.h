// ScriptedStore: the in-memory object store behind ScriptedApiServer, with the semantics
// of kube-apiserver that clients depend on:
//   - one global, increasing resourceVersion; every write bumps it and appends a watch
//     event; server-set metadata (uid, resourceVersion, creationTimestamp, generation,
//     generateName);
//   - 404 NotFound, 409 AlreadyExists, 409 Conflict on a stale resourceVersion or a failed
//     delete precondition, 422 Invalid for an update without resourceVersion or an object
//     without a name, 400 for a bad selector, each with a meta/v1 Status body in the
//     apiserver's words;
//   - the status subresource (main-resource writes keep status, status writes keep the
//     rest), JSON merge patch, server-side apply with field ownership (a conflicting apply
//     by another manager is a 409 unless forced), pods/binding, dryRun;
//   - label and field selectors, paginated lists with continue tokens that can be made to
//     expire (410 Expired), and an event log that can be compacted (a watch from before
//     the compaction gets 410 Expired).
// Simplifications: a continued list reads the current state rather than a snapshot;
// apply merges rather than removing fields a manager stopped applying.
//
// Thread-compatible: ScriptedApiServer guards it with its own mutex.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_STORE_H_
#define FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_STORE_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/client/resource.h"
#include "kube/client/watch_decoder.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::testing {

// An HTTP answer: the status code and the JSON body (an object, a list or a Status).
struct StoreResult {
  int code = 200;
  nlohmann::json body;
};

struct StoredEvent {
  int64_t resource_version = 0;
  WatchStreamEventType type = WatchStreamEventType::kAdded;
  nlohmann::json object;
};

struct ListQuery {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;
  std::string continue_token;
};

// A Status body in kube-apiserver's shape.
[[nodiscard]] StoreResult StatusResult(int code, absl::string_view reason,
                                       absl::string_view message,
                                       nlohmann::json details = nullptr);

// Selectors as kube-apiserver parses them: labels "a=b,c!=d,e,!f" ("==" too), fields
// "metadata.name=x,spec.nodeName!=y". InvalidArgument for a malformed selector.
[[nodiscard]] absl::StatusOr<bool> MatchesLabelSelector(const nlohmann::json& object,
                                                        absl::string_view selector);
[[nodiscard]] absl::StatusOr<bool> MatchesFieldSelector(const nlohmann::json& object,
                                                        absl::string_view selector);

class ScriptedStore {
 public:
  ScriptedStore() = default;

  void AddResource(const ResourceDescriptor& resource);
  // nullptr when no such resource was added.
  [[nodiscard]] const ResourceDescriptor* Find(absl::string_view group, absl::string_view version,
                                               absl::string_view plural) const;

  StoreResult Get(const ResourceDescriptor& r, const std::string& ns, const std::string& name) const;
  StoreResult List(const ResourceDescriptor& r, const std::string& ns, const ListQuery& query) const;
  StoreResult Create(const ResourceDescriptor& r, const std::string& ns, nlohmann::json object,
                     bool dry_run);
  StoreResult Update(const ResourceDescriptor& r, const std::string& ns, const std::string& name,
                     nlohmann::json object, absl::string_view subresource, bool dry_run);
  StoreResult MergePatch(const ResourceDescriptor& r, const std::string& ns,
                         const std::string& name, const nlohmann::json& patch,
                         absl::string_view subresource, bool dry_run);
  StoreResult Apply(const ResourceDescriptor& r, const std::string& ns, const std::string& name,
                    const nlohmann::json& object, const std::string& manager, bool force,
                    bool dry_run);
  StoreResult Delete(const ResourceDescriptor& r, const std::string& ns, const std::string& name,
                     const nlohmann::json& options, bool dry_run);
  StoreResult Bind(const std::string& ns, const std::string& pod, const nlohmann::json& binding,
                   bool dry_run);

  // Events of `r` in `ns` ("" = all) after `after`, matching `label_selector`. A version
  // older than the compaction point is a 410 Expired Status (as StoreResult).
  [[nodiscard]] absl::StatusOr<std::vector<StoredEvent>> EventsAfter(
      const ResourceDescriptor& r, const std::string& ns, int64_t after,
      const std::string& label_selector, StoreResult* gone) const;
  // ADDED events for the current objects (a watch from resourceVersion "" or "0").
  [[nodiscard]] std::vector<StoredEvent> CurrentState(const ResourceDescriptor& r,
                                                      const std::string& ns,
                                                      const std::string& label_selector) const;

  [[nodiscard]] int64_t resource_version() const { return rv_; }
  // Forgets every event so far: watches from older versions get 410.
  void Compact() { compacted_ = rv_; }
  // Every continue token issued so far expires (410 Expired).
  void ExpireContinueTokens() { continue_valid_from_ = rv_ + 1; }

 private:
  using Objects = std::map<std::string, nlohmann::json>;  // "ns/name" -> object

  Objects& ObjectsOf(const ResourceDescriptor& r) { return objects_[r.QualifiedName()]; }
  const Objects* ObjectsOf(const ResourceDescriptor& r) const;
  StoreResult Commit(const ResourceDescriptor& r, const std::string& key, nlohmann::json object,
                     WatchStreamEventType type, bool dry_run, int code);
  StoreResult Write(const ResourceDescriptor& r, const std::string& ns, const std::string& name,
                    nlohmann::json updated, absl::string_view subresource, bool dry_run);

  std::map<std::string, const ResourceDescriptor> resources_;  // by group/version/plural
  std::map<std::string, Objects> objects_;                     // by QualifiedName()
  // Apply ownership: object key -> manager -> owned leaf paths.
  std::map<std::string, std::map<std::string, std::set<std::string>>> owners_;
  std::vector<std::pair<std::string, StoredEvent>> log_;       // (QualifiedName, event)
  int64_t rv_ = 1000;
  int64_t compacted_ = 0;
  int64_t continue_valid_from_ = 0;
  int64_t uid_counter_ = 0;
};

}  // namespace flyover::kube::testing

#endif  // FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_STORE_H_
