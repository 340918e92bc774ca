// Object builders for tests and benchmarks of code that consumes the informer cache.
//
//   nlohmann::json pod = MakeObject({.namespace_ = "ns", .name = "a", .labels = {{"app", "x"}}});
//   nlohmann::json worker = MakeWorkerPod({.index = 7});   // a realistic ~3 KiB worker pod
//
// The builders return plain JSON in the shape the API server sends; the FakeListerWatcher
// assigns resourceVersions (and uids, when absent) as a server would. Pure functions; safe
// from any thread.
#ifndef FLYOVER_KUBE_CACHE_TESTING_OBJECTS_H_
#define FLYOVER_KUBE_CACHE_TESTING_OBJECTS_H_

#include <map>
#include <string>

#include "nlohmann/json.hpp"

namespace flyover::kube {

struct ObjectSpec {
  std::string api_version = "v1";
  std::string kind = "Pod";
  std::string namespace_;  // empty: cluster-scoped
  std::string name;
  std::string uid;               // omitted when empty
  std::string resource_version;  // omitted when empty
  std::map<std::string, std::string> labels;
  // When set, an ownerReference with controller=true to an owner with this uid.
  std::string controller_uid;
  // Copied into "spec" when not null.
  nlohmann::json spec;
};

// {"apiVersion", "kind", "metadata": {...}, "spec"} from `spec`.
[[nodiscard]] nlohmann::json MakeObject(const ObjectSpec& spec);

struct WorkerPodSpec {
  std::string job = "llama-70b-sft";
  std::string namespace_ = "research";
  int index = 0;
  std::string resource_version = "1";
};

// A Flyover worker pod as the API server returns it once it runs: metadata with labels,
// owner reference to its PostTrainingJob and managedFields of the operator and the kubelet;
// a spec with the worker container (command, env, 16 Ascend dies, mounts) and volumes; a
// Running status with conditions and container status. About 3 KiB of compact JSON. Names,
// uids, IPs, node and timestamps differ by `index`, as they do between a job's pods.
[[nodiscard]] nlohmann::json MakeWorkerPod(const WorkerPodSpec& spec);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_TESTING_OBJECTS_H_
