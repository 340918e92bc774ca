// Label selectors as kube-apiserver reads them: the `labelSelector` query-string syntax and
// the metav1.LabelSelector object (matchLabels / matchExpressions).
//
// String syntax (k8s.io/apimachinery/pkg/labels.Parse), requirements joined by ',' (AND):
//   a=b  a==b  a!=b  a in (x,y)  a notin (x)  a  !a  a>5  a<5
// Whitespace separates tokens; an empty value is allowed ("a=", "a in (,x)"). Keys must be
// qualified names and values label values (kube/api/names.h). A malformed selector yields
// InvalidArgument whose message names the selector and gives the server's reason, e.g.
//   invalid label selector "a in x": unable to parse requirement: found 'x' expected: '('
// and whose payload is the 400 BadRequest Status the HTTP layer should answer with.
//
// Matching (Requirement::Matches): = == in need the key present with one of the values;
// != notin match when the key is absent or has none of the values; a / !a test presence;
// > < need the key present with an integer value beyond the bound. The empty selector
// matches everything; Nothing() (a null metav1.LabelSelector) matches nothing.
// Labels are a JSON object of strings; any other JSON counts as no labels, and a label
// whose value is not a string is present but equal to no value.
//
// Values are immutable after parsing; concurrent reads are safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_LABEL_SELECTOR_H_
#define FLYOVER_APISERVER_SEMANTICS_LABEL_SELECTOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

enum class LabelOperator {
  kEquals,        // a=b
  kDoubleEquals,  // a==b
  kNotEquals,     // a!=b
  kIn,            // a in (x,y)
  kNotIn,         // a notin (x,y)
  kExists,        // a
  kDoesNotExist,  // !a
  kGreaterThan,   // a>5
  kLessThan,      // a<5
};

struct LabelRequirement {
  std::string key;
  LabelOperator op = LabelOperator::kExists;
  std::vector<std::string> values;  // sorted, without duplicates

  [[nodiscard]] bool Matches(const nlohmann::json& labels) const;
  // The canonical text: "a=b", "a in (x,y)", "!a".
  [[nodiscard]] std::string String() const;
  bool operator==(const LabelRequirement&) const = default;
};

class LabelSelector {
 public:
  // Matches every object (the empty selector).
  LabelSelector() = default;
  [[nodiscard]] static LabelSelector Nothing();

  // Parses the query-string syntax; "" is the empty selector.
  [[nodiscard]] static absl::StatusOr<LabelSelector> Parse(absl::string_view selector);
  // Converts a metav1.LabelSelector: null matches nothing, {} everything; operators are
  // In, NotIn, Exists and DoesNotExist (LabelSelectorAsSelector). Errors are
  // InvalidArgument in kube's words without a Status payload: the caller reports them,
  // typically as a field error of the object that holds the selector.
  [[nodiscard]] static absl::StatusOr<LabelSelector> FromJson(const nlohmann::json& selector);

  // `labels`: a JSON object of label -> value.
  [[nodiscard]] bool Matches(const nlohmann::json& labels) const;
  // Reads the object's metadata.labels.
  [[nodiscard]] bool MatchesObject(const nlohmann::json& object) const;

  // True for the selector that matches everything.
  [[nodiscard]] bool Empty() const { return !nothing_ && requirements_.empty(); }
  [[nodiscard]] bool MatchesNothing() const { return nothing_; }
  // Requirements sorted by key, in canonical text joined by ','.
  [[nodiscard]] std::string String() const;
  [[nodiscard]] const std::vector<LabelRequirement>& requirements() const {
    return requirements_;
  }

 private:
  explicit LabelSelector(std::vector<LabelRequirement> requirements);

  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

// Builds a requirement with the server's checks (NewRequirement): key syntax, value count
// for the operator, value syntax, integers for > and <. The error reads like kube's
// aggregated field errors, e.g. `values[0][app]: Invalid value: "-x": a valid label ...`.
[[nodiscard]] absl::StatusOr<LabelRequirement> MakeLabelRequirement(
    std::string key, LabelOperator op, std::vector<std::string> values);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_LABEL_SELECTOR_H_
