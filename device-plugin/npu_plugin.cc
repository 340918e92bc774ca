#include "device-plugin/npu_plugin.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"
#include "device-plugin/api/protocol.h"

namespace flyover::deviceplugin {
namespace {

using topology::DieId;
using topology::DieSet;

constexpr const char* kSharedDeviceFiles[] = {"davinci_manager", "devmm_svm", "hisi_hdc"};

void AddDeviceFile(v1beta1::ContainerAllocateResponse* response, const std::string& dir,
                   absl::string_view name) {
  v1beta1::DeviceSpec* spec = response->add_devices();
  spec->set_container_path(absl::StrCat("/dev/", name));
  spec->set_host_path(absl::StrCat(dir, "/", name));
  spec->set_permissions("rw");
}

std::string DeviceName(DieId die) { return absl::StrCat(topology::kDeviceNamePrefix, die); }

}  // namespace

NpuDevicePlugin::NpuDevicePlugin(NpuSource* source, PodLookup* lookup, NpuPluginOptions options)
    : source_(source), lookup_(lookup), options_(std::move(options)) {}

v1beta1::DevicePluginOptions NpuDevicePlugin::GetOptions() const {
  v1beta1::DevicePluginOptions options;
  options.set_pre_start_required(false);
  options.set_get_preferred_allocation_available(true);
  return options;
}

v1beta1::ListAndWatchResponse NpuDevicePlugin::Devices() {
  v1beta1::ListAndWatchResponse response;
  for (const DieStatus& status : source_->Statuses()) {
    v1beta1::Device* device = response.add_devices();
    device->set_id(DeviceName(status.die));
    device->set_health(std::string(status.Healthy() ? kHealthy : kUnhealthy));
  }
  return response;
}

void NpuDevicePlugin::StreamDevices(
    const std::function<bool(const v1beta1::ListAndWatchResponse&)>& write,
    const std::function<bool()>& cancelled) {
  uint64_t sent = source_->generation();
  if (!write(Devices())) return;
  while (!cancelled()) {
    const uint64_t now = source_->WaitForChange(sent, options_.watch_poll);
    if (now == sent) continue;
    sent = now;
    if (!write(Devices())) return;
  }
}

DieSet NpuDevicePlugin::HealthyDies() {
  DieSet healthy;
  for (const DieStatus& status : source_->Statuses()) {
    if (status.Healthy()) healthy.Insert(status.die);
  }
  return healthy;
}

absl::StatusOr<v1beta1::PreferredAllocationResponse> NpuDevicePlugin::GetPreferredAllocation(
    const v1beta1::PreferredAllocationRequest& request) {
  const DieSet node = source_->description().DieIds();
  const DieSet healthy = HealthyDies();
  DieSet held;
  {
    absl::MutexLock lock(&mu_);
    held = table_.Held();
  }
  v1beta1::PreferredAllocationResponse response;
  for (int i = 0; i < request.container_requests_size(); ++i) {
    const auto& container = request.container_requests(i);
    const std::string field = absl::StrCat("container_requests[", i, "]");
    ASSIGN_OR_RETURN(DieSet available, ParseDeviceIds(container.available_deviceids(), node,
                                                      field + ".available_deviceIDs"));
    ASSIGN_OR_RETURN(DieSet must, ParseDeviceIds(container.must_include_deviceids(), node,
                                                 field + ".must_include_deviceIDs"));
    if (container.allocation_size() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".allocation_size: must be positive"));
    }
    // Prefer healthy dies the plugin has not handed out; the kubelet's view wins otherwise.
    DieSet free = (available & healthy) - held;
    if ((free | must).Count() < container.allocation_size()) free = available;
    absl::StatusOr<DieSet> chosen = PreferDies(free | must, must, container.allocation_size());
    if (!chosen.ok()) return Annotate(chosen.status(), field);
    auto* out = response.add_container_responses();
    for (DieId die : *chosen) out->add_deviceids(DeviceName(die));
  }
  return response;
}

absl::StatusOr<std::vector<DieSet>> NpuDevicePlugin::ParseContainers(
    const v1beta1::AllocateRequest& request) {
  const DieSet node = source_->description().DieIds();
  std::vector<DieSet> containers;
  DieSet seen;
  for (int i = 0; i < request.container_requests_size(); ++i) {
    const auto& ids = request.container_requests(i).devices_ids();
    const std::string field = absl::StrCat("container_requests[", i, "].devices_ids");
    if (ids.size() > node.Count()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": requests ", ids.size(),
                                                     " devices; this node has ", node.Count()));
    }
    if (ids.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": is empty"));
    ASSIGN_OR_RETURN(DieSet dies, ParseDeviceIds(ids, node, field));
    if (DieSet both = dies & seen; !both.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", both.ToDeviceNames(), " also requested by another container"));
    }
    seen = seen | dies;
    containers.push_back(dies);
  }
  if (containers.empty()) return absl::InvalidArgumentError("container_requests: is empty");
  return containers;
}

absl::StatusOr<NpuDevicePlugin::Choice> NpuDevicePlugin::ChooseForContainer(
    DieSet kubelet_ids, const std::vector<NodePod>& pods, const std::set<std::string>& holding) {
  const NodePod* pod = SelectPodForAllocation(pods, kubelet_ids.Count(), holding);
  if (pod == nullptr) return Choice{kubelet_ids, Holder{}};
  const std::string where =
      absl::StrCat("pod ", pod->Key(), " annotation ", topology::kAnnotationDevices);
  absl::StatusOr<DieSet> dies = DieSet::ParseDeviceNames(*pod->annotation);
  if (!dies.ok()) return Annotate(dies.status(), where);
  if (!source_->description().DieIds().ContainsAll(*dies)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": ", (*dies - source_->description().DieIds()).ToDeviceNames(),
        " are not on this node"));
  }
  if (dies->Count() != kubelet_ids.Count()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": names ", dies->Count(),
                                                   " dies but the container requests ",
                                                   kubelet_ids.Count()));
  }
  return Choice{*dies, Holder{pod->namespace_, pod->name, pod->container}};
}

absl::Status NpuDevicePlugin::CheckAvailable(const Choice& choice, DieSet healthy) const {
  if (DieSet sick = choice.dies - healthy; !sick.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(sick.ToDeviceNames(), ": Unhealthy, cannot be allocated"));
  }
  if (std::optional<DieId> taken = table_.Conflict(choice.dies, choice.holder)) {
    const Holder& holder = table_.holders().at(*taken);
    return absl::FailedPreconditionError(absl::StrCat(
        DeviceName(*taken), " is already allocated to ",
        holder.known_pod() ? absl::StrCat("pod ", holder.PodKey()) : "another container"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1beta1::AllocateResponse> NpuDevicePlugin::Allocate(
    const v1beta1::AllocateRequest& request) {
  ASSIGN_OR_RETURN(std::vector<DieSet> containers, ParseContainers(request));
  const DieSet healthy = HealthyDies();
  absl::MutexLock lock(&mu_);
  std::vector<NodePod> pods;
  if (lookup_ != nullptr) {
    absl::StatusOr<std::vector<NodePod>> listed = lookup_->PodsOnNode();
    if (!listed.ok()) {
      return absl::UnavailableError(
          absl::StrCat("looking up the pod for this allocation: ", listed.status().message()));
    }
    pods = std::move(*listed);
    std::set<std::string> live;
    for (const NodePod& pod : pods) {
      if (!pod.terminal) live.insert(pod.Key());
    }
    table_.ReleasePodsNotIn(live);
  }
  AllocationTable planned = table_;
  std::set<std::string> holding = table_.HoldingPods();
  std::vector<Choice> choices;
  for (DieSet kubelet_ids : containers) {
    ASSIGN_OR_RETURN(Choice choice, ChooseForContainer(kubelet_ids, pods, holding));
    if (std::optional<DieId> taken = planned.Conflict(choice.dies, choice.holder)) {
      if (!table_.holders().contains(*taken)) {
        return absl::InvalidArgumentError(
            absl::StrCat(DeviceName(*taken), " would go to two containers of this request"));
      }
    }
    RETURN_IF_ERROR(CheckAvailable(choice, healthy));
    planned.Assign(choice.dies, choice.holder);
    if (choice.holder.known_pod()) holding.insert(choice.holder.PodKey());
    choices.push_back(choice);
  }
  table_ = std::move(planned);
  v1beta1::AllocateResponse response;
  for (const Choice& choice : choices) {
    *response.add_container_responses() = Respond(choice.dies);
    log::Info("dies allocated", {{"dies", choice.dies.ToDeviceNames()},
                                 {"pod", choice.holder.known_pod() ? choice.holder.PodKey() : ""}});
  }
  return response;
}

v1beta1::ContainerAllocateResponse NpuDevicePlugin::Respond(DieSet dies) const {
  v1beta1::ContainerAllocateResponse response;
  (*response.mutable_envs())["ASCEND_VISIBLE_DEVICES"] = dies.ToIdList();
  (*response.mutable_envs())["ASCEND_RT_VISIBLE_DEVICES"] = dies.ToIdList();
  (*response.mutable_annotations())[std::string(topology::kAnnotationDevices)] =
      dies.ToDeviceNames();
  for (DieId die : dies) AddDeviceFile(&response, options_.device_dir, absl::StrCat("davinci", die));
  for (const char* shared : kSharedDeviceFiles) AddDeviceFile(&response, options_.device_dir, shared);
  return response;
}

std::map<DieId, Holder> NpuDevicePlugin::Allocations() const {
  absl::MutexLock lock(&mu_);
  return table_.holders();
}

}  // namespace flyover::deviceplugin
