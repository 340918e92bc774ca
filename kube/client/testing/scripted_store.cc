// ScriptedStore: single-object reads and writes. Lists, selectors, watches and apply are
// in scripted_store_query.cc.
#include "kube/client/testing/scripted_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kube/client/testing/scripted_store_internal.h"

namespace flyover::kube::testing {

using nlohmann::json;
using internal::Key;
using internal::MetaStr;

StoreResult StatusResult(int code, absl::string_view reason, absl::string_view message,
                         json details) {
  json body = {{"kind", "Status"},  {"apiVersion", "v1"},     {"metadata", json::object()},
               {"status", "Failure"}, {"message", message}, {"reason", reason},
               {"code", code}};
  if (!details.is_null()) body["details"] = std::move(details);
  return StoreResult{code, std::move(body)};
}

void ScriptedStore::AddResource(const ResourceDescriptor& resource) {
  resources_.emplace(absl::StrCat(resource.group, "/", resource.version, "/", resource.plural),
                     resource);
}

const ResourceDescriptor* ScriptedStore::Find(absl::string_view group, absl::string_view version,
                                              absl::string_view plural) const {
  auto it = resources_.find(absl::StrCat(group, "/", version, "/", plural));
  return it == resources_.end() ? nullptr : &it->second;
}

const ScriptedStore::Objects* ScriptedStore::ObjectsOf(const ResourceDescriptor& r) const {
  auto it = objects_.find(r.QualifiedName());
  return it == objects_.end() ? nullptr : &it->second;
}

StoreResult ScriptedStore::Get(const ResourceDescriptor& r, const std::string& ns,
                               const std::string& name) const {
  const Objects* objects = ObjectsOf(r);
  if (objects != nullptr) {
    if (auto it = objects->find(Key(r, ns, name)); it != objects->end()) return {200, it->second};
  }
  return internal::NotFound(r, name);
}

StoreResult ScriptedStore::Commit(const ResourceDescriptor& r, const std::string& key, json object,
                                  WatchStreamEventType type, bool dry_run, int code) {
  if (dry_run) return StoreResult{code, std::move(object)};
  ++rv_;
  object["metadata"]["resourceVersion"] = absl::StrCat(rv_);
  if (type == WatchStreamEventType::kDeleted) {
    ObjectsOf(r).erase(key);
    owners_.erase(r.QualifiedName() + "|" + key);
  } else {
    ObjectsOf(r)[key] = object;
  }
  log_.emplace_back(r.QualifiedName(), StoredEvent{rv_, type, object});
  return StoreResult{code, std::move(object)};
}

StoreResult ScriptedStore::Create(const ResourceDescriptor& r, const std::string& ns, json object,
                                  bool dry_run) {
  if (!object.is_object()) return StatusResult(400, "BadRequest", "the body is not an object");
  json& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string name = MetaStr(object, "name");
  if (name.empty() && !MetaStr(object, "generateName").empty()) {
    name = absl::StrCat(MetaStr(object, "generateName"), "x", ++uid_counter_);
  }
  if (name.empty()) {
    return internal::Invalid(r, "", "metadata.name: Required value: name or generateName is required");
  }
  if (r.namespaced) {
    const std::string body_ns = MetaStr(object, "namespace");
    if (!body_ns.empty() && body_ns != ns) {
      return StatusResult(400, "BadRequest",
                          "the namespace of the provided object does not match the namespace "
                          "sent on the request");
    }
    meta["namespace"] = ns;
  }
  const std::string key = Key(r, ns, name);
  if (ObjectsOf(r).contains(key)) return internal::AlreadyExists(r, name);
  meta["name"] = name;
  meta["uid"] = absl::StrCat("00000000-0000-4000-8000-", 100000000000 + ++uid_counter_);
  meta["creationTimestamp"] = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  meta["generation"] = 1;
  object["apiVersion"] = r.ApiVersion();
  object["kind"] = r.kind;
  return Commit(r, key, std::move(object), WatchStreamEventType::kAdded, dry_run, 201);
}

// Replaces the stored object by `updated`, keeping server-owned metadata and, per
// subresource, either the status or everything but the status.
StoreResult ScriptedStore::Write(const ResourceDescriptor& r, const std::string& ns,
                                 const std::string& name, json updated,
                                 absl::string_view subresource, bool dry_run) {
  const std::string key = Key(r, ns, name);
  const json& existing = ObjectsOf(r)[key];
  json result;
  if (subresource == "status") {
    result = existing;
    if (updated.contains("status")) result["status"] = updated["status"];
  } else {
    result = std::move(updated);
    if (existing.contains("status")) {
      result["status"] = existing["status"];
    } else {
      result.erase("status");
    }
    int64_t generation = existing["metadata"].value("generation", int64_t{1});
    if (result.value("spec", json()) != existing.value("spec", json())) ++generation;
    result["metadata"]["generation"] = generation;
  }
  for (const char* field : {"name", "namespace", "uid", "creationTimestamp"}) {
    if (existing["metadata"].contains(field)) result["metadata"][field] = existing["metadata"][field];
  }
  result["apiVersion"] = r.ApiVersion();
  result["kind"] = r.kind;
  return Commit(r, key, std::move(result), WatchStreamEventType::kModified, dry_run, 200);
}

StoreResult ScriptedStore::Update(const ResourceDescriptor& r, const std::string& ns,
                                  const std::string& name, json object,
                                  absl::string_view subresource, bool dry_run) {
  if (!object.is_object()) return StatusResult(400, "BadRequest", "the body is not an object");
  const Objects& objects = ObjectsOf(r);
  auto it = objects.find(Key(r, ns, name));
  if (it == objects.end()) return internal::NotFound(r, name);
  if (MetaStr(object, "name") != name) {
    return StatusResult(400, "BadRequest",
                        absl::StrCat("the name of the object (", MetaStr(object, "name"),
                                     ") does not match the name on the URL (", name, ")"));
  }
  const std::string rv = MetaStr(object, "resourceVersion");
  if (rv.empty()) {
    return internal::Invalid(
        r, name, "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
  }
  if (rv != MetaStr(it->second, "resourceVersion")) return internal::Conflict(r, name);
  return Write(r, ns, name, std::move(object), subresource, dry_run);
}

StoreResult ScriptedStore::MergePatch(const ResourceDescriptor& r, const std::string& ns,
                                      const std::string& name, const json& patch,
                                      absl::string_view subresource, bool dry_run) {
  if (!patch.is_object()) return StatusResult(400, "BadRequest", "the patch is not an object");
  const Objects& objects = ObjectsOf(r);
  auto it = objects.find(Key(r, ns, name));
  if (it == objects.end()) return internal::NotFound(r, name);
  const std::string rv = MetaStr(patch, "resourceVersion");
  if (!rv.empty() && rv != MetaStr(it->second, "resourceVersion")) return internal::Conflict(r, name);
  json patched = it->second;
  patched.merge_patch(patch);
  return Write(r, ns, name, std::move(patched), subresource, dry_run);
}

StoreResult ScriptedStore::Delete(const ResourceDescriptor& r, const std::string& ns,
                                  const std::string& name, const json& options, bool dry_run) {
  const Objects& objects = ObjectsOf(r);
  auto it = objects.find(Key(r, ns, name));
  if (it == objects.end()) return internal::NotFound(r, name);
  if (options.is_object() && options.contains("preconditions")) {
    const json& pre = options["preconditions"];
    const std::string uid = pre.value("uid", ""), rv = pre.value("resourceVersion", "");
    if ((!uid.empty() && uid != MetaStr(it->second, "uid")) ||
        (!rv.empty() && rv != MetaStr(it->second, "resourceVersion"))) {
      return StatusResult(409, "Conflict",
                          absl::StrCat("Precondition failed for ", r.QualifiedName(), " \"", name,
                                       "\": the object has been modified"));
    }
  }
  if (options.is_object() && options.contains("dryRun")) dry_run = true;
  return Commit(r, Key(r, ns, name), it->second, WatchStreamEventType::kDeleted, dry_run, 200);
}

StoreResult ScriptedStore::Bind(const std::string& ns, const std::string& pod, const json& binding,
                                bool dry_run) {
  const ResourceDescriptor& pods = PodsResource();
  const Objects& objects = ObjectsOf(pods);
  auto it = objects.find(Key(pods, ns, pod));
  if (it == objects.end()) return internal::NotFound(pods, pod);
  const std::string node = binding.is_object() && binding.contains("target")
                               ? binding["target"].value("name", "")
                               : "";
  if (node.empty()) return internal::Invalid(pods, pod, "target.name: Required value");
  const std::string current = it->second.value("spec", json::object()).value("nodeName", "");
  if (!current.empty()) {
    return StatusResult(409, "Conflict",
                        absl::StrCat("Operation cannot be fulfilled on pods/binding \"", pod,
                                     "\": pod ", pod, " is already assigned to node \"", current,
                                     "\""));
  }
  const json meta = binding.value("metadata", json::object());
  const std::string uid = meta.is_object() ? meta.value("uid", "") : "";
  if (!uid.empty() && uid != MetaStr(it->second, "uid")) {
    return StatusResult(409, "Conflict",
                        absl::StrCat("Operation cannot be fulfilled on pods/binding \"", pod,
                                     "\": Precondition failed: UID in precondition: ", uid,
                                     ", UID in object meta: ", MetaStr(it->second, "uid")));
  }
  json bound = it->second;
  bound["spec"]["nodeName"] = node;
  // As kube-apiserver: the Binding's annotations land on the pod in the same write.
  if (meta.is_object() && meta.contains("annotations") && meta["annotations"].is_object()) {
    json& annotations = bound["metadata"]["annotations"];
    if (!annotations.is_object()) annotations = json::object();
    for (const auto& [key, value] : meta["annotations"].items()) annotations[key] = value;
  }
  Commit(pods, Key(pods, ns, pod), std::move(bound), WatchStreamEventType::kModified, dry_run, 201);
  json success = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
                  {"status", "Success"}, {"code", 201}};
  return StoreResult{201, std::move(success)};
}

}  // namespace flyover::kube::testing
