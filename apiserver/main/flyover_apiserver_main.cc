// flyover-apiserver: the binary. Parses flags (flags.h), starts an ApiServer, writes the
// kubeconfig, prints "serving <url>" on stdout, and stops gracefully on SIGTERM/SIGINT.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "absl/status/status.h"
#include "apiserver/main/data_dir.h"
#include "apiserver/main/flags.h"
#include "apiserver/server/api_server.h"
#include "apiserver/server/kubeconfig.h"
#include "common/log.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

// Each watch holds a connection: let the process use every descriptor it is allowed.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

absl::Status ConfigureLogging(const ApiServerFlags& flags) {
  ASSIGN_OR_RETURN(log::Format format, log::ParseFormat(flags.log_format));
  ASSIGN_OR_RETURN(log::Level level, log::ParseLevel(flags.log_level));
  log::SetFormat(format);
  log::SetLevel(level);
  return absl::OkStatus();
}

absl::Status WriteKubeconfigFor(const ApiServerFlags& flags, const ApiServer& server) {
  KubeconfigOptions kubeconfig;
  kubeconfig.server_url = server.url();
  kubeconfig.token = flags.token;
  const std::string& ca = flags.tls_ca_file.empty() ? flags.tls_cert_file : flags.tls_ca_file;
  if (!ca.empty()) {
    ASSIGN_OR_RETURN(kubeconfig.ca_pem, ReadFile(ca));
  }
  return WriteKubeconfig(flags.kubeconfig_out, kubeconfig);
}

absl::Status Run(const ApiServerFlags& flags) {
  RETURN_IF_ERROR(ConfigureLogging(flags));
  RaiseOpenFileLimit();
  // Block the stop signals before any thread starts, so that only sigwait() sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  RETURN_IF_ERROR(EnsureDataDir(flags.data_dir));
  ApiServerOptions options;
  options.data_dir = flags.data_dir;
  options.http.bind_address = flags.bind_address;
  options.http.port = flags.port;
  options.http.tls_cert_file = flags.tls_cert_file;
  options.http.tls_private_key_file = flags.tls_private_key_file;
  options.http.bearer_token = flags.token;
  ASSIGN_OR_RETURN(std::unique_ptr<ApiServer> server, ApiServer::Start(options));
  if (!flags.kubeconfig_out.empty()) RETURN_IF_ERROR(WriteKubeconfigFor(flags, *server));
  std::cout << "serving " << server->url() << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::Info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server->Stop();
  log::Info("stopped");
  return absl::OkStatus();
}

}  // namespace
}  // namespace flyover::apiserver

int main(int argc, char** argv) {
  using namespace flyover::apiserver;
  absl::StatusOr<ApiServerFlags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::cerr << "flyover-apiserver: " << flags.status().message() << "\n";
    return 2;
  }
  if (flags->help) {
    std::cout << UsageText();
    return 0;
  }
  if (absl::Status status = Run(*flags); !status.ok()) {
    flyover::log::Error(status, "flyover-apiserver failed");
    std::cerr << "flyover-apiserver: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
