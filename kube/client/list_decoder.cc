#include "kube/client/list_decoder.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

std::string StringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

absl::StatusOr<ObjectList> DecodeList(absl::string_view body) {
  json document;
  try {
    document = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    document = json(json::value_t::discarded);
  }
  if (document.is_discarded()) {
    return absl::DataLossError(absl::StrCat("list response is not valid JSON (", body.size(),
                                            " bytes)"));
  }
  return DecodeListDocument(std::move(document));
}

absl::StatusOr<ObjectList> DecodeListDocument(json document) {
  if (!document.is_object()) return absl::DataLossError("list response is not a JSON object");
  ObjectList result;
  if (auto metadata = document.find("metadata");
      metadata != document.end() && metadata->is_object()) {
    result.resource_version = StringAt(*metadata, "resourceVersion");
    result.continue_token = StringAt(*metadata, "continue");
    auto remaining = metadata->find("remainingItemCount");
    if (remaining != metadata->end() && remaining->is_number_integer()) {
      result.remaining_item_count = remaining->get<int64_t>();
    }
  }
  auto items = document.find("items");
  if (items == document.end() || items->is_null()) return result;
  if (!items->is_array()) return absl::DataLossError("list response: items is not an array");
  result.items = std::move(items->get_ref<json::array_t&>());

  const std::string list_kind = StringAt(document, "kind");
  const std::string api_version = StringAt(document, "apiVersion");
  absl::string_view kind = list_kind;
  const bool fill = absl::ConsumeSuffix(&kind, "List") && !kind.empty();
  for (json& item : result.items) {
    if (!item.is_object()) {
      return absl::DataLossError("list response: an item is not a JSON object");
    }
    if (!fill) continue;
    if (!item.contains("kind")) item["kind"] = std::string(kind);
    if (!item.contains("apiVersion") && !api_version.empty()) item["apiVersion"] = api_version;
  }
  return result;
}

}  // namespace flyover::kube
