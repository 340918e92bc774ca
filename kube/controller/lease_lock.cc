#include "kube/controller/lease_lock.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status.h"
#include "kube/client/resource.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

absl::Status WrongType(absl::string_view field, absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat("lease field spec.", field, ": must be ", want));
}

absl::Status ReadInt(const json& spec, const char* field, int64_t* out) {
  auto it = spec.find(field);
  if (it == spec.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_number_integer()) return WrongType(field, "an integer");
  *out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadString(const json& spec, const char* field, std::string* out) {
  auto it = spec.find(field);
  if (it == spec.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return WrongType(field, "a string");
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status ReadTime(const json& spec, const char* field, std::optional<absl::Time>* out) {
  auto it = spec.find(field);
  if (it == spec.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return WrongType(field, "an RFC 3339 time string");
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, it->get<std::string>(), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("lease field spec.", field, ": not an RFC 3339 time: ", error));
  }
  *out = time;
  return absl::OkStatus();
}

}  // namespace

std::string FormatMicroTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

absl::Time TruncateToMicros(absl::Time time) {
  return absl::FromUnixMicros(absl::ToUnixMicros(time));
}

json LeaseSpecFromRecord(const LeaderElectionRecord& record) {
  json spec = {{"holderIdentity", record.holder_identity},
               {"leaseDurationSeconds", record.lease_duration_seconds},
               {"leaseTransitions", record.leader_transitions}};
  if (record.acquire_time) spec["acquireTime"] = FormatMicroTime(*record.acquire_time);
  if (record.renew_time) spec["renewTime"] = FormatMicroTime(*record.renew_time);
  return spec;
}

absl::StatusOr<LeaderElectionRecord> RecordFromLease(const json& lease) {
  LeaderElectionRecord record;
  if (!lease.is_object()) return absl::InvalidArgumentError("lease: must be a JSON object");
  auto spec = lease.find("spec");
  if (spec == lease.end() || spec->is_null()) return record;
  if (!spec->is_object()) return absl::InvalidArgumentError("lease field spec: must be an object");
  RETURN_IF_ERROR(ReadString(*spec, "holderIdentity", &record.holder_identity));
  RETURN_IF_ERROR(ReadInt(*spec, "leaseDurationSeconds", &record.lease_duration_seconds));
  RETURN_IF_ERROR(ReadInt(*spec, "leaseTransitions", &record.leader_transitions));
  RETURN_IF_ERROR(ReadTime(*spec, "acquireTime", &record.acquire_time));
  RETURN_IF_ERROR(ReadTime(*spec, "renewTime", &record.renew_time));
  return record;
}

RestLeaseLock::RestLeaseLock(RestClient* client, std::string namespace_, std::string name)
    : client_(client), namespace_(std::move(namespace_)), name_(std::move(name)) {}

std::string RestLeaseLock::Describe() const { return absl::StrCat(namespace_, "/", name_); }

json RestLeaseLock::NewLease(const LeaderElectionRecord& record) const {
  return {{"apiVersion", LeasesResource().ApiVersion()},
          {"kind", LeasesResource().kind},
          {"metadata", {{"name", name_}, {"namespace", namespace_}}},
          {"spec", LeaseSpecFromRecord(record)}};
}

absl::StatusOr<LeaderElectionRecord> RestLeaseLock::Get() {
  ASSIGN_OR_RETURN(json lease, client_->Get(LeasesResource(), namespace_, name_));
  ASSIGN_OR_RETURN(LeaderElectionRecord record, RecordFromLease(lease));
  lease_ = std::move(lease);
  return record;
}

absl::Status RestLeaseLock::Create(const LeaderElectionRecord& record) {
  ASSIGN_OR_RETURN(json created, client_->Create(LeasesResource(), namespace_, NewLease(record)));
  lease_ = std::move(created);
  return absl::OkStatus();
}

absl::Status RestLeaseLock::Update(const LeaderElectionRecord& record) {
  if (!lease_.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("lease ", Describe(), ": update before the lease was read or created"));
  }
  json lease = *lease_;
  lease["spec"] = LeaseSpecFromRecord(record);
  ASSIGN_OR_RETURN(json updated, client_->Update(LeasesResource(), lease));
  lease_ = std::move(updated);
  return absl::OkStatus();
}

}  // namespace flyover::kube
