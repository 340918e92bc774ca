// `flyover`: the command line. Subcommands grow with the product (DESIGN.md §2):
// validate, local up/down/status, chaos and follow today; run and bench as their components land.
#include <iostream>
#include <string>
#include <vector>

#include "cli/chaos_command.h"
#include "cli/follow_command.h"
#include "cli/local_command.h"
#include "cli/validate_command.h"

namespace {

constexpr char kVersion[] = "0.1.0";

void PrintUsage(std::ostream& out) {
  out << "flyover " << kVersion << ": post-training jobs on Ascend 910C clusters\n\n"
      << "usage: flyover <command> [args]\n\n"
      << "commands:\n"
      << "  validate   parse, default and validate PostTrainingJob manifests\n"
      << "  local      up|down|status: a local cluster (flyover-apiserver + flyover-nodesim)\n"
      << "  chaos      inject faults into nodesim: kill-pod, stop/partition/slow/resume-node\n"
      << "  follow     follow a PostTrainingJob: progress bar, then a summary of its run\n"
      << "  version    print the version\n"
      << "  help       print this help\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    PrintUsage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "validate") return flyover::cli::RunValidate(args, std::cout, std::cerr);
  if (command == "local") return flyover::cli::RunLocal(args, std::cout, std::cerr);
  if (command == "chaos") return flyover::cli::RunChaos(args, std::cout, std::cerr);
  if (command == "follow") return flyover::cli::RunFollow(args, std::cout, std::cerr);
  if (command == "version") {
    std::cout << "flyover " << kVersion << "\n";
    return 0;
  }
  std::cerr << "flyover: unknown command \"" << command << "\"\n\n";
  PrintUsage(std::cerr);
  return 2;
}
