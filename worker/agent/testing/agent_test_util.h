// Helpers shared by the agent's tests: temporary directories and a rank table text.
#ifndef FLYOVER_WORKER_AGENT_TESTING_AGENT_TEST_UTIL_H_
#define FLYOVER_WORKER_AGENT_TESTING_AGENT_TEST_UTIL_H_

#include <stdlib.h>

#include <string>

#include "worker/ranktable/local_rank_table.h"

namespace flyover::worker::testing {

// A fresh directory under $TMPDIR (or /tmp); left for the OS to clean.
inline std::string MakeTempDir() {
  const char* base = ::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/flyover-agent-XXXXXX";
  return ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
}

// The serialized local rank table of `ranks` ranks on pods of `per_pod`.
inline std::string LocalTableText(int ranks, int per_pod) {
  return SerializeRankTable(*GenerateLocalRankTable({.ranks = ranks, .ranks_per_pod = per_pod}));
}

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_AGENT_TESTING_AGENT_TEST_UTIL_H_
