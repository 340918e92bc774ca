#include "apiserver/server/response_encoding.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "apiserver/discovery/media_type.h"
#include "apiserver/semantics/api_status_builder.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver {

absl::StatusOr<ReadFormat> ReadFormatOf(const HttpRequest& request) {
  ReadFormat format;
  format.table = discovery::AcceptsTable(request.Header("accept"));
  absl::StatusOr<discovery::IncludeObject> include =
      discovery::ParseIncludeObject(request.Param("includeObject"));
  if (!include.ok()) return ToAbslStatus(BadRequestStatus(include.status().message()));
  format.include_object = *include;
  return format;
}

void ForVersion(const discovery::ResourceInfo& resource, nlohmann::json& object) {
  if (resource.IsCustom() && object.is_object()) object["apiVersion"] = resource.GroupVersion();
}

std::string WarningHeader(absl::string_view message) {
  return absl::StrCat("299 - \"", absl::StrReplaceAll(message, {{"\\", "\\\\"}, {"\"", "\\\""}}),
                      "\"");
}

HttpResponse ObjectResponse(int status, const discovery::ResourceInfo& resource,
                            nlohmann::json object, const ReadFormat& format, absl::Time now,
                            const std::vector<std::string>& warnings) {
  ForVersion(resource, object);
  HttpResponse response =
      format.table ? JsonResponse(status, discovery::RenderTable(resource, {std::move(object)}, now,
                                                                 {format.include_object, true}))
                   : JsonResponse(status, object);
  for (const std::string& warning : warnings) {
    response.headers.emplace_back("Warning", WarningHeader(warning));
  }
  return response;
}

HttpResponse ListResponse(const discovery::ResourceInfo& resource, ListResult list,
                          const ReadFormat& format, absl::Time now) {
  nlohmann::json metadata = {{"resourceVersion", absl::StrCat(list.revision)}};
  if (!list.continue_token.empty()) metadata["continue"] = list.continue_token;
  for (nlohmann::json& item : list.items) ForVersion(resource, item);
  if (format.table) {
    return JsonResponse(200, discovery::RenderTable(resource, list.items, now,
                                                    {format.include_object, true}, metadata));
  }
  // Items are serialised one by one into the body rather than copied into one document.
  std::string body = absl::StrCat("{\"apiVersion\":\"", resource.GroupVersion(), "\",\"items\":[");
  for (size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) body.push_back(',');
    body += kube::DumpJson(list.items[i]);
  }
  absl::StrAppend(&body, "],\"kind\":\"", resource.list_kind,
                  "\",\"metadata\":", kube::DumpJson(metadata), "}");
  return RawJsonResponse(200, std::move(body));
}

}  // namespace flyover::apiserver
