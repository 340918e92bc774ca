#include "apiserver/storage/revision_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "apiserver/storage/keys.h"

namespace flyover::apiserver::storage {
namespace {

std::string Describe(const std::string& encoded) {
  absl::StatusOr<ObjectKey> key = DecodeKey(encoded);
  return key.ok() ? DescribeKey(*key) : encoded;
}

}  // namespace

absl::StatusOr<Change> PlanMutation(const Mutation& mutation, std::optional<LatestChange> latest) {
  const bool exists = latest.has_value() && !latest->deleted;
  Change change;
  change.key = mutation.key;
  if (mutation.kind == Mutation::Kind::kCreate) {
    if (exists) {
      return absl::AlreadyExistsError(absl::StrCat(Describe(mutation.key), " already exists"));
    }
    change.kind = Change::Kind::kCreated;
    change.value = mutation.value;
    return change;
  }
  if (!exists) return absl::NotFoundError(absl::StrCat(Describe(mutation.key), " not found"));
  if (mutation.expected_revision.has_value() && *mutation.expected_revision != latest->revision) {
    return absl::AbortedError(
        absl::StrCat(Describe(mutation.key), ": the object has been modified (resourceVersion ",
                     latest->revision, ", expected ", *mutation.expected_revision,
                     "); apply your changes to the latest version and try again"));
  }
  change.create_revision = latest->create_revision;
  change.prev_revision = latest->revision;
  if (mutation.kind == Mutation::Kind::kUpdate) {
    change.kind = Change::Kind::kUpdated;
    change.value = mutation.value;
    change.prev_value = std::move(latest->value);
  } else {
    change.kind = Change::Kind::kDeleted;
    change.value = std::move(latest->value);
  }
  return change;
}

}  // namespace flyover::apiserver::storage
