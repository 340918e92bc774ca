// ResourceCounts: what a node's device manager counts of one device-plugin resource, as the
// kubelet reports it in the Node's status: capacity = every device the plugin listed,
// allocatable = the healthy ones. A light header (no gRPC), for the node objects too.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_NODESIM_DEVICE_COUNTS_H_
#define FLYOVER_NODESIM_DEVICE_COUNTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace flyover::nodesim {

struct ResourceCounts {
  int64_t capacity = 0;
  int64_t allocatable = 0;
  bool operator==(const ResourceCounts&) const = default;
};
// Resource name -> its counts, for every resource a plugin has listed.
using ResourceCountMap = std::map<std::string, ResourceCounts, std::less<>>;

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_DEVICE_COUNTS_H_
