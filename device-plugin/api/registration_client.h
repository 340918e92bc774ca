// RegisterWithKubelet: the plugin's half of registration. Calls Registration.Register on
// <device_plugin_dir>/kubelet.sock, waiting up to `timeout` for the socket to accept.
// The plugin must already serve DevicePlugin on <device_plugin_dir>/<request.endpoint>.
//
// Errors: the kubelet's refusal as its gRPC status (InvalidArgument for a bad request);
// DeadlineExceeded or Unavailable when no kubelet answers in time.
// Thread-safety: a free function; safe from any thread.
#ifndef FLYOVER_DEVICE_PLUGIN_API_REGISTRATION_CLIENT_H_
#define FLYOVER_DEVICE_PLUGIN_API_REGISTRATION_CLIENT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "device-plugin/api/api.pb.h"

namespace flyover::deviceplugin {

[[nodiscard]] absl::Status RegisterWithKubelet(absl::string_view device_plugin_dir,
                                               const v1beta1::RegisterRequest& request,
                                               absl::Duration timeout);

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_API_REGISTRATION_CLIENT_H_
