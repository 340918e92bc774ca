// AllReduce bandwidth of GlooCommunicator, beside Gloo's own ring allreduce called
// directly and single-threaded memcpy bandwidth, all measured in the same run.
//
// Every rank is a thread of this process with its own Gloo context and TCP device, talking
// over loopback TCP, as in the worker's tests. Figures follow nccl-tests
// (doc/PERFORMANCE.md there): for S bytes reduced in time t by n ranks,
//   algbw = S / t          busbw = algbw * 2(n-1)/n
// busbw is the per-rank bandwidth the algorithm actually moves and is comparable across n.
// t is the slowest rank's mean time per call over the timed iterations.
//
//   allreduce_bench [--ranks=2,4,8,16] [--sizes_mib=1,4,16,64] [--min_seconds=0.3]
//                   [--min_iters=2] [--max_iters=20] [--segment_kib=K]
#include <gloo/allreduce.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/hash_store.h>
#include <gloo/transport/tcp/device.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "worker/comm/gloo_communicator.h"
#include "worker/comm/in_memory_rendezvous_store.h"

namespace flyover::bench {
namespace {

using worker::GlooCommunicator;

struct Flags {
  std::vector<int> ranks = {2, 4, 8, 16};
  std::vector<int> sizes_mib = {1, 4, 16, 64};
  double min_seconds = 0.3;
  int min_iters = 2;
  int max_iters = 20;
  int segment_kib = 0;  // 0: GlooCommunicatorOptions' default
};

std::vector<int> IntList(absl::string_view text) {
  std::vector<int> values;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    int value = 0;
    if (absl::SimpleAtoi(part, &value) && value > 0) values.push_back(value);
  }
  return values;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (name == "--ranks") flags.ranks = IntList(value);
    if (name == "--sizes_mib") flags.sizes_mib = IntList(value);
    if (name == "--min_seconds") (void)absl::SimpleAtod(value, &flags.min_seconds);
    if (name == "--min_iters") (void)absl::SimpleAtoi(value, &flags.min_iters);
    if (name == "--max_iters") (void)absl::SimpleAtoi(value, &flags.max_iters);
    if (name == "--segment_kib") (void)absl::SimpleAtoi(value, &flags.segment_kib);
  }
  return flags;
}

void OnRanks(int size, const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) threads.emplace_back(body, r);
  for (std::thread& thread : threads) thread.join();
}

// One allreduce implementation under test: Run(rank, buffer) performs one call on `rank`;
// Sync(rank) is a barrier among the ranks.
struct Subject {
  std::function<void(int rank, std::vector<float>& buffer)> run;
  std::function<void(int rank)> sync;
};

// The slowest rank's mean seconds per call over `iters` calls, after one barrier.
double TimeCalls(int size, const Subject& subject, std::vector<std::vector<float>>& buffers,
                 int iters) {
  std::vector<double> seconds(size);
  OnRanks(size, [&](int r) {
    subject.sync(r);
    const absl::Time start = absl::Now();
    for (int i = 0; i < iters; ++i) subject.run(r, buffers[r]);
    seconds[r] = absl::ToDoubleSeconds(absl::Now() - start) / iters;
  });
  return *std::max_element(seconds.begin(), seconds.end());
}

double Measure(int size, size_t elements, const Subject& subject, const Flags& flags) {
  std::vector<std::vector<float>> buffers(size, std::vector<float>(elements, 1.0f));
  const double warmup = TimeCalls(size, subject, buffers, 1);
  const int iters = std::clamp(static_cast<int>(flags.min_seconds / std::max(warmup, 1e-6)),
                               flags.min_iters, flags.max_iters);
  return TimeCalls(size, subject, buffers, iters);
}

double MemcpyGBps(size_t bytes, double min_seconds) {
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  std::memcpy(dst.data(), src.data(), bytes);  // fault the pages in
  int iters = 0;
  const absl::Time start = absl::Now();
  absl::Duration elapsed;
  do {
    std::memcpy(dst.data(), src.data(), bytes);
    src[iters % bytes] = dst[(iters * 7) % bytes];  // keep the copies observable
    ++iters;
    elapsed = absl::Now() - start;
  } while (absl::ToDoubleSeconds(elapsed) < min_seconds || iters < 3);
  return static_cast<double>(bytes) * iters / absl::ToDoubleSeconds(elapsed) / 1e9;
}

std::vector<std::unique_ptr<GlooCommunicator>> ConnectOurs(int size, const Flags& flags) {
  worker::RendezvousTable table;
  worker::InMemoryRendezvousStore store(&table, {.job = "allreduce-bench"});
  std::vector<std::unique_ptr<GlooCommunicator>> comms(size);
  OnRanks(size, [&](int r) {
    worker::GlooCommunicatorOptions options;
    options.rank = r;
    options.size = size;
    if (flags.segment_kib > 0) options.segment_bytes = static_cast<size_t>(flags.segment_kib) << 10;
    auto comm = GlooCommunicator::Connect(store, options);
    if (!comm.ok()) {
      std::fprintf(stderr, "connect rank %d: %s\n", r, comm.status().ToString().c_str());
      std::abort();
    }
    comms[r] = std::move(*comm);
  });
  return comms;
}

std::vector<std::shared_ptr<gloo::Context>> ConnectGlooDirect(int size) {
  gloo::rendezvous::HashStore store;
  std::vector<std::shared_ptr<gloo::Context>> contexts(size);
  OnRanks(size, [&](int r) {
    gloo::transport::tcp::attr attr("127.0.0.1");
    auto device = gloo::transport::tcp::CreateDevice(attr);
    auto context = std::make_shared<gloo::rendezvous::Context>(r, size);
    context->setTimeout(std::chrono::seconds(300));
    context->connectFullMesh(store, device);
    contexts[r] = context;
  });
  return contexts;
}

void Row(int ranks, int mib, const char* impl, double seconds, double memcpy_gbps) {
  const double bytes = static_cast<double>(mib) * (1 << 20);
  const double algbw = bytes / seconds / 1e9;
  const double busbw = algbw * 2.0 * (ranks - 1) / ranks;
  std::printf("%5d  %8d  %-16s  %10.2f  %9.3f  %9.3f  %11.2f\n", ranks, mib, impl,
              seconds * 1e3, algbw, busbw, memcpy_gbps);
  std::fflush(stdout);
}

void BenchWorld(int size, const Flags& flags) {
  auto ours = ConnectOurs(size, flags);
  auto direct = ConnectGlooDirect(size);
  const Subject ours_subject{
      [&](int r, std::vector<float>& buffer) {
        if (!ours[r]->AllReduce(absl::MakeSpan(buffer)).ok()) std::abort();
      },
      [&](int r) {
        if (!ours[r]->Barrier().ok()) std::abort();
      }};
  const Subject ring_subject{
      [&](int r, std::vector<float>& buffer) {
        gloo::AllreduceOptions options(direct[r]);
        options.setAlgorithm(gloo::AllreduceOptions::Algorithm::RING);
        options.setOutput(buffer.data(), buffer.size());
        options.setReduceFunction(
            static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
        try {
          gloo::allreduce(options);
        } catch (const std::exception& e) {  // a benchmark has nothing to recover
          std::fprintf(stderr, "gloo allreduce on rank %d: %s\n", r, e.what());
          std::abort();
        }
      },
      [&](int r) { ours[r]->Barrier().IgnoreError(); }};
  for (int mib : flags.sizes_mib) {
    const size_t elements = static_cast<size_t>(mib) * (1 << 20) / sizeof(float);
    const double memcpy_gbps = MemcpyGBps(static_cast<size_t>(mib) << 20, flags.min_seconds);
    Row(size, mib, "GlooCommunicator", Measure(size, elements, ours_subject, flags), memcpy_gbps);
    Row(size, mib, "gloo ring", Measure(size, elements, ring_subject, flags), memcpy_gbps);
  }
  OnRanks(size, [&](int r) {
    ours[r].reset();
    direct[r].reset();
  });
}

}  // namespace
}  // namespace flyover::bench

int main(int argc, char** argv) {
  const flyover::bench::Flags flags = flyover::bench::ParseFlags(argc, argv);
  std::printf("allreduce of float32 sum over loopback TCP, ranks as threads; %u hardware threads\n",
              std::thread::hardware_concurrency());
  std::printf("ranks  size_MiB  impl              time_ms     algbw_GB/s busbw_GB/s memcpy_GB/s\n");
  for (int ranks : flags.ranks) flyover::bench::BenchWorld(ranks, flags);
  return 0;
}
