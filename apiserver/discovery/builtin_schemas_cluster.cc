// The other built-in kinds: Namespace, Node, Service, ConfigMap, Secret, Event (core and
// events.k8s.io), Lease and CustomResourceDefinition.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/builtin_schemas.h"
#include "apiserver/discovery/schema_dsl.h"

namespace flyover::apiserver::discovery {
namespace {

using dsl::ArrayOf;
using dsl::Bool;
using dsl::Described;
using dsl::Free;
using dsl::Int32;
using dsl::IntOrString;
using dsl::json;
using dsl::kCore;
using dsl::Kind;
using dsl::MapOf;
using dsl::MergeList;
using dsl::Object;
using dsl::QuantityMap;
using dsl::Ref;
using dsl::Str;
using dsl::StringList;
using dsl::StringMap;
using dsl::Time;

constexpr char kExt[] = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.";

std::string CoreType(const char* type) { return absl::StrCat(kCore, type); }

json NodeStatus() {
  json address = Object("An address of the node.", {{"address", Str("The address.")},
                                                    {"type", Str("Hostname, InternalIP, "
                                                                 "ExternalIP, ...")}},
                        {"type", "address"});
  json condition = Object(
      "A condition of the node.",
      {{"lastHeartbeatTime", Time("Last time the condition was reported.")},
       {"lastTransitionTime", Time("Last time the condition changed status.")},
       {"message", Str("Human-readable details.")},
       {"reason", Str("Machine-readable reason.")},
       {"status", Str("True, False or Unknown.")},
       {"type", Str("Ready, MemoryPressure, DiskPressure, PIDPressure, ...")}},
      {"type", "status"});
  return Object(
      "The most recently observed state of a node.",
      {{"addresses", MergeList(address, "type", "Addresses reachable to the node.")},
       {"allocatable", QuantityMap("Resources available for scheduling.")},
       {"capacity", QuantityMap("Total resources of the node.")},
       {"conditions", MergeList(condition, "type", "Current conditions of the node.")},
       {"config", Free("Status of the dynamic kubelet configuration.")},
       {"daemonEndpoints", Free("Endpoints of daemons on the node, e.g. the kubelet port.")},
       {"features", Free("Features the node's runtime supports.")},
       {"images", ArrayOf(Free(""), "Container images on the node.")},
       {"nodeInfo", Free("Versions and IDs: kubeletVersion, osImage, kernelVersion, "
                         "containerRuntimeVersion, ...")},
       {"phase", Str("Deprecated node lifecycle phase.")},
       {"runtimeHandlers", ArrayOf(Free(""), "Available runtime handlers.")},
       {"volumesAttached", ArrayOf(Free(""), "Volumes attached to the node.")},
       {"volumesInUse", StringList("Volumes in use on the node.")}});
}

json ServiceSpec() {
  json port = Object(
      "A port the service exposes.",
      {{"appProtocol", Str("Application protocol of the port.")},
       {"name", Str("Name of the port; required when there are several.")},
       {"nodePort", Int32("Port on every node, for NodePort and LoadBalancer services.")},
       {"port", Int32("Port the service exposes.")},
       {"protocol", Str("TCP, UDP or SCTP; TCP when empty.")},
       {"targetPort", IntOrString("Number or name of the port on the pods.")}},
      {"port"});
  return Object(
      "The desired behaviour of a service.",
      {{"allocateLoadBalancerNodePorts", Bool("Allocate node ports for LoadBalancer.")},
       {"clusterIP", Str("Virtual IP of the service; None for a headless service.")},
       {"clusterIPs", StringList("Virtual IPs of the service, one per IP family.")},
       {"externalIPs", StringList("Extra IPs the nodes accept traffic for.")},
       {"externalName", Str("DNS name returned as a CNAME, for ExternalName services.")},
       {"externalTrafficPolicy", Str("Cluster or Local.")},
       {"healthCheckNodePort", Int32("Health-check node port for Local traffic policy.")},
       {"internalTrafficPolicy", Str("Cluster or Local.")},
       {"ipFamilies", StringList("IPv4 and/or IPv6.")},
       {"ipFamilyPolicy", Str("SingleStack, PreferDualStack or RequireDualStack.")},
       {"loadBalancerClass", Str("Class of the load balancer implementation.")},
       {"loadBalancerIP", Str("Deprecated: requested load balancer IP.")},
       {"loadBalancerSourceRanges", StringList("Client CIDRs allowed through the balancer.")},
       {"ports", MergeList(port, "port", "Ports the service exposes.")},
       {"publishNotReadyAddresses", Bool("Publish addresses of pods that are not ready.")},
       {"selector", StringMap("Pods with these labels back the service.")},
       {"sessionAffinity", Str("ClientIP or None.")},
       {"sessionAffinityConfig", Free("Session affinity settings.")},
       {"trafficDistribution", Str("Preference for how traffic is distributed.")},
       {"type", Str("ClusterIP, NodePort, LoadBalancer or ExternalName.")}});
}

json ObjectReference() {
  return Object("A reference to an object.",
                {{"apiVersion", Str("API version of the referent.")},
                 {"fieldPath", Str("Part of the object, e.g. spec.containers{name}.")},
                 {"kind", Str("Kind of the referent.")},
                 {"name", Str("Name of the referent.")},
                 {"namespace", Str("Namespace of the referent.")},
                 {"resourceVersion", Str("Version of the referent.")},
                 {"uid", Str("UID of the referent.")}});
}

json CoreEvent() {
  return Kind(
      "", "v1", "Event", "A report of an event somewhere in the cluster.",
      {{"action", Str("What action was taken or failed.")},
       {"count", Int32("Times this event occurred.")},
       {"eventTime", Time("When the event was first observed (microseconds).")},
       {"firstTimestamp", Time("When the event was first recorded.")},
       {"involvedObject", Ref(CoreType("ObjectReference"), "The object this event is about.")},
       {"lastTimestamp", Time("When the event most recently occurred.")},
       {"message", Str("Human-readable description.")},
       {"reason", Str("Short CamelCase reason for the transition.")},
       {"related", Ref(CoreType("ObjectReference"), "A second object, for complex actions.")},
       {"reportingComponent", Str("Controller that emitted the event.")},
       {"reportingInstance", Str("ID of the controller instance.")},
       {"series", Free("Data about a series of events: count, lastObservedTime.")},
       {"source", Free("Component reporting the event: component, host.")},
       {"type", Str("Normal or Warning.")}},
      {"metadata", "involvedObject"});
}

json EventsEvent() {
  return Kind(
      "events.k8s.io", "v1", "Event", "A report of an event somewhere in the cluster.",
      {{"action", Str("What action was taken or failed.")},
       {"deprecatedCount", Int32("Count, for compatibility with core/v1 Event.")},
       {"deprecatedFirstTimestamp", Time("First time, for compatibility with core/v1 Event.")},
       {"deprecatedLastTimestamp", Time("Last time, for compatibility with core/v1 Event.")},
       {"deprecatedSource", Free("Source, for compatibility with core/v1 Event.")},
       {"eventTime", Time("When the event was first observed (microseconds).")},
       {"note", Str("Human-readable description.")},
       {"reason", Str("Why the action was taken.")},
       {"regarding", Ref(CoreType("ObjectReference"), "The object this event is about.")},
       {"related", Ref(CoreType("ObjectReference"), "A second object, for complex actions.")},
       {"reportingController", Str("Controller that emitted the event.")},
       {"reportingInstance", Str("ID of the controller instance.")},
       {"series", Free("Data about a series of events: count, lastObservedTime.")},
       {"type", Str("Normal or Warning.")}},
      {"eventTime"});
}

json CrdSpec() {
  json column = Object(
      "A column of kubectl get.",
      {{"description", Str("Human-readable description of the column.")},
       {"format", Str("Optional OpenAPI format of the column.")},
       {"jsonPath", Str("Simple JSONPath evaluated against each object.")},
       {"name", Str("Column header.")},
       {"priority", Int32("0 for the default view; higher only with -o wide.")},
       {"type", Str("integer, number, string, boolean or date.")}},
      {"name", "type", "jsonPath"});
  json version = Object(
      "A version of the custom resource.",
      {{"additionalPrinterColumns", ArrayOf(column, "Columns of kubectl get.")},
       {"deprecated", Bool("Whether the version is deprecated.")},
       {"deprecationWarning", Str("Warning returned to clients of a deprecated version.")},
       {"name", Str("Version name, e.g. v1alpha1.")},
       {"schema", Free("openAPIV3Schema: the structural schema of the version.")},
       {"selectableFields", ArrayOf(Free(""), "Fields usable in field selectors.")},
       {"served", Bool("Whether the version is served.")},
       {"storage", Bool("Whether objects are stored in this version; exactly one.")},
       {"subresources", Free("status and scale subresources.")}},
      {"name", "served", "storage"});
  json names = Object(
      "Names of the custom resource.",
      {{"categories", StringList("Groups of resources, e.g. all.")},
       {"kind", Str("CamelCase kind of the resource.")},
       {"listKind", Str("Kind of lists; <kind>List when empty.")},
       {"plural", Str("Plural resource name used in URLs.")},
       {"shortNames", StringList("Short names for kubectl.")},
       {"singular", Str("Singular name; the lower-cased kind when empty.")}},
      {"plural", "kind"});
  return Object(
      "The desired custom resource.",
      {{"conversion", Free("How versions are converted.")},
       {"group", Str("API group of the resource.")},
       {"names", names},
       {"preserveUnknownFields", Bool("Deprecated; must be false.")},
       {"scope", Str("Namespaced or Cluster.")},
       {"versions", ArrayOf(version, "Versions of the resource.")}},
      {"group", "names", "scope", "versions"});
}

}  // namespace

void AddClusterDefinitions(json* defs) {
  (*defs)[CoreType("ObjectReference")] = ObjectReference();
  (*defs)[CoreType("Namespace")] = Kind(
      "", "v1", "Namespace", "A scope for names.",
      {{"spec", Object("", {{"finalizers", StringList("Must be empty before deletion.")}})},
       {"status", Object("", {{"conditions", ArrayOf(Free(""), "Conditions.")},
                              {"phase", Str("Active or Terminating.")}})}});
  json taint = Object("A taint: pods that do not tolerate it are kept off the node.",
                      {{"effect", Str("NoSchedule, PreferNoSchedule or NoExecute.")},
                       {"key", Str("Taint key.")},
                       {"timeAdded", Time("When a NoExecute taint was added.")},
                       {"value", Str("Taint value.")}},
                      {"key", "effect"});
  (*defs)[CoreType("NodeStatus")] = NodeStatus();
  (*defs)[CoreType("Node")] = Kind(
      "", "v1", "Node", "A worker node.",
      {{"spec", Object("How the node is set up.",
                       {{"configSource", Free("Deprecated dynamic kubelet configuration.")},
                        {"externalID", Str("Deprecated.")},
                        {"podCIDR", Str("Pod IP range assigned to the node.")},
                        {"podCIDRs", StringList("Pod IP ranges assigned to the node.")},
                        {"providerID", Str("ID assigned by the cloud provider.")},
                        {"taints", ArrayOf(taint, "Taints of the node.")},
                        {"unschedulable", Bool("Keep new pods off the node.")}})},
       {"status", Ref(CoreType("NodeStatus"), "Most recently observed status of the node.")}});
  (*defs)[CoreType("ServiceSpec")] = ServiceSpec();
  (*defs)[CoreType("Service")] = Kind(
      "", "v1", "Service", "A named abstraction of a set of pods behind one address.",
      {{"spec", Ref(CoreType("ServiceSpec"), "Desired behaviour of the service.")},
       {"status", Object("", {{"conditions", ArrayOf(Free(""), "Conditions.")},
                              {"loadBalancer", Free("Status of the load balancer.")}})}});
  (*defs)[CoreType("ConfigMap")] = Kind(
      "", "v1", "ConfigMap", "Configuration data for pods to consume.",
      {{"binaryData", MapOf(Described({{"type", "string"}, {"format", "byte"}}, ""),
                            "Binary values, base64-encoded.")},
       {"data", StringMap("UTF-8 configuration values.")},
       {"immutable", Bool("If true, the data cannot be changed.")}});
  (*defs)[CoreType("Secret")] = Kind(
      "", "v1", "Secret", "Secret data, such as passwords or keys.",
      {{"data", MapOf(Described({{"type", "string"}, {"format", "byte"}}, ""),
                      "Secret values, base64-encoded.")},
       {"immutable", Bool("If true, the data cannot be changed.")},
       {"stringData", StringMap("Write-only plain-text values merged into data.")},
       {"type", Str("Type of the secret, e.g. Opaque.")}});
  (*defs)[CoreType("Event")] = CoreEvent();
  (*defs)["io.k8s.api.events.v1.Event"] = EventsEvent();
  (*defs)["io.k8s.api.coordination.v1.Lease"] = Kind(
      "coordination.k8s.io", "v1", "Lease", "A lease, used for leader election and heartbeats.",
      {{"spec", Object("The lease.",
                       {{"acquireTime", Time("When the current holder acquired the lease.")},
                        {"holderIdentity", Str("Identity of the current holder.")},
                        {"leaseDurationSeconds", Int32("How long candidates wait to take it.")},
                        {"leaseTransitions", Int32("Times the lease changed holder.")},
                        {"preferredHolder", Str("Holder that should take the lease next.")},
                        {"renewTime", Time("When the holder last renewed the lease.")},
                        {"strategy", Str("How the next holder is chosen.")}})}});
  (*defs)[absl::StrCat(kExt, "CustomResourceDefinitionSpec")] = CrdSpec();
  (*defs)[absl::StrCat(kExt, "CustomResourceDefinition")] = Kind(
      "apiextensions.k8s.io", "v1", "CustomResourceDefinition",
      "A resource served by the API server from a schema.",
      {{"spec", Ref(absl::StrCat(kExt, "CustomResourceDefinitionSpec"), "The resource.")},
       {"status", Free("Conditions, accepted names and stored versions.")}},
      {"spec"});
}

}  // namespace flyover::apiserver::discovery
