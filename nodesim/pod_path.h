// The PATH a process-mode pod's containers see. A container image carries its own programs;
// a local process does not, so nodesim puts the directory of its own binary first: Flyover's
// binaries (flyover-worker among them) are installed side by side, and a pod whose command is
// [flyover-worker, agent] finds the build it runs with rather than whatever PATH holds.
//
// Pure functions apart from OwnBinaryDirectory (which reads /proc/self/exe); thread-safe.
#ifndef FLYOVER_NODESIM_POD_PATH_H_
#define FLYOVER_NODESIM_POD_PATH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace flyover::nodesim {

// The directory of the running binary; empty when /proc/self/exe cannot be read.
[[nodiscard]] std::string OwnBinaryDirectory();

// `path` with `dir` as its first entry, and no other entry equal to `dir`. An empty `dir`
// leaves `path` as it is; an empty `path` becomes `dir` followed by the usual system
// directories (/usr/local/bin:/usr/bin:/bin), as execvp would search them.
[[nodiscard]] std::string PrependToPath(absl::string_view dir, absl::string_view path);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_POD_PATH_H_
