#include "apiserver/server/pod_log.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/server/object_meta.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

absl::Status LogBadRequest(absl::string_view message) {
  return ToAbslStatus(BadRequestStatus(message));
}

absl::StatusOr<bool> LogBoolParam(const HttpRequest& request, absl::string_view name) {
  const std::string text = request.Param(name);
  if (text.empty() || text == "false" || text == "0") return false;
  if (text == "true" || text == "1") return true;
  return LogBadRequest(absl::StrCat("invalid value for ", name, ": \"", text, "\""));
}

absl::StatusOr<std::optional<int64_t>> LogIntParam(const HttpRequest& request,
                                                absl::string_view name) {
  if (!request.HasParam(name)) return std::nullopt;
  const std::string text = request.Param(name);
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return LogBadRequest(absl::StrCat("invalid value for ", name, ": \"", text, "\""));
  }
  return value;
}

void CheckAtLeast(const std::optional<int64_t>& value, int64_t minimum, const char* field,
                  const char* detail, kube::ErrorList* errors) {
  if (value && *value < minimum) errors->Invalid(kube::FieldPath(field), *value, detail);
}

// Percent-encodes a query value (RFC 3986 unreserved characters pass).
std::string QueryEscape(absl::string_view value) {
  std::string out;
  for (const char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::vector<std::string> ContainerNames(const json& pod, const char* list) {
  std::vector<std::string> names;
  const json containers = pod.value(json::json_pointer(absl::StrCat("/spec/", list)), json());
  if (!containers.is_array()) return names;
  for (const json& container : containers) {
    if (container.is_object() && container.value("name", json()).is_string()) {
      names.push_back(container["name"].get<std::string>());
    }
  }
  return names;
}

// The container the request is for: the named one, or the pod's only container.
absl::StatusOr<std::string> ChooseContainer(const json& pod, absl::string_view pod_name,
                                            const std::string& requested) {
  const std::vector<std::string> containers = ContainerNames(pod, "containers");
  const std::vector<std::string> init = ContainerNames(pod, "initContainers");
  if (requested.empty()) {
    if (containers.size() == 1) return containers.front();
    std::string message = absl::StrCat("a container name must be specified for pod ", pod_name);
    if (!containers.empty()) {
      absl::StrAppend(&message, ", choose one of: [", absl::StrJoin(containers, " "), "]");
      if (!init.empty()) {
        absl::StrAppend(&message, " or one of the init containers: [", absl::StrJoin(init, " "),
                        "]");
      }
    }
    return LogBadRequest(message);
  }
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    for (const std::string& name : ContainerNames(pod, list)) {
      if (name == requested) return requested;
    }
  }
  json status = NotFoundStatus({"", "pods/log"}, pod_name);
  status["message"] = absl::StrCat("container ", requested, " is not valid for pod ", pod_name);
  return ToAbslStatus(status);
}

// The node's kubelet: InternalIP (else Hostname) and the kubelet endpoint's port.
absl::StatusOr<KubeletTarget> KubeletOf(const json& node, const std::string& node_name) {
  KubeletTarget target;
  target.node = node_name;
  const json addresses = node.value(json::json_pointer("/status/addresses"), json());
  for (const char* type : {"InternalIP", "Hostname"}) {
    if (!target.host.empty() || !addresses.is_array()) break;
    for (const json& address : addresses) {
      if (address.is_object() && address.value("type", "") == type &&
          address.value("address", json()).is_string()) {
        target.host = address["address"].get<std::string>();
        break;
      }
    }
  }
  if (target.host.empty()) {
    return ToAbslStatus(ServiceUnavailableStatus(
        absl::StrCat("node \"", node_name, "\" reports no InternalIP or Hostname address")));
  }
  const json port =
      node.value(json::json_pointer("/status/daemonEndpoints/kubeletEndpoint/Port"), json());
  target.port = port.is_number_integer() && port.get<int>() > 0 ? port.get<int>()
                                                                 : kDefaultKubeletPort;
  return target;
}

absl::StatusOr<KubeletTarget> LocateLogs(ObjectService& objects, absl::string_view namespace_,
                                         absl::string_view pod_name, PodLogOptions& options) {
  std::shared_ptr<const RegistrySnapshot> snapshot = objects.registry()->Snapshot();
  const discovery::ResourceInfo* pods = snapshot->registry().Find("", "v1", "pods");
  const discovery::ResourceInfo* nodes = snapshot->registry().Find("", "v1", "nodes");
  ASSIGN_OR_RETURN(json pod, objects.Get(*pods, namespace_, pod_name));
  ASSIGN_OR_RETURN(options.container, ChooseContainer(pod, pod_name, options.container));
  const json node_name = pod.value(json::json_pointer("/spec/nodeName"), json());
  if (!node_name.is_string() || node_name.get<std::string>().empty()) {
    return LogBadRequest(absl::StrCat("pod ", pod_name, " does not have a host assigned"));
  }
  ASSIGN_OR_RETURN(json node, objects.Get(*nodes, "", node_name.get<std::string>()));
  ASSIGN_OR_RETURN(KubeletTarget target, KubeletOf(node, node_name.get<std::string>()));
  target.path = ContainerLogsPath(namespace_, pod_name, options);
  return target;
}

}  // namespace

absl::StatusOr<PodLogOptions> ParsePodLogOptions(const HttpRequest& request,
                                                 absl::string_view pod_name) {
  PodLogOptions options;
  options.container = request.Param("container");
  ASSIGN_OR_RETURN(options.follow, LogBoolParam(request, "follow"));
  ASSIGN_OR_RETURN(options.previous, LogBoolParam(request, "previous"));
  ASSIGN_OR_RETURN(options.timestamps, LogBoolParam(request, "timestamps"));
  ASSIGN_OR_RETURN(options.since_seconds, LogIntParam(request, "sinceSeconds"));
  ASSIGN_OR_RETURN(options.tail_lines, LogIntParam(request, "tailLines"));
  ASSIGN_OR_RETURN(options.limit_bytes, LogIntParam(request, "limitBytes"));
  options.since_time = request.Param("sinceTime");
  kube::ErrorList errors;
  CheckAtLeast(options.tail_lines, 0, "tailLines", "must be greater than or equal to 0",
               &errors);
  CheckAtLeast(options.limit_bytes, 1, "limitBytes", "must be greater than 0", &errors);
  CheckAtLeast(options.since_seconds, 1, "sinceSeconds", "must be greater than 0", &errors);
  if (options.since_seconds && !options.since_time.empty()) {
    errors.Forbidden(kube::FieldPath(""), "at most one of `sinceTime` or `sinceSeconds` may be "
                                          "specified");
  }
  if (!errors.empty()) {
    return ToAbslStatus(InvalidStatus({"", "PodLogOptions"}, pod_name, errors));
  }
  return options;
}

std::string ContainerLogsPath(absl::string_view namespace_, absl::string_view pod,
                              const PodLogOptions& options) {
  std::vector<std::string> query;
  if (options.follow) query.push_back("follow=true");
  if (options.previous) query.push_back("previous=true");
  if (options.timestamps) query.push_back("timestamps=true");
  if (options.since_seconds) query.push_back(absl::StrCat("sinceSeconds=", *options.since_seconds));
  if (!options.since_time.empty()) {
    query.push_back(absl::StrCat("sinceTime=", QueryEscape(options.since_time)));
  }
  if (options.tail_lines) query.push_back(absl::StrCat("tailLines=", *options.tail_lines));
  if (options.limit_bytes) query.push_back(absl::StrCat("limitBytes=", *options.limit_bytes));
  std::string path = absl::StrCat("/containerLogs/", namespace_, "/", pod, "/", options.container);
  if (!query.empty()) absl::StrAppend(&path, "?", absl::StrJoin(query, "&"));
  return path;
}

HttpResponse ServePodLog(ObjectService& objects, const HttpRequest& request,
                         absl::string_view namespace_, absl::string_view pod_name,
                         const KubeletProxyOptions& proxy_options) {
  const StatusContext context{{"", "pods"}, std::string(pod_name)};
  absl::StatusOr<PodLogOptions> options = ParsePodLogOptions(request, pod_name);
  if (!options.ok()) return ErrorResponse(options.status(), context);
  absl::StatusOr<KubeletTarget> target = LocateLogs(objects, namespace_, pod_name, *options);
  if (!target.ok()) return ErrorResponse(target.status(), context);
  return ProxyKubeletGet(*target, proxy_options);
}

}  // namespace flyover::apiserver
