#include "apiserver/server/object_meta.h"

#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "kube/api/json_util.h"
#include "kube/api/meta.h"

namespace flyover::apiserver {
namespace {

absl::Mutex random_mu;
std::mt19937_64& Random() ABSL_EXCLUSIVE_LOCKS_REQUIRED(random_mu) {
  static std::mt19937_64* engine = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return new std::mt19937_64(seed);
  }();
  return *engine;
}

}  // namespace

std::string StorageResource(const discovery::ResourceInfo& resource) {
  return ToGroupResource(resource).String();
}

GroupResource ToGroupResource(const discovery::ResourceInfo& resource) {
  return {resource.group, resource.plural};
}

GroupKind ToGroupKind(const discovery::ResourceInfo& resource) {
  return {resource.group, resource.kind};
}

storage::ObjectKey KeyFor(const discovery::ResourceInfo& resource, absl::string_view namespace_,
                          absl::string_view name) {
  return {StorageResource(resource), resource.namespaced ? std::string(namespace_) : "",
          std::string(name)};
}

nlohmann::json& Metadata(nlohmann::json& object) {
  nlohmann::json& meta = object["metadata"];
  if (!meta.is_object()) meta = nlohmann::json::object();
  return meta;
}

std::string MetaString(const nlohmann::json& object, absl::string_view field) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto value = meta->find(std::string(field));
  return value != meta->end() && value->is_string() ? value->get<std::string>() : "";
}

std::vector<std::string> Finalizers(const nlohmann::json& object) {
  std::vector<std::string> out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto list = meta->find("finalizers");
  if (list == meta->end() || !list->is_array()) return out;
  for (const nlohmann::json& item : *list) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

void EraseIf(nlohmann::json& list, const std::function<bool(const nlohmann::json&)>& drop) {
  if (!list.is_array()) return;
  nlohmann::json kept = nlohmann::json::array();
  for (nlohmann::json& item : list) {
    if (!drop(item)) kept.push_back(std::move(item));
  }
  list = std::move(kept);
}

bool HasDeletionTimestamp(const nlohmann::json& object) {
  return !MetaString(object, "deletionTimestamp").empty();
}

absl::StatusOr<nlohmann::json> Served(const storage::StoredObject& stored) {
  nlohmann::json object = nlohmann::json::parse(stored.value, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {
    return absl::DataLossError(
        absl::StrCat("stored object ", storage::DescribeKey(stored.key), " is not a JSON object"));
  }
  SetResourceVersion(object, stored.revision);
  return object;
}

void SetResourceVersion(nlohmann::json& object, int64_t revision) {
  Metadata(object)["resourceVersion"] = absl::StrCat(revision);
}

absl::StatusOr<std::optional<int64_t>> ParseResourceVersion(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid resource version \"", text, "\": must be a decimal number"));
  }
  return value;
}

absl::StatusOr<std::optional<int64_t>> ResourceVersionOf(const nlohmann::json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return std::nullopt;
  auto rv = meta->find("resourceVersion");
  if (rv == meta->end() || rv->is_null()) return std::nullopt;
  if (!rv->is_string()) {
    return absl::InvalidArgumentError("metadata.resourceVersion: must be a string");
  }
  return ParseResourceVersion(rv->get<std::string>());
}

std::string ForStorage(nlohmann::json object) {
  nlohmann::json& meta = Metadata(object);
  meta.erase("resourceVersion");
  meta.erase("selfLink");
  return kube::DumpJson(object);
}

absl::Status StorageError(const absl::Status& error, const GroupResource& resource,
                          absl::string_view name) {
  if (error.ok() || error.GetPayload(kStatusPayloadUrl).has_value()) return error;
  switch (error.code()) {
    case absl::StatusCode::kNotFound:
      return ToAbslStatus(NotFoundStatus(resource, name));
    case absl::StatusCode::kAlreadyExists:
      return ToAbslStatus(AlreadyExistsStatus(resource, name));
    case absl::StatusCode::kAborted:
      return ToAbslStatus(ConflictStatus(resource, name, kOptimisticLockErrorMessage));
    case absl::StatusCode::kOutOfRange:
      return ToAbslStatus(ExpiredStatus(error.message()));
    default:
      return error;
  }
}

bool AwaitRevision(storage::Store& store, int64_t revision, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (store.CurrentRevision() < revision) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

std::string Timestamp(absl::Time time) { return kube::FormatKubeTime(time); }

std::string NewUid() {
  uint64_t high = 0;
  uint64_t low = 0;
  {
    absl::MutexLock lock(&random_mu);
    high = Random()();
    low = Random()();
  }
  high = (high & ~uint64_t{0xF000}) | 0x4000;                    // version 4
  low = (low & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xFFFF,
                         high & 0xFFFF, low >> 48, low & 0xFFFFFFFFFFFFULL);
}

std::string GenerateNameSuffix() {
  constexpr absl::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  absl::MutexLock lock(&random_mu);
  for (int i = 0; i < 5; ++i) out.push_back(kAlphabet[Random()() % kAlphabet.size()]);
  return out;
}

}  // namespace flyover::apiserver
