// train_bench: the built-in trainer's step time and tokens/s per rank, beside the GEMM
// peak of the same machine measured in the same run (single-thread cblas_sgemm, the
// setting the emulated NPU pins for determinism).
//
// For each model and world size W (W ranks as threads of this process, loopback
// collectives, no checkpoints, no evaluation) it trains --steps steps, drops the first
// --warmup, and reports the median step time, trained tokens per second per rank (every
// input position of the rank's micro-batches) and the model's achieved GFLOP/s per rank
// (6 x parameters x tokens, the usual dense estimate, attention excluded) as a share of
// the sgemm peak. With W ranks on fewer cores the ranks share the CPU: compare per-rank
// figures across W with that in mind.
//
// Usage: worker_train_bench [--steps=N] [--warmup=N] [--quick]
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "worker/comm/loopback_communicator.h"
#include "worker/model/param_layout.h"
#include "worker/npu/emulated_npu_backend.h"
#include "worker/train/trainer.h"

namespace flyover::worker {
namespace {

// Records step times; the rest is dropped.
class StepTimes final : public ProgressSink {
 public:
  void Step(int64_t, float, double step_millis) override {
    absl::MutexLock lock(&mu_);
    millis_.push_back(step_millis);
  }
  void CheckpointCommitted(int64_t) override {}
  void Eval(absl::string_view, double, int64_t) override {}
  void Done() override {}
  std::vector<double> millis() const {
    absl::MutexLock lock(&mu_);
    return millis_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<double> millis_;
};

double SgemmPeakGflops(int n) {
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const absl::Time start = absl::Now();
    int calls = 0;
    while (absl::Now() - start < absl::Milliseconds(200)) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n,
                  b.data(), n, 0.0f, c.data(), n);
      ++calls;
    }
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    best = std::max(best, 2.0 * n * n * n * calls / seconds / 1e9);
  }
  return best;
}

struct Case {
  std::string name;
  ModelShape model;
  int global_batch;
  int micro_batch;
};

// The median step time in milliseconds of `world` ranks training `c`.
double MedianStepMillis(const Case& c, int world, int steps, int warmup) {
  TrainerOptions options;
  TrainingConfig& t = options.config.training;
  t.model = c.model;
  t.steps = steps;
  t.global_batch_size = c.global_batch;
  t.micro_batch_size = c.micro_batch;
  options.config.checkpoint.interval_steps = 0;
  options.evaluate = false;
  auto comms = *LoopbackCommunicator::CreateGroup({.size = world});
  std::vector<StepTimes> sinks(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      auto npu = *EmulatedNpuBackend::Create({.die_id = r});
      TrainerDeps deps{.backend = npu.get(), .comm = comms[r].get(), .progress = &sinks[r]};
      auto trainer = Trainer::Create(deps, options);
      if (!trainer.ok() || !(*trainer)->Run().ok()) std::fprintf(stderr, "rank %d failed\n", r);
    });
  }
  for (auto& th : threads) th.join();
  std::vector<double> m = sinks[0].millis();
  if (static_cast<int>(m.size()) <= warmup) return 0;
  m.erase(m.begin(), m.begin() + warmup);
  std::sort(m.begin(), m.end());
  return m[m.size() / 2];
}

int64_t Parameters(const ModelShape& m) {
  return ParamLayout::For({.layers = m.layers, .hidden = m.hidden_size, .heads = m.heads,
                           .vocab = m.vocab_size, .max_length = m.sequence_length})
      .total;
}

int Main(int argc, char** argv) {
  int steps = 40, warmup = 5;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--quick") quick = true;
    if (arg.substr(0, 8) == "--steps=") (void)absl::SimpleAtoi(arg.substr(8), &steps);
    if (arg.substr(0, 9) == "--warmup=") (void)absl::SimpleAtoi(arg.substr(9), &warmup);
  }
  // Pins OpenBLAS to one thread, as every rank's backend does.
  auto pin = *EmulatedNpuBackend::Create({});
  const double peak = SgemmPeakGflops(512);
  std::printf("sgemm 512^3, 1 thread: %.1f GFLOP/s\n\n", peak);
  std::vector<Case> cases = {
      {"tiny (2x64, 4 heads)", {2, 64, 4, 32, 32}, 32, 4},
      {"small (4x256, 8 heads)", {4, 256, 8, 32, 32}, 32, 8},
  };
  const int tokens_per_example = 9;  // maxOperand 99: "aa+bb=ccc<eos>" minus one
  std::printf("| model | params | ranks | step ms | tokens/s/rank | GFLOP/s/rank | of sgemm |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    for (int world : {1, 2, 4}) {
      if (quick && world > 2) continue;
      const double ms = MedianStepMillis(c, world, steps, warmup);
      const double tokens = static_cast<double>(c.global_batch) / world * tokens_per_example;
      const double tps = ms > 0 ? tokens / (ms / 1000.0) : 0;
      const double gflops = 6.0 * Parameters(c.model) * tps / 1e9;
      std::printf("| %s | %lld | %d | %.2f | %.0f | %.2f | %.1f%% |\n", c.name.c_str(),
                  static_cast<long long>(Parameters(c.model)), world, ms, tps, gflops,
                  100.0 * gflops / peak);
    }
  }
  return 0;
}

}  // namespace
}  // namespace flyover::worker

int main(int argc, char** argv) { return flyover::worker::Main(argc, argv); }
