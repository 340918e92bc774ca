#include "apiserver/storage/keys.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flyover::apiserver::storage {
namespace {

absl::Status ValidatePart(absl::string_view field, absl::string_view value, size_t max_bytes,
                          bool may_be_empty) {
  if (value.empty() && !may_be_empty) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not be empty"));
  }
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be no more than ", max_bytes, " bytes, got ", value.size()));
  }
  if (value.find('/') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not contain '/'"));
  }
  if (value.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not contain NUL"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DescribeKey(const ObjectKey& key) {
  if (key.namespace_.empty()) return absl::StrCat(key.resource, " ", key.name);
  return absl::StrCat(key.resource, " ", key.namespace_, "/", key.name);
}

absl::Status ValidateScope(absl::string_view resource, absl::string_view namespace_) {
  if (absl::Status s = ValidatePart("resource", resource, kMaxResourceBytes, false); !s.ok()) {
    return s;
  }
  return ValidatePart("namespace", namespace_, kMaxNamespaceBytes, true);
}

absl::Status ValidateKey(const ObjectKey& key) {
  if (absl::Status s = ValidateScope(key.resource, key.namespace_); !s.ok()) return s;
  return ValidatePart("name", key.name, kMaxNameBytes, false);
}

absl::Status ValidateValue(absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError("value: must not be empty");
  if (value.size() > kMaxValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("value: must be no more than ", kMaxValueBytes, " bytes, got ", value.size()));
  }
  return absl::OkStatus();
}

std::string EncodeKey(const ObjectKey& key) {
  return absl::StrCat("/", key.resource, "/", key.namespace_, "/", key.name);
}

absl::StatusOr<ObjectKey> DecodeKey(absl::string_view encoded) {
  std::vector<absl::string_view> parts = absl::StrSplit(encoded, '/');
  if (parts.size() != 4 || !parts[0].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("storage key \"", encoded, "\": want /<resource>/<namespace>/<name>"));
  }
  ObjectKey key{std::string(parts[1]), std::string(parts[2]), std::string(parts[3])};
  if (absl::Status s = ValidateKey(key); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("storage key: ", s.message()));
  }
  return key;
}

std::string ScopePrefix(absl::string_view resource, absl::string_view namespace_) {
  if (namespace_.empty()) return absl::StrCat("/", resource, "/");
  return absl::StrCat("/", resource, "/", namespace_, "/");
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

}  // namespace flyover::apiserver::storage
