#include "worker/train/rank_main.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "worker/comm/file_rendezvous_store.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/http_rendezvous_store.h"
#include "worker/comm/loopback_communicator.h"
#include "worker/npu/emulated_npu_backend.h"
#include "worker/train/checkpoint_request.h"
#include "worker/train/progress_sink.h"
#include "worker/train/replica_exchange.h"
#include "worker/train/replica_holding.h"
#include "worker/train/store_checkpoint_barrier.h"
#include "worker/train/train_config.h"
#include "worker/train/trainer.h"

extern char** environ;

namespace flyover::worker {
namespace {

using Env = std::map<std::string, std::string>;

std::optional<std::string> Lookup(const Env& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

// The integer variable `name`; `fallback` when absent (nullopt: required).
absl::StatusOr<int64_t> IntVar(const Env& env, const std::string& name,
                               std::optional<int64_t> fallback) {
  std::optional<std::string> text = Lookup(env, name);
  if (!text.has_value()) {
    if (fallback.has_value()) return *fallback;
    return absl::InvalidArgumentError(absl::StrCat(name, ": required"));
  }
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value) || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": must be a non-negative integer"));
  }
  return value;
}

struct RankEnv {
  int rank = 0;
  int world_size = 1;
  int device_id = 0;
  int64_t generation = 0;
  std::optional<int64_t> resume_step;
  std::string rendezvous;
  int report_fd = -1;
  std::string job;
  TrainConfig config;
  std::string slow_factor_file;
  std::string checkpoint_request_file;
  int ranks_per_pod = 0;  // 0: no cross-pod replicas
  std::string replica_dir;
  std::string hostname = "127.0.0.1";
};

absl::StatusOr<RankEnv> ReadEnv(const Env& env) {
  RankEnv r;
  ASSIGN_OR_RETURN(const int64_t world, IntVar(env, "FLYOVER_WORLD_SIZE", std::nullopt));
  ASSIGN_OR_RETURN(const int64_t rank, IntVar(env, "FLYOVER_RANK", std::nullopt));
  if (world < 1 || world > 65536 || rank >= world) {
    return absl::InvalidArgumentError(absl::StrCat("FLYOVER_RANK: ", rank,
                                                   " must be below FLYOVER_WORLD_SIZE ", world));
  }
  r.world_size = static_cast<int>(world);
  r.rank = static_cast<int>(rank);
  ASSIGN_OR_RETURN(const int64_t local, IntVar(env, "FLYOVER_LOCAL_RANK", 0));
  ASSIGN_OR_RETURN(const int64_t device, IntVar(env, "FLYOVER_DEVICE_ID", local));
  r.device_id = static_cast<int>(device);
  ASSIGN_OR_RETURN(r.generation, IntVar(env, "FLYOVER_GENERATION", 0));
  if (Lookup(env, "FLYOVER_RESUME_STEP").has_value()) {
    ASSIGN_OR_RETURN(r.resume_step, IntVar(env, "FLYOVER_RESUME_STEP", std::nullopt));
  }
  ASSIGN_OR_RETURN(const int64_t fd, IntVar(env, "FLYOVER_REPORT_FD", -1));
  r.report_fd = static_cast<int>(fd);
  r.job = Lookup(env, "FLYOVER_JOB").value_or("");
  if (r.job.empty()) return absl::InvalidArgumentError("FLYOVER_JOB: required");
  r.rendezvous = Lookup(env, "FLYOVER_RENDEZVOUS").value_or("");
  if (r.world_size > 1 && r.rendezvous.empty()) {
    return absl::InvalidArgumentError("FLYOVER_RENDEZVOUS: required with more than one rank");
  }
  std::optional<std::string> config = Lookup(env, "FLYOVER_JOB_CONFIG");
  if (!config.has_value()) return absl::InvalidArgumentError("FLYOVER_JOB_CONFIG: required");
  ASSIGN_OR_RETURN(r.config, ParseTrainConfigText(*config));
  r.slow_factor_file = Lookup(env, "FLYOVER_SLOW_FACTOR_FILE").value_or("");
  r.checkpoint_request_file = Lookup(env, "FLYOVER_CHECKPOINT_REQUEST_FILE").value_or("");
  r.hostname = Lookup(env, "POD_IP").value_or(r.hostname);
  ASSIGN_OR_RETURN(const int64_t per_pod, IntVar(env, "FLYOVER_RANKS_PER_POD", 0));
  r.ranks_per_pod = static_cast<int>(std::min<int64_t>(per_pod, 65536));
  r.replica_dir = Lookup(env, "FLYOVER_REPLICA_DIR").value_or("");
  if (!r.replica_dir.empty() && r.ranks_per_pod > 0 && r.world_size > 1) {
    if (absl::Status s = CheckReplicaTopology(r.world_size, r.ranks_per_pod); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("FLYOVER_RANKS_PER_POD: ", s.message()));
    }
  }
  return r;
}

absl::StatusOr<std::unique_ptr<RendezvousStore>> OpenStore(const RankEnv& r, const Env& env) {
  const RendezvousScope scope{r.job, r.generation};
  absl::string_view spec = r.rendezvous;
  if (absl::ConsumePrefix(&spec, "file:")) {
    return FileRendezvousStore::Create({.root = std::string(spec), .scope = scope});
  }
  if (absl::StartsWith(spec, "http://") || absl::StartsWith(spec, "https://")) {
    return HttpRendezvousStore::Create(
        {.endpoint = std::string(spec),
         .scope = scope,
         .bearer_token = Lookup(env, "FLYOVER_SUPERVISION_TOKEN").value_or("")});
  }
  return absl::InvalidArgumentError("FLYOVER_RENDEZVOUS: must be file:<dir> or http(s)://...");
}

// Applies the slow factor in `path` (a number >= 1) to the die; ignores unreadable files.
void ApplySlowFactor(EmulatedNpuBackend& npu, const std::string& path) {
  absl::StatusOr<std::string> text = DefaultFileSystem()->ReadFile(path);
  double factor = 1.0;
  if (text.ok() && absl::SimpleAtod(absl::StripAsciiWhitespace(*text), &factor) && factor >= 1) {
    npu.SetSlowdown(factor);
  }
}

// This rank's replica holding when cross-pod replicas are on (rank_main.h), else null.
absl::StatusOr<std::unique_ptr<ReplicaHolding>> OpenHolding(const RankEnv& r) {
  if (r.replica_dir.empty() || r.ranks_per_pod == 0 || r.world_size == 1 ||
      r.config.checkpoint.in_memory_replicas <= 0) {
    return nullptr;
  }
  return ReplicaHolding::Open(
      {.job = r.job,
       .dir = absl::StrCat(r.replica_dir, "/", r.job, "/rank-", r.rank),
       .fs = DefaultFileSystem()});
}

int ExitCodeFor(TrainerFailure failure) {
  switch (failure) {
    case TrainerFailure::kBadInput: return kRankExitBadInput;
    case TrainerFailure::kDevice: return kRankExitDevice;
    case TrainerFailure::kCollective: return kRankExitCollective;
    case TrainerFailure::kCheckpoint: return kRankExitCheckpoint;
    case TrainerFailure::kNone: break;
  }
  return kRankExitOther;
}

int Fail(int code, const absl::Status& status) {
  std::cerr << "flyover-worker rank: " << status << std::endl;
  return code;
}

}  // namespace

int RunRankProcess(const Env& env) {
  absl::StatusOr<RankEnv> r = ReadEnv(env);
  if (!r.ok()) return Fail(kRankExitBadInput, r.status());
  if (absl::Status s = ValidateForWorldSize(r->config, r->world_size); !s.ok()) {
    return Fail(kRankExitBadInput, s);
  }
  auto npu = EmulatedNpuBackend::Create({.die_id = r->device_id});
  if (!npu.ok()) return Fail(kRankExitDevice, npu.status());
  std::unique_ptr<RendezvousStore> store;
  std::unique_ptr<Communicator> comm;
  if (r->world_size == 1) {
    auto group = LoopbackCommunicator::CreateGroup({.size = 1});
    if (!group.ok()) return Fail(kRankExitOther, group.status());
    comm = std::move((*group)[0]);
  } else {
    auto opened = OpenStore(*r, env);
    if (!opened.ok()) return Fail(kRankExitBadInput, opened.status());
    store = std::move(*opened);
    auto gloo = GlooCommunicator::Connect(
        *store, {.rank = r->rank, .size = r->world_size, .hostname = r->hostname});
    if (!gloo.ok()) return Fail(kRankExitCollective, gloo.status());
    comm = std::move(*gloo);
  }
  std::unique_ptr<StoreCheckpointBarrier> barrier;
  if (store != nullptr) barrier = std::make_unique<StoreCheckpointBarrier>(store.get(), r->world_size);
  auto held = OpenHolding(*r);
  if (!held.ok()) return Fail(kRankExitCheckpoint, held.status());
  FdProgressSink progress(r->report_fd);
  TrainerDeps deps{.backend = npu->get(), .comm = comm.get(), .progress = &progress,
                   .fs = DefaultFileSystem(), .barrier = barrier.get(),
                   .held_replicas = held->get()};
  if (!r->slow_factor_file.empty()) {
    deps.before_step = [&npu, &r](int64_t) { ApplySlowFactor(**npu, r->slow_factor_file); };
  }
  CheckpointRequestWatcher checkpoint_request(r->checkpoint_request_file);
  if (!r->checkpoint_request_file.empty()) {
    deps.checkpoint_request = [&checkpoint_request] { return checkpoint_request.Sequence(); };
  }
  TrainerOptions options{.config = r->config,
                         .checkpoint_root = r->config.checkpoint.path + "/" + r->job,
                         .job = r->job,
                         .ranks_per_pod = r->ranks_per_pod,
                         .resume_step = r->resume_step};
  auto trainer = Trainer::Create(deps, options);
  if (!trainer.ok()) return Fail(kRankExitBadInput, trainer.status());
  if (absl::Status s = (*trainer)->Run(); !s.ok()) {
    const int code = ExitCodeFor((*trainer)->failure());
    // A persist in flight may wait for a peer that is gone: let it fail now.
    if (barrier != nullptr) barrier->Cancel();
    trainer->reset();
    return Fail(code, s);
  }
  // Training finished: the replicas are of no further use.
  if (*held != nullptr) (*held)->Clear().IgnoreError();
  return kRankExitOk;
}

int RunRankProcess() {
  Env env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == absl::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return RunRankProcess(env);
}

}  // namespace flyover::worker
