#include "apiserver/server/http_types.h"

#include "kube/api/json_util.h"

namespace flyover::apiserver {

std::string HttpRequest::Param(absl::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? "" : it->second;
}

bool HttpRequest::HasParam(absl::string_view name) const {
  return params.find(std::string(name)) != params.end();
}

std::string HttpRequest::Header(absl::string_view lower_case_name) const {
  auto it = headers.find(std::string(lower_case_name));
  return it == headers.end() ? "" : it->second;
}

HttpResponse JsonResponse(int status, const nlohmann::json& value) {
  return RawJsonResponse(status, kube::DumpJson(value));
}

HttpResponse RawJsonResponse(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse StatusResponse(const nlohmann::json& status) {
  return RawJsonResponse(HttpCode(status), SerializeStatus(status));
}

HttpResponse ErrorResponse(const absl::Status& error, const StatusContext& context) {
  return StatusResponse(StatusFromAbsl(error, context));
}

HttpResponse TextResponse(int status, std::string text) {
  HttpResponse response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = std::move(text);
  return response;
}

}  // namespace flyover::apiserver
