// RunRankProcess: the body of `flyover-worker rank`, one data-parallel rank of a training
// job (docs/design/supervision.md, sections 3 and 4). The agent (or `flyover-worker local`)
// starts one process per NPU and calls this from main().
//
// What the caller must provide, as environment variables:
//   FLYOVER_RANK            required; global rank, 0 <= rank < world size
//   FLYOVER_WORLD_SIZE      required; number of ranks, >= 1
//   FLYOVER_JOB             required; the job id (DNS-1123 subdomain), the rendezvous scope
//   FLYOVER_JOB_CONFIG      required; the trainer configuration as JSON (section 4); a YAML
//                           --config must be converted to JSON by the caller
//   FLYOVER_RENDEZVOUS      required when world size > 1: "file:<dir>" (a directory every
//                           rank sees) or "http://host:port" (the supervision endpoint; the
//                           bearer token is read from FLYOVER_SUPERVISION_TOKEN)
//   FLYOVER_GENERATION      restart generation to rendezvous in; default 0
//   FLYOVER_DEVICE_ID       the die this rank drives; default FLYOVER_LOCAL_RANK, else 0
//   FLYOVER_RESUME_STEP     resume from exactly this step's checkpoint; absent: the newest
//                           complete state, memory first: the newest step held whole in
//                           cross-pod replicas when newer than the newest committed one
//                           under checkpoint.path, else that one, or a fresh start
//   FLYOVER_REPORT_FD       an open, writable fd (a pipe) for the progress JSON lines of
//                           section 3; absent: no progress lines. Not closed by this call.
//   FLYOVER_SLOW_FACTOR_FILE  optional; a file holding a number >= 1 (re-read every step):
//                           the emulated die runs that many times slower (a "slow node")
//   FLYOVER_CHECKPOINT_REQUEST_FILE  optional; the agent's CheckpointNow file
//                           ({"id", "sequence"}, checkpoint_request.h), checked after every
//                           step (a stat; read only when it changed): when the highest
//                           sequence any rank has seen rises, every rank checkpoints at the
//                           end of the same step (agreed in the step's loss AllReduce) and
//                           reports {"checkpoint": step} once it is committed. A new rank
//                           process acts once on a request already standing when it starts.
//                           Ignored when checkpoint.intervalSteps is 0.
//   FLYOVER_RANKS_PER_POD   optional; ranks per pod (pod = FLYOVER_RANK / this), >= 1; with
//                           FLYOVER_REPLICA_DIR, world size > 1 and checkpoint.inMemoryReplicas
//                           > 0 it turns on cross-pod replicas (replica_exchange.h): after
//                           every step each rank's shard is also held by the same local rank
//                           of the next pod, and a restart resumes from the newest step held
//                           whole when that is newer than the newest committed disk
//                           checkpoint (or equals FLYOVER_RESUME_STEP when that is set: so
//                           leave it unset to take the newest complete state, memory first). Must split the
//                           world into at least two pods (else exit 2).
//   FLYOVER_REPLICA_DIR     optional; where this pod keeps the replicas it holds, so they
//                           outlive a restart of the rank process: memory-backed storage that
//                           lives as long as the pod (e.g. an emptyDir with medium Memory).
//                           Each rank uses <dir>/<FLYOVER_JOB>/rank-<FLYOVER_RANK>; it is
//                           removed when training finishes.
//   POD_IP                  optional; the address this rank listens on for collectives
//                           (default 127.0.0.1)
// Checkpoints go to checkpoint.path/<FLYOVER_JOB>.
//
// Exit codes (the agent reports them; the operator classifies them):
//   0  training finished (after {"done": true})
//   2  bad configuration or environment (stop: fix the input)
//   3  rendezvous or collective failure (a peer died or timed out: restart in place)
//   4  checkpoint failure: a corrupt or unreadable checkpoint, or one that failed to commit
//   5  NPU fault (ECC error, hang, out of device memory)
//   1  anything else
// The reason is written to stderr as one line.
//
// Thread-safety: call once per process.
#ifndef FLYOVER_WORKER_TRAIN_RANK_MAIN_H_
#define FLYOVER_WORKER_TRAIN_RANK_MAIN_H_

#include <map>
#include <string>

namespace flyover::worker {

inline constexpr int kRankExitOk = 0;
inline constexpr int kRankExitOther = 1;
inline constexpr int kRankExitBadInput = 2;
inline constexpr int kRankExitCollective = 3;
inline constexpr int kRankExitCheckpoint = 4;
inline constexpr int kRankExitDevice = 5;

// Runs the rank with the variables of `env` (name -> value) and returns its exit code.
int RunRankProcess(const std::map<std::string, std::string>& env);

// Runs the rank with the process environment (environ).
int RunRankProcess();

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_RANK_MAIN_H_
