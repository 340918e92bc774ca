// Kubernetes name and label syntax (RFC 1123 labels and subdomains, qualified names,
// label values). Each check returns an empty string when the value is valid, otherwise
// the reason in the words kube-apiserver uses.
#ifndef FLYOVER_KUBE_API_NAMES_H_
#define FLYOVER_KUBE_API_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace flyover::kube {

inline constexpr size_t kDns1123LabelMaxLength = 63;
inline constexpr size_t kDns1123SubdomainMaxLength = 253;

[[nodiscard]] std::string CheckDns1123Label(absl::string_view value);
[[nodiscard]] std::string CheckDns1123Subdomain(absl::string_view value);
// A label or annotation key: an optional DNS subdomain prefix and '/', then a name of
// at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric.
[[nodiscard]] std::string CheckQualifiedName(absl::string_view value);
[[nodiscard]] std::string CheckLabelValue(absl::string_view value);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_NAMES_H_
