#include "apiserver/server/request_options.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/json_body.h"
#include "apiserver/server/object_meta.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

absl::Status BadRequest(absl::string_view message) {
  return ToAbslStatus(BadRequestStatus(message));
}

absl::StatusOr<std::optional<int64_t>> IntParam(const HttpRequest& request,
                                                absl::string_view name) {
  const std::string text = request.Param(name);
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 0) {
    return BadRequest(absl::StrCat("invalid value for ", name, ": \"", text, "\""));
  }
  return value;
}

// An integer that may be negative (gracePeriodSeconds: kube reads a negative one as 1).
absl::StatusOr<std::optional<int64_t>> SignedIntParam(const HttpRequest& request,
                                                      absl::string_view name) {
  const std::string text = request.Param(name);
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return BadRequest(absl::StrCat("invalid value for ", name, ": \"", text, "\""));
  }
  return value;
}

absl::StatusOr<bool> BoolParam(const HttpRequest& request, absl::string_view name) {
  const std::string text = request.Param(name);
  if (text.empty() || text == "false" || text == "0") return false;
  if (text == "true" || text == "1") return true;
  return BadRequest(absl::StrCat("invalid value for ", name, ": \"", text, "\""));
}

// dryRun may repeat; only "All" is defined.
absl::StatusOr<bool> DryRun(const std::multimap<std::string, std::string>& params) {
  bool dry_run = false;
  auto [begin, end] = params.equal_range("dryRun");
  for (auto it = begin; it != end; ++it) {
    if (it->second != "All") {
      return BadRequest(absl::StrCat("dryRun: Unsupported value: \"", it->second,
                                     "\": supported values: \"All\""));
    }
    dry_run = true;
  }
  return dry_run;
}

absl::Status CheckPropagationPolicy(const std::string& policy) {
  if (policy.empty() || policy == "Orphan" || policy == "Background" || policy == "Foreground") {
    return absl::OkStatus();
  }
  return BadRequest(absl::StrCat("propagationPolicy: Unsupported value: \"", policy,
                                 "\": supported values: \"Foreground\", \"Background\", "
                                 "\"Orphan\""));
}

absl::Status ReadDeleteBody(const nlohmann::json& body, DeleteOptions& options) {
  if (!body.is_object()) return BadRequest("DeleteOptions must be a JSON object");
  if (auto it = body.find("propagationPolicy"); it != body.end() && it->is_string()) {
    options.propagation_policy = it->get<std::string>();
  }
  if (auto it = body.find("orphanDependents"); it != body.end() && it->is_boolean()) {
    if (options.propagation_policy.empty()) {
      options.propagation_policy = it->get<bool>() ? "Orphan" : "Background";
    }
  }
  if (auto it = body.find("gracePeriodSeconds"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      return BadRequest("gracePeriodSeconds: Invalid value: must be an integer number of seconds");
    }
    options.grace_period_seconds = it->get<int64_t>();
  }
  if (auto it = body.find("dryRun"); it != body.end() && it->is_array()) {
    for (const nlohmann::json& value : *it) {
      if (value != "All") return BadRequest("dryRun: Unsupported value: supported values: \"All\"");
      options.dry_run = true;
    }
  }
  auto preconditions = body.find("preconditions");
  if (preconditions != body.end() && preconditions->is_object()) {
    if (auto uid = preconditions->find("uid"); uid != preconditions->end() && uid->is_string()) {
      options.precondition_uid = uid->get<std::string>();
    }
    auto rv = preconditions->find("resourceVersion");
    if (rv != preconditions->end() && rv->is_string()) {
      absl::StatusOr<std::optional<int64_t>> parsed = ParseResourceVersion(rv->get<std::string>());
      if (!parsed.ok()) return BadRequest(parsed.status().message());
      options.precondition_revision = *parsed;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ListParams> ParseListParams(const HttpRequest& request,
                                           const discovery::ResourceInfo& resource) {
  ListParams params;
  absl::StatusOr<LabelSelector> labels = LabelSelector::Parse(request.Param("labelSelector"));
  if (!labels.ok()) return labels.status();
  params.request.labels = *std::move(labels);
  absl::StatusOr<FieldSelector> fields =
      FieldSelector::Parse(request.Param("fieldSelector"), {resource.group, resource.plural});
  if (!fields.ok()) return fields.status();
  params.request.fields = *std::move(fields);
  ASSIGN_OR_RETURN(std::optional<int64_t> limit, IntParam(request, "limit"));
  params.request.limit = limit.value_or(0);
  params.request.continue_token = request.Param("continue");
  absl::StatusOr<std::optional<int64_t>> rv =
      ParseResourceVersion(request.Param("resourceVersion"));
  if (!rv.ok()) return BadRequest(rv.status().message());
  params.resource_version = *rv;
  params.resource_version_match = request.Param("resourceVersionMatch");
  const std::string& match = params.resource_version_match;
  if (!match.empty() && match != "Exact" && match != "NotOlderThan") {
    return BadRequest(absl::StrCat("resourceVersionMatch: Unsupported value: \"", match,
                                   "\": supported values: \"Exact\", \"NotOlderThan\""));
  }
  if (!match.empty() && !params.resource_version) {
    return BadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
  }
  if (!params.request.continue_token.empty() && params.resource_version &&
      *params.resource_version != 0) {
    return BadRequest("specifying resource version is not allowed when using continue");
  }
  if (match == "Exact") {
    if (*params.resource_version == 0) {
      return BadRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"");
    }
    params.request.exact_revision = params.resource_version;
  }
  ASSIGN_OR_RETURN(params.allow_bookmarks, BoolParam(request, "allowWatchBookmarks"));
  ASSIGN_OR_RETURN(params.timeout_seconds, IntParam(request, "timeoutSeconds"));
  if (request.HasParam("sendInitialEvents")) {
    ASSIGN_OR_RETURN(bool send, BoolParam(request, "sendInitialEvents"));
    params.send_initial_events = send;
  }
  return params;
}

absl::StatusOr<WriteOptions> ParseWriteOptions(const HttpRequest& request) {
  WriteOptions options;
  ASSIGN_OR_RETURN(options.dry_run, DryRun(request.params));
  ASSIGN_OR_RETURN(options.field_validation,
                   ParseFieldValidation(request.Param("fieldValidation")));
  return options;
}

absl::StatusOr<DeleteOptions> ParseDeleteOptions(const HttpRequest& request) {
  DeleteOptions options;
  ASSIGN_OR_RETURN(options.dry_run, DryRun(request.params));
  options.propagation_policy = request.Param("propagationPolicy");
  if (options.propagation_policy.empty() && request.HasParam("orphanDependents")) {
    ASSIGN_OR_RETURN(bool orphan, BoolParam(request, "orphanDependents"));
    options.propagation_policy = orphan ? "Orphan" : "Background";
  }
  ASSIGN_OR_RETURN(options.grace_period_seconds, SignedIntParam(request, "gracePeriodSeconds"));
  if (!request.body.empty()) {
    ASSIGN_OR_RETURN(nlohmann::json body, ParseJsonBody(request.body, "DeleteOptions"));
    RETURN_IF_ERROR(ReadDeleteBody(body, options));
  }
  RETURN_IF_ERROR(CheckPropagationPolicy(options.propagation_policy));
  return options;
}

}  // namespace flyover::apiserver
