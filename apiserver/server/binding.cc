#include "apiserver/server/binding.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/server/object_meta.h"
#include "common/status.h"
#include "kube/api/field_error.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

const GroupResource kPods{"", "pods"};
const GroupResource kBindings{"", "pods/binding"};

absl::Status CheckBinding(absl::string_view pod, const json& binding, std::string* node) {
  if (!binding.is_object()) {
    return ToAbslStatus(BadRequestStatus("the body of the request must be a Binding object"));
  }
  const std::string named = MetaString(binding, "name");
  if (!named.empty() && named != pod) {
    return ToAbslStatus(BadRequestStatus(absl::StrCat(
        "the name of the object (", named, ") does not match the name on the URL (", pod, ")")));
  }
  const json target = binding.value("target", json::object());
  kube::ErrorList errors;
  const std::string kind = target.is_object() ? target.value("kind", "") : "";
  *node = target.is_object() ? target.value("name", "") : "";
  if (!kind.empty() && kind != "Node") {
    errors.NotSupported(kube::FieldPath("target").Child("kind"), kind, {"Node"});
  }
  if (node->empty()) errors.Required(kube::FieldPath("target").Child("name"));
  if (errors.empty()) return absl::OkStatus();
  return ToAbslStatus(InvalidStatus({"", "Binding"}, pod, errors));
}

void SetScheduledCondition(json& pod, const std::string& now) {
  json& status = pod["status"];
  if (!status.is_object()) status = json::object();
  json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  EraseIf(conditions,
          [](const json& c) { return c.is_object() && c.value("type", "") == "PodScheduled"; });
  conditions.push_back({{"type", "PodScheduled"},
                        {"status", "True"},
                        {"lastProbeTime", nullptr},
                        {"lastTransitionTime", now}});
}

// kube-apiserver's UID precondition: a Binding that names a UID binds only that pod, not a
// pod recreated under the same name.
absl::Status CheckBindingUid(absl::string_view pod, const std::string& wanted,
                             const std::string& actual) {
  if (wanted.empty() || wanted == actual) return absl::OkStatus();
  return ToAbslStatus(ConflictStatus(
      kBindings, pod,
      absl::StrCat("Precondition failed: UID in precondition: ", wanted,
                   ", UID in object meta: ", actual)));
}

// The Binding's annotations onto the pod: new keys added, existing ones overwritten, the
// pod's others kept (a Binding cannot remove an annotation).
void CopyAnnotations(const json& annotations, json& pod) {
  if (!annotations.is_object() || annotations.empty()) return;
  json& pod_annotations = Metadata(pod)["annotations"];
  if (!pod_annotations.is_object()) pod_annotations = json::object();
  for (const auto& [key, value] : annotations.items()) {
    if (value.is_string()) pod_annotations[key] = value;
  }
}

}  // namespace

absl::Status BindPod(ObjectService& objects, absl::string_view namespace_, absl::string_view pod,
                     const json& binding) {
  std::string node;
  RETURN_IF_ERROR(CheckBinding(pod, binding, &node));
  const std::string now = Timestamp(objects.clock()->Now());
  const json annotations =
      binding.value(json::json_pointer("/metadata/annotations"), json::object());
  const std::string uid = MetaString(binding, "uid");
  auto bind = [&](const storage::StoredObject& stored) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(json object, Served(stored));
    RETURN_IF_ERROR(CheckBindingUid(pod, uid, MetaString(object, "uid")));
    if (HasDeletionTimestamp(object)) {
      return ToAbslStatus(ConflictStatus(
          kBindings, pod,
          absl::StrCat("pod ", pod, " is being deleted, cannot be assigned to a host")));
    }
    json& spec = object["spec"];
    if (!spec.is_object()) spec = json::object();
    const std::string assigned = spec.value("nodeName", "");
    if (!assigned.empty()) {
      return ToAbslStatus(ConflictStatus(
          kBindings, pod,
          absl::StrCat("pod ", pod, " is already assigned to node \"", assigned, "\"")));
    }
    spec["nodeName"] = node;
    CopyAnnotations(annotations, object);
    SetScheduledCondition(object, now);
    return ForStorage(std::move(object));
  };
  absl::StatusOr<storage::StoredObject> stored =
      objects.store()->GuaranteedUpdate({"pods", std::string(namespace_), std::string(pod)}, bind);
  return stored.ok() ? absl::OkStatus() : StorageError(stored.status(), kPods, pod);
}

}  // namespace flyover::apiserver
