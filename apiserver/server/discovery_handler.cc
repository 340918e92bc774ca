#include "apiserver/server/discovery_handler.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "apiserver/discovery/discovery.h"
#include "apiserver/discovery/media_type.h"

namespace flyover::apiserver {
namespace {

HttpResponse FromDocument(const absl::StatusOr<nlohmann::json>& document) {
  if (!document.ok()) return ErrorResponse(document.status());
  return JsonResponse(200, *document);
}

HttpResponse RootDocument(const HttpRequest& request, const RegistrySnapshot& snapshot,
                          bool legacy) {
  const discovery::ResourceRegistry& registry = snapshot.registry();
  if (discovery::AcceptsAggregatedDiscovery(request.Header("accept"))) {
    HttpResponse response = JsonResponse(
        200,
        discovery::AggregatedDiscoveryDocument(registry, legacy ? discovery::DiscoveryRoot::kLegacy
                                                                : discovery::DiscoveryRoot::kApis));
    response.content_type = discovery::kAggregatedDiscoveryContentType;
    return response;
  }
  return JsonResponse(200, legacy ? discovery::ApiVersionsDocument(registry, request.Header("host"))
                                  : discovery::ApiGroupListDocument(registry));
}

std::optional<HttpResponse> OpenApi(const HttpRequest& request, const RegistrySnapshot& snapshot,
                                    const std::vector<std::string>& parts) {
  if (parts.size() == 2 && parts[1] == "v2") {
    if (discovery::AcceptsOpenApiV2Protobuf(request.Header("accept"))) {
      HttpResponse response = RawJsonResponse(200, snapshot.OpenApiV2Protobuf());
      response.content_type = discovery::kOpenApiV2ProtobufContentType;
      return response;
    }
    return RawJsonResponse(200, snapshot.OpenApiV2Json());
  }
  if (parts.size() < 2 || parts[1] != "v3") return std::nullopt;
  if (parts.size() == 2) return RawJsonResponse(200, snapshot.OpenApiV3Index());
  absl::StatusOr<std::string> document = absl::NotFoundError("no such OpenAPI document");
  if (parts.size() == 4 && parts[2] == "api") {
    document = snapshot.OpenApiV3("", parts[3]);
  } else if (parts.size() == 5 && parts[2] == "apis") {
    document = snapshot.OpenApiV3(parts[3], parts[4]);
  }
  if (!document.ok()) return ErrorResponse(document.status());
  return RawJsonResponse(200, *std::move(document));
}

}  // namespace

std::optional<HttpResponse> ServeDiscovery(const HttpRequest& request,
                                           const RegistrySnapshot& snapshot) {
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  const std::vector<std::string> parts = absl::StrSplit(request.path, '/', absl::SkipEmpty());
  if (parts.empty()) return std::nullopt;
  const discovery::ResourceRegistry& registry = snapshot.registry();
  if (parts[0] == "version" && parts.size() == 1) {
    return JsonResponse(200, discovery::VersionDocument());
  }
  if (parts[0] == "openapi") return OpenApi(request, snapshot, parts);
  if (parts[0] == "api") {
    if (parts.size() == 1) return RootDocument(request, snapshot, /*legacy=*/true);
    if (parts.size() == 2) {
      return FromDocument(discovery::ApiResourceListDocument(registry, "", parts[1]));
    }
    return std::nullopt;
  }
  if (parts[0] == "apis") {
    if (parts.size() == 1) return RootDocument(request, snapshot, /*legacy=*/false);
    if (parts.size() == 2) return FromDocument(discovery::ApiGroupDocument(registry, parts[1]));
    if (parts.size() == 3) {
      return FromDocument(discovery::ApiResourceListDocument(registry, parts[1], parts[2]));
    }
  }
  return std::nullopt;
}

}  // namespace flyover::apiserver
