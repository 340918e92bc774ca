// The data directory of flyover-apiserver (--data-dir): created with its parents when it
// does not exist, as kube-apiserver's etcd and k3s create theirs.
//
// Errors (InvalidArgument, naming the flag and the path): the path exists and is not a
// directory; it cannot be created (the reason from the operating system, e.g. "Permission
// denied" or "Not a directory" when a parent is a file).
//
// Thread-safety: a free function; concurrent calls for one path are safe (an existing
// directory is success).
#ifndef FLYOVER_APISERVER_MAIN_DATA_DIR_H_
#define FLYOVER_APISERVER_MAIN_DATA_DIR_H_

#include <string>

#include "absl/status/status.h"

namespace flyover::apiserver {

[[nodiscard]] absl::Status EnsureDataDir(const std::string& path);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_MAIN_DATA_DIR_H_
