// The form in which the informer cache holds API objects, and the helpers every cache
// component shares: the "namespace/name" key, resourceVersion ordering, and transforms.
//
// An ObjectPtr is an immutable PackedJson shared between the store, every handler that was
// told about it and any caller that read it from a lister. Nobody may change a cached object;
// to modify one, ToJson() it, change the copy and write it to the API server.
//
// Thread-safety: everything here is a pure function or immutable data.
#ifndef FLYOVER_KUBE_CACHE_OBJECT_H_
#define FLYOVER_KUBE_CACHE_OBJECT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/cache/packed_json.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

using ObjectPtr = std::shared_ptr<const PackedJson>;

// Changes a freshly received object before it is cached, e.g. to drop fields no consumer
// reads (client-go's TransformFunc). Runs on the reflector thread; must be thread-compatible
// and must not throw.
using TransformFunc = std::function<void(nlohmann::json& object)>;

// Removes metadata.managedFields, which are large and rarely read by controllers (as
// controller-runtime's TransformStripManagedFields does).
void StripManagedFields(nlohmann::json& object);

// The cache key of an object: "<namespace>/<name>", or "<name>" when the object has no
// namespace (cluster-scoped), as client-go's MetaNamespaceKeyFunc. InvalidArgument when
// metadata.name is missing or empty.
[[nodiscard]] absl::StatusOr<std::string> ObjectKey(JsonView object);

// "<namespace>/<name>" or "<name>" when `namespace_` is empty.
[[nodiscard]] std::string JoinKey(absl::string_view namespace_, absl::string_view name);
// {namespace, name} of a key; the namespace is empty for a cluster-scoped key.
[[nodiscard]] std::pair<std::string, std::string> SplitKey(absl::string_view key);

// metadata.resourceVersion ("" when absent).
[[nodiscard]] absl::string_view ResourceVersionOf(JsonView object);
// metadata.uid ("" when absent).
[[nodiscard]] absl::string_view UidOf(JsonView object);

// A resourceVersion as a number, when it is one. The API calls resourceVersions opaque, but
// every server (etcd's revision, the embedded server's sequence) issues increasing decimal
// integers, and the cache relies on that to drop replayed and stale watch events. Values
// that do not parse disable that check rather than break anything.
[[nodiscard]] std::optional<uint64_t> ParseResourceVersion(absl::string_view rv);

// Applies `transform` (if any) to a copy of `object` and packs it. InvalidArgument if the
// object has no metadata.name or cannot be packed.
[[nodiscard]] absl::StatusOr<ObjectPtr> MakeCachedObject(nlohmann::json object,
                                                         const TransformFunc& transform);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_OBJECT_H_
