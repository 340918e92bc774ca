// Fault control: how people and tests break and mend emulated dies.
//
// HandleFaultControl is the request logic, free of HTTP; FaultControlServer serves it on a
// loopback port:
//
//   GET  /faults                                            every die's status (JSON)
//   POST /faults   {"die": 3, "fault": "hbm_ecc_double_bit"}  inject (fault_model.h names)
//   POST /recover  {"die": 3, "clearIsolation": false}        recover
//
// Answers are JSON: 200 with {"dies": [...]} (the statuses after the change), 400 with
// {"error": "..."} for a malformed body, an unknown die or fault kind, 409 for recovering
// an isolated chip without clearIsolation, 404 for another path.
//
// Ownership: borrows the source. Thread-safety: HandleFaultControl may run concurrently;
// call Start and Stop from one thread.
#ifndef FLYOVER_DEVICE_PLUGIN_FAULT_CONTROL_H_
#define FLYOVER_DEVICE_PLUGIN_FAULT_CONTROL_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "device-plugin/emulated_npu_source.h"
#include "nlohmann/json.hpp"

namespace flyover::deviceplugin {

struct FaultControlResponse {
  int code = 200;
  nlohmann::json body;
};

FaultControlResponse HandleFaultControl(EmulatedNpuSource* source, absl::string_view method,
                                        absl::string_view path, absl::string_view body);

// The statuses as GET /faults returns them.
nlohmann::json StatusesToJson(const std::vector<DieStatus>& statuses);

class FaultControlServer {
 public:
  explicit FaultControlServer(EmulatedNpuSource* source);
  ~FaultControlServer();  // Stop()s
  FaultControlServer(const FaultControlServer&) = delete;
  FaultControlServer& operator=(const FaultControlServer&) = delete;

  // Binds 127.0.0.1:`port` (0: any free port) and serves on a thread; the bound port.
  // Unavailable if the port cannot be bound; FailedPrecondition if already started.
  [[nodiscard]] absl::StatusOr<int> Start(int port);
  // Idempotent.
  void Stop();

 private:
  struct Serving;
  EmulatedNpuSource* const source_;
  std::unique_ptr<Serving> serving_;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_FAULT_CONTROL_H_
