#include "apiserver/server/resource_handler.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/json_body.h"
#include "apiserver/server/apply_handler.h"
#include "apiserver/server/apply_options.h"
#include "apiserver/server/binding.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/patch.h"
#include "apiserver/server/pod_log.h"
#include "apiserver/server/protobuf_body.h"
#include "apiserver/server/request_options.h"
#include "apiserver/server/response_encoding.h"
#include "apiserver/server/strategy.h"
#include "kube/api/yaml.h"

namespace flyover::apiserver {

using nlohmann::json;

struct ResourceHandler::Call {
  const HttpRequest& request;
  const RequestInfo& info;
  const discovery::ResourceInfo& resource;
  absl::Time now;

  StatusContext Context() const { return {ToGroupResource(resource), info.name}; }
  HttpResponse Error(const absl::Status& error) const { return ErrorResponse(error, Context()); }
};

namespace {

HttpResponse NotFoundPath() {
  return ErrorResponse(absl::NotFoundError("the server could not find the requested resource"));
}

// The body of a create or update: JSON, or YAML or protobuf (protobuf_body.h) when the
// Content-Type says so; 415 for anything else.
absl::StatusOr<json> DecodeBody(const HttpRequest& request,
                                const discovery::ResourceInfo& resource) {
  std::string media = request.Header("content-type");
  media = absl::AsciiStrToLower(absl::StripAsciiWhitespace(media.substr(0, media.find(';'))));
  if (media.empty() || media == "application/json" || media == "*/*") {
    return ParseJsonBody(request.body);
  }
  if (media == "application/yaml") {
    absl::StatusOr<std::vector<json>> documents = kube::ParseYamlDocuments(request.body);
    if (!documents.ok() || documents->size() != 1) {
      return ToAbslStatus(BadRequestStatus("the body must be exactly one YAML document"));
    }
    return std::move(documents->front());
  }
  if (media == kProtobufMediaType) return DecodeProtobufBody(resource, request.body);
  return ToAbslStatus(UnsupportedMediaTypeStatus({"application/json", "application/yaml"}));
}

bool SubresourceAllowed(const discovery::ResourceInfo& resource, const RequestInfo& info) {
  if (info.subresource.empty()) return true;
  if (info.subresource == "status") return HasStatusSubresource(resource);
  const bool pods = resource.group.empty() && resource.plural == "pods";
  if (info.subresource == "log") return pods && info.verb == "get";
  return info.subresource == "binding" && pods && info.verb == "create";
}

bool VerbAllowed(const discovery::ResourceInfo& resource, const RequestInfo& info) {
  if (!info.subresource.empty()) return info.verb != "list" && info.verb != "watch";
  const std::string verb = info.verb;
  return std::find(resource.verbs.begin(), resource.verbs.end(), verb) != resource.verbs.end();
}

}  // namespace

HttpResponse ResourceHandler::Handle(const HttpRequest& request, const RequestInfo& info,
                                     std::shared_ptr<const RegistrySnapshot> snapshot) {
  const discovery::ResourceInfo* resource =
      snapshot->registry().Find(info.group, info.version, info.resource);
  if (resource == nullptr || (!resource->namespaced && !info.namespace_name.empty()) ||
      !SubresourceAllowed(*resource, info)) {
    return NotFoundPath();
  }
  if (!VerbAllowed(*resource, info)) {
    return StatusResponse(MethodNotAllowedStatus(ToGroupResource(*resource), info.verb));
  }
  if (info.subresource == "log") {
    return ServePodLog(*objects_, request, info.namespace_name, info.name);
  }
  const Call call{request, info, *resource, objects_->clock()->Now()};
  if (info.verb == "get") return Get(call);
  if (info.verb == "list") return List(call);
  if (info.verb == "watch") return Watch(call, std::move(snapshot));
  if (info.verb == "create") return Create(call);
  if (info.verb == "update") return Update(call);
  if (info.verb == "patch") return Patch(call);
  if (info.verb == "delete") return Delete(call);
  if (info.verb == "deletecollection") return DeleteCollection(call);
  return StatusResponse(MethodNotAllowedStatus(ToGroupResource(*resource), info.verb));
}

HttpResponse ResourceHandler::Get(const Call& call) {
  absl::StatusOr<ReadFormat> format = ReadFormatOf(call.request);
  if (!format.ok()) return call.Error(format.status());
  absl::StatusOr<json> object =
      objects_->Get(call.resource, call.info.namespace_name, call.info.name);
  if (!object.ok()) return call.Error(object.status());
  return ObjectResponse(200, call.resource, *std::move(object), *format, call.now);
}

HttpResponse ResourceHandler::List(const Call& call) {
  absl::StatusOr<ReadFormat> format = ReadFormatOf(call.request);
  if (!format.ok()) return call.Error(format.status());
  absl::StatusOr<ListParams> params = ParseListParams(call.request, call.resource);
  if (!params.ok()) return call.Error(params.status());
  const std::optional<int64_t> at_least = params->resource_version;
  if (at_least && *at_least > 0 && !params->request.exact_revision &&
      !AwaitRevision(*objects_->store(), *at_least)) {
    return StatusResponse(
        TimeoutStatus(absl::StrCat("Too large resource version: ", *at_least,
                                   ", current: ", objects_->store()->CurrentRevision()),
                      1));
  }
  if (!format->table) {  // JSON straight from the stored bytes, without parsing them
    absl::StatusOr<StoredListResult> stored =
        objects_->ListStored(call.resource, call.info.namespace_name, params->request);
    if (!stored.ok()) return call.Error(stored.status());
    return StoredListResponse(call.resource, *std::move(stored));
  }
  absl::StatusOr<ListResult> list =
      objects_->List(call.resource, call.info.namespace_name, params->request);
  if (!list.ok()) return call.Error(list.status());
  return ListResponse(call.resource, *std::move(list), *format, call.now);
}

HttpResponse ResourceHandler::Watch(const Call& call,
                                    std::shared_ptr<const RegistrySnapshot> snapshot) {
  absl::StatusOr<ReadFormat> format = ReadFormatOf(call.request);
  if (!format.ok()) return call.Error(format.status());
  absl::StatusOr<ListParams> params = ParseListParams(call.request, call.resource);
  if (!params.ok()) return call.Error(params.status());
  if (!call.info.name.empty()) {
    // A watch of one object (.../pods/a?watch=true or /watch/.../pods/a) is a watch of the
    // collection narrowed to that name.
    std::string selector = call.request.Param("fieldSelector");
    absl::StrAppend(&selector, selector.empty() ? "" : ",", "metadata.name=", call.info.name);
    absl::StatusOr<FieldSelector> fields =
        FieldSelector::Parse(selector, ToGroupResource(call.resource));
    if (!fields.ok()) return call.Error(fields.status());
    params->request.fields = *std::move(fields);
  }
  WatchRequest watch{&call.resource, call.info.namespace_name, *std::move(params), format->table,
                     format->include_object};
  return ServeWatch({objects_, watches_, metrics_}, std::move(watch), std::move(snapshot));
}

HttpResponse ResourceHandler::Create(const Call& call) {
  absl::StatusOr<json> body = DecodeBody(call.request, call.resource);
  if (!body.ok()) return call.Error(body.status());
  if (call.info.subresource == "binding") {
    absl::Status bound = BindPod(*objects_, call.info.namespace_name, call.info.name, *body);
    if (!bound.ok()) return call.Error(bound);
    json status = SuccessStatus({"", "pods/binding"}, call.info.name, "");
    status["code"] = 201;
    return JsonResponse(201, status);
  }
  absl::StatusOr<WriteOptions> options = ParseWriteOptions(call.request);
  if (!options.ok()) return call.Error(options.status());
  options->field_manager = UpdateManagerOf(call.request);
  const std::string name = body->is_object() ? MetaString(*body, "name") : "";
  absl::StatusOr<WriteResult> created =
      objects_->Create(call.resource, call.info.namespace_name, *std::move(body), *options);
  if (!created.ok()) return ErrorResponse(created.status(), {ToGroupResource(call.resource), name});
  return ObjectResponse(201, call.resource, std::move(created->object), {}, call.now,
                        created->warnings);
}

HttpResponse ResourceHandler::Update(const Call& call) {
  absl::StatusOr<json> body = DecodeBody(call.request, call.resource);
  if (!body.ok()) return call.Error(body.status());
  absl::StatusOr<WriteOptions> options = ParseWriteOptions(call.request);
  if (!options.ok()) return call.Error(options.status());
  options->field_manager = UpdateManagerOf(call.request);
  const json& desired = *body;
  absl::StatusOr<WriteResult> updated = objects_->Update(
      call.resource, call.info.namespace_name, call.info.name, call.info.subresource,
      [&desired](const json&) -> absl::StatusOr<json> { return desired; }, *options);
  if (!updated.ok()) return call.Error(updated.status());
  return ObjectResponse(200, call.resource, std::move(updated->object), {}, call.now,
                        updated->warnings);
}

// Server-side apply (application/apply-patch+yaml) has its own path with field ownership
// (apply_handler.h); every other patch type is a mutation of the stored object.
HttpResponse ResourceHandler::Patch(const Call& call) {
  if (IsApplyPatch(call.request)) {
    return ServeApply({*objects_, call.request, call.info, call.resource, call.now});
  }
  absl::StatusOr<PatchOwnership> ownership = ParsePatchOwnership(call.request, /*apply=*/false);
  if (!ownership.ok()) return call.Error(ownership.status());
  absl::StatusOr<ParsedPatch> patch =
      ParsePatch(call.resource, call.request.Header("content-type"), call.request.body);
  if (!patch.ok()) return call.Error(patch.status());
  absl::StatusOr<WriteOptions> options = ParseWriteOptions(call.request);
  if (!options.ok()) return call.Error(options.status());
  options->field_manager = UpdateManagerOf(call.request);
  const discovery::ResourceInfo& resource = call.resource;
  const ParsedPatch& parsed = *patch;
  absl::StatusOr<WriteResult> patched = objects_->Update(
      resource, call.info.namespace_name, call.info.name, call.info.subresource,
      [&](const json& current) { return ApplyPatch(resource, parsed, current); }, *options);
  if (!patched.ok()) return call.Error(patched.status());
  return ObjectResponse(200, resource, std::move(patched->object), {}, call.now, patched->warnings);
}

HttpResponse ResourceHandler::Delete(const Call& call) {
  absl::StatusOr<DeleteOptions> options = ParseDeleteOptions(call.request);
  if (!options.ok()) return call.Error(options.status());
  absl::StatusOr<DeleteResult> deleted =
      objects_->Delete(call.resource, call.info.namespace_name, call.info.name, *options);
  if (!deleted.ok()) return call.Error(deleted.status());
  return ObjectResponse(200, call.resource, std::move(deleted->object), {}, call.now);
}

HttpResponse ResourceHandler::DeleteCollection(const Call& call) {
  absl::StatusOr<ListParams> params = ParseListParams(call.request, call.resource);
  if (!params.ok()) return call.Error(params.status());
  absl::StatusOr<DeleteOptions> options = ParseDeleteOptions(call.request);
  if (!options.ok()) return call.Error(options.status());
  ListRequest request = params->request;
  request.limit = 0;
  absl::StatusOr<ListResult> list =
      objects_->List(call.resource, call.info.namespace_name, request);
  if (!list.ok()) return call.Error(list.status());
  ListResult deleted;
  deleted.revision = list->revision;
  for (const json& item : list->items) {
    absl::StatusOr<DeleteResult> result = objects_->Delete(
        call.resource, MetaString(item, "namespace"), MetaString(item, "name"), *options);
    if (absl::IsNotFound(result.status())) continue;
    if (!result.ok()) return call.Error(result.status());
    deleted.items.push_back(std::move(result->object));
  }
  return ListResponse(call.resource, std::move(deleted), {}, call.now);
}

}  // namespace flyover::apiserver
