#include "device-plugin/device_description.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/yaml.h"

namespace flyover::deviceplugin {
namespace {

using topology::kDiesPerNode;

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

// Reads an optional integer field into `out`.
absl::Status ReadInt(const nlohmann::json& object, const char* key, const std::string& field,
                     int64_t* out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_number_integer()) return FieldError(field, "must be an integer");
  *out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadString(const nlohmann::json& object, const char* key, const std::string& field,
                        std::string* out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_string()) return FieldError(field, "must be a string");
  *out = it->get<std::string>();
  return absl::OkStatus();
}

std::string DefaultDeviceIp(topology::DieId id) { return absl::StrCat("192.168.100.", 100 + id); }

absl::StatusOr<DieDescription> DecodeDie(const nlohmann::json& value, const std::string& field,
                                         int64_t hbm_bytes) {
  if (!value.is_object()) return FieldError(field, "must be an object");
  int64_t id = -1;
  RETURN_IF_ERROR(ReadInt(value, "id", field + ".id", &id));
  if (!value.contains("id")) return FieldError(field + ".id", "is required");
  if (id < 0 || id >= kDiesPerNode) {
    return FieldError(field + ".id", absl::StrCat(id, " is outside 0..", kDiesPerNode - 1));
  }
  DieDescription die{.id = static_cast<int>(id), .chip = topology::ChipOfDie(static_cast<int>(id)),
                     .hbm_bytes = hbm_bytes, .device_ip = DefaultDeviceIp(static_cast<int>(id))};
  int64_t chip = die.chip;
  RETURN_IF_ERROR(ReadInt(value, "chip", field + ".chip", &chip));
  if (chip != die.chip) {
    return FieldError(field + ".chip", absl::StrCat(chip, " does not pair with die ", id,
                                                    "; dies 2k and 2k+1 form chip k"));
  }
  RETURN_IF_ERROR(ReadString(value, "deviceIp", field + ".deviceIp", &die.device_ip));
  int64_t super_device_id = -1;
  RETURN_IF_ERROR(ReadInt(value, "superDeviceId", field + ".superDeviceId", &super_device_id));
  die.super_device_id = static_cast<int>(super_device_id);
  return die;
}

}  // namespace

topology::DieSet NodeDescription::DieIds() const {
  topology::DieSet set;
  for (const DieDescription& die : dies) set.Insert(die.id);
  return set;
}

const DieDescription* NodeDescription::FindDie(topology::DieId id) const {
  for (const DieDescription& die : dies) {
    if (die.id == id) return &die;
  }
  return nullptr;
}

NodeDescription DefaultNodeDescription() {
  NodeDescription node;
  for (topology::DieId id = 0; id < kDiesPerNode; ++id) {
    node.dies.push_back({.id = id, .chip = topology::ChipOfDie(id),
                         .device_ip = DefaultDeviceIp(id)});
  }
  return node;
}

absl::StatusOr<NodeDescription> DecodeNodeDescription(const nlohmann::json& value) {
  if (!value.is_object()) return FieldError("description", "must be an object");
  NodeDescription node;
  int64_t super_pod = 0, server = 0, hbm = topology::kHbmBytesPerDie;
  RETURN_IF_ERROR(ReadInt(value, "superPodId", "superPodId", &super_pod));
  RETURN_IF_ERROR(ReadInt(value, "serverIndex", "serverIndex", &server));
  RETURN_IF_ERROR(ReadInt(value, "hbmBytesPerDie", "hbmBytesPerDie", &hbm));
  RETURN_IF_ERROR(ReadString(value, "chipName", "chipName", &node.chip_name));
  if (super_pod < 0) return FieldError("superPodId", "must not be negative");
  if (server < 0) return FieldError("serverIndex", "must not be negative");
  if (hbm <= 0) return FieldError("hbmBytesPerDie", "must be positive");
  node.super_pod_id = static_cast<int>(super_pod);
  node.server_index = static_cast<int>(server);
  auto dies = value.find("dies");
  if (dies == value.end()) {
    node.dies = DefaultNodeDescription().dies;
    for (DieDescription& die : node.dies) die.hbm_bytes = hbm;
    return node;
  }
  if (!dies->is_array()) return FieldError("dies", "must be a list");
  topology::DieSet seen;
  for (size_t i = 0; i < dies->size(); ++i) {
    const std::string field = absl::StrCat("dies[", i, "]");
    ASSIGN_OR_RETURN(DieDescription die, DecodeDie((*dies)[i], field, hbm));
    if (seen.Contains(die.id)) return FieldError(field + ".id", absl::StrCat(die.id, " repeats"));
    seen.Insert(die.id);
    node.dies.push_back(die);
  }
  std::sort(node.dies.begin(), node.dies.end(),
            [](const DieDescription& a, const DieDescription& b) { return a.id < b.id; });
  return node;
}

absl::StatusOr<NodeDescription> ReadNodeDescription(absl::string_view path) {
  absl::StatusOr<std::vector<nlohmann::json>> documents = kube::ReadYamlFile(path);
  if (!documents.ok()) return Annotate(documents.status(), absl::StrCat("device file ", path));
  if (documents->size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("device file ", path, ": want one document, found ", documents->size()));
  }
  absl::StatusOr<NodeDescription> node = DecodeNodeDescription(documents->front());
  if (!node.ok()) return Annotate(node.status(), absl::StrCat("device file ", path));
  return node;
}

}  // namespace flyover::deviceplugin
