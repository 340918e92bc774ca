// The contract between flyover-operator (writes) and flyover-scheduler (reads) on the pods of
// a PostTrainingJob. The two never share memory; these labels and annotations on the pod
// objects are all the scheduler knows about a job. Values are strings, as in any annotation.
//
// A gang is one generation of one job: every pod carrying the same kAnnotationGang value is
// placed and bound together or not at all. A replacement pod (one pod of a running gang
// recreated after a fault) carries kAnnotationReplacement = "true" and the same gang name; the
// scheduler places it alone, in the physical super-pod of its logical block, spare node first.
#ifndef FLYOVER_KUBE_API_SCHEDULING_ANNOTATIONS_H_
#define FLYOVER_KUBE_API_SCHEDULING_ANNOTATIONS_H_

namespace flyover::kube::scheduling {

// spec.schedulerName of every pod the operator creates.
inline constexpr char kSchedulerName[] = "flyover-scheduler";

// ---- Labels (selectable) ----------------------------------------------------------------------
// The owning PostTrainingJob's name.
inline constexpr char kLabelJobName[] = "training.flyover.dev/job-name";
// The restart generation the pod was created in (decimal).
inline constexpr char kLabelGeneration[] = "training.flyover.dev/generation";
// The pod's rank index (decimal); same value as the annotation hccl/rankIndex.
inline constexpr char kLabelRankIndex[] = "training.flyover.dev/rank-index";

// ---- Annotations written by the operator ---------------------------------------------------
// Gang name, "<job-name>-g<generation>". Unique per namespace.
inline constexpr char kAnnotationGang[] = "scheduling.flyover.dev/gang";
// Pods the gang needs before any is bound (decimal; = spec.replicas).
inline constexpr char kAnnotationMinMember[] = "scheduling.flyover.dev/min-member";
// Seconds a partly placeable gang may wait before its reservations are released (decimal).
inline constexpr char kAnnotationGangTimeoutSeconds[] =
    "scheduling.flyover.dev/gang-timeout-seconds";
// NPUs per logical super-pod (spec.topology.superPodBlock); 0 = the whole gang is one block.
inline constexpr char kAnnotationSuperPodBlock[] = "scheduling.flyover.dev/super-pod-block";
// "Required" or "Preferred" (spec.topology.superPodAffinity).
inline constexpr char kAnnotationSuperPodAffinity[] =
    "scheduling.flyover.dev/super-pod-affinity";
// Nodes to keep free in each physical super-pod the gang occupies, for its replacements
// (spec.topology.spareNodesPerSuperPod, decimal). New gangs never take them; replacements do.
inline constexpr char kAnnotationSpareNodes[] =
    "scheduling.flyover.dev/spare-nodes-per-super-pod";
// "true" on a pod that replaces one failed pod of a running gang.
inline constexpr char kAnnotationReplacement[] = "scheduling.flyover.dev/replacement";
// The PostTrainingJob (namespace-local name) to put unschedulable conditions on.
inline constexpr char kAnnotationJob[] = "scheduling.flyover.dev/job";

// ---- Annotations written by the scheduler before binding ----------------------------------
// The chosen dies ("Ascend910-0,Ascend910-1") = topology::kAnnotationDevices, and the rank
// index = topology::kAnnotationRankIndex (both in common/topology.h), plus:
// The physical super-pod id the pod was placed in (the node's huawei.com/topotree.superpodid).
inline constexpr char kAnnotationSuperPodId[] = "scheduling.flyover.dev/super-pod-id";
// The logical super-pod (block) index of the pod within its job (decimal).
inline constexpr char kAnnotationLogicalSuperPod[] = "scheduling.flyover.dev/logical-super-pod";

// ---- PostTrainingJob condition written by the scheduler ----------------------------------
// type "Schedulable": status False with reason "Unschedulable" and a message a user can act on
// ("needs 64 nodes in one super-pod; the largest free block is 40"); True once the gang is bound.
inline constexpr char kConditionSchedulable[] = "Schedulable";

}  // namespace flyover::kube::scheduling

#endif  // FLYOVER_KUBE_API_SCHEDULING_ANNOTATIONS_H_
