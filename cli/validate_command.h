// `flyover validate`: parse, default and validate PostTrainingJob manifests offline, with
// the same code the operator and the embedded API server run at admission.
//
//   flyover validate [-o summary|json|yaml] [--expect-invalid] FILE...
//
// Every document of every file is checked. A valid job prints its summary (or the
// defaulted object with -o json|yaml); an invalid one prints every problem with its field
// path. Exit status: 0 when every document is valid (with --expect-invalid: when every
// document is rejected), 1 otherwise, 2 for a usage error.
#ifndef FLYOVER_CLI_VALIDATE_COMMAND_H_
#define FLYOVER_CLI_VALIDATE_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace flyover::cli {

int RunValidate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_VALIDATE_COMMAND_H_
