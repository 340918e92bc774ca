// Test helpers: run N trainer ranks as threads of this process (loopback collectives, an
// in-process checkpoint barrier, the real file system under a temporary directory).
#ifndef FLYOVER_WORKER_TRAIN_TRAINER_TEST_UTIL_H_
#define FLYOVER_WORKER_TRAIN_TRAINER_TEST_UTIL_H_

#include <stdlib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "worker/comm/loopback_communicator.h"
#include "worker/npu/emulated_npu_backend.h"
#include "worker/train/fake_progress_sink.h"
#include "worker/train/trainer.h"

namespace flyover::worker {

// The directories MakeTempDir created; deleted when the test binary exits.
class TempDirRegistry {
 public:
  ~TempDirRegistry() {
    for (const std::string& dir : dirs_) DefaultFileSystem()->DeleteDirRecursively(dir).IgnoreError();
  }
  void Add(std::string dir) { dirs_.push_back(std::move(dir)); }

 private:
  std::vector<std::string> dirs_;
};

// A new, empty directory under the test's temporary directory.
inline std::string MakeTempDir() {
  static TempDirRegistry registry;
  std::string pattern = ::testing::TempDir() + "/trainer-XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  registry.Add(pattern);
  return pattern;
}

struct RankOutcome {
  std::vector<float> losses;
  std::vector<int64_t> checkpoints;
  std::vector<int64_t> tokens;        // per step
  std::vector<int64_t> saves;         // steps whose checkpoint the loop saved
  std::vector<double> stall_millis;   // per save
  std::vector<FakeProgressSink::EvalReport> evals;
  bool done = false;
  std::vector<float> params;
  absl::Status status;
};

// Runs `world` ranks with `options` (checkpoint_root set by the caller) to completion.
// `held`, when not empty, gives rank r the cross-pod replica holding held[r];
// `checkpoint_request`, when set, gives rank r TrainerDeps::checkpoint_request(r).
inline std::vector<RankOutcome> RunRanks(
    int world, const TrainerOptions& options, InMemoryReplicaStore* replicas = nullptr,
    const std::vector<ReplicaHolding*>& held = {},
    const std::function<std::function<int64_t()>(int)>& checkpoint_request = nullptr) {
  auto comms = *LoopbackCommunicator::CreateGroup({.size = world});
  InProcessBarrier barrier(world);
  std::vector<RankOutcome> out(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      auto npu = *EmulatedNpuBackend::Create({.die_id = r});
      FakeProgressSink progress;
      TrainerDeps deps{.backend = npu.get(), .comm = comms[r].get(), .progress = &progress,
                       .fs = DefaultFileSystem(), .barrier = &barrier, .replicas = replicas,
                       .held_replicas = held.empty() ? nullptr : held[r]};
      if (checkpoint_request) deps.checkpoint_request = checkpoint_request(r);
      auto trainer = Trainer::Create(deps, options);
      if (!trainer.ok()) {
        out[r].status = trainer.status();
        return;
      }
      out[r].status = (*trainer)->Run();
      out[r].params = *(*trainer)->model().GetParameters();
      trainer->reset();
      out[r].losses = progress.losses();
      out[r].checkpoints = progress.checkpoints();
      out[r].tokens = progress.tokens();
      out[r].saves = progress.saves();
      out[r].stall_millis = progress.stall_millis();
      out[r].evals = progress.evals();
      out[r].done = progress.done();
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_TRAINER_TEST_UTIL_H_
