#include "apiserver/main/flags.h"

#include <functional>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flyover::apiserver {
namespace {

using Setter = std::function<absl::Status(ApiServerFlags&, const std::string&)>;

Setter String(std::string ApiServerFlags::*field) {
  return [field](ApiServerFlags& flags, const std::string& value) {
    flags.*field = value;
    return absl::OkStatus();
  };
}

const std::map<std::string, Setter>& Setters() {
  static const auto* setters = new std::map<std::string, Setter>{
      {"data-dir", String(&ApiServerFlags::data_dir)},
      {"bind-address", String(&ApiServerFlags::bind_address)},
      {"port",
       [](ApiServerFlags& flags, const std::string& value) {
         if (!absl::SimpleAtoi(value, &flags.port) || flags.port < 0 || flags.port > 65535) {
           return absl::InvalidArgumentError(
               absl::StrCat("--port: \"", value, "\" is not a port number (0-65535)"));
         }
         return absl::OkStatus();
       }},
      {"tls-cert-file", String(&ApiServerFlags::tls_cert_file)},
      {"tls-private-key-file", String(&ApiServerFlags::tls_private_key_file)},
      {"tls-ca-file", String(&ApiServerFlags::tls_ca_file)},
      {"token", String(&ApiServerFlags::token)},
      {"kubeconfig-out", String(&ApiServerFlags::kubeconfig_out)},
      {"log-format", String(&ApiServerFlags::log_format)},
      {"log-level", String(&ApiServerFlags::log_level)},
  };
  return *setters;
}

}  // namespace

absl::StatusOr<ApiServerFlags> ParseFlags(int argc, const char* const* argv) {
  ApiServerFlags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    arg = arg.substr(2);
    std::string value;
    const size_t equals = arg.find('=');
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", arg, ": missing value"));
    }
    auto setter = Setters().find(arg);
    if (setter == Setters().end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", arg, " (see --help)"));
    }
    if (absl::Status status = setter->second(flags, value); !status.ok()) return status;
  }
  if (!flags.help && flags.data_dir.empty()) {
    return absl::InvalidArgumentError("--data-dir is required (see --help)");
  }
  return flags;
}

std::string UsageText() {
  return R"(flyover-apiserver: an embedded, Kubernetes-API-compatible control plane on SQLite.

Serves the Kubernetes API (core/v1 namespaces, nodes, pods, services, configmaps, secrets,
events; events.k8s.io, coordination.k8s.io leases, CustomResourceDefinitions and the custom
resources they define) to kubectl and client-go programs. Every acknowledged write is on disk.

Usage: flyover-apiserver --data-dir DIR [flags]

Flags:
  --data-dir DIR              Directory holding the database (flyover-apiserver.db),
                              created with its parents when missing. Required. One
                              server per directory.
  --bind-address ADDR         Address to listen on (default 127.0.0.1; 0.0.0.0 for all).
  --port N                    Port to listen on (default 6443). 0 picks a free port; the
                              chosen URL is printed on stdout as "serving <url>".
  --tls-cert-file FILE        Serve HTTPS with this PEM certificate (chain). Needs
  --tls-private-key-file FILE   the matching PEM private key.
  --tls-ca-file FILE          CA bundle written into the kubeconfig (default: the
                              certificate itself, right for a self-signed one).
  --token TOKEN               Require "Authorization: Bearer TOKEN" on every request except
                              /healthz, /livez, /readyz and /version.
  --kubeconfig-out FILE       Write a kubeconfig for this server (context "flyover-local",
                              with the CA data and the token when set), mode 0600.
  --log-format logfmt|json    Log line format on stderr (default logfmt).
  --log-level LEVEL           debug, info, warn or error (default info).
  --help                      Print this text.

Stops gracefully on SIGTERM or SIGINT: open watches end, requests in progress finish, the
database is closed.
)";
}

}  // namespace flyover::apiserver
