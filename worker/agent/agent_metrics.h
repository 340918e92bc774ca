// AgentMetrics: what the agent exports on /metrics, per global rank:
//   flyover_worker_rank_step{rank}            last step a rank reported
//   flyover_worker_rank_loss{rank}            its loss at that step
//   flyover_worker_rank_step_seconds{rank}    its last step time
//   flyover_worker_rank_restarts_total{rank}  times the agent started it again
//   flyover_worker_rank_tokens_per_second{rank}  its last step's tokens / its step time
//   flyover_worker_checkpoint_stall_seconds{rank}  histogram: time its training loop was
//                                             blocked by each checkpoint save
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
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flyover::worker {

class AgentMetrics {
 public:
  explicit AgentMetrics(std::shared_ptr<prometheus::Registry> registry);

  void Init(const std::vector<int>& ranks);
  void RecordStep(int rank, int64_t step, double loss, double step_millis);
  // Tokens per second of a step that fed `tokens` tokens in `step_millis` (ignored when
  // the time is not positive).
  void RecordTokens(int rank, int64_t tokens, double step_millis);
  void RecordCheckpointStall(int rank, double stall_millis);
  // The stall histogram's upper bounds, in seconds.
  static prometheus::Histogram::BucketBoundaries CheckpointStallBuckets();
  void RecordRestart(int rank);
  void SetGeneration(int64_t generation);
  void RecordHeartbeatFailure();

 private:
  struct RankSeries {
    prometheus::Gauge* step = nullptr;
    prometheus::Gauge* loss = nullptr;
    prometheus::Gauge* step_seconds = nullptr;
    prometheus::Counter* restarts = nullptr;
    prometheus::Gauge* tokens_per_second = nullptr;
    prometheus::Histogram* checkpoint_stall = nullptr;
  };

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& step_;
  prometheus::Family<prometheus::Gauge>& loss_;
  prometheus::Family<prometheus::Gauge>& step_seconds_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Family<prometheus::Gauge>& tokens_per_second_;
  prometheus::Family<prometheus::Histogram>& checkpoint_stall_;
  prometheus::Gauge& generation_;
  prometheus::Counter& heartbeat_failures_;
  std::map<int, RankSeries> ranks_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_AGENT_METRICS_H_
