// FakeSupervisionClient: a scripted SupervisionClient for the agent's unit tests. It
// serves `rank_table` after `table_not_found` NotFound answers, records every heartbeat,
// and answers each with the next queued response, else `respond`, else no commands.
// Thread-safety: single-threaded.
#ifndef FLYOVER_WORKER_AGENT_TESTING_FAKE_SUPERVISION_CLIENT_H_
#define FLYOVER_WORKER_AGENT_TESTING_FAKE_SUPERVISION_CLIENT_H_

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "worker/agent/supervision_client.h"

namespace flyover::worker::testing {

class FakeSupervisionClient final : public SupervisionClient {
 public:
  absl::StatusOr<std::string> FetchRankTable(absl::Duration) override {
    ++table_fetches;
    if (table_not_found > 0) {
      --table_not_found;
      return absl::NotFoundError("not complete");
    }
    return rank_table;
  }
  absl::StatusOr<std::vector<Command>> SendHeartbeat(const Heartbeat& heartbeat) override {
    heartbeats.push_back(heartbeat);
    if (responses.empty()) return respond ? respond(heartbeat) : std::vector<Command>();
    absl::StatusOr<std::vector<Command>> response = responses.front();
    responses.pop_front();
    return response;
  }

  std::string rank_table;
  int table_not_found = 0;
  int table_fetches = 0;
  std::vector<Heartbeat> heartbeats;
  std::deque<absl::StatusOr<std::vector<Command>>> responses;
  // Answers a heartbeat once `responses` is empty; unset: no commands.
  std::function<absl::StatusOr<std::vector<Command>>(const Heartbeat&)> respond;
};

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_AGENT_TESTING_FAKE_SUPERVISION_CLIENT_H_
