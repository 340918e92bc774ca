#include "nodesim/pod_path.h"

#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace flyover::nodesim {

std::string OwnBinaryDirectory() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "";
  return self.parent_path().string();
}

std::string PrependToPath(absl::string_view dir, absl::string_view path) {
  if (dir.empty()) return std::string(path);
  if (path.empty()) path = "/usr/local/bin:/usr/bin:/bin";
  std::vector<absl::string_view> entries = {dir};
  for (absl::string_view entry : absl::StrSplit(path, ':')) {
    if (entry != dir) entries.push_back(entry);
  }
  return absl::StrJoin(entries, ":");
}

}  // namespace flyover::nodesim
