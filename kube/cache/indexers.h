// The usual index functions for a Store (client-go's cache.MetaNamespaceIndexFunc and the
// owner / label indexes controllers build on top).
//
//   store.AddIndexers({{kNamespaceIndex, IndexByNamespace},
//                      {kControllerUidIndex, IndexByControllerUid},
//                      {"label:training.flyover.dev/job-name",
//                       IndexByLabel("training.flyover.dev/job-name")}});
//
// All are pure functions of the object, safe from any thread.
#ifndef FLYOVER_KUBE_CACHE_INDEXERS_H_
#define FLYOVER_KUBE_CACHE_INDEXERS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/cache/packed_json.h"
#include "kube/cache/store.h"

namespace flyover::kube {

inline constexpr char kNamespaceIndex[] = "namespace";
inline constexpr char kControllerUidIndex[] = "controller-uid";
inline constexpr char kLabelsIndex[] = "labels";

// metadata.namespace; nothing for cluster-scoped objects.
std::vector<std::string> IndexByNamespace(JsonView object);

// The uid of the ownerReference with controller=true; nothing when there is none.
std::vector<std::string> IndexByControllerUid(JsonView object);

// One value "<key>=<value>" per label, so that ByIndex(kLabelsIndex, "app=x") finds every
// object labelled app=x.
std::vector<std::string> IndexByLabels(JsonView object);

// The value of label `key`; nothing when the object does not carry it.
IndexFunc IndexByLabel(std::string key);

// The "<key>=<value>" string IndexByLabels indexes under.
std::string LabelIndexValue(absl::string_view key, absl::string_view value);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_INDEXERS_H_
