// NodeDescription: the NPUs one node has, as an emulated source presents them: its dies,
// their chip pairing, HBM size, device IPs, and the node's super-pod position.
//
// Read from an optional per-node file (YAML or JSON; every field optional):
//
//   superPodId: 3            # huawei.com/topotree.superpodid; default 0
//   serverIndex: 7           # position in the super-pod; default 0
//   chipName: 910C
//   hbmBytesPerDie: 68719476736
//   dies:                    # default: 16 dies, ids 0..15
//     - id: 0
//       chip: 0              # must be id/2: dies 2k and 2k+1 form chip k
//       deviceIp: 10.20.0.1
//       superDeviceId: 96
//
// Without a file, DefaultNodeDescription() is a standard 910C super-pod node: 16 dies in 8
// chips, 64 GiB HBM each, device IPs 192.168.100.<100+id>.
//
// Plain values and pure functions; thread-compatible.
#ifndef FLYOVER_DEVICE_PLUGIN_DEVICE_DESCRIPTION_H_
#define FLYOVER_DEVICE_PLUGIN_DEVICE_DESCRIPTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/topology.h"
#include "nlohmann/json.hpp"

namespace flyover::deviceplugin {

struct DieDescription {
  topology::DieId id = 0;
  topology::ChipId chip = 0;
  int64_t hbm_bytes = topology::kHbmBytesPerDie;
  std::string device_ip;
  int super_device_id = -1;  // the rank table's super_device_id; -1 if unknown
  bool operator==(const DieDescription&) const = default;
};

struct NodeDescription {
  int super_pod_id = 0;
  int server_index = 0;
  std::string chip_name = "910C";
  std::vector<DieDescription> dies;  // sorted by id

  topology::DieSet DieIds() const;
  // The die with `id`, or null.
  const DieDescription* FindDie(topology::DieId id) const;
  bool operator==(const NodeDescription&) const = default;
};

NodeDescription DefaultNodeDescription();

// Decodes the file format above from its JSON form. InvalidArgument naming the field
// ("dies[3].chip: ...") for a wrong type, an id outside 0..15, a repeated id, a chip that
// does not pair with its die, a non-positive HBM size or a negative super-pod id.
[[nodiscard]] absl::StatusOr<NodeDescription> DecodeNodeDescription(const nlohmann::json& value);
// Reads a YAML or JSON file and decodes it; errors name the path.
[[nodiscard]] absl::StatusOr<NodeDescription> ReadNodeDescription(absl::string_view path);

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_DEVICE_DESCRIPTION_H_
