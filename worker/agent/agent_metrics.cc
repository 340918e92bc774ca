#include "worker/agent/agent_metrics.h"

#include <string>
#include <utility>

namespace flyover::worker {

AgentMetrics::AgentMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      step_(prometheus::BuildGauge()
                .Name("flyover_worker_rank_step")
                .Help("Last training step the rank reported.")
                .Register(*registry_)),
      loss_(prometheus::BuildGauge()
                .Name("flyover_worker_rank_loss")
                .Help("Training loss at the rank's last reported step.")
                .Register(*registry_)),
      step_seconds_(prometheus::BuildGauge()
                        .Name("flyover_worker_rank_step_seconds")
                        .Help("Duration of the rank's last reported step.")
                        .Register(*registry_)),
      restarts_(prometheus::BuildCounter()
                    .Name("flyover_worker_rank_restarts_total")
                    .Help("Times the agent started the rank's process again.")
                    .Register(*registry_)),
      tokens_per_second_(prometheus::BuildGauge()
                             .Name("flyover_worker_rank_tokens_per_second")
                             .Help("Tokens the rank fed through its model per second in its "
                                   "last reported step.")
                             .Register(*registry_)),
      checkpoint_stall_(prometheus::BuildHistogram()
                            .Name("flyover_worker_checkpoint_stall_seconds")
                            .Help("Time the rank's training loop was blocked by a checkpoint "
                                  "save.")
                            .Register(*registry_)),
      generation_(prometheus::BuildGauge()
                      .Name("flyover_worker_generation")
                      .Help("Restart generation the rank processes run in.")
                      .Register(*registry_)
                      .Add({})),
      heartbeat_failures_(prometheus::BuildCounter()
                              .Name("flyover_worker_heartbeat_failures_total")
                              .Help("Heartbeats the supervision endpoint did not accept.")
                              .Register(*registry_)
                              .Add({})) {}

void AgentMetrics::Init(const std::vector<int>& ranks) {
  for (int rank : ranks) {
    const prometheus::Labels labels = {{"rank", std::to_string(rank)}};
    ranks_[rank] = RankSeries{.step = &step_.Add(labels),
                              .loss = &loss_.Add(labels),
                              .step_seconds = &step_seconds_.Add(labels),
                              .restarts = &restarts_.Add(labels),
                              .tokens_per_second = &tokens_per_second_.Add(labels),
                              .checkpoint_stall =
                                  &checkpoint_stall_.Add(labels, CheckpointStallBuckets())};
  }
}

void AgentMetrics::RecordStep(int rank, int64_t step, double loss, double step_millis) {
  auto it = ranks_.find(rank);
  if (it == ranks_.end()) return;
  it->second.step->Set(static_cast<double>(step));
  it->second.loss->Set(loss);
  it->second.step_seconds->Set(step_millis / 1000.0);
}

void AgentMetrics::RecordTokens(int rank, int64_t tokens, double step_millis) {
  auto it = ranks_.find(rank);
  if (it == ranks_.end() || !(step_millis > 0)) return;
  it->second.tokens_per_second->Set(static_cast<double>(tokens) * 1000.0 / step_millis);
}

void AgentMetrics::RecordCheckpointStall(int rank, double stall_millis) {
  auto it = ranks_.find(rank);
  if (it != ranks_.end()) it->second.checkpoint_stall->Observe(stall_millis / 1000.0);
}

prometheus::Histogram::BucketBoundaries AgentMetrics::CheckpointStallBuckets() {
  // From a snapshot copy of a small model (milliseconds) to a synchronous write of a large
  // one (a minute).
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

void AgentMetrics::RecordRestart(int rank) {
  auto it = ranks_.find(rank);
  if (it != ranks_.end()) it->second.restarts->Increment();
}

void AgentMetrics::SetGeneration(int64_t generation) {
  generation_.Set(static_cast<double>(generation));
}

void AgentMetrics::RecordHeartbeatFailure() { heartbeat_failures_.Increment(); }

}  // namespace flyover::worker
