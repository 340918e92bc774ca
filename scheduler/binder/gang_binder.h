// GangBinder: binds the pods of one placed gang through the API, one write per pod: POST
// pods/binding with the scheduler's annotations (huawei.com/Ascend910 dies, hccl/rankIndex,
// super-pod id, logical super-pod) in the Binding's metadata, which the API server copies onto
// the pod in the same write that sets spec.nodeName (kube-apiserver's binding storage does;
// so does flyover-apiserver). Pods of one gang bind in parallel, at most `max_parallel` at a
// time. With PodBinding::uid set, a pod recreated under the same name is not bound (409).
//
// Kubernetes has no multi-pod transaction, so a gang bind is not atomic. What happens when a
// pod fails: no further pod of the gang is started; pods already in flight finish; the result
// lists the pods that were bound (they stay bound: a binding cannot be undone short of deleting
// the pod), those that were not, and the first error. The caller forgets the cache's
// assumptions for the unbound pods and tells the operator (an Event on the job naming the bound
// pods), which owns the pods and may delete and recreate the generation. A pod whose binding
// failed carries no placement annotations: they and the binding are one write.
//
// Thread-safety: BindGang may be called from several threads at once. The client is borrowed.
#ifndef FLYOVER_SCHEDULER_BINDER_GANG_BINDER_H_
#define FLYOVER_SCHEDULER_BINDER_GANG_BINDER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kube/client/rest_client.h"
#include "scheduler/framework/placement.h"

namespace flyover::sched {

struct PodBinding {
  std::string namespace_;
  std::string name;
  std::string node;
  std::string uid;  // "" = any pod of that name
  std::map<std::string, std::string> annotations;
};

struct GangBindResult {
  std::vector<std::string> bound;      // "<namespace>/<name>", in completion order
  std::vector<std::string> not_bound;  // failed or never started
  std::string failed_pod;              // the pod of `error`
  absl::Status error;                  // the first failure; OK when all were bound

  [[nodiscard]] bool ok() const { return error.ok(); }
};

struct GangBinderOptions {
  int max_parallel = 16;
};

// The annotations and binding for each pod of `placement`, in its order.
[[nodiscard]] std::vector<PodBinding> BindingsFor(const std::string& namespace_,
                                                  const GangPlacement& placement);

class GangBinder {
 public:
  explicit GangBinder(kube::RestClient* client, GangBinderOptions options = {});

  [[nodiscard]] GangBindResult BindGang(const std::vector<PodBinding>& pods) const;
  // Binds one pod with its annotations. The status names the node.
  [[nodiscard]] absl::Status BindPod(const PodBinding& pod) const;

 private:
  kube::RestClient* const client_;
  const GangBinderOptions options_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_BINDER_GANG_BINDER_H_
