// One rank of the multi-process test (comm_process_test.cc): rendezvous through a
// FileRendezvousStore, connect a GlooCommunicator over loopback TCP, Barrier, then
// AllReduce ProcessTestData(rank, elements) and write the result's raw floats to --output.
// On an error it writes "ERROR <status>" there instead and exits with 2.
//
//   comm_rank_helper --store_dir=D --job=J --generation=G --rank=R --size=W
//                    --elements=N --output=F [--timeout_ms=T] [--exit_after_barrier]
//
// --exit_after_barrier makes the rank leave right after the Barrier, with _exit and no
// cleanup, as a crashing process would: its peers are then entering their AllReduce.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/posix_file_system.h"
#include "worker/comm/comm_process_test_data.h"
#include "worker/comm/file_rendezvous_store.h"
#include "worker/comm/gloo_communicator.h"

namespace flyover::worker {
namespace {

std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") continue;
    arg.remove_prefix(2);
    const size_t eq = arg.find('=');
    flags[std::string(arg.substr(0, eq))] =
        eq == absl::string_view::npos ? "true" : std::string(arg.substr(eq + 1));
  }
  return flags;
}

int64_t IntFlag(const std::map<std::string, std::string>& flags, const std::string& name,
                int64_t fallback) {
  auto it = flags.find(name);
  int64_t value = fallback;
  if (it != flags.end() && !absl::SimpleAtoi(it->second, &value)) return fallback;
  return value;
}

int Fail(const std::string& output, const absl::Status& status) {
  FILE* file = std::fopen(output.c_str(), "w");
  if (file != nullptr) {
    std::fputs(absl::StrCat("ERROR ", status.ToString()).c_str(), file);
    std::fclose(file);
  }
  return 2;
}

int Run(int argc, char** argv) {
  const std::map<std::string, std::string> flags = ParseFlags(argc, argv);
  const std::string output = flags.count("output") ? flags.at("output") : "/dev/null";
  auto store = FileRendezvousStore::Create(
      {.root = flags.count("store_dir") ? flags.at("store_dir") : "",
       .scope = {.job = flags.count("job") ? flags.at("job") : "",
                 .generation = IntFlag(flags, "generation", 0)}});
  if (!store.ok()) return Fail(output, store.status());
  GlooCommunicatorOptions options;
  options.rank = static_cast<int>(IntFlag(flags, "rank", -1));
  options.size = static_cast<int>(IntFlag(flags, "size", 0));
  options.connect_timeout = absl::Seconds(20);
  options.default_timeout = absl::Milliseconds(IntFlag(flags, "timeout_ms", 20000));
  auto comm = GlooCommunicator::Connect(**store, options);
  if (!comm.ok()) return Fail(output, comm.status());
  if (absl::Status status = (*comm)->Barrier(); !status.ok()) return Fail(output, status);
  if (flags.count("exit_after_barrier")) ::_exit(0);
  std::vector<float> data =
      testing::ProcessTestData(options.rank, static_cast<size_t>(IntFlag(flags, "elements", 1)));
  if (absl::Status status = (*comm)->AllReduce(absl::MakeSpan(data)); !status.ok()) {
    return Fail(output, status);
  }
  FILE* file = std::fopen(output.c_str(), "wb");
  if (file == nullptr) return 3;
  const size_t written = std::fwrite(data.data(), sizeof(float), data.size(), file);
  return std::fclose(file) == 0 && written == data.size() ? 0 : 3;
}

}  // namespace
}  // namespace flyover::worker

int main(int argc, char** argv) { return flyover::worker::Run(argc, argv); }
