#include "apiserver/semantics/json_patch.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/json_body.h"
#include "apiserver/semantics/json_pointer.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;
using Tokens = std::vector<std::string>;

size_t CountValues(const json& value) {
  size_t count = 0;
  std::vector<const json*> pending = {&value};
  while (!pending.empty()) {
    const json* at = pending.back();
    pending.pop_back();
    ++count;
    if (at->is_structured()) {
      for (const json& child : *at) pending.push_back(&child);
    }
  }
  return count;
}

// The value a pointer names inside `at`, or nullptr; `count` tokens are followed.
json* Walk(json* at, const Tokens& tokens, size_t count) {
  for (size_t i = 0; i < count && at != nullptr; ++i) {
    const std::string& token = tokens[i];
    if (at->is_object()) {
      auto it = at->find(token);
      at = it == at->end() ? nullptr : &*it;
    } else if (at->is_array()) {
      std::optional<size_t> index = ParseArrayIndex(token);
      at = index.has_value() && *index < at->size() ? &(*at)[*index] : nullptr;
    } else {
      at = nullptr;
    }
  }
  return at;
}

// One operation: its fields, decoded, and where it sits in the patch.
struct Operation {
  size_t index = 0;
  std::string op;
  std::string path_text;
  Tokens path;
  Tokens from;
  const json* value = nullptr;
};

class Applier {
 public:
  Applier(json document, const JsonPatchOptions& options)
      : document_(std::move(document)), options_(options) {}

  absl::Status Apply(const Operation& op);
  json TakeDocument() { return std::move(document_); }

 private:
  absl::Status Fail(const Operation& op, absl::string_view reason) const {
    return UnprocessableEntityError(
        absl::StrCat("json patch operation ", op.index, " (", op.op, " ", op.path_text,
                     "): ", reason),
        op.path_text);
  }
  // Every value placed into the document passes here, which keeps the document's depth
  // within kMaxJsonNestingDepth without rescanning it after each operation.
  absl::Status CheckDepth(const Operation& op, const Tokens& path, const json& value) const {
    if (path.size() + NestingDepth(value) <= kMaxJsonNestingDepth) return absl::OkStatus();
    return Fail(op, absl::StrCat("the result would be nested deeper than ",
                                 kMaxJsonNestingDepth, " levels"));
  }
  absl::Status Add(const Operation& op, const Tokens& path, json value);
  absl::StatusOr<json> Remove(const Operation& op, const Tokens& path);
  absl::Status Copy(const Operation& op);
  absl::Status Move(const Operation& op);

  json document_;
  const JsonPatchOptions& options_;
  size_t copied_ = 0;
};

absl::Status Applier::Add(const Operation& op, const Tokens& path, json value) {
  RETURN_IF_ERROR(CheckDepth(op, path, value));
  if (path.empty()) {
    document_ = std::move(value);
    return absl::OkStatus();
  }
  json* parent = Walk(&document_, path, path.size() - 1);
  const std::string& last = path.back();
  if (parent != nullptr && parent->is_object()) {
    (*parent)[last] = std::move(value);
    return absl::OkStatus();
  }
  if (parent == nullptr || !parent->is_array()) return Fail(op, "the parent does not exist");
  if (last == "-") {
    parent->push_back(std::move(value));
    return absl::OkStatus();
  }
  std::optional<size_t> index = ParseArrayIndex(last);
  if (!index.has_value() || *index > parent->size()) {
    return Fail(op, absl::StrCat("array index \"", last, "\" is out of range"));
  }
  parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
  return absl::OkStatus();
}

absl::StatusOr<json> Applier::Remove(const Operation& op, const Tokens& path) {
  if (path.empty()) return Fail(op, "cannot remove the whole document");
  json* parent = Walk(&document_, path, path.size() - 1);
  const std::string& last = path.back();
  if (parent != nullptr && parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end()) return Fail(op, "the path does not exist");
    json removed = std::move(*it);
    parent->erase(it);
    return removed;
  }
  std::optional<size_t> index = ParseArrayIndex(last);
  if (parent == nullptr || !parent->is_array() || !index.has_value() ||
      *index >= parent->size()) {
    return Fail(op, "the path does not exist");
  }
  json removed = std::move((*parent)[*index]);
  parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(*index));
  return removed;
}

absl::Status Applier::Copy(const Operation& op) {
  json* source = Walk(&document_, op.from, op.from.size());
  if (source == nullptr) return Fail(op, "the \"from\" path does not exist");
  copied_ += CountValues(*source);
  if (copied_ > options_.max_copied_values) {
    return ToAbslStatus(RequestEntityTooLargeStatus(absl::StrCat(
        "the copy operations of the JSON patch would create more than ",
        options_.max_copied_values, " values")));
  }
  return Add(op, op.path, *source);
}

absl::Status Applier::Move(const Operation& op) {
  const bool into_itself = op.path.size() > op.from.size() &&
                           std::equal(op.from.begin(), op.from.end(), op.path.begin());
  if (into_itself) return Fail(op, "cannot move a value into one of its own children");
  if (Walk(&document_, op.from, op.from.size()) == nullptr) {
    return Fail(op, "the \"from\" path does not exist");
  }
  if (op.from == op.path) return absl::OkStatus();
  ASSIGN_OR_RETURN(json value, Remove(op, op.from));
  return Add(op, op.path, std::move(value));
}

absl::Status Applier::Apply(const Operation& op) {
  if (op.op == "add") return Add(op, op.path, *op.value);
  if (op.op == "remove") return Remove(op, op.path).status();
  if (op.op == "replace") {
    json* target = Walk(&document_, op.path, op.path.size());
    if (target == nullptr) return Fail(op, "the path does not exist");
    RETURN_IF_ERROR(CheckDepth(op, op.path, *op.value));
    *target = *op.value;
    return absl::OkStatus();
  }
  if (op.op == "move") return Move(op);
  if (op.op == "copy") return Copy(op);
  json* target = Walk(&document_, op.path, op.path.size());  // "test"
  if (target == nullptr) return Fail(op, "the path does not exist");
  if (*target != *op.value) return Fail(op, "test failed");
  return absl::OkStatus();
}

absl::StatusOr<Tokens> PointerMember(const json& entry, const char* member, size_t index,
                                     std::string* text) {
  auto it = entry.find(member);
  if (it == entry.end() || !it->is_string()) {
    return UnprocessableEntityError(absl::StrCat("json patch operation ", index, ": \"", member,
                                                 "\" must be a string JSON pointer"));
  }
  *text = it->get<std::string>();
  absl::StatusOr<Tokens> tokens = ParseJsonPointer(*text);
  if (!tokens.ok()) {
    return UnprocessableEntityError(
        absl::StrCat("json patch operation ", index, ": ", tokens.status().message()), *text);
  }
  return tokens;
}

absl::StatusOr<Operation> DecodeOperation(const json& entry, size_t index) {
  Operation op;
  op.index = index;
  auto name = entry.find("op");
  op.op = name != entry.end() && name->is_string() ? name->get<std::string>() : "";
  const bool needs_value = op.op == "add" || op.op == "replace" || op.op == "test";
  const bool needs_from = op.op == "move" || op.op == "copy";
  if (!needs_value && !needs_from && op.op != "remove") {
    return UnprocessableEntityError(absl::StrCat(
        "json patch operation ", index, ": \"op\" must be one of add, remove, replace, move, "
        "copy, test"));
  }
  ASSIGN_OR_RETURN(op.path, PointerMember(entry, "path", index, &op.path_text));
  if (needs_from) {
    std::string from_text;
    ASSIGN_OR_RETURN(op.from, PointerMember(entry, "from", index, &from_text));
  }
  if (needs_value) {
    auto value = entry.find("value");
    if (value == entry.end()) {
      return UnprocessableEntityError(
          absl::StrCat("json patch operation ", index, " (", op.op, "): missing \"value\""),
          op.path_text);
    }
    op.value = &*value;
  }
  return op;
}

absl::Status CheckShape(const json& patch, const JsonPatchOptions& options) {
  if (!patch.is_array()) {
    return ToAbslStatus(
        BadRequestStatus("invalid JSON patch: the body must be a list of operations"));
  }
  if (patch.size() > options.max_operations) {
    return ToAbslStatus(RequestEntityTooLargeStatus(
        absl::StrCat("The allowed maximum operations in a JSON patch is ",
                     options.max_operations, ", got ", patch.size())));
  }
  for (size_t i = 0; i < patch.size(); ++i) {
    if (!patch[i].is_object()) {
      return ToAbslStatus(BadRequestStatus(
          absl::StrCat("invalid JSON patch: operation ", i, " is not an object")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<json> ApplyJsonPatch(const json& document, const json& patch,
                                    const JsonPatchOptions& options) {
  RETURN_IF_ERROR(CheckNestingDepth(patch, "patch"));
  RETURN_IF_ERROR(CheckNestingDepth(document, "object"));
  RETURN_IF_ERROR(CheckShape(patch, options));
  Applier applier(document, options);
  for (size_t i = 0; i < patch.size(); ++i) {
    ASSIGN_OR_RETURN(Operation op, DecodeOperation(patch[i], i));
    RETURN_IF_ERROR(applier.Apply(op));
  }
  return applier.TakeDocument();
}

}  // namespace flyover::apiserver
