// Obtaining the pod's rank table (docs/design/supervision.md sections 2-3).
//
// With a supervision client: GET the table (long polls of options.poll each) until the
// server has it, check it (strictly, status completed), write it atomically to
// options.path (common/atomic_file.h) and return it. Without one: poll options.path every
// options.poll / 10 (at most 100 ms) until it exists with status "completed".
//
// Errors: DeadlineExceeded after options.timeout (naming the last reason); InvalidArgument
// for a table that does not parse (at once: a table never repairs itself); Cancelled when
// `stop_requested` is set; the client's non-retryable errors as they are.
#ifndef FLYOVER_WORKER_AGENT_RANK_TABLE_SOURCE_H_
#define FLYOVER_WORKER_AGENT_RANK_TABLE_SOURCE_H_

#include <atomic>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "worker/agent/supervision_client.h"
#include "worker/ranktable/rank_table.h"

namespace flyover::worker {

struct RankTableSourceOptions {
  std::string path;  // RANK_TABLE_FILE
  absl::Duration timeout = absl::Minutes(10);
  absl::Duration poll = absl::Seconds(5);
};

[[nodiscard]] absl::StatusOr<RankTable> ObtainRankTable(const RankTableSourceOptions& options,
                                                        SupervisionClient* client,
                                                        FileSystem& fs, Clock& clock,
                                                        const std::atomic<bool>* stop_requested);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_RANK_TABLE_SOURCE_H_
