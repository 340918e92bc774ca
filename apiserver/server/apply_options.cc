#include "apiserver/server/apply_options.h"

#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "kube/api/field_error.h"

namespace flyover::apiserver {
namespace {

constexpr size_t kMaxFieldManagerLength = 128;

void ValidateFieldManager(const std::string& manager, kube::ErrorList* errors) {
  const kube::FieldPath path("fieldManager");
  if (manager.size() > kMaxFieldManagerLength) errors->TooLong(path, kMaxFieldManagerLength);
  for (size_t i = 0; i < manager.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(manager[i]);
    if (c < 0x20 || c == 0x7f) {
      errors->Invalid(path, manager,
                      absl::StrCat("invalid character at position ", i, ": not printable"));
      return;
    }
  }
}

}  // namespace

absl::StatusOr<PatchOwnership> ParsePatchOwnership(const HttpRequest& request, bool apply) {
  PatchOwnership ownership;
  ownership.field_manager = request.Param("fieldManager");
  kube::ErrorList errors;
  if (apply && ownership.field_manager.empty()) {
    errors.Required(kube::FieldPath("fieldManager"), "is required for apply patch");
  }
  ValidateFieldManager(ownership.field_manager, &errors);
  if (request.HasParam("force")) {
    const std::string force = request.Param("force");
    if (!apply) {
      errors.Forbidden(kube::FieldPath("force"), "may not be specified for non-apply patch");
    } else if (force == "true" || force == "1") {
      ownership.force = true;
    } else if (force != "false" && force != "0" && !force.empty()) {
      return ToAbslStatus(BadRequestStatus(
          absl::StrCat("force: invalid value \"", force, "\": must be true or false")));
    }
  }
  if (errors.empty()) return ownership;
  return ToAbslStatus(InvalidStatus({"meta.k8s.io", "PatchOptions"}, "", errors));
}

std::string UpdateManagerOf(const HttpRequest& request) {
  const std::string manager = request.Param("fieldManager");
  if (!manager.empty()) return manager;
  const std::string user_agent = request.Header("user-agent");
  const std::string program = user_agent.substr(0, user_agent.find('/'));
  return program.empty() ? "unknown" : program;
}

}  // namespace flyover::apiserver
