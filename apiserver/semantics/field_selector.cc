#include "apiserver/semantics/field_selector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

absl::Status BadRequest(absl::string_view message) {
  return ToAbslStatus(BadRequestStatus(message));
}

// Splits on commas that no backslash escapes; escapes stay in the terms.
std::vector<std::string> SplitTerms(absl::string_view selector) {
  std::vector<std::string> terms;
  if (selector.empty()) return terms;
  size_t start = 0;
  bool escaped = false;
  for (size_t i = 0; i < selector.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (selector[i] == '\\') {
      escaped = true;
    } else if (selector[i] == ',') {
      terms.emplace_back(selector.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(selector.substr(start));
  return terms;
}

struct Term {
  std::string field;
  std::string op;
  std::string value;
};

// The first operator from the left, trying "!=", "==", "=" at each position.
bool SplitTerm(absl::string_view term, Term* out) {
  for (size_t i = 0; i < term.size(); ++i) {
    absl::string_view rest = term.substr(i);
    for (absl::string_view op : {"!=", "==", "="}) {
      if (absl::StartsWith(rest, op)) {
        *out = Term{std::string(term.substr(0, i)), std::string(op),
                    std::string(rest.substr(op.size()))};
        return true;
      }
    }
  }
  return false;
}

absl::StatusOr<std::string> UnescapeValue(absl::string_view value) {
  std::string out;
  bool escaped = false;
  for (char c : value) {
    if (escaped) {
      if (c != '\\' && c != ',' && c != '=') {
        return BadRequest(absl::StrCat(
            "invalid field selector: invalid escape sequence: \\", absl::string_view(&c, 1)));
      }
      out.push_back(c);
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ',' || c == '=') {
      // Go prints the rune as its number.
      return BadRequest(absl::StrCat("invalid field selector: unescaped character in value: ",
                                     static_cast<int>(c)));
    } else {
      out.push_back(c);
    }
  }
  if (escaped) return BadRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

std::string EscapeValue(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string FieldRequirement::String() const {
  return absl::StrCat(field, equals ? "=" : "!=", EscapeValue(value));
}

absl::StatusOr<FieldSelector> FieldSelector::Parse(absl::string_view selector,
                                                   const GroupResource& resource) {
  std::vector<std::string> terms = SplitTerms(selector);
  std::sort(terms.begin(), terms.end());  // the server reports the first in this order
  std::vector<FieldRequirement> parsed;
  for (const std::string& text : terms) {
    if (text.empty()) continue;
    Term term;
    if (!SplitTerm(text, &term)) {
      return BadRequest(
          absl::StrCat("invalid selector: '", selector, "'; can't understand '", text, "'"));
    }
    ASSIGN_OR_RETURN(std::string value, UnescapeValue(term.value));
    parsed.push_back(FieldRequirement{term.field, term.op != "!=", std::move(value)});
  }
  // Labels are checked once the whole selector has parsed, as the server's Transform does.
  for (FieldRequirement& requirement : parsed) {
    ASSIGN_OR_RETURN(requirement.field, ConvertFieldLabel(resource, requirement.field));
  }
  FieldSelector result;
  result.resource_ = resource;
  result.requirements_ = std::move(parsed);
  return result;
}

bool FieldSelector::Matches(const nlohmann::json& object) const {
  for (const FieldRequirement& requirement : requirements_) {
    std::optional<std::string> value =
        SelectableFieldValue(object, resource_, requirement.field);
    const std::string actual = value.value_or("");
    if ((actual == requirement.value) != requirement.equals) return false;
  }
  return true;
}

std::string FieldSelector::String() const {
  std::vector<std::string> parts;
  for (const FieldRequirement& requirement : requirements_) {
    parts.push_back(requirement.String());
  }
  return absl::StrJoin(parts, ",");
}

std::optional<std::string> FieldSelector::RequiresExactMatch(absl::string_view field) const {
  for (const FieldRequirement& requirement : requirements_) {
    if (requirement.field == field && requirement.equals) return requirement.value;
  }
  return std::nullopt;
}

}  // namespace flyover::apiserver
