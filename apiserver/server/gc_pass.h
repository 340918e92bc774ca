// One pass of the garbage collector (garbage_collector.h describes what it does). Internal
// to apiserver/server; separate from the collector's thread so tests can drive it directly.
//
// Thread-safety: a pass is used by one thread; ObjectService is thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_GC_PASS_H_
#define FLYOVER_APISERVER_SERVER_GC_PASS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "apiserver/server/object_service.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

class GcPass {
 public:
  explicit GcPass(ObjectService* objects) : objects_(objects) {}

  // Reads everything, acts, and returns the first error met (acting continues past errors).
  absl::Status Run();

 private:
  struct Entry {
    const discovery::ResourceInfo* resource;
    nlohmann::json object;
    std::string uid;
    std::string namespace_;
    std::string name;
  };

  absl::Status Load();
  void CollectDangling(const Entry& entry);
  void FinishDeletion(const Entry& entry);
  void TerminateNamespace(const Entry& ns);
  void CleanUpCrd(const Entry& crd);
  // Dependents of `owner_uid` among the loaded objects.
  std::vector<const Entry*> DependentsOf(const std::string& owner_uid) const;
  // Whether the owner a reference names exists with that uid (read fresh).
  bool OwnerExists(const nlohmann::json& reference, const std::string& namespace_) const;
  void DeleteObject(const Entry& entry);
  void DropOwnerReferences(const Entry& entry, const absl::flat_hash_set<std::string>& uids);
  void RemoveFinalizer(const Entry& entry, const std::string& finalizer);
  void Note(const absl::Status& status);

  ObjectService* const objects_;
  std::shared_ptr<const RegistrySnapshot> snapshot_;
  std::vector<Entry> entries_;
  absl::flat_hash_set<std::string> uids_;
  absl::Status first_error_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_GC_PASS_H_
