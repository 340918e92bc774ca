// FileNpuFaultSource: die state read from the device-state file that the device plugin
// publishes on the node, re-read at every Poll (the plugin replaces it atomically:
// temp file + rename). The worker finds the path in its environment.
//
// The file is one JSON object (UTF-8). Fields not listed are ignored, so the plugin may
// add more; a die that is not listed is Healthy with no faults.
//
//   {
//     "dies": [
//       {
//         "id": 0,                              die id on the node (integer, required)
//         "health": "Healthy" | "Unhealthy",    optional; default: Unhealthy iff faults
//         "faults": [                           optional; default: none
//           {
//             "code": "0x80E18402-3",           one occurrence, required, non-empty
//             "kind": "HbmEccDoubleBit" | "Hang" | "Slow" | "LinkDown" | "Overheat",
//                                               required; other names read as Other
//             "level": "RestartNPU",            MindCluster fault level, optional
//             "slowdown": 2.0,                  Slow/Overheat, optional (default 2), >= 1
//             "buffer": 7                       HbmEccDoubleBit, optional device buffer id
//           }
//         ]
//       }
//     ]
//   }
//
// Errors: Poll returns InvalidArgument naming the path and the bad field for a malformed
// file, and the FileSystem's error for an unreadable one; a missing file reads as "all
// dies healthy" (the plugin has not published yet). Step is ignored: the file is live.
//
// Ownership: does not own `fs`, which must outlive this object.
// Thread-safety: Poll is safe from any thread if `fs` is (FileSystem's contract).
#ifndef FLYOVER_WORKER_NPU_FILE_NPU_FAULT_SOURCE_H_
#define FLYOVER_WORKER_NPU_FILE_NPU_FAULT_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/file_system.h"
#include "worker/npu/npu_fault.h"

namespace flyover::worker {

// Parses a device-state document (format above).
[[nodiscard]] absl::StatusOr<std::vector<DieState>> ParseDeviceStateJson(absl::string_view json);
// Renders `dies` in the format above (every field written), pretty-printed.
std::string DeviceStateToJson(const std::vector<DieState>& dies);

class FileNpuFaultSource final : public NpuFaultSource {
 public:
  FileNpuFaultSource(FileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}

  absl::StatusOr<DieState> Poll(int die_id, int64_t step) override;

  const std::string& path() const { return path_; }

 private:
  FileSystem* const fs_;
  const std::string path_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_FILE_NPU_FAULT_SOURCE_H_
