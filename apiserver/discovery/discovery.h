// The discovery documents kubectl reads before anything else (README.md in this directory
// lists who fetches what):
//   GET /version                 VersionDocument
//   GET /api                     ApiVersionsDocument       (kind APIVersions)
//   GET /api/v1, /apis/<g>/<v>   ApiResourceListDocument   (kind APIResourceList)
//   GET /apis                    ApiGroupListDocument      (kind APIGroupList)
//   GET /apis/<g>                ApiGroupDocument          (kind APIGroup)
//   GET /api, /apis with an Accept that AcceptsAggregatedDiscovery():
//                                AggregatedDiscoveryDocument, served with
//                                Content-Type kAggregatedDiscoveryContentType (media_type.h)
// Each function renders a registry snapshot; NotFound for an unknown group or version
// (the server answers 404 with a Status object). Pure functions.
#ifndef FLYOVER_APISERVER_DISCOVERY_DISCOVERY_H_
#define FLYOVER_APISERVER_DISCOVERY_DISCOVERY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

// The Kubernetes release the server presents itself as. 1.31 keeps kubectl 1.30-1.32 within
// the supported skew (no warning from `kubectl version`); older clients such as 1.20 do
// not check skew. The build metadata after '+' marks the server as Flyover's.
struct ServerVersion {
  std::string major = "1";
  std::string minor = "31";
  std::string git_version = "v1.31.0+flyover";
  std::string git_commit;
  std::string build_date = "1970-01-01T00:00:00Z";
  std::string platform = "linux/amd64";
};

nlohmann::json VersionDocument(const ServerVersion& version = {});

// `server_address` ("host:port") is what clients are told to use for the core group.
nlohmann::json ApiVersionsDocument(const ResourceRegistry& registry,
                                   absl::string_view server_address);

nlohmann::json ApiGroupListDocument(const ResourceRegistry& registry);

[[nodiscard]] absl::StatusOr<nlohmann::json> ApiGroupDocument(const ResourceRegistry& registry,
                                                              absl::string_view group);

// `group` is "" for /api/v1.
[[nodiscard]] absl::StatusOr<nlohmann::json> ApiResourceListDocument(
    const ResourceRegistry& registry, absl::string_view group, absl::string_view version);

enum class DiscoveryRoot {
  kLegacy,  // /api: the core group only
  kApis,    // /apis: every named group
};

// apidiscovery.k8s.io/v2 APIGroupDiscoveryList: groups, versions and resources in one
// document, so a client needs two requests (/api, /apis) instead of one per group-version.
nlohmann::json AggregatedDiscoveryDocument(const ResourceRegistry& registry, DiscoveryRoot root);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_DISCOVERY_H_
