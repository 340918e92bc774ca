#include "device-plugin/api/registration_client.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "device-plugin/api/api.grpc.pb.h"
#include "device-plugin/api/protocol.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace flyover::deviceplugin {

absl::Status RegisterWithKubelet(absl::string_view device_plugin_dir,
                                 const v1beta1::RegisterRequest& request,
                                 absl::Duration timeout) {
  const std::string path = JoinSocketPath(device_plugin_dir, kKubeletSocketName);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(UnixTarget(path), grpc::InsecureChannelCredentials());
  std::unique_ptr<v1beta1::Registration::Stub> stub = v1beta1::Registration::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
  context.set_wait_for_ready(true);
  v1beta1::Empty response;
  absl::Status status = FromGrpcStatus(stub->Register(&context, request, &response));
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat("registering with the kubelet at ", path, ": ",
                                   status.message()));
}

}  // namespace flyover::deviceplugin
