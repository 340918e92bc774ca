#include "scheduler/cache/testing/objects.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/api/scheduling_annotations.h"

namespace flyover::sched::testing {

namespace ann = kube::scheduling;

nlohmann::json MakeNode(const std::string& name, int super_pod, int server, int dies) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels",
             {{"accelerator", "huawei-Ascend910"},
              {"accelerator-type", "module-a3-16-super-pod"},
              {"node.kubernetes.io/npu.chip.name", "910C"},
              {"huawei.com/topotree.superpodid", absl::StrCat(super_pod)},
              {"huawei.com/topotree.serverid", absl::StrCat(server)}}}}},
          {"status",
           {{"allocatable", {{"huawei.com/Ascend910", absl::StrCat(dies)}, {"pods", "110"}}},
            {"capacity", {{"huawei.com/Ascend910", absl::StrCat(dies)}, {"pods", "110"}}},
            {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
}

nlohmann::json MakeGangPod(const GangPodSpec& spec) {
  nlohmann::json annotations = {{ann::kAnnotationGang, spec.gang},
                                {ann::kAnnotationMinMember, absl::StrCat(spec.min_member)},
                                {ann::kAnnotationJob, spec.job},
                                {ann::kAnnotationSuperPodBlock, "256"},
                                {ann::kAnnotationSuperPodAffinity, "Preferred"},
                                {"hccl/rankIndex", absl::StrCat(spec.rank)}};
  if (spec.replacement) annotations[ann::kAnnotationReplacement] = "true";
  nlohmann::json requests = {{"huawei.com/Ascend910", absl::StrCat(spec.npus)}};
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", spec.name},
            {"namespace", spec.namespace_},
            {"creationTimestamp", spec.created},
            {"labels", {{ann::kLabelJobName, spec.job}}},
            {"annotations", annotations}}},
          {"spec",
           {{"schedulerName", ann::kSchedulerName},
            {"containers",
             {{{"name", "worker"},
               {"image", "flyover-worker"},
               {"resources", {{"requests", requests}, {"limits", requests}}}}}}}},
          {"status", {{"phase", "Pending"}}}};
}

nlohmann::json BoundTo(nlohmann::json pod, const std::string& node, const std::string& devices) {
  pod["spec"]["nodeName"] = node;
  if (!devices.empty()) pod["metadata"]["annotations"]["huawei.com/Ascend910"] = devices;
  return pod;
}

nlohmann::json MakeDeviceInfo(const std::string& node, const std::string& unhealthy) {
  nlohmann::json device_info = {{"DeviceInfo",
                                 {{"DeviceList",
                                   {{"huawei.com/Ascend910", ""},
                                    {"huawei.com/Ascend910-Unhealthy", unhealthy},
                                    {"huawei.com/Ascend910-NetworkUnhealthy", ""},
                                    {"huawei.com/Ascend910-Fault", "[]"}}},
                                  {"UpdateTime", 1764547200}}},
                                {"CheckCode", ""}};
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", "mindx-dl-deviceinfo-" + node}, {"namespace", "kube-system"}}},
          {"data", {{"DeviceInfoCfg", device_info.dump()}, {"SuperPodID", "0"}}}};
}

kube::ObjectPtr Pack(const nlohmann::json& object) {
  absl::StatusOr<kube::ObjectPtr> packed = kube::MakeCachedObject(object, nullptr);
  if (!packed.ok()) std::abort();
  return *std::move(packed);
}

}  // namespace flyover::sched::testing
