// Constants and small helpers of the kubelet device-plugin protocol v1beta1 (api.proto),
// shared by the plugin side (device-plugin/) and the kubelet side (kubelet_server.h,
// plugin_client.h; flyover-nodesim plays the kubelet with them).
//
// Pure functions; safe from any thread.
#ifndef FLYOVER_DEVICE_PLUGIN_API_PROTOCOL_H_
#define FLYOVER_DEVICE_PLUGIN_API_PROTOCOL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace flyover::deviceplugin {

// The API version a plugin names in RegisterRequest.version.
inline constexpr absl::string_view kApiVersion = "v1beta1";
// The kubelet's registration socket, inside the device-plugin directory.
inline constexpr absl::string_view kKubeletSocketName = "kubelet.sock";
// Where the kubelet looks for plugin sockets by default.
inline constexpr absl::string_view kDefaultDevicePluginDir = "/var/lib/kubelet/device-plugins/";
// Device.health values.
inline constexpr absl::string_view kHealthy = "Healthy";
inline constexpr absl::string_view kUnhealthy = "Unhealthy";

// `dir` joined with `file` by exactly one '/'.
std::string JoinSocketPath(absl::string_view dir, absl::string_view file);
// The gRPC target of a unix socket path: "unix:<path>".
std::string UnixTarget(absl::string_view socket_path);

// gRPC and absl share status code numbers; these convert keeping code and message.
absl::Status FromGrpcStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);

// Checks a RegisterRequest's fields as the kubelet does: the version is kApiVersion, the
// endpoint is a plain file name (no '/'), the resource name is "<domain>/<name>" with both
// parts non-empty. InvalidArgument naming the field otherwise.
absl::Status ValidateRegistration(absl::string_view version, absl::string_view endpoint,
                                  absl::string_view resource_name);

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_API_PROTOCOL_H_
