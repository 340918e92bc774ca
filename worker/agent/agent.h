// Agent: supervises the rank processes of one pod (docs/design/supervision.md sections 2-3).
//
// Run() obtains the rank table (RankTableSource), starts one rank process per local NPU
// with section 3's environment, reads their progress lines, heartbeats to the supervision
// client every heartbeat_interval and at once when a rank exits, and applies commands:
//   Pause          SIGSTOP to every rank       Resume  SIGCONT to every rank
//   RestartInPlace SIGTERM to every rank, SIGKILL after stop_grace, then start them all
//                  again in the command's generation with FLYOVER_RESUME_STEP
//   CheckpointNow  writes {"id": ..., "sequence": n} atomically to checkpoint_request_file,
//                  which ranks see as FLYOVER_CHECKPOINT_REQUEST_FILE
// A stop request (SIGTERM/SIGINT seen by the caller, through `stop_requested`) is forwarded
// to the ranks as SIGTERM (SIGKILL after stop_grace). Heartbeats say "Unhealthy" after a
// rank exits with kRankExitNpuFault, until the ranks are started again.
//
// Exit codes (AgentExitCode): 0 every rank finished; 2 bad input (no completed rank table
// within rank_table_timeout, an invalid one, a world size that does not match);
// 3 a rank failed and no supervisor restarted it within command_timeout (at once without a
// supervisor); 4 the pod's generation was superseded and no command followed within
// command_timeout; 5 the supervisor refused the agent (401/403/400); 143 stopped by a signal.
//
// Ownership: the client (may be null: no supervision), launcher, clock, filesystem and
// metrics (may be null) are not owned and must outlive the agent.
// Thread-safety: Run() is called once, from one thread. `stop_requested` may be set from
// any thread or a signal handler.
#ifndef FLYOVER_WORKER_AGENT_AGENT_H_
#define FLYOVER_WORKER_AGENT_AGENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "common/log.h"
#include "worker/agent/agent_metrics.h"
#include "worker/agent/rank_launcher.h"
#include "worker/agent/supervision_client.h"
#include "worker/ranktable/rank_table.h"

namespace flyover::worker {

enum AgentExitCode : int {
  kAgentSucceeded = 0,
  kAgentBadInput = 2,
  kAgentRankFailed = 3,
  kAgentSuperseded = 4,
  kAgentRefused = 5,
  kAgentStopped = 143,
};

// A rank's exit code for an NPU fault (worker/train/rank_main.h): the pod reports
// health "Unhealthy" from such an exit until its ranks are restarted.
inline constexpr int kRankExitNpuFault = 5;

struct AgentOptions {
  std::string job;           // FLYOVER_JOB
  std::string pod;           // POD_NAME
  int rank_index = 0;        // FLYOVER_RANK_INDEX
  int replicas = 1;          // FLYOVER_REPLICAS
  int npus_per_replica = 1;  // FLYOVER_NPUS_PER_REPLICA
  int64_t generation = 0;    // FLYOVER_GENERATION
  std::string rank_table_file;
  std::vector<int> visible_devices;  // ASCEND_VISIBLE_DEVICES; empty: the local index
  std::string rendezvous;            // FLYOVER_RENDEZVOUS for the ranks
  std::string checkpoint_request_file;
  // Where this pod's ranks keep the cross-pod replicas they hold (FLYOVER_REPLICA_DIR);
  // handed to the ranks only when there are at least two pods. Empty: no replicas.
  std::string replica_dir;
  std::vector<std::string> rank_argv;  // e.g. {"/proc/self/exe", "rank"}
  absl::Duration heartbeat_interval = absl::Seconds(1);
  absl::Duration stop_grace = absl::Seconds(10);
  absl::Duration rank_table_timeout = absl::Minutes(10);
  absl::Duration rank_table_poll = absl::Seconds(5);  // long poll / file poll period
  absl::Duration command_timeout = absl::Seconds(60);
  // Test and standalone chaos: SIGKILL global rank `kill_rank` once it reports step
  // `kill_at_step` in the first generation. -1: never.
  int kill_rank = -1;
  int64_t kill_at_step = -1;
  // Chaos for a whole pod: SIGKILL every rank of this pod once any of them reports step
  // `kill_at_step` in the first generation, then call on_pod_killed (a standalone run
  // deletes the pod's replica dir there: the pod and its memory are gone). It runs once
  // every rank of the pod has exited, before any is started again.
  bool kill_pod = false;
  std::function<void()> on_pod_killed;
  // Called on the agent's thread with every progress line a rank writes (standalone runs
  // print and summarise them). May be empty.
  std::function<void(int rank, int64_t generation, const ProgressLine& line)> on_progress;
};

class Agent {
 public:
  Agent(AgentOptions options, SupervisionClient* client, RankLauncher& launcher, Clock& clock,
        FileSystem& fs, AgentMetrics* metrics, const std::atomic<bool>* stop_requested);

  // Runs until the ranks finish, fail for good, or a stop is requested; the exit code.
  int Run();

 private:
  struct Slot {
    RankReport report;
    int device_id = 0;
    bool stopping = false;  // the agent signalled it to stop; its exit is no failure
    std::optional<int64_t> checkpoint;  // newest checkpoint the rank reported
  };
  enum class Mode { kRunning, kRestarting, kFailed, kSuperseded, kStopping };

  absl::Status Prepare();
  absl::Status StartAll(std::optional<int64_t> resume_step);
  void StopAll(int signal);
  void KillStragglers();
  void HandleEvents(const std::vector<LauncherEvent>& events);
  void HandleLine(Slot& slot, const std::string& text);
  // Chaos (kill_rank / kill_pod): SIGKILL once `slot` reported `step`.
  void MaybeKillForChaos(const Slot& slot, int64_t step);
  void HandleExit(Slot& slot, const LauncherEvent& event);
  bool AnyRunning() const;
  bool AllSucceeded() const;
  // Sends a heartbeat when one is due and applies the answer; nullopt or an exit code.
  std::optional<int> MaybeHeartbeat();
  Heartbeat BuildHeartbeat();
  void ApplyCommand(const Command& command);
  void RequestCheckpoint(const Command& command);
  // What the main loop does next given the mode; nullopt or an exit code.
  std::optional<int> Advance();
  void EnterMode(Mode mode);
  // Stops every rank and leaves Run() with `code` once they are gone.
  void StopAndExit(int code);
  void SendFinalHeartbeat();
  std::optional<int64_t> PodCheckpointStep() const;

  const AgentOptions options_;
  SupervisionClient* const client_;
  RankLauncher& launcher_;
  Clock& clock_;
  FileSystem& fs_;
  AgentMetrics* const metrics_;
  const std::atomic<bool>* const stop_requested_;

  int world_size_ = 0;
  int64_t generation_ = 0;
  int64_t first_generation_ = 0;
  std::vector<Slot> slots_;
  std::vector<RankExitEvent> pending_events_;
  std::vector<EvaluationReport> pending_evaluations_;
  std::vector<std::string> applied_commands_;
  std::optional<int64_t> last_checkpoint_step_;
  std::optional<int64_t> pending_resume_step_;
  int64_t pending_generation_ = 0;
  int64_t checkpoint_requests_ = 0;
  Mode mode_ = Mode::kRunning;
  absl::Time mode_since_;
  absl::Time last_heartbeat_ = absl::InfinitePast();
  bool heartbeat_now_ = false;
  bool killed_for_chaos_ = false;
  bool pod_killed_pending_ = false;  // kill_pod: on_pod_killed waits for the exits
  bool npu_fault_seen_ = false;
  int exit_after_stop_ = kAgentStopped;
  log::Logger logger_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_AGENT_H_
