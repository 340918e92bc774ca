// FakeApiServer: every verb but watch, served from the ScriptedStore, plus what the store
// leaves out: JSON patch, strategic merge patch (as a merge patch) and finalizers.
#include <exception>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kube/testing/fake_api_internal.h"

namespace flyover::kube::testing::internal {
namespace {

using nlohmann::json;

std::string MetaString(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto it = meta->find(key);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : "";
}

bool HasFinalizers(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return false;
  auto it = object["metadata"].find("finalizers");
  return it != object["metadata"].end() && it->is_array() && !it->empty();
}

// The server owns deletionTimestamp: writes to the main resource keep the stored one.
void KeepDeletionTimestamp(const json& existing, json* updated) {
  if (!updated->is_object() || !updated->contains("metadata") ||
      !(*updated)["metadata"].is_object()) {
    return;
  }
  json& meta = (*updated)["metadata"];
  const std::string stored = MetaString(existing, "deletionTimestamp");
  if (stored.empty()) {
    meta.erase("deletionTimestamp");
  } else {
    meta["deletionTimestamp"] = stored;
  }
}

// After a write: an object being deleted whose last finalizer is gone goes now.
StoreResult FinishDeletion(ScriptedStore& store, const Request& req, StoreResult written,
                           bool dry_run) {
  if (dry_run || written.code != 200 || !req.subresource.empty()) return written;
  if (MetaString(written.body, "deletionTimestamp").empty() || HasFinalizers(written.body)) {
    return written;
  }
  (void)store.Delete(*req.resource, req.ns, req.name, json(), false);
  return written;
}

StoreResult Put(ScriptedStore& store, const Request& req, bool dry_run) {
  json body = req.body;
  if (req.subresource.empty()) {
    const StoreResult existing = store.Get(*req.resource, req.ns, req.name);
    if (existing.code == 200) KeepDeletionTimestamp(existing.body, &body);
  }
  return FinishDeletion(
      store, req, store.Update(*req.resource, req.ns, req.name, std::move(body), req.subresource, dry_run),
      dry_run);
}

StoreResult JsonPatch(ScriptedStore& store, const Request& req, bool dry_run) {
  if (!req.body.is_array()) {
    return StatusForCode(400, "a JSON patch must be an array of operations");
  }
  const StoreResult existing = store.Get(*req.resource, req.ns, req.name);
  if (existing.code != 200) return existing;
  json patched;
  try {
    patched = existing.body.patch(req.body);
  } catch (const std::exception& e) {
    return StatusForCode(422, absl::StrCat("the JSON patch could not be applied: ", e.what()));
  }
  if (req.subresource.empty()) KeepDeletionTimestamp(existing.body, &patched);
  // The patched object carries the stored resourceVersion unless the patch changed it.
  return store.Update(*req.resource, req.ns, req.name, std::move(patched), req.subresource,
                      dry_run);
}

StoreResult Patch(ScriptedStore& store, const Request& req, bool dry_run) {
  const std::string& type = req.content_type;
  StoreResult result;
  if (absl::StartsWith(type, "application/merge-patch+json") ||
      absl::StartsWith(type, "application/strategic-merge-patch+json")) {
    json patch = req.body;
    if (req.subresource.empty() && patch.is_object() && patch.contains("metadata") &&
        patch["metadata"].is_object()) {
      patch["metadata"].erase("deletionTimestamp");
    }
    result = store.MergePatch(*req.resource, req.ns, req.name, patch, req.subresource, dry_run);
  } else if (absl::StartsWith(type, "application/json-patch+json")) {
    result = JsonPatch(store, req, dry_run);
  } else if (absl::StartsWith(type, "application/apply-patch+yaml")) {
    result = store.Apply(*req.resource, req.ns, req.name, req.body, req.Param("fieldManager"),
                         req.Param("force") == "true", dry_run);
  } else {
    return StatusForCode(415, absl::StrCat("the body of the request was in an unknown format - "
                                           "accepted media types include: application/json-patch+json, "
                                           "application/merge-patch+json, application/"
                                           "strategic-merge-patch+json, application/apply-patch+yaml; got ",
                                           type));
  }
  return FinishDeletion(store, req, std::move(result), dry_run);
}

// A delete whose preconditions (uid, resourceVersion) the stored object fails: 409.
std::optional<StoreResult> FailedPrecondition(const Request& req, const json& stored) {
  if (!req.body.is_object() || !req.body.contains("preconditions")) return std::nullopt;
  const json& pre = req.body["preconditions"];
  const std::string uid = pre.value("uid", ""), rv = pre.value("resourceVersion", "");
  if ((uid.empty() || uid == MetaString(stored, "uid")) &&
      (rv.empty() || rv == MetaString(stored, "resourceVersion"))) {
    return std::nullopt;
  }
  return StatusResult(409, "Conflict",
                      absl::StrCat("Precondition failed for ", req.resource->QualifiedName(), " \"",
                                   req.name, "\": the object has been modified"));
}

// Deletes, or, while finalizers remain, marks the object with a deletionTimestamp.
StoreResult Delete(ScriptedStore& store, const Request& req, bool dry_run) {
  if (req.name.empty()) return StatusForCode(405, "deletecollection is not supported by the fake");
  const StoreResult existing = store.Get(*req.resource, req.ns, req.name);
  if (existing.code != 200) return existing;
  if (!HasFinalizers(existing.body)) {
    return store.Delete(*req.resource, req.ns, req.name, req.body, dry_run);
  }
  if (std::optional<StoreResult> failed = FailedPrecondition(req, existing.body)) return *failed;
  if (req.body.is_object() && req.body.contains("dryRun")) dry_run = true;
  if (!MetaString(existing.body, "deletionTimestamp").empty()) return existing;
  json marked = existing.body;
  marked["metadata"]["deletionTimestamp"] =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  marked["metadata"]["deletionGracePeriodSeconds"] = 0;
  return store.Update(*req.resource, req.ns, req.name, std::move(marked), "", dry_run);
}

StoreResult ListOrGet(const ScriptedStore& store, const Request& req) {
  if (!req.name.empty()) return store.Get(*req.resource, req.ns, req.name);
  ListQuery query{req.Param("labelSelector"), req.Param("fieldSelector"), 0, req.Param("continue")};
  if (const std::string limit = req.Param("limit");
      !limit.empty() && !absl::SimpleAtoi(limit, &query.limit)) {
    return StatusForCode(400, absl::StrCat("limit: invalid value \"", limit, "\""));
  }
  return store.List(*req.resource, req.ns, query);
}

StoreResult Post(ScriptedStore& store, const Request& req, bool dry_run) {
  const ResourceDescriptor& r = *req.resource;
  if (req.subresource == "binding" && r.plural == "pods") {
    return store.Bind(req.ns, req.name, req.body, dry_run);
  }
  if (!req.name.empty()) return StatusForCode(405, "POST goes to a collection");
  if (r.namespaced && req.ns.empty()) {
    return StatusForCode(405, absl::StrCat("create ", r.QualifiedName(),
                                           ": a namespaced resource needs a namespace in the path "
                                           "(is metadata.namespace empty?)"));
  }
  return store.Create(r, req.ns, req.body, dry_run);
}

}  // namespace

StoreResult Dispatch(FakeApiState& state, const Request& req) {
  ScriptedStore& store = state.store;
  const bool dry_run = req.Param("dryRun") == "All";
  if (req.method == "GET") return ListOrGet(store, req);
  if (req.method == "POST") return Post(store, req, dry_run);
  if (req.method == "PUT") return Put(store, req, dry_run);
  if (req.method == "PATCH") return Patch(store, req, dry_run);
  if (req.method == "DELETE") return Delete(store, req, dry_run);
  return StatusForCode(405, absl::StrCat("the server does not allow the method ", req.method));
}

}  // namespace flyover::kube::testing::internal
