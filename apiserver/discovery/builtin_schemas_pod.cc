// core/v1 Pod and the types it is made of.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/builtin_schemas.h"
#include "apiserver/discovery/schema_dsl.h"

namespace flyover::apiserver::discovery {
namespace {

using dsl::ArrayOf;
using dsl::Bool;
using dsl::Free;
using dsl::Int32;
using dsl::Int64;
using dsl::Described;
using dsl::json;
using dsl::kCore;
using dsl::Kind;
using dsl::MergeList;
using dsl::Object;
using dsl::QuantityMap;
using dsl::Ref;
using dsl::Str;
using dsl::StringList;
using dsl::StringMap;
using dsl::Time;

std::string Core(const char* type) { return absl::StrCat(kCore, type); }

json Container() {
  return Object(
      "A single application container run within a pod.",
      {{"args", StringList("Arguments to the entrypoint; the image's CMD when empty.")},
       {"command", StringList("Entrypoint array; the image's ENTRYPOINT when empty.")},
       {"env", MergeList(Ref(Core("EnvVar"), ""), "name", "Environment variables to set.")},
       {"envFrom", ArrayOf(Free(""), "Sources (ConfigMaps, Secrets) of environment variables.")},
       {"image", Str("Container image name.")},
       {"imagePullPolicy", Str("Always, Never or IfNotPresent.")},
       {"lifecycle", Free("Actions the system takes after start and before stop.")},
       {"livenessProbe", Free("Periodic probe of liveness; failure restarts the container.")},
       {"name", Str("Name of the container, unique within the pod (DNS label).")},
       {"ports", MergeList(Ref(Core("ContainerPort"), ""), "containerPort",
                           "Ports the container exposes (informational).")},
       {"readinessProbe", Free("Periodic probe of readiness to serve traffic.")},
       {"resizePolicy", ArrayOf(Free(""), "How each resource may be resized in place.")},
       {"resources", Ref(Core("ResourceRequirements"), "Compute resources required.")},
       {"restartPolicy", Str("For init containers: Always makes it a sidecar.")},
       {"securityContext", Free("Security options the container runs with.")},
       {"startupProbe", Free("Probe that must succeed before the other probes start.")},
       {"stdin", Bool("Allocate a buffer for stdin.")},
       {"stdinOnce", Bool("Close stdin after the first attach session.")},
       {"terminationMessagePath", Str("File the termination message is read from.")},
       {"terminationMessagePolicy", Str("File or FallbackToLogsOnError.")},
       {"tty", Bool("Allocate a TTY.")},
       {"volumeDevices", ArrayOf(Free(""), "Block devices the container uses.")},
       {"volumeMounts", MergeList(Ref(Core("VolumeMount"), ""), "mountPath",
                                  "Pod volumes to mount into the filesystem.")},
       {"workingDir", Str("Working directory; the image's default when empty.")}},
      {"name"});
}

json Volume() {
  json volume = Object("A named volume in a pod that containers may mount.",
                       {{"name", Str("Name of the volume, unique within the pod (DNS label).")}},
                       {"name"});
  for (const char* source :
       {"awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi",
        "downwardAPI", "emptyDir", "ephemeral", "fc", "flexVolume", "flocker",
        "gcePersistentDisk", "gitRepo", "glusterfs", "hostPath", "image", "iscsi", "nfs",
        "persistentVolumeClaim", "photonPersistentDisk", "portworxVolume", "projected",
        "quobyte", "rbd", "scaleIO", "secret", "storageos", "vsphereVolume"}) {
    volume["properties"][source] = Free(absl::StrCat("The ", source, " volume source."));
  }
  return volume;
}

json PodSpec() {
  return Object(
      "The specification of the desired behaviour of a pod.",
      {{"activeDeadlineSeconds", Int64("Seconds the pod may be active before it is failed.")},
       {"affinity", Free("Node, pod and pod-anti affinity scheduling constraints.")},
       {"automountServiceAccountToken", Bool("Mount the service account token.")},
       {"containers", MergeList(Ref(Core("Container"), ""), "name",
                                "Containers of the pod; at least one.")},
       {"dnsConfig", Free("DNS parameters merged with those of dnsPolicy.")},
       {"dnsPolicy", Str("ClusterFirstWithHostNet, ClusterFirst, Default or None.")},
       {"enableServiceLinks", Bool("Inject service information into environment variables.")},
       {"ephemeralContainers", MergeList(Free(""), "name", "Debugging containers.")},
       {"hostAliases", MergeList(Free(""), "ip", "Entries added to /etc/hosts.")},
       {"hostIPC", Bool("Use the host's IPC namespace.")},
       {"hostNetwork", Bool("Use the host's network namespace.")},
       {"hostPID", Bool("Use the host's PID namespace.")},
       {"hostUsers", Bool("Use the host's user namespace.")},
       {"hostname", Str("Hostname of the pod; the pod name when empty.")},
       {"imagePullSecrets", MergeList(Ref(Core("LocalObjectReference"), ""), "name",
                                      "Secrets used to pull the images.")},
       {"initContainers", MergeList(Ref(Core("Container"), ""), "name",
                                    "Containers run to completion, in order, before the others.")},
       {"nodeName", Str("The node the pod is bound to; set by the scheduler.")},
       {"nodeSelector", StringMap("Labels a node must have for the pod to fit.")},
       {"os", Free("The operating system of the containers.")},
       {"overhead", QuantityMap("Resource overhead of running the pod's sandbox.")},
       {"preemptionPolicy", Str("Never or PreemptLowerPriority.")},
       {"priority", Int32("Priority value, resolved from priorityClassName.")},
       {"priorityClassName", Str("Name of the pod's PriorityClass.")},
       {"readinessGates", ArrayOf(Object("A condition the pod's readiness also waits for.",
                                         {{"conditionType", Str("A pod condition type.")}},
                                         {"conditionType"}),
                                  "Extra conditions that gate pod readiness.")},
       {"resourceClaims", MergeList(Free(""), "name", "Dynamic resource claims.",
                                    "merge,retainKeys")},
       {"resources", Ref(Core("ResourceRequirements"), "Pod-level resource requirements.")},
       {"restartPolicy", Str("Always, OnFailure or Never.")},
       {"runtimeClassName", Str("RuntimeClass used to run the pod.")},
       {"schedulerName", Str("Scheduler that places the pod; default-scheduler when empty.")},
       {"schedulingGates", MergeList(Free(""), "name", "Gates that hold the pod back from "
                                                       "scheduling while present.")},
       {"securityContext", Free("Pod-level security attributes.")},
       {"serviceAccount", Str("Deprecated alias of serviceAccountName.")},
       {"serviceAccountName", Str("Service account the pod runs as.")},
       {"setHostnameAsFQDN", Bool("Use the fully qualified domain name as hostname.")},
       {"shareProcessNamespace", Bool("Share one process namespace between containers.")},
       {"subdomain", Str("Subdomain, giving the FQDN <hostname>.<subdomain>.<ns>.svc.")},
       {"terminationGracePeriodSeconds", Int64("Seconds to stop gracefully.")},
       {"tolerations", ArrayOf(Ref(Core("Toleration"), ""), "Taints the pod tolerates.")},
       {"topologySpreadConstraints",
        MergeList(Free(""), "topologyKey", "How pods spread across topology domains.")},
       {"volumes", MergeList(Ref(Core("Volume"), ""), "name", "Volumes containers may mount.",
                             "merge,retainKeys")}},
      {"containers"});
}

json ContainerStatus() {
  return Object(
      "The state of one container of a pod.",
      {{"allocatedResources", QuantityMap("Resources allocated to the container.")},
       {"allocatedResourcesStatus", ArrayOf(Free(""), "Health of allocated resources.")},
       {"containerID", Str("Container ID, as <type>://<id>.")},
       {"image", Str("Image the container runs.")},
       {"imageID", Str("Image ID.")},
       {"lastState", Free("Details of the last termination.")},
       {"name", Str("Container name.")},
       {"ready", Bool("Whether the container passes its readiness probe.")},
       {"resources", Ref(Core("ResourceRequirements"), "Resources applied to the container.")},
       {"restartCount", Int32("Times the container has been restarted.")},
       {"started", Bool("Whether the container passed its startup probe.")},
       {"state", Free("Current state: waiting, running or terminated, with details.")},
       {"stopSignal", Str("Signal used to stop the container.")},
       {"user", Free("Identity the container's first process runs as.")},
       {"volumeMounts", ArrayOf(Free(""), "Status of the volume mounts.")}},
      {"name", "ready", "restartCount", "image", "imageID"});
}

json PodStatus() {
  json condition = Object(
      "A condition of the pod.",
      {{"lastProbeTime", Time("Last time the condition was probed.")},
       {"lastTransitionTime", Time("Last time the condition changed status.")},
       {"message", Str("Human-readable details.")},
       {"observedGeneration", Int64("Pod generation the condition was set for.")},
       {"reason", Str("Machine-readable reason for the last transition.")},
       {"status", Str("True, False or Unknown.")},
       {"type", Str("Condition type, e.g. PodScheduled, Ready.")}},
      {"type", "status"});
  json statuses = ArrayOf(Ref(Core("ContainerStatus"), ""), "");
  return Object(
      "The most recently observed state of a pod.",
      {{"conditions", MergeList(condition, "type", "Current service state of the pod.")},
       {"containerStatuses", Described(statuses, "Status of each container.")},
       {"ephemeralContainerStatuses", Described(statuses, "Status of ephemeral containers.")},
       {"hostIP", Str("IP of the node the pod runs on.")},
       {"hostIPs", ArrayOf(Free(""), "IPs of the node the pod runs on.")},
       {"initContainerStatuses", Described(statuses, "Status of each init container.")},
       {"message", Str("Human-readable details of the pod's condition.")},
       {"nominatedNodeName", Str("Node the pod may run on after preemption.")},
       {"observedGeneration", Int64("Pod generation this status was computed for.")},
       {"phase", Str("Pending, Running, Succeeded, Failed or Unknown.")},
       {"podIP", Str("IP address allocated to the pod.")},
       {"podIPs", ArrayOf(Free(""), "IP addresses allocated to the pod.")},
       {"qosClass", Str("Guaranteed, Burstable or BestEffort.")},
       {"reason", Str("Brief CamelCase reason the pod is in this state, e.g. Evicted.")},
       {"resize", Str("Status of a requested in-place resize.")},
       {"resourceClaimStatuses", ArrayOf(Free(""), "Status of resource claims.")},
       {"startTime", Time("When the kubelet acknowledged the pod.")}});
}

}  // namespace

void AddPodDefinitions(json* defs) {
  (*defs)[Core("EnvVar")] = Object(
      "An environment variable of a container.",
      {{"name", Str("Name of the variable.")},
       {"value", Str("Value; $(VAR) references expand.")},
       {"valueFrom", Free("Source of the value: a field, resource, ConfigMap or Secret key.")}},
      {"name"});
  (*defs)[Core("ContainerPort")] = Object(
      "A network port of a container.",
      {{"containerPort", Int32("Port number on the pod's IP address.")},
       {"hostIP", Str("Host IP to bind the external port to.")},
       {"hostPort", Int32("Port number on the host.")},
       {"name", Str("IANA_SVC_NAME naming the port for services.")},
       {"protocol", Str("UDP, TCP or SCTP; TCP when empty.")}},
      {"containerPort"});
  (*defs)[Core("VolumeMount")] = Object(
      "A volume mounted into a container.",
      {{"mountPath", Str("Path in the container to mount at.")},
       {"mountPropagation", Str("None, HostToContainer or Bidirectional.")},
       {"name", Str("Name of a pod volume.")},
       {"readOnly", Bool("Mount read-only.")},
       {"recursiveReadOnly", Str("Disabled, IfPossible or Enabled.")},
       {"subPath", Str("Path within the volume to mount.")},
       {"subPathExpr", Str("Like subPath, with $(VAR) expansion.")}},
      {"name", "mountPath"});
  (*defs)[Core("ResourceRequirements")] = Object(
      "Compute resource requirements, e.g. cpu, memory, huawei.com/Ascend910.",
      {{"claims", MergeList(Free(""), "name", "Dynamic resource claims used.")},
       {"limits", QuantityMap("Maximum amounts of compute resources allowed.")},
       {"requests", QuantityMap("Minimum amounts of compute resources required.")}});
  (*defs)[Core("LocalObjectReference")] =
      Object("A reference to an object in the same namespace.", {{"name", Str("Name.")}});
  (*defs)[Core("Toleration")] = Object(
      "Tolerates taints that match the triple <key,value,effect> using operator.",
      {{"effect", Str("NoSchedule, PreferNoSchedule or NoExecute; all when empty.")},
       {"key", Str("Taint key; all keys when empty (with operator Exists).")},
       {"operator", Str("Exists or Equal; Equal when empty.")},
       {"tolerationSeconds", Int64("How long a NoExecute taint is tolerated.")},
       {"value", Str("Taint value matched with Equal.")}});
  (*defs)[Core("Container")] = Container();
  (*defs)[Core("Volume")] = Volume();
  (*defs)[Core("PodSpec")] = PodSpec();
  (*defs)[Core("ContainerStatus")] = ContainerStatus();
  (*defs)[Core("PodStatus")] = PodStatus();
  (*defs)[Core("Pod")] = Kind(
      "", "v1", "Pod",
      "A collection of containers that run together on a host, created by clients and "
      "scheduled onto nodes.",
      {{"spec", Ref(Core("PodSpec"), "Desired behaviour of the pod.")},
       {"status", Ref(Core("PodStatus"), "Most recently observed status of the pod.")}});
}

}  // namespace flyover::apiserver::discovery
