// Builders of the API objects scheduler tests need: 910C nodes with ASCEND.md's labels, gang
// pods as flyover-operator writes them, device-info ConfigMaps as the device plugin writes
// them. Each returns plain JSON, ready for FakeApiServer::Create or Pack().
#ifndef FLYOVER_SCHEDULER_CACHE_TESTING_OBJECTS_H_
#define FLYOVER_SCHEDULER_CACHE_TESTING_OBJECTS_H_

#include <string>

#include "kube/cache/object.h"
#include "nlohmann/json.hpp"

namespace flyover::sched::testing {

// A Ready 910C node in super-pod `super_pod`, server `server`, with `dies` allocatable dies.
[[nodiscard]] nlohmann::json MakeNode(const std::string& name, int super_pod, int server,
                                      int dies = 16);

struct GangPodSpec {
  std::string namespace_ = "ml";
  std::string name;
  std::string gang = "job-g0";
  int min_member = 1;
  int npus = 16;
  int rank = 0;
  std::string job = "job";
  bool replacement = false;
  std::string created = "2026-12-01T00:00:00Z";
};
// An unbound pod for flyover-scheduler carrying the gang annotations.
[[nodiscard]] nlohmann::json MakeGangPod(const GangPodSpec& spec);
// `pod` bound to `node` holding `devices` ("Ascend910-0,..."; "" for no annotation).
[[nodiscard]] nlohmann::json BoundTo(nlohmann::json pod, const std::string& node,
                                     const std::string& devices);

// kube-system/mindx-dl-deviceinfo-<node> reporting `unhealthy` ("Ascend910-3").
[[nodiscard]] nlohmann::json MakeDeviceInfo(const std::string& node, const std::string& unhealthy);

// Packs for the cache's parsers; aborts the test on failure.
[[nodiscard]] kube::ObjectPtr Pack(const nlohmann::json& object);

}  // namespace flyover::sched::testing

#endif  // FLYOVER_SCHEDULER_CACHE_TESTING_OBJECTS_H_
