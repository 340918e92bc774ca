// Command-line flags of flyover-apiserver: `--name=value` or `--name value`, every flag
// documented in UsageText() (printed by --help). Parsing is a pure function so that it is
// tested without starting a server.
#ifndef FLYOVER_APISERVER_MAIN_FLAGS_H_
#define FLYOVER_APISERVER_MAIN_FLAGS_H_

#include <string>

#include "absl/status/statusor.h"

namespace flyover::apiserver {

struct ApiServerFlags {
  bool help = false;
  std::string data_dir;
  std::string bind_address = "127.0.0.1";
  int port = 6443;
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string tls_ca_file;  // for the kubeconfig; default: the certificate itself
  std::string token;
  std::string kubeconfig_out;
  std::string log_format = "logfmt";
  std::string log_level = "info";
};

// InvalidArgument naming the flag for unknown flags, missing values, bad numbers, and a
// missing --data-dir (unless --help).
[[nodiscard]] absl::StatusOr<ApiServerFlags> ParseFlags(int argc, const char* const* argv);

std::string UsageText();

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_MAIN_FLAGS_H_
