#include "kube/api/core/container.h"

#include "kube/api/core/core_json.h"
#include "kube/api/meta.h"

namespace flyover::kube::core {

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               EnvVar* out) {
  PartialReader r(value, path, errors);
  r.Field("name", &out->name);
  r.Field("value", &out->value);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ResourceRequirements* out) {
  PartialReader r(value, path, errors);
  r.Field("requests", &out->requests);
  r.Field("limits", &out->limits);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               Container* out) {
  PartialReader r(value, path, errors);
  r.Field("name", &out->name);
  r.Field("image", &out->image);
  r.Field("command", &out->command);
  r.Field("args", &out->args);
  r.Field("env", &out->env);
  r.Field("resources", &out->resources);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStateRunning* out) {
  PartialReader r(value, path, errors);
  r.Field("startedAt", &out->started_at);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStateWaiting* out) {
  PartialReader r(value, path, errors);
  r.Field("reason", &out->reason);
  r.Field("message", &out->message);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStateTerminated* out) {
  PartialReader r(value, path, errors);
  r.Field("exitCode", &out->exit_code);
  r.Field("reason", &out->reason);
  r.Field("message", &out->message);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerState* out) {
  PartialReader r(value, path, errors);
  r.Field("running", &out->running);
  r.Field("waiting", &out->waiting);
  r.Field("terminated", &out->terminated);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStatus* out) {
  PartialReader r(value, path, errors);
  r.Field("name", &out->name);
  r.Field("ready", &out->ready);
  r.Field("restartCount", &out->restart_count);
  r.Field("state", &out->state);
  r.Field("lastState", &out->last_state);
  out->rest = r.Rest();
}

void to_json(nlohmann::json& j, const EnvVar& env) {
  j = FromRest(env.rest);
  j["name"] = env.name;
  SetUnlessEmpty(j, "value", env.value);
}

void to_json(nlohmann::json& j, const ResourceRequirements& resources) {
  j = FromRest(resources.rest);
  SetUnlessEmpty(j, "requests", resources.requests);
  SetUnlessEmpty(j, "limits", resources.limits);
}

void to_json(nlohmann::json& j, const Container& container) {
  j = FromRest(container.rest);
  j["name"] = container.name;
  SetUnlessEmpty(j, "image", container.image);
  SetUnlessEmpty(j, "command", container.command);
  SetUnlessEmpty(j, "args", container.args);
  SetUnlessEmpty(j, "env", container.env);
  // A struct with omitempty: the server always writes it, even as {}.
  j["resources"] = container.resources;
}

void to_json(nlohmann::json& j, const ContainerStateRunning& running) {
  j = FromRest(running.rest);
  SetTime(j, "startedAt", running.started_at);
}

void to_json(nlohmann::json& j, const ContainerStateWaiting& waiting) {
  j = FromRest(waiting.rest);
  SetUnlessEmpty(j, "reason", waiting.reason);
  SetUnlessEmpty(j, "message", waiting.message);
}

void to_json(nlohmann::json& j, const ContainerStateTerminated& terminated) {
  j = FromRest(terminated.rest);
  j["exitCode"] = terminated.exit_code;
  SetUnlessEmpty(j, "reason", terminated.reason);
  SetUnlessEmpty(j, "message", terminated.message);
}

void to_json(nlohmann::json& j, const ContainerState& state) {
  j = FromRest(state.rest);
  SetIfPresent(j, "running", state.running);
  SetIfPresent(j, "waiting", state.waiting);
  SetIfPresent(j, "terminated", state.terminated);
}

void to_json(nlohmann::json& j, const ContainerStatus& status) {
  j = FromRest(status.rest);
  j["name"] = status.name;
  j["ready"] = status.ready;
  j["restartCount"] = status.restart_count;
  j["state"] = status.state;
  j["lastState"] = status.last_state;
}

}  // namespace flyover::kube::core
