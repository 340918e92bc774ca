// TestDevicePlugin: a small device plugin for the device manager's tests, implementing the
// generated v1beta1 DevicePlugin service. It streams a settable list of devices
// ("example.com/widget"-style ids), answers GetPreferredAllocation from the end of the
// offered ids (or with an invalid answer), and Allocate with WIDGETS=<ids>, one device node
// /dev/<id> per id and a read-only mount of /run/widgets; it can refuse a device.
//
// Thread-safety: all methods are safe from any thread (gRPC calls it on its own threads).
#ifndef FLYOVER_NODESIM_DEVICE_TEST_PLUGIN_H_
#define FLYOVER_NODESIM_DEVICE_TEST_PLUGIN_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "device-plugin/api/api.grpc.pb.h"

namespace flyover::nodesim {

class TestDevicePlugin final : public ::v1beta1::DevicePlugin::Service {
 public:
  void Add(const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);
  void SetHealth(const std::string& id, bool healthy) ABSL_LOCKS_EXCLUDED(mu_);
  // GetPreferredAllocation answers the last ids offered, last first.
  void PreferFromEnd() ABSL_LOCKS_EXCLUDED(mu_);
  // GetPreferredAllocation answers an id that was not offered.
  void PreferInvalid() ABSL_LOCKS_EXCLUDED(mu_);
  // Allocate fails with FAILED_PRECONDITION "<id> refused" for a request naming `id`.
  void RefuseDevice(const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);

  int allocate_calls() const ABSL_LOCKS_EXCLUDED(mu_);
  // The ids of every PreStartContainer call, comma-joined.
  std::vector<std::string> pre_started() const ABSL_LOCKS_EXCLUDED(mu_);

  grpc::Status GetDevicePluginOptions(grpc::ServerContext*, const ::v1beta1::Empty*,
                                      ::v1beta1::DevicePluginOptions*) override;
  grpc::Status ListAndWatch(grpc::ServerContext* context, const ::v1beta1::Empty*,
                            grpc::ServerWriter<::v1beta1::ListAndWatchResponse>* writer) override
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status GetPreferredAllocation(grpc::ServerContext*,
                                      const ::v1beta1::PreferredAllocationRequest* request,
                                      ::v1beta1::PreferredAllocationResponse* response) override
      ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status Allocate(grpc::ServerContext*, const ::v1beta1::AllocateRequest* request,
                        ::v1beta1::AllocateResponse* response) override ABSL_LOCKS_EXCLUDED(mu_);
  grpc::Status PreStartContainer(grpc::ServerContext*,
                                 const ::v1beta1::PreStartContainerRequest* request,
                                 ::v1beta1::PreStartContainerResponse*) override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  enum class Preference { kFromEnd, kInvalid };

  mutable absl::Mutex mu_;
  std::vector<::v1beta1::Device> devices_ ABSL_GUARDED_BY(mu_);
  int version_ ABSL_GUARDED_BY(mu_) = 0;
  Preference preference_ ABSL_GUARDED_BY(mu_) = Preference::kFromEnd;
  std::string refused_ ABSL_GUARDED_BY(mu_);
  int allocate_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> pre_started_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_DEVICE_TEST_PLUGIN_H_
