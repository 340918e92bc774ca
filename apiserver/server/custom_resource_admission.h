// Admission of custom resources: what kube-apiserver does to a custom resource between
// decoding the request and storing it, driven by the CRD version's structural schema
// (kube/schema/structural_schema.h):
//   1. unknown fields are pruned. With fieldValidation=Strict (what kubectl sends by default)
//      they are refused instead: 400 BadRequest "strict decoding error: unknown field ..."; with
//      Warn each becomes a warning; with Ignore they go silently;
//   2. defaults are applied;
//   3. the object is validated against the schema (422 Invalid with every error).
// PostTrainingJobs are also decoded and validated by kube/api (the C++ rules mirror the
// CRD's CEL rules, which the schema engine does not evaluate): every problem comes back in
// kube/api's words, so `kubectl apply` of an invalid job prints exactly what
// `flyover validate` prints. For them, unknown fields are reported by the decoder as
// "<path>: Unknown field" 422 errors under Strict, beside the other errors.
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SERVER_CUSTOM_RESOURCE_ADMISSION_H_
#define FLYOVER_APISERVER_SERVER_CUSTOM_RESOURCE_ADMISSION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/discovery/resource_registry.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

enum class FieldValidation { kIgnore, kWarn, kStrict };

// The fieldValidation query parameter: "Ignore", "Warn", "Strict"; "" means Warn, the
// server's default. InvalidArgument (400) otherwise.
[[nodiscard]] absl::StatusOr<FieldValidation> ParseFieldValidation(absl::string_view value);

bool IsPostTrainingJob(const discovery::ResourceInfo& resource);

// Prunes, defaults and validates `object` (a custom resource of `resource`) in place.
// `old` is the stored object on updates (PostTrainingJob's update rules), else null.
// Schema and decoder errors are appended to `errors` (the caller answers 422); unknown
// fields under Strict return a 400 error; warnings are appended to `warnings`.
[[nodiscard]] absl::Status AdmitCustomResource(const discovery::ResourceInfo& resource,
                                               nlohmann::json& object, const nlohmann::json* old,
                                               FieldValidation validation, kube::ErrorList* errors,
                                               std::vector<std::string>* warnings);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_CUSTOM_RESOURCE_ADMISSION_H_
