#include "kube/client/http_transport.h"

#include "absl/strings/match.h"

namespace flyover::kube {

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

}  // namespace flyover::kube
