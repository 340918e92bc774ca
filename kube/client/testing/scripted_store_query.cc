// ScriptedStore: selectors, paginated lists, the watch event log and server-side apply.
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "kube/client/testing/scripted_store.h"
#include "kube/client/testing/scripted_store_internal.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using internal::Key;

struct Requirement {
  std::string key;
  enum class Op { kEquals, kNotEquals, kExists, kNotExists } op = Op::kExists;
  std::string value;
};

absl::StatusOr<std::vector<Requirement>> ParseSelector(absl::string_view selector, bool fields) {
  std::vector<Requirement> out;
  for (absl::string_view term : absl::StrSplit(selector, ',', absl::SkipWhitespace())) {
    term = absl::StripAsciiWhitespace(term);
    Requirement req;
    if (absl::StrContains(term, '(')) {
      return absl::InvalidArgumentError(absl::StrCat("unsupported selector term \"", term, "\""));
    }
    if (size_t at = term.find("!="); at != absl::string_view::npos) {
      req = {std::string(term.substr(0, at)), Requirement::Op::kNotEquals,
             std::string(term.substr(at + 2))};
    } else if (size_t eq = term.find('='); eq != absl::string_view::npos) {
      absl::string_view value = term.substr(eq + 1);
      absl::ConsumePrefix(&value, "=");
      req = {std::string(term.substr(0, eq)), Requirement::Op::kEquals, std::string(value)};
    } else if (!fields && absl::ConsumePrefix(&term, "!")) {
      req = {std::string(term), Requirement::Op::kNotExists, ""};
    } else if (!fields) {
      req = {std::string(term), Requirement::Op::kExists, ""};
    } else {
      return absl::InvalidArgumentError(absl::StrCat("invalid field selector \"", term, "\""));
    }
    req.key = std::string(absl::StripAsciiWhitespace(req.key));
    if (req.key.empty()) return absl::InvalidArgumentError("selector term without a key");
    out.push_back(std::move(req));
  }
  return out;
}

bool Satisfied(const Requirement& req, const std::optional<std::string>& actual) {
  switch (req.op) {
    case Requirement::Op::kEquals: return actual.has_value() && *actual == req.value;
    case Requirement::Op::kNotEquals: return !actual.has_value() || *actual != req.value;
    case Requirement::Op::kExists: return actual.has_value();
    case Requirement::Op::kNotExists: return !actual.has_value();
  }
  return false;
}

std::optional<std::string> FieldAt(const json& object, const std::string& path) {
  const json* at = &object;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(std::string(part));
    if (it == at->end()) return std::nullopt;
    at = &*it;
  }
  if (at->is_string()) return at->get<std::string>();
  return at->dump();
}

std::string EncodeContinue(int64_t rv, const std::string& start) {
  return absl::WebSafeBase64Escape(json{{"rv", rv}, {"start", start}}.dump());
}

// Leaf paths of everything a manager can own: the object minus identity and status.
void Flatten(const json& value, const std::string& path, std::map<std::string, json>* out) {
  if (!value.is_object() || value.empty()) {
    (*out)[path] = value;
    return;
  }
  for (const auto& [key, child] : value.items()) Flatten(child, path + "." + key, out);
}

std::map<std::string, json> OwnableFields(const json& object) {
  std::map<std::string, json> out;
  if (!object.is_object()) return out;
  for (const auto& [key, child] : object.items()) {
    if (key == "apiVersion" || key == "kind" || key == "status") continue;
    if (key == "metadata") {
      for (const char* field : {"labels", "annotations"}) {
        if (child.contains(field)) Flatten(child[field], std::string(".metadata.") + field, &out);
      }
      continue;
    }
    Flatten(child, "." + key, &out);
  }
  return out;
}

}  // namespace

absl::StatusOr<bool> MatchesLabelSelector(const json& object, absl::string_view selector) {
  absl::StatusOr<std::vector<Requirement>> reqs = ParseSelector(selector, false);
  if (!reqs.ok()) return reqs.status();
  const json labels = object.is_object() && object.contains("metadata")
                          ? object["metadata"].value("labels", json::object())
                          : json::object();
  for (const Requirement& req : *reqs) {
    std::optional<std::string> actual;
    if (auto it = labels.find(req.key); it != labels.end() && it->is_string()) actual = *it;
    if (!Satisfied(req, actual)) return false;
  }
  return true;
}

absl::StatusOr<bool> MatchesFieldSelector(const json& object, absl::string_view selector) {
  absl::StatusOr<std::vector<Requirement>> reqs = ParseSelector(selector, true);
  if (!reqs.ok()) return reqs.status();
  for (const Requirement& req : *reqs) {
    std::optional<std::string> actual = FieldAt(object, req.key);
    if (!actual.has_value()) actual = "";
    if (!Satisfied(req, actual)) return false;
  }
  return true;
}

StoreResult ScriptedStore::List(const ResourceDescriptor& r, const std::string& ns,
                                const ListQuery& query) const {
  int64_t list_rv = rv_;
  std::string start;
  if (!query.continue_token.empty()) {
    std::string decoded;
    json token;
    if (absl::WebSafeBase64Unescape(query.continue_token, &decoded)) {
      token = json::parse(decoded, nullptr, false);
    }
    if (!token.is_object() || !token["rv"].is_number_integer() || !token["start"].is_string()) {
      return StatusResult(400, "BadRequest", "continue key is not valid");
    }
    if (token["rv"].get<int64_t>() < continue_valid_from_) {
      return StatusResult(410, "Expired",
                          "The provided continue parameter is too old to display a consistent "
                          "list result. You can start a new list without the continue parameter.");
    }
    list_rv = token["rv"].get<int64_t>();
    start = token["start"].get<std::string>();
  }
  json items = json::array();
  std::string last_key;
  int64_t remaining = 0;
  if (const Objects* objects = ObjectsOf(r); objects != nullptr) {
    const std::string prefix = r.namespaced && !ns.empty() ? ns + "/" : "";
    for (auto it = start.empty() ? objects->begin() : objects->upper_bound(start);
         it != objects->end(); ++it) {
      if (!absl::StartsWith(it->first, prefix)) continue;
      absl::StatusOr<bool> labels = MatchesLabelSelector(it->second, query.label_selector);
      absl::StatusOr<bool> fields = MatchesFieldSelector(it->second, query.field_selector);
      if (!labels.ok() || !fields.ok()) {
        return StatusResult(400, "BadRequest",
                            std::string((!labels.ok() ? labels : fields).status().message()));
      }
      if (!*labels || !*fields) continue;
      if (query.limit > 0 && static_cast<int64_t>(items.size()) >= query.limit) {
        ++remaining;
        continue;
      }
      json item = it->second;
      if (r.group.empty()) {  // typed core lists omit each item's kind and apiVersion
        item.erase("kind");
        item.erase("apiVersion");
      }
      items.push_back(std::move(item));
      last_key = it->first;
    }
  }
  json list = {{"kind", r.kind + "List"},
               {"apiVersion", r.ApiVersion()},
               {"metadata", {{"resourceVersion", absl::StrCat(list_rv)}}},
               {"items", std::move(items)}};
  if (remaining > 0) {
    list["metadata"]["continue"] = EncodeContinue(list_rv, last_key);
    list["metadata"]["remainingItemCount"] = remaining;
  }
  return StoreResult{200, std::move(list)};
}

absl::StatusOr<std::vector<StoredEvent>> ScriptedStore::EventsAfter(
    const ResourceDescriptor& r, const std::string& ns, int64_t after,
    const std::string& label_selector, StoreResult* gone) const {
  if (after < compacted_) {
    *gone = StatusResult(410, "Expired",
                         absl::StrCat("too old resource version: ", after, " (", compacted_, ")"));
    return absl::OutOfRangeError(gone->body["message"].get<std::string>());
  }
  std::vector<StoredEvent> out;
  const std::string qualified = r.QualifiedName();
  for (const auto& [resource, event] : log_) {
    if (event.resource_version <= after || resource != qualified) continue;
    if (r.namespaced && !ns.empty() && internal::MetaStr(event.object, "namespace") != ns) continue;
    absl::StatusOr<bool> match = MatchesLabelSelector(event.object, label_selector);
    if (!match.ok()) return match.status();
    if (*match) out.push_back(event);
  }
  return out;
}

std::vector<StoredEvent> ScriptedStore::CurrentState(const ResourceDescriptor& r,
                                                     const std::string& ns,
                                                     const std::string& label_selector) const {
  std::vector<StoredEvent> out;
  const Objects* objects = ObjectsOf(r);
  if (objects == nullptr) return out;
  for (const auto& [key, object] : *objects) {
    if (r.namespaced && !ns.empty() && internal::MetaStr(object, "namespace") != ns) continue;
    absl::StatusOr<bool> match = MatchesLabelSelector(object, label_selector);
    if (match.ok() && *match) {
      out.push_back(StoredEvent{std::stoll(internal::MetaStr(object, "resourceVersion")),
                                WatchStreamEventType::kAdded, object});
    }
  }
  return out;
}

StoreResult ScriptedStore::Apply(const ResourceDescriptor& r, const std::string& ns,
                                 const std::string& name, const json& object,
                                 const std::string& manager, bool force, bool dry_run) {
  if (manager.empty()) {
    return StatusResult(400, "BadRequest", "PATCH requests with apply must specify fieldManager");
  }
  if (!object.is_object() || internal::MetaStr(object, "name") != name) {
    return StatusResult(400, "BadRequest", "the name in the applied object does not match the URL");
  }
  const std::string key = Key(r, ns, name);
  auto& owners = owners_[r.QualifiedName() + "|" + key];
  const std::map<std::string, json> applied = OwnableFields(object);
  const Objects& objects = ObjectsOf(r);
  auto it = objects.find(key);
  if (it == objects.end()) {
    StoreResult created = Create(r, ns, object, dry_run);
    if (created.code == 201 && !dry_run) {
      for (const auto& [path, value] : applied) owners[manager].insert(path);
    }
    return created;
  }
  const std::map<std::string, json> current = OwnableFields(it->second);
  std::vector<std::string> conflicts;
  for (const auto& [path, value] : applied) {
    auto now = current.find(path);
    if (now == current.end() || now->second == value) continue;
    for (const auto& [other, paths] : owners) {
      if (other != manager && paths.contains(path)) {
        conflicts.push_back(absl::StrCat("conflict with \"", other, "\": ", path));
      }
    }
  }
  if (!conflicts.empty() && !force) {
    return StatusResult(409, "Conflict",
                        absl::StrCat("Apply failed with ", conflicts.size(), " conflict",
                                     conflicts.size() == 1 ? "" : "s", ": ",
                                     absl::StrJoin(conflicts, "\n")));
  }
  json merged = it->second;
  merged.merge_patch(object);
  StoreResult result = Write(r, ns, name, std::move(merged), "", dry_run);
  if (!dry_run) {
    for (const auto& [path, value] : applied) {
      for (auto& [other, paths] : owners) paths.erase(path);
      owners[manager].insert(path);
    }
  }
  return result;
}

}  // namespace flyover::kube::testing
