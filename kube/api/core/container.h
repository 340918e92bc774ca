// core/v1 Container and ContainerStatus: the parts of a pod's containers Flyover reads and
// writes (image, command, env, resource requests and limits; readiness, restarts, exit
// codes). Every field not modelled here is kept in `rest` and written back on encode
// (core_json.h), so decoding and encoding a server's object loses nothing.
//
// Resource lists (requests, limits) keep quantities as the strings the API carries; parse
// them with quantity.h. Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_CONTAINER_H_
#define FLYOVER_KUBE_API_CORE_CONTAINER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

using ResourceList = std::map<std::string, std::string>;

struct EnvVar {
  std::string name;
  std::string value;
  nlohmann::json rest;  // valueFrom, ...

  bool operator==(const EnvVar&) const = default;
};

struct ResourceRequirements {
  ResourceList requests;
  ResourceList limits;
  nlohmann::json rest;  // claims, ...

  bool operator==(const ResourceRequirements&) const = default;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<EnvVar> env;
  ResourceRequirements resources;
  nlohmann::json rest;  // ports, volumeMounts, probes, ...

  bool operator==(const Container&) const = default;
};

struct ContainerStateRunning {
  std::optional<absl::Time> started_at;
  nlohmann::json rest;

  bool operator==(const ContainerStateRunning&) const = default;
};

struct ContainerStateWaiting {
  std::string reason;  // "ContainerCreating", "CrashLoopBackOff", "ErrImagePull", ...
  std::string message;
  nlohmann::json rest;

  bool operator==(const ContainerStateWaiting&) const = default;
};

struct ContainerStateTerminated {
  int32_t exit_code = 0;
  std::string reason;  // "Completed", "Error", "OOMKilled", ...
  std::string message;
  nlohmann::json rest;  // signal, startedAt, finishedAt, containerID

  bool operator==(const ContainerStateTerminated&) const = default;
};

// At most one of running, waiting, terminated is set.
struct ContainerState {
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateTerminated> terminated;
  nlohmann::json rest;

  bool operator==(const ContainerState&) const = default;
};

struct ContainerStatus {
  std::string name;
  bool ready = false;
  int32_t restart_count = 0;
  ContainerState state;
  ContainerState last_state;
  nlohmann::json rest;  // image, imageID, containerID, started, ...

  bool operator==(const ContainerStatus&) const = default;
};

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               EnvVar* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ResourceRequirements* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               Container* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStateRunning* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStateWaiting* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStateTerminated* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerState* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ContainerStatus* out);

void to_json(nlohmann::json& j, const EnvVar& env);
void to_json(nlohmann::json& j, const ResourceRequirements& resources);
void to_json(nlohmann::json& j, const Container& container);
void to_json(nlohmann::json& j, const ContainerStateRunning& running);
void to_json(nlohmann::json& j, const ContainerStateWaiting& waiting);
void to_json(nlohmann::json& j, const ContainerStateTerminated& terminated);
void to_json(nlohmann::json& j, const ContainerState& state);
void to_json(nlohmann::json& j, const ContainerStatus& status);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_CONTAINER_H_
