// Volumes of a process-mode pod, on the local disk. Each volume gets a directory under
// <pod_dir>/volumes/<volume name>/: configMap and secret volumes are written there (all
// keys, or the listed items at their paths; file mode 0644 / 0600), emptyDir is an empty
// directory, and hostPath maps to the host path itself. Other volume kinds are skipped.
//
// A local process cannot see a container's mount paths, so each mountPath is mapped to its
// directory by rewriting: RewriteMountPaths replaces a mountPath that appears as a whole
// path prefix in the container's command, args and env values with the local directory
// (docs/design/nodesim.md explains the choice).
//
// Errors name the volume (spec.volumes[i]) and the reason.
#ifndef FLYOVER_NODESIM_POD_VOLUMES_H_
#define FLYOVER_NODESIM_POD_VOLUMES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/api/core/pod.h"
#include "nodesim/pod_env.h"

namespace flyover::nodesim {

struct Mount {
  std::string mount_path;  // as the container sees it: "/etc/config"
  std::string local_path;  // where it is on this host
  bool operator==(const Mount&) const = default;
};

// Writes the pod's volumes; returns volume name -> local directory.
[[nodiscard]] absl::StatusOr<std::map<std::string, std::string>> WriteVolumes(
    const kube::core::Pod& pod, const std::string& pod_dir, ObjectSource* source);

// The container's volumeMounts resolved against `volumes` (subPath appended); a mount of a
// volume that was not written is InvalidArgument.
[[nodiscard]] absl::StatusOr<std::vector<Mount>> ContainerMounts(
    const kube::core::Container& container, const std::map<std::string, std::string>& volumes);

// `text` with every mountPath occurring as a whole path prefix replaced by its local path
// (longest mountPath first).
[[nodiscard]] std::string RewriteMountPaths(absl::string_view text,
                                            const std::vector<Mount>& mounts);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_POD_VOLUMES_H_
