#include "device-plugin/api/protocol.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace flyover::deviceplugin {

std::string JoinSocketPath(absl::string_view dir, absl::string_view file) {
  while (absl::ConsumeSuffix(&dir, "/")) {
  }
  while (absl::ConsumePrefix(&file, "/")) {
  }
  return absl::StrCat(dir, "/", file);
}

std::string UnixTarget(absl::string_view socket_path) {
  return absl::StrCat("unix:", socket_path);
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::Status ValidateRegistration(absl::string_view version, absl::string_view endpoint,
                                  absl::string_view resource_name) {
  if (version != kApiVersion) {
    return absl::InvalidArgumentError(absl::StrCat("version: \"", version,
                                                   "\" is not supported; want \"", kApiVersion,
                                                   "\""));
  }
  if (endpoint.empty() || absl::StrContains(endpoint, '/')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "endpoint: \"", endpoint, "\" must be a socket file name inside the plugin directory"));
  }
  const size_t slash = resource_name.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 == resource_name.size() ||
      resource_name.find('/', slash + 1) != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resource_name: \"", resource_name, "\" must be \"<vendor domain>/<resource>\""));
  }
  return absl::OkStatus();
}

}  // namespace flyover::deviceplugin
