#include "kube/api/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace flyover::kube {
namespace {

bool IsLowerAlnum(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c); }

bool IsLabelShaped(absl::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// Alphanumerics plus '-', '_', '.', starting and ending alphanumeric (any case).
bool IsQualifiedNamePart(absl::string_view s) {
  if (s.empty() || !absl::ascii_isalnum(s.front()) || !absl::ascii_isalnum(s.back())) {
    return false;
  }
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

std::string CheckDns1123Label(absl::string_view value) {
  if (value.size() > kDns1123LabelMaxLength) {
    return absl::StrCat("must be no more than ", kDns1123LabelMaxLength, " characters");
  }
  if (!IsLabelShaped(value)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
           "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
           "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  }
  return "";
}

std::string CheckDns1123Subdomain(absl::string_view value) {
  if (value.size() > kDns1123SubdomainMaxLength) {
    return absl::StrCat("must be no more than ", kDns1123SubdomainMaxLength, " characters");
  }
  bool ok = !value.empty();
  size_t start = 0;
  while (ok && start <= value.size()) {
    size_t dot = value.find('.', start);
    if (dot == absl::string_view::npos) dot = value.size();
    ok = IsLabelShaped(value.substr(start, dot - start));
    start = dot + 1;
  }
  if (!ok) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
           "'-' or '.', and must start and end with an alphanumeric character (e.g. "
           "'example.com', regex used for validation is "
           "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return "";
}

std::string CheckQualifiedName(absl::string_view value) {
  absl::string_view name = value;
  if (size_t slash = value.rfind('/'); slash != absl::string_view::npos) {
    absl::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (std::string reason = CheckDns1123Subdomain(prefix); !reason.empty()) {
      return absl::StrCat("prefix part ", reason);
    }
  }
  if (name.size() > kDns1123LabelMaxLength) {
    return absl::StrCat("name part must be no more than ", kDns1123LabelMaxLength,
                        " characters");
  }
  if (!IsQualifiedNamePart(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
           "start and end with an alphanumeric character";
  }
  return "";
}

std::string CheckLabelValue(absl::string_view value) {
  if (value.empty()) return "";
  if (value.size() > kDns1123LabelMaxLength) {
    return absl::StrCat("must be no more than ", kDns1123LabelMaxLength, " characters");
  }
  if (!IsQualifiedNamePart(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, "
           "'-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return "";
}

}  // namespace flyover::kube
