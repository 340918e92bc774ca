#include "apiserver/server/apply_handler.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/field_manager.h"
#include "apiserver/server/apply_options.h"
#include "apiserver/server/apply_schema.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/patch.h"
#include "apiserver/server/request_options.h"
#include "apiserver/server/response_encoding.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

std::string StringMember(const json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The configuration must name the resource's apiVersion and kind, as kube-apiserver
// requires of an apply patch.
absl::Status CheckTypeMeta(const discovery::ResourceInfo& resource, const json& config) {
  const std::string api_version = StringMember(config, "apiVersion");
  const std::string kind = StringMember(config, "kind");
  if (api_version.empty() || kind.empty()) {
    return ToAbslStatus(BadRequestStatus(
        "invalid apply configuration: apiVersion and kind must be set (Object 'Kind' is "
        "missing)"));
  }
  if (api_version != resource.GroupVersion()) {
    return ToAbslStatus(BadRequestStatus(absl::StrCat(
        "Incorrect version specified in apply patch. Specified patch version: ", api_version,
        ", expected: ", resource.GroupVersion())));
  }
  if (kind != resource.kind) {
    return ToAbslStatus(BadRequestStatus(absl::StrCat(
        "Incorrect kind specified in apply patch. Specified patch kind: ", kind,
        ", expected: ", resource.kind)));
  }
  return absl::OkStatus();
}

struct ApplyPlan {
  json config;
  PatchOwnership ownership;
  WriteOptions write;
};

absl::StatusOr<ApplyPlan> PlanApply(const ApplyCall& call) {
  ApplyPlan plan;
  ASSIGN_OR_RETURN(ParsedPatch patch, ParsePatch(call.resource, call.request.Header("content-type"),
                                                 call.request.body));
  plan.config = std::move(patch.body);
  ASSIGN_OR_RETURN(plan.ownership, ParsePatchOwnership(call.request, /*apply=*/true));
  ASSIGN_OR_RETURN(plan.write, ParseWriteOptions(call.request));
  RETURN_IF_ERROR(CheckTypeMeta(call.resource, plan.config));
  return plan;
}

}  // namespace

bool IsApplyPatch(const HttpRequest& request) {
  std::string media = request.Header("content-type");
  media = absl::AsciiStrToLower(absl::StripAsciiWhitespace(media.substr(0, media.find(';'))));
  return media == "application/apply-patch+yaml";
}

HttpResponse ServeApply(const ApplyCall& call) {
  const StatusContext context{ToGroupResource(call.resource), call.info.name};
  absl::StatusOr<ApplyPlan> plan = PlanApply(call);
  if (!plan.ok()) return ErrorResponse(plan.status(), context);
  const std::unique_ptr<FieldSchema> schema = FieldSchemaFor(call.resource);
  const FieldManagerRequest request =
      FieldManagerRequestFor(call.resource, call.info.subresource,
                             plan->ownership.field_manager, call.now, schema.get());
  const bool force = plan->ownership.force;
  const json& config = plan->config;
  absl::StatusOr<WriteResult> written = call.objects.Update(
      call.resource, call.info.namespace_name, call.info.name, call.info.subresource,
      [&](const json& live) { return ServerSideApply(live, config, request, force); },
      plan->write);
  int code = 200;
  if (absl::IsNotFound(written.status()) && call.info.subresource.empty()) {
    absl::StatusOr<json> created = ServerSideApply(json::object(), config, request, force);
    if (!created.ok()) return ErrorResponse(created.status(), context);
    const std::string name = MetaString(*created, "name");
    if (!name.empty() && name != call.info.name) {
      return ErrorResponse(ToAbslStatus(BadRequestStatus(
                               absl::StrCat("the name of the object (", name,
                                            ") does not match the name on the URL (",
                                            call.info.name, ")"))),
                           context);
    }
    Metadata(*created)["name"] = call.info.name;
    written = call.objects.Create(call.resource, call.info.namespace_name, *std::move(created),
                                  plan->write);
    code = 201;
  }
  if (!written.ok()) return ErrorResponse(written.status(), context);
  return ObjectResponse(code, call.resource, std::move(written->object), {}, call.now,
                        written->warnings);
}

}  // namespace flyover::apiserver
