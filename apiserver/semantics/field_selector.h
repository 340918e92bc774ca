// Field selectors as kube-apiserver reads the `fieldSelector` query parameter.
//
// Syntax (k8s.io/apimachinery/pkg/fields.ParseSelector): terms joined by ',' (AND), each
// `field=value`, `field==value` or `field!=value`. In values, '\' escapes '\', ',' and '=';
// an unescaped ',' splits terms and an unescaped '=' in a value is an error. Whitespace is
// significant. The empty selector matches everything.
//
// Each resource type supports its own field labels (SupportedFieldLabels), as the server's
// field-label conversion functions do:
//   every resource        metadata.name, metadata.namespace (defaults)
//   pods                  + spec.nodeName, spec.restartPolicy, spec.schedulerName,
//                           spec.serviceAccountName, spec.hostNetwork, status.phase,
//                           status.podIP, status.nominatedNodeName (spec.host means
//                           spec.nodeName, for old clients)
//   nodes                 metadata.name, spec.unschedulable (no namespace: cluster-scoped)
//   namespaces            metadata.name, status.phase
//   events                + involvedObject.{kind,namespace,name,uid,apiVersion,
//                           resourceVersion,fieldPath}, reason, reportingComponent,
//                           source, type
//   secrets               + type
//   services              + spec.clusterIP, spec.type
//   replicationcontrollers, apps/replicasets   + status.replicas
//   batch/jobs            + status.successful
//   certificates.k8s.io/certificatesigningrequests   metadata.name, spec.signerName
// An unsupported label is rejected with the server's words: "field label not supported:
// <label>" for the resources above, and `"<label>" is not a known field selector: only
// "metadata.name", "metadata.namespace"` for all others (custom resources included).
// Every parse error is InvalidArgument carrying a 400 BadRequest Status payload.
//
// Values are immutable after parsing; concurrent reads are safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_FIELD_SELECTOR_H_
#define FLYOVER_APISERVER_SEMANTICS_FIELD_SELECTOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/semantics/api_status_builder.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

struct FieldRequirement {
  std::string field;   // a supported label, after conversion ("spec.host" -> "spec.nodeName")
  bool equals = true;  // false for "!="
  std::string value;   // unescaped

  // "field=value" / "field!=value" with the value escaped again.
  [[nodiscard]] std::string String() const;
  bool operator==(const FieldRequirement&) const = default;
};

class FieldSelector {
 public:
  // Matches every object.
  FieldSelector() = default;

  [[nodiscard]] static absl::StatusOr<FieldSelector> Parse(absl::string_view selector,
                                                           const GroupResource& resource);

  // Whether `object` (a full API object as JSON) satisfies every requirement. A field the
  // object lacks reads as its zero value ("", "false", "0").
  [[nodiscard]] bool Matches(const nlohmann::json& object) const;

  [[nodiscard]] bool Empty() const { return requirements_.empty(); }
  // Requirements sorted by their text, joined by ','.
  [[nodiscard]] std::string String() const;
  [[nodiscard]] const std::vector<FieldRequirement>& requirements() const {
    return requirements_;
  }
  // The value `field` must equal for the selector to match, if a requirement pins it
  // (for index lookups such as spec.nodeName or metadata.name).
  [[nodiscard]] std::optional<std::string> RequiresExactMatch(absl::string_view field) const;

 private:
  GroupResource resource_;
  std::vector<FieldRequirement> requirements_;
};

// The field labels `resource` supports, in the order of the table above.
[[nodiscard]] std::vector<std::string> SupportedFieldLabels(const GroupResource& resource);

// The selectable value of `label` in `object`; nullopt when `resource` does not support it.
[[nodiscard]] std::optional<std::string> SelectableFieldValue(const nlohmann::json& object,
                                                              const GroupResource& resource,
                                                              absl::string_view label);

// Checks `label` against `resource` and converts legacy names; the error is the server's.
[[nodiscard]] absl::StatusOr<std::string> ConvertFieldLabel(const GroupResource& resource,
                                                            absl::string_view label);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_FIELD_SELECTOR_H_
