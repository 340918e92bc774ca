// BuildGangRequest: turns a collected gang (Kubernetes pods with the operator's annotations)
// into the core's GangRequest (scheduler/framework/gang_request.h).
//
//   * Pods already placed in `snapshot` (assumed while their binding is in flight, or bound)
//     are left out. Kubernetes binds pod by pod, so a gang's binding can fail half-way; the
//     rest of such a gang (some of its pods placed) is completed one pod per request, each
//     as a replacement beside its placed peers.
//   * Pods without a rank get the ranks after the highest given one, in name order.
//   * A replacement pod (or such a remaining pod) gets Replacement{super-pod of its logical block
//   (rank / block pods),
//     block index, nodes of the gang's placed pods}; with no placed pod of its block, the
//     super-pod of any placed pod of the gang; with none at all, it is placed as a new gang.
//
// Pure; thread-compatible.
#ifndef FLYOVER_SCHEDULER_GANG_REQUEST_BUILDER_H_
#define FLYOVER_SCHEDULER_GANG_REQUEST_BUILDER_H_

#include "scheduler/framework/cluster_snapshot.h"
#include "scheduler/framework/gang_request.h"
#include "scheduler/queue/gang_collector.h"

namespace flyover::sched {

// The request for `gang`'s pods not yet placed in `snapshot`; its pods may be empty (every pod
// is placed already) or fewer than min_member (members still missing).
[[nodiscard]] GangRequest BuildGangRequest(const PendingGang& gang,
                                           const ClusterSnapshot& snapshot);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_GANG_REQUEST_BUILDER_H_
