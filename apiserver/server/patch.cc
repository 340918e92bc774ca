#include "apiserver/server/patch.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/json_body.h"
#include "apiserver/semantics/json_patch.h"
#include "apiserver/semantics/merge_patch.h"
#include "apiserver/semantics/strategic_merge_patch.h"
#include "apiserver/semantics/strategic_merge_schema.h"
#include "apiserver/server/object_meta.h"
#include "common/status.h"
#include "kube/api/yaml.h"

namespace flyover::apiserver {
namespace {

const std::vector<std::string>& AcceptedPatchTypes() {
  static const auto* types = new std::vector<std::string>{
      "application/json-patch+json", "application/merge-patch+json",
      "application/strategic-merge-patch+json", "application/apply-patch+yaml"};
  return *types;
}

absl::StatusOr<nlohmann::json> ParseApplyBody(absl::string_view body) {
  absl::StatusOr<std::vector<nlohmann::json>> documents = kube::ParseYamlDocuments(body);
  if (!documents.ok()) {
    return ToAbslStatus(
        BadRequestStatus(absl::StrCat("error decoding YAML: ", documents.status().message())));
  }
  if (documents->size() != 1 || !(*documents)[0].is_object()) {
    return ToAbslStatus(BadRequestStatus("an apply patch must be exactly one object"));
  }
  return std::move((*documents)[0]);
}

}  // namespace

absl::StatusOr<ParsedPatch> ParsePatch(const discovery::ResourceInfo& resource,
                                       absl::string_view content_type, absl::string_view body) {
  std::string media(absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
  absl::AsciiStrToLower(&media);
  ParsedPatch patch;
  if (media == "application/json-patch+json") {
    patch.type = PatchType::kJson;
  } else if (media == "application/merge-patch+json") {
    patch.type = PatchType::kMerge;
  } else if (media == "application/strategic-merge-patch+json") {
    const GroupKind kind = ToGroupKind(resource);
    if (!SupportsStrategicMergePatch(kind)) return StrategicMergePatchUnsupportedError(kind);
    patch.type = PatchType::kStrategic;
  } else if (media == "application/apply-patch+yaml") {
    patch.type = PatchType::kApply;
    ASSIGN_OR_RETURN(patch.body, ParseApplyBody(body));
    return patch;
  } else {
    return ToAbslStatus(UnsupportedMediaTypeStatus(AcceptedPatchTypes()));
  }
  ASSIGN_OR_RETURN(patch.body, ParseJsonBody(body, "patch"));
  return patch;
}

absl::StatusOr<nlohmann::json> ApplyPatch(const discovery::ResourceInfo& resource,
                                          const ParsedPatch& patch, const nlohmann::json& current) {
  const GroupKind kind = ToGroupKind(resource);
  switch (patch.type) {
    case PatchType::kJson:
      return ApplyJsonPatch(current, patch.body);
    case PatchType::kMerge:
      return ApplyMergePatch(current, patch.body);
    case PatchType::kStrategic:
      return ApplyStrategicMergePatch(current, patch.body, kind);
    case PatchType::kApply:
      // Applying without a manager would drop field ownership: apply_handler.h does it.
      return absl::InternalError("server-side apply is served by ServeApply, not ApplyPatch");
  }
  return current;
}

}  // namespace flyover::apiserver
