// The metadata chores of an API server on objects held as JSON: where an object is stored,
// the resourceVersion it is served with, server-assigned identity (uid, creation time,
// generateName suffixes) and the lifecycle fields (deletionTimestamp, finalizers).
//
// Objects are stored without metadata.resourceVersion (apiserver/storage/store.h says why):
// ForStorage() drops it and Served() sets it from the storage revision, so that every
// object a client sees carries the revision of its latest change.
//
// Thread-safety: free functions; NewUid() and GenerateNameSuffix() use a locked generator.
#ifndef FLYOVER_APISERVER_SERVER_OBJECT_META_H_
#define FLYOVER_APISERVER_SERVER_OBJECT_META_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/store.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

// The storage's name for a resource: "pods", "posttrainingjobs.training.flyover.dev".
std::string StorageResource(const discovery::ResourceInfo& resource);
GroupResource ToGroupResource(const discovery::ResourceInfo& resource);
GroupKind ToGroupKind(const discovery::ResourceInfo& resource);

// The storage key of an object; the namespace is dropped for cluster-scoped resources.
storage::ObjectKey KeyFor(const discovery::ResourceInfo& resource, absl::string_view namespace_,
                          absl::string_view name);

// metadata, created as {} when absent or not an object.
nlohmann::json& Metadata(nlohmann::json& object);
// A string member of metadata, or "" when absent or not a string.
std::string MetaString(const nlohmann::json& object, absl::string_view field);
// metadata.finalizers as strings (non-strings skipped).
std::vector<std::string> Finalizers(const nlohmann::json& object);
bool HasDeletionTimestamp(const nlohmann::json& object);

// Removes the elements of the JSON array `list` for which `drop` is true (no-op for
// non-arrays).
void EraseIf(nlohmann::json& list, const std::function<bool(const nlohmann::json&)>& drop);

// Parses stored bytes and sets metadata.resourceVersion to `revision`.
[[nodiscard]] absl::StatusOr<nlohmann::json> Served(const storage::StoredObject& stored);
// The object with metadata.resourceVersion = `revision` (as a decimal string).
void SetResourceVersion(nlohmann::json& object, int64_t revision);
// metadata.resourceVersion parsed; nullopt when absent or empty; InvalidArgument when it
// is not a positive decimal number.
[[nodiscard]] absl::StatusOr<std::optional<int64_t>> ResourceVersionOf(
    const nlohmann::json& object);
// Parses a resourceVersion query parameter or field ("" is nullopt).
[[nodiscard]] absl::StatusOr<std::optional<int64_t>> ParseResourceVersion(absl::string_view text);
// The bytes to store: the object without metadata.resourceVersion (and selfLink).
std::string ForStorage(nlohmann::json object);

// A storage error as the Status to answer for the object `name` of `resource`: NotFound,
// AlreadyExists, Conflict (kOptimisticLockErrorMessage for a failed precondition), Expired.
// Errors already carrying a Status payload pass through unchanged.
[[nodiscard]] absl::Status StorageError(const absl::Status& error, const GroupResource& resource,
                                        absl::string_view name);

// Waits (polling, up to `timeout`) for the store to reach `revision`; false on timeout.
// kube-apiserver waits like this for a resourceVersion newer than its cache.
bool AwaitRevision(storage::Store& store, int64_t revision,
                   absl::Duration timeout = absl::Seconds(3));

// RFC 3339 UTC with second precision, as metav1.Time serialises.
std::string Timestamp(absl::Time time);
// A random (version 4) UUID.
std::string NewUid();
// Five characters from kube's generateName alphabet (no vowels, no look-alikes).
std::string GenerateNameSuffix();

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_OBJECT_META_H_
