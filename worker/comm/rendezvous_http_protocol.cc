#include "worker/comm/rendezvous_http_protocol.h"

#include "absl/strings/str_cat.h"

namespace flyover::worker::rendezvous_http {

std::string KeyPath(const RendezvousScope& scope, absl::string_view key) {
  return absl::StrCat("/v1/jobs/", scope.job, "/rendezvous/", scope.generation, "/", key);
}

std::string JobPath(absl::string_view job) { return absl::StrCat("/v1/jobs/", job, "/rendezvous"); }

absl::Status StatusForHttpCode(int code, absl::string_view body) {
  const std::string message = absl::StrCat("rendezvous endpoint answered HTTP ", code,
                                           body.empty() ? "" : ": ", body);
  switch (code) {
    case 400:
    case 413:
      return absl::InvalidArgumentError(message);
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 409:
      return absl::AbortedError(message);
    default:
      if (code >= 500 && code < 600) return absl::UnavailableError(message);
      return absl::InternalError(message);
  }
}

int HttpCodeForStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace flyover::worker::rendezvous_http
