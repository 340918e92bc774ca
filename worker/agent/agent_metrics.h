// AgentMetrics: what the agent exports on /metrics, per global rank:
//   flyover_worker_rank_step{rank}            last step a rank reported
//   flyover_worker_rank_loss{rank}            its loss at that step
//   flyover_worker_rank_step_seconds{rank}    its last step time
//   flyover_worker_rank_restarts_total{rank}  times the agent started it again
//   flyover_worker_generation                 the generation the ranks run in
//   flyover_worker_heartbeat_failures_total   heartbeats that got no 200
// Every rank's series exist (at zero) once Init() has named the ranks.
// Thread-safety: prometheus-cpp metrics are thread-safe; Init() is called once first.
#ifndef FLYOVER_WORKER_AGENT_AGENT_METRICS_H_
#define FLYOVER_WORKER_AGENT_AGENT_METRICS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace flyover::worker {

class AgentMetrics {
 public:
  explicit AgentMetrics(std::shared_ptr<prometheus::Registry> registry);

  void Init(const std::vector<int>& ranks);
  void RecordStep(int rank, int64_t step, double loss, double step_millis);
  void RecordRestart(int rank);
  void SetGeneration(int64_t generation);
  void RecordHeartbeatFailure();

 private:
  struct RankSeries {
    prometheus::Gauge* step = nullptr;
    prometheus::Gauge* loss = nullptr;
    prometheus::Gauge* step_seconds = nullptr;
    prometheus::Counter* restarts = nullptr;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& step_;
  prometheus::Family<prometheus::Gauge>& loss_;
  prometheus::Family<prometheus::Gauge>& step_seconds_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Gauge& generation_;
  prometheus::Counter& heartbeat_failures_;
  std::map<int, RankSeries> ranks_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_AGENT_METRICS_H_
