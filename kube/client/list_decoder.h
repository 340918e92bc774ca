// Decoding a list response: {"kind":"PodList","apiVersion":"v1","metadata":
// {"resourceVersion":"123","continue":"...","remainingItemCount":7},"items":[...]}.
//
// Items are moved out of the parsed document, not copied. Typed list items come without
// apiVersion and kind (Go omits them); like client-go's dynamic client, the decoder fills
// them in from the list's own (kind minus the "List" suffix), so every item is a complete
// object for caches and codecs.
//
// Errors: DataLoss for a body that is not a JSON list object (a truncated or corrupt
// response). Thread-safety: pure functions.
#ifndef FLYOVER_KUBE_CLIENT_LIST_DECODER_H_
#define FLYOVER_KUBE_CLIENT_LIST_DECODER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

struct ObjectList {
  std::vector<nlohmann::json> items;
  // The list's resourceVersion: watch from here to follow changes after this list.
  std::string resource_version;
  // Non-empty when more pages follow (a limited list).
  std::string continue_token;
  std::optional<int64_t> remaining_item_count;
};

[[nodiscard]] absl::StatusOr<ObjectList> DecodeList(absl::string_view body);

// The same, from an already parsed document (consumed).
[[nodiscard]] absl::StatusOr<ObjectList> DecodeListDocument(nlohmann::json document);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_LIST_DECODER_H_
