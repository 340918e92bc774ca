// The columns of the other built-in kinds, and the lookup of built-in printers.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "apiserver/discovery/age.h"
#include "apiserver/discovery/table_printers.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

size_t Size(const json& value) { return value.is_object() || value.is_array() ? value.size() : 0; }

json Age(const json& o, absl::Time now) {
  return AgeSince(At(o, {"metadata", "creationTimestamp"}), now);
}

std::string Name(const json& o) { return StringAt(o, {"metadata", "name"}); }

std::string ServicePorts(const json& svc) {
  std::vector<std::string> ports;
  const json& list = At(svc, {"spec", "ports"});
  for (const json& p : list.is_array() ? list : json::array()) {
    std::string port = p.contains("port") ? p["port"].dump() : "";
    if (p.contains("nodePort") && p["nodePort"].is_number()) {
      absl::StrAppend(&port, ":", p["nodePort"].dump());
    }
    ports.push_back(absl::StrCat(port, "/", StringAt(p, {"protocol"}, "TCP")));
  }
  return ports.empty() ? "<none>" : absl::StrJoin(ports, ",");
}

std::string ServiceExternalIp(const json& svc) {
  std::string type = StringAt(svc, {"spec", "type"}, "ClusterIP");
  if (type == "ExternalName") return StringAt(svc, {"spec", "externalName"}, "<none>");
  std::vector<std::string> ips;
  if (type == "LoadBalancer") {
    const json& ingress = At(svc, {"status", "loadBalancer", "ingress"});
    for (const json& i : ingress.is_array() ? ingress : json::array()) {
      std::string ip = StringAt(i, {"ip"}, StringAt(i, {"hostname"}));
      if (!ip.empty()) ips.push_back(ip);
    }
  }
  const json& external = At(svc, {"spec", "externalIPs"});
  for (const json& ip : external.is_array() ? external : json::array()) {
    if (ip.is_string()) ips.push_back(ip.get<std::string>());
  }
  if (!ips.empty()) return absl::StrJoin(ips, ",");
  return type == "LoadBalancer" ? "<pending>" : "<none>";
}

std::string Selector(const json& map) {
  if (!map.is_object() || map.empty()) return "<none>";
  std::vector<std::string> pairs;
  for (const auto& [k, v] : map.items()) {
    pairs.push_back(absl::StrCat(k, "=", v.is_string() ? v.get<std::string>() : v.dump()));
  }
  return absl::StrJoin(pairs, ",");
}

TablePrinter ServicePrinter() {
  json columns = json::array(
      {NameColumn(), Column("Type", "string", "", "The type of the service."),
       Column("Cluster-IP", "string", "", "The virtual IP of the service."),
       Column("External-IP", "string", "", "Addresses the service is reachable at from outside."),
       Column("Port(s)", "string", "", "The ports the service exposes."), AgeColumn(),
       Column("Selector", "string", "", "Labels of the pods behind the service.", 1)});
  return {columns, [](const json& svc, absl::Time now) {
            return json::array({Name(svc), StringAt(svc, {"spec", "type"}, "ClusterIP"),
                                StringAt(svc, {"spec", "clusterIP"}, "<none>"),
                                ServiceExternalIp(svc), ServicePorts(svc), Age(svc, now),
                                Selector(At(svc, {"spec", "selector"}))});
          }};
}

TablePrinter ConfigMapPrinter() {
  json columns = json::array({NameColumn(), Column("Data", "integer", "", "Number of entries."),
                              AgeColumn()});
  return {columns, [](const json& cm, absl::Time now) {
            return json::array(
                {Name(cm), Size(At(cm, {"data"})) + Size(At(cm, {"binaryData"})), Age(cm, now)});
          }};
}

TablePrinter SecretPrinter() {
  json columns = json::array({NameColumn(), Column("Type", "string", "", "The type of secret."),
                              Column("Data", "integer", "", "Number of entries."), AgeColumn()});
  return {columns, [](const json& s, absl::Time now) {
            return json::array({Name(s), StringAt(s, {"type"}, "Opaque"), Size(At(s, {"data"})),
                                Age(s, now)});
          }};
}

TablePrinter NamespacePrinter() {
  json columns = json::array(
      {NameColumn(), Column("Status", "string", "", "The phase of the namespace."), AgeColumn()});
  return {columns, [](const json& ns, absl::Time now) {
            return json::array({Name(ns), StringAt(ns, {"status", "phase"}), Age(ns, now)});
          }};
}

TablePrinter LeasePrinter() {
  json columns = json::array(
      {NameColumn(), Column("Holder", "string", "", "The holder of the lease."), AgeColumn()});
  return {columns, [](const json& l, absl::Time now) {
            return json::array({Name(l), StringAt(l, {"spec", "holderIdentity"}), Age(l, now)});
          }};
}

TablePrinter CrdPrinter() {
  json columns = json::array({NameColumn(), Column("Created At", "date", "",
                                                   "When the definition was created.")});
  return {columns, [](const json& crd, absl::Time) {
            return json::array({Name(crd), StringAt(crd, {"metadata", "creationTimestamp"})});
          }};
}

}  // namespace

const TablePrinter* BuiltinPrinter(absl::string_view group, absl::string_view kind) {
  static const auto* printers = new std::map<std::pair<std::string, std::string>, TablePrinter>{
      {{"", "Pod"}, PodPrinter()},
      {{"", "Node"}, NodePrinter()},
      {{"", "Service"}, ServicePrinter()},
      {{"", "ConfigMap"}, ConfigMapPrinter()},
      {{"", "Secret"}, SecretPrinter()},
      {{"", "Namespace"}, NamespacePrinter()},
      {{"", "Event"}, EventPrinter()},
      {{"events.k8s.io", "Event"}, EventPrinter()},
      {{"coordination.k8s.io", "Lease"}, LeasePrinter()},
      {{"", "ServiceAccount"}, ServiceAccountPrinter()},
      {{"rbac.authorization.k8s.io", "Role"}, RolePrinter()},
      {{"rbac.authorization.k8s.io", "ClusterRole"}, RolePrinter()},
      {{"rbac.authorization.k8s.io", "RoleBinding"}, BindingPrinter()},
      {{"rbac.authorization.k8s.io", "ClusterRoleBinding"}, BindingPrinter()},
      {{"apiextensions.k8s.io", "CustomResourceDefinition"}, CrdPrinter()},
  };
  auto it = printers->find({std::string(group), std::string(kind)});
  return it == printers->end() ? nullptr : &it->second;
}

}  // namespace flyover::apiserver::discovery
