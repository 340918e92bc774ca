// libFuzzer target over the request-semantics functions.
//
// The whole input is a label selector and a field selector; split at its first newline it
// is also a JSON document and a JSON patch, fed to the merge, JSON and strategic merge
// patch functions. Crashes, leaks and undefined behaviour are findings; so are:
//   - a parsed label selector whose canonical text does not parse to the same selector;
//   - a merge patch that is not idempotent (RFC 7386 patches are);
//   - a strategic merge patch that leaves a directive in a result whose input had none;
//   - an error whose Status does not serialise to JSON with a 4xx/5xx code.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/field_selector.h"
#include "apiserver/semantics/json_body.h"
#include "apiserver/semantics/json_patch.h"
#include "apiserver/semantics/label_selector.h"
#include "apiserver/semantics/merge_patch.h"
#include "apiserver/semantics/strategic_merge_patch.h"

namespace {

using flyover::apiserver::GroupKind;
using nlohmann::json;

void CheckError(const absl::Status& status) {
  if (status.ok()) return;
  const json object = flyover::apiserver::StatusFromAbsl(status);
  const int code = flyover::apiserver::HttpCode(object);
  if (code < 400 || code > 599) std::abort();
  // Messages may quote user bytes that are not UTF-8; serialisation replaces those, so
  // compare what must survive rather than the whole object.
  json reparsed = json::parse(flyover::apiserver::SerializeStatus(object), nullptr, false);
  if (!reparsed.is_object() || flyover::apiserver::HttpCode(reparsed) != code ||
      reparsed.value("kind", "") != "Status") {
    std::abort();
  }
}

bool HasDirectiveKey(const json& value) {
  std::vector<const json*> pending = {&value};
  while (!pending.empty()) {
    const json* at = pending.back();
    pending.pop_back();
    if (at->is_object()) {
      for (const auto& [key, member] : at->items()) {
        if (key == "$patch" || key == "$retainKeys" ||
            absl::StartsWith(key, "$setElementOrder/") ||
            absl::StartsWith(key, "$deleteFromPrimitiveList/")) {
          return true;
        }
        pending.push_back(&member);
      }
    } else if (at->is_array()) {
      for (const json& element : *at) pending.push_back(&element);
    }
  }
  return false;
}

void FuzzSelectors(absl::string_view text, const json* document) {
  absl::StatusOr<flyover::apiserver::LabelSelector> labels =
      flyover::apiserver::LabelSelector::Parse(text);
  CheckError(labels.status());
  if (labels.ok()) {
    auto again = flyover::apiserver::LabelSelector::Parse(labels->String());
    if (!again.ok() || again->requirements() != labels->requirements()) std::abort();
    if (document != nullptr) (void)labels->MatchesObject(*document);
  }
  for (const char* resource : {"pods", "configmaps"}) {
    auto fields = flyover::apiserver::FieldSelector::Parse(text, {"", resource});
    CheckError(fields.status());
    if (fields.ok() && document != nullptr) (void)fields->Matches(*document);
  }
}

void FuzzPatches(const json& document, const json& patch) {
  absl::StatusOr<json> merged = flyover::apiserver::ApplyMergePatch(document, patch);
  CheckError(merged.status());
  if (merged.ok()) {
    absl::StatusOr<json> twice = flyover::apiserver::ApplyMergePatch(*merged, patch);
    if (!twice.ok() || *twice != *merged) std::abort();
  }
  CheckError(flyover::apiserver::ApplyJsonPatch(
                 document, patch, {.max_operations = 64, .max_copied_values = 4096})
                 .status());
  for (const GroupKind& kind : {GroupKind{"", "Pod"}, GroupKind{"apps", "Deployment"},
                                GroupKind{"training.flyover.dev", "PostTrainingJob"}}) {
    absl::StatusOr<json> result =
        flyover::apiserver::ApplyStrategicMergePatch(document, patch, kind);
    CheckError(result.status());
    if (result.ok() && !HasDirectiveKey(document) && HasDirectiveKey(*result)) std::abort();
  }
  CheckError(flyover::apiserver::LabelSelector::FromJson(patch).status());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  absl::StatusOr<json> document = absl::InvalidArgumentError("no document");
  absl::StatusOr<json> patch = absl::InvalidArgumentError("no patch");
  if (newline != absl::string_view::npos) {
    document = flyover::apiserver::ParseJsonBody(input.substr(0, newline), "object");
    patch = flyover::apiserver::ParseJsonBody(input.substr(newline + 1), "patch");
    CheckError(document.status());
  }
  FuzzSelectors(input, document.ok() ? &*document : nullptr);
  if (document.ok() && patch.ok()) FuzzPatches(*document, *patch);
  return 0;
}
