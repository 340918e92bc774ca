#include "apiserver/server/custom_resource_admission.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "apiserver/semantics/api_status_builder.h"
#include "kube/api/post_training_job.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/post_training_job_validation.h"
#include "kube/schema/structural_schema.h"

namespace flyover::apiserver {
namespace {

std::vector<std::string> UnknownFieldMessages(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const std::string& path : paths) out.push_back(absl::StrCat("unknown field \"", path, "\""));
  return out;
}

absl::Status StrictDecodingError(const discovery::ResourceInfo& resource,
                                 const std::vector<std::string>& removed) {
  return ToAbslStatus(BadRequestStatus(absl::StrCat(
      resource.kind, " in version \"", resource.version, "\" cannot be handled as a ",
      resource.kind,
      ": strict decoding error: ", absl::StrJoin(UnknownFieldMessages(removed), ", "))));
}

// kube/api's decoder and validator; `input` keeps unknown fields under Strict so that the
// decoder reports them.
void ValidatePostTrainingJobObject(const nlohmann::json& input, const nlohmann::json* old,
                                   kube::ErrorList* errors) {
  kube::ErrorList job_errors;
  kube::PostTrainingJob job = kube::DecodePostTrainingJob(input, &job_errors);
  if (job_errors.empty()) {
    if (old != nullptr) {
      kube::ErrorList ignored;
      const kube::PostTrainingJob old_job = kube::DecodePostTrainingJob(*old, &ignored);
      kube::ValidatePostTrainingJobUpdate(old_job, job, &job_errors);
    } else {
      kube::ValidatePostTrainingJob(job, &job_errors);
    }
  }
  for (const kube::FieldError& error : job_errors.errors()) errors->Add(error);
}

}  // namespace

absl::StatusOr<FieldValidation> ParseFieldValidation(absl::string_view value) {
  if (value.empty() || value == "Warn") return FieldValidation::kWarn;
  if (value == "Strict") return FieldValidation::kStrict;
  if (value == "Ignore") return FieldValidation::kIgnore;
  return ToAbslStatus(BadRequestStatus(absl::StrCat(
      "fieldValidation parameter must be Ignore, Warn or Strict, got \"", value, "\"")));
}

bool IsPostTrainingJob(const discovery::ResourceInfo& resource) {
  return resource.group == kube::kPostTrainingJobGroup &&
         resource.plural == kube::kPostTrainingJobPlural;
}

absl::Status AdmitCustomResource(const discovery::ResourceInfo& resource, nlohmann::json& object,
                                 const nlohmann::json* old, FieldValidation validation,
                                 kube::ErrorList* errors, std::vector<std::string>* warnings) {
  const nlohmann::json& schema = resource.schema;
  nlohmann::json pruned = object;
  const std::vector<std::string> removed =
      schema.is_object() ? kube::schema::Prune(schema, &pruned) : std::vector<std::string>{};
  const bool typed = IsPostTrainingJob(resource);
  if (!removed.empty()) {
    if (validation == FieldValidation::kStrict && !typed) {
      return StrictDecodingError(resource, removed);
    }
    if (validation == FieldValidation::kWarn) {
      for (std::string& message : UnknownFieldMessages(removed)) warnings->push_back(message);
    }
  }
  if (typed) {
    ValidatePostTrainingJobObject(validation == FieldValidation::kStrict ? object : pruned, old,
                                  errors);
  }
  if (schema.is_object()) {
    kube::schema::ApplyDefaults(schema, &pruned);
    if (!typed) kube::schema::Validate(schema, pruned, errors);
  }
  object = std::move(pruned);
  return absl::OkStatus();
}

}  // namespace flyover::apiserver
