// Object keys and values as the API server's storage sees them, and their validation.
//
// An object is addressed by (resource, namespace, name): resource is the plural resource name,
// qualified by its API group unless it is in the core group ("pods",
// "posttrainingjobs.training.flyover.dev"); namespace is "" for cluster-scoped objects. The
// storage encodes the key as "/<resource>/<namespace>/<name>" (cluster-scoped:
// "/<resource>//<name>"), so that every object of a resource, and every object of a resource in
// one namespace, is a contiguous range of encoded keys ("/pods/", "/pods/default/").
//
// Values are opaque bytes (the object's JSON), 1 byte to kMaxValueBytes long.
//
// Validation is about what the storage can hold unambiguously, not about Kubernetes naming
// rules (the registry above checks DNS names per resource): components must not contain '/'
// or NUL, and are bounded in length so that a key stays small. Errors are InvalidArgument and
// name the field: "name: must not be empty".
//
// Thread-safety: all functions are pure.
#ifndef FLYOVER_APISERVER_STORAGE_KEYS_H_
#define FLYOVER_APISERVER_STORAGE_KEYS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::apiserver::storage {

// Limits on the parts of a key (bytes) and on a value, the latter as kube-apiserver's default
// request size limit for etcd (3 MiB).
inline constexpr size_t kMaxResourceBytes = 253;
inline constexpr size_t kMaxNamespaceBytes = 253;
inline constexpr size_t kMaxNameBytes = 253;
inline constexpr size_t kMaxValueBytes = 3 * 1024 * 1024;

struct ObjectKey {
  std::string resource;
  std::string namespace_;  // "" for cluster-scoped objects
  std::string name;

  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
};

// "<resource> <namespace>/<name>" or "<resource> <name>", for messages.
std::string DescribeKey(const ObjectKey& key);

// OK if every part fits the rules above; otherwise InvalidArgument naming "resource",
// "namespace" or "name".
[[nodiscard]] absl::Status ValidateKey(const ObjectKey& key);
// The resource and namespace rules alone, for lists and watches ("" namespace = all).
[[nodiscard]] absl::Status ValidateScope(absl::string_view resource, absl::string_view namespace_);
// OK for 1..kMaxValueBytes bytes; otherwise InvalidArgument naming "value".
[[nodiscard]] absl::Status ValidateValue(absl::string_view value);

// The encoded key of a valid ObjectKey.
std::string EncodeKey(const ObjectKey& key);
// The inverse of EncodeKey; InvalidArgument for a string EncodeKey cannot produce.
[[nodiscard]] absl::StatusOr<ObjectKey> DecodeKey(absl::string_view encoded);

// The encoded-key prefix of every object of `resource` in `namespace_` ("" = all namespaces,
// or all of a cluster-scoped resource): "/pods/" or "/pods/default/".
std::string ScopePrefix(absl::string_view resource, absl::string_view namespace_);
// The smallest string greater than every string that starts with `prefix` (non-empty, not
// ending in 0xff), so that a prefix range is [prefix, PrefixEnd(prefix)).
std::string PrefixEnd(absl::string_view prefix);

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_KEYS_H_
