#include "kube/api/core/lease.h"

#include "kube/api/core/core_json.h"

namespace flyover::kube::core {
namespace {

void ReadLeaseSpec(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                   LeaseSpec* out) {
  PartialReader r(value, path, errors);
  r.Field("holderIdentity", &out->holder_identity);
  r.Field("leaseDurationSeconds", &out->lease_duration_seconds);
  using ReadMicro = void (*)(const nlohmann::json&, const FieldPath&, ErrorList*,
                             std::optional<absl::Time>*);
  r.FieldWith("acquireTime", &out->acquire_time, static_cast<ReadMicro>(ReadMicroTime));
  r.FieldWith("renewTime", &out->renew_time, static_cast<ReadMicro>(ReadMicroTime));
  r.Field("leaseTransitions", &out->lease_transitions);
  out->rest = r.Rest();
}

nlohmann::json LeaseSpecJson(const LeaseSpec& spec) {
  nlohmann::json j = FromRest(spec.rest);
  SetIfPresent(j, "holderIdentity", spec.holder_identity);
  SetIfPresent(j, "leaseDurationSeconds", spec.lease_duration_seconds);
  SetMicroTime(j, "acquireTime", spec.acquire_time);
  SetMicroTime(j, "renewTime", spec.renew_time);
  SetIfPresent(j, "leaseTransitions", spec.lease_transitions);
  return j;
}

}  // namespace

absl::StatusOr<Lease> DecodeLease(const nlohmann::json& value) {
  ErrorList errors;
  Lease lease;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", kLeaseApiVersion);
  r.Expect("kind", "Lease");
  ReadMetadataField(r, &lease.metadata, &lease.metadata_rest);
  r.FieldWith("spec", &lease.spec, ReadLeaseSpec);
  lease.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "Lease.coordination.k8s.io", lease.metadata);
  return lease;
}

nlohmann::json EncodeLease(const Lease& lease) {
  nlohmann::json j = FromRest(lease.rest);
  j["apiVersion"] = kLeaseApiVersion;
  j["kind"] = "Lease";
  j["metadata"] = EncodeMetadata(lease.metadata, lease.metadata_rest);
  SetUnlessEmpty(j, "spec", LeaseSpecJson(lease.spec));
  return j;
}

}  // namespace flyover::kube::core
