// npu_gemm_bench: GEMM GFLOP/s of the emulated NPU (EmulatedNpuBackend::Gemm, enqueued on
// a stream and synchronised) beside direct cblas_sgemm on the same shapes, in the same run
// and with the same OpenBLAS settings (one thread: the backend pins it for determinism).
//
// For every shape it measures, interleaved and best of --reps repetitions of at least
// --min_seconds each:
//   sgemm      direct cblas_sgemm calls in a loop (the peer);
//   npu        the same calls enqueued on one stream, one SynchronizeStream at the end;
//   npu+sync   enqueue and SynchronizeStream per call (worst-case stream overhead).
// and prints a Markdown table with npu / sgemm. Target: npu >= 80% of sgemm.
//
// Usage: npu_gemm_bench [--reps=N] [--min_seconds=S] [--quick]
#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "worker/npu/cpu_kernels.h"
#include "worker/npu/emulated_npu_backend.h"

namespace {

using flyover::worker::DeviceBuffer;
using flyover::worker::EmulatedNpuBackend;
using flyover::worker::GemmArgs;
using flyover::worker::StreamHandle;

struct Shape {
  std::string name;
  bool trans_a = false;
  bool trans_b = false;
  int64_t m, n, k;
  int64_t batch = 1;
};

std::vector<Shape> Shapes(bool quick) {
  std::vector<Shape> shapes;
  for (int64_t s : {256, 512, 1024, 1536, 2048}) {
    if (quick && s > 1024) continue;
    shapes.push_back({absl::StrFormat("square %d", s), false, false, s, s, s});
  }
  // A 1B-class decoder layer (d=2048, ffn 8192) on 2048 tokens, and its weight gradient.
  shapes.push_back({"qkv proj 2048x6144x2048", false, false, 2048, 6144, 2048});
  shapes.push_back({"mlp up 2048x8192x2048", false, false, 2048, 8192, 2048});
  shapes.push_back({"mlp down 2048x2048x8192", false, false, 2048, 2048, 8192});
  shapes.push_back({"dW mlp up (A^T) 2048x8192x2048", true, false, 2048, 8192, 2048});
  shapes.push_back({"dX mlp up (B^T) 2048x2048x8192", false, true, 2048, 2048, 8192});
  // Attention scores, 16 heads of 128 over 1024 positions: batched, B transposed.
  shapes.push_back({"attn QK^T 16x(1024x1024x128)", false, true, 1024, 1024, 128, 16});
  if (quick) shapes.resize(std::min<size_t>(shapes.size(), 5));
  return shapes;
}

double Seconds(const std::function<void()>& fn) {
  const absl::Time start = absl::Now();
  fn();
  return absl::ToDoubleSeconds(absl::Now() - start);
}

std::vector<float> Random(int64_t n, unsigned seed) {
  std::vector<float> v(static_cast<size_t>(n));
  unsigned state = seed;
  for (float& x : v) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
  }
  return v;
}

void Die(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, std::string(status.message()).c_str());
  std::exit(1);
}

struct Row {
  double sgemm = 0, npu = 0, npu_sync = 0;  // best GFLOP/s
};

Row Measure(EmulatedNpuBackend& npu, StreamHandle stream, const Shape& s, int reps,
            double min_seconds) {
  GemmArgs args;
  args.trans_a = s.trans_a;
  args.trans_b = s.trans_b;
  args.m = s.m;
  args.n = s.n;
  args.k = s.k;
  args.batch = s.batch;
  const flyover::worker::cpu::GemmShape shape = flyover::worker::cpu::ResolveGemmShape(args);
  const int64_t na = flyover::worker::cpu::GemmExtentA(shape);
  const int64_t nb = flyover::worker::cpu::GemmExtentB(shape);
  const int64_t nc = flyover::worker::cpu::GemmExtentC(shape);
  std::vector<float> a = Random(na, 1), b = Random(nb, 2), c(static_cast<size_t>(nc));
  absl::StatusOr<DeviceBuffer> da = npu.Allocate(na * 4), db = npu.Allocate(nb * 4),
                               dc = npu.Allocate(nc * 4);
  Die(da.status(), "allocate a");
  Die(db.status(), "allocate b");
  Die(dc.status(), "allocate c");
  Die(npu.CopyHostToDevice(stream, a, *da), "copy a");
  Die(npu.CopyHostToDevice(stream, b, *db), "copy b");
  Die(npu.SynchronizeStream(stream), "sync");
  args.a = *da;
  args.b = *db;
  args.c = *dc;

  const double flops = 2.0 * s.m * s.n * s.k * s.batch;
  auto direct = [&] { flyover::worker::cpu::Gemm(shape, a.data(), b.data(), c.data()); };
  direct();  // warm-up, and the estimate that sets the iteration count
  const double once = std::max(Seconds(direct), 1e-6);
  const int iters = std::max(1, static_cast<int>(min_seconds / once));

  Row best;
  for (int rep = 0; rep < reps; ++rep) {
    const double t_sgemm = Seconds([&] {
      for (int i = 0; i < iters; ++i) direct();
    });
    const double t_npu = Seconds([&] {
      for (int i = 0; i < iters; ++i) Die(npu.Gemm(stream, args), "gemm");
      Die(npu.SynchronizeStream(stream), "sync");
    });
    const double t_sync = Seconds([&] {
      for (int i = 0; i < iters; ++i) {
        Die(npu.Gemm(stream, args), "gemm");
        Die(npu.SynchronizeStream(stream), "sync");
      }
    });
    best.sgemm = std::max(best.sgemm, flops * iters / t_sgemm / 1e9);
    best.npu = std::max(best.npu, flops * iters / t_npu / 1e9);
    best.npu_sync = std::max(best.npu_sync, flops * iters / t_sync / 1e9);
  }
  Die(npu.Free(*da), "free");
  Die(npu.Free(*db), "free");
  Die(npu.Free(*dc), "free");
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  double min_seconds = 0.25;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (absl::StartsWith(arg, "--reps=")) {
      if (!absl::SimpleAtoi(arg.substr(7), &reps) || reps < 1) reps = 5;
    } else if (absl::StartsWith(arg, "--min_seconds=")) {
      if (!absl::SimpleAtod(arg.substr(14), &min_seconds)) min_seconds = 0.25;
    } else if (arg == "--quick") {
      quick = true;
      reps = 2;
      min_seconds = 0.05;
    } else {
      std::fprintf(stderr, "usage: %s [--reps=N] [--min_seconds=S] [--quick]\n", argv[0]);
      return 2;
    }
  }
  absl::StatusOr<std::unique_ptr<EmulatedNpuBackend>> npu = EmulatedNpuBackend::Create({});
  Die(npu.status(), "create backend");
  absl::StatusOr<StreamHandle> stream = (*npu)->CreateStream();
  Die(stream.status(), "create stream");

  std::printf("OpenBLAS core %s, %d thread (pinned by the backend for determinism); "
              "best of %d reps of >= %.2f s each\n\n",
              flyover::worker::cpu::BlasCoreName(), openblas_get_num_threads(), reps,
              min_seconds);
  std::printf("| shape | sgemm GFLOP/s | npu GFLOP/s | npu / sgemm | npu+sync GFLOP/s |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  double worst = 1e9;
  for (const Shape& shape : Shapes(quick)) {
    const Row row = Measure(**npu, *stream, shape, reps, min_seconds);
    const double ratio = row.npu / row.sgemm;
    worst = std::min(worst, ratio);
    std::printf("| %s | %.1f | %.1f | %.1f%% | %.1f |\n", shape.name.c_str(), row.sgemm, row.npu,
                100 * ratio, row.npu_sync);
    std::fflush(stdout);
  }
  std::printf("\nlowest npu / sgemm: %.1f%% (target >= 80%%)\n", 100 * worst);
  return 0;
}
