#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "worker/comm/loopback_communicator.h"
#include "worker/npu/emulated_npu_backend.h"
#include "worker/optim/lr_schedule.h"
#include "worker/optim/zero1_adamw.h"

namespace flyover::worker {
namespace {

TEST(LrScheduleTest, WarmsUpThenDecaysToMinimum) {
  LrSchedule s{.peak_lr = 1.0, .min_lr = 0.1, .warmup_steps = 4, .total_steps = 14};
  EXPECT_FLOAT_EQ(s.At(1), 0.25f);
  EXPECT_FLOAT_EQ(s.At(4), 1.0f);
  EXPECT_FLOAT_EQ(s.At(9), 0.55f);  // halfway through the cosine
  EXPECT_FLOAT_EQ(s.At(14), 0.1f);
  EXPECT_FLOAT_EQ(s.At(20), 0.1f);
  for (int64_t step = 5; step < 14; ++step) EXPECT_GT(s.At(step), s.At(step + 1));
  LrSchedule flat{.peak_lr = 0.5, .min_lr = 0.5, .warmup_steps = 0, .total_steps = 3};
  EXPECT_FLOAT_EQ(flat.At(1), 0.5f);
}

constexpr int64_t kParams = 103;  // not a multiple of the world size

std::vector<float> Pattern(int64_t n, float scale, float phase) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.37f * i + phase);
  return v;
}

// Runs `steps` optimizer steps on one rank whose local gradient at step s is grads[s];
// returns the final parameters.
std::vector<float> RunRank(Communicator* comm, const Zero1AdamWOptions& options,
                           const std::vector<std::vector<float>>& grads,
                           std::vector<OptimizerStepStats>* stats) {
  auto npu = *EmulatedNpuBackend::Create({});
  auto opt = *Zero1AdamW::Create(npu.get(), comm, kParams, options);
  auto stream = *npu->CreateStream();
  DeviceBuffer params = *npu->Allocate(kParams * 4), grad = *npu->Allocate(kParams * 4);
  EXPECT_TRUE(npu->CopyHostToDevice(stream, Pattern(kParams, 0.5f, 0.0f), params).ok());
  for (const auto& g : grads) {
    EXPECT_TRUE(npu->CopyHostToDevice(stream, g, grad).ok());
    EXPECT_TRUE(npu->SynchronizeStream(stream).ok());
    auto s = opt->Step(params, grad);
    EXPECT_TRUE(s.ok()) << s.status();
    if (stats != nullptr && s.ok()) stats->push_back(*s);
  }
  std::vector<float> out(kParams);
  EXPECT_TRUE(npu->CopyDeviceToHost(stream, params, absl::MakeSpan(out)).ok());
  EXPECT_TRUE(npu->SynchronizeStream(stream).ok());
  return out;
}

struct Outcome {
  std::vector<float> sharded0, sharded1, unsharded;
  std::vector<OptimizerStepStats> sharded_stats, unsharded_stats;
};

Outcome Compare(const Zero1AdamWOptions& options) {
  std::vector<std::vector<float>> g0, g1, sum;
  for (int s = 0; s < 3; ++s) {
    g0.push_back(Pattern(kParams, 1.0f + s, 0.3f * s));
    g1.push_back(Pattern(kParams, 0.7f, 1.0f + s));
    std::vector<float> both(kParams);
    for (int64_t i = 0; i < kParams; ++i) both[i] = g0.back()[i] + g1.back()[i];
    sum.push_back(both);
  }
  Outcome out;
  auto pair = *LoopbackCommunicator::CreateGroup({.size = 2});
  std::thread other([&] { out.sharded1 = RunRank(pair[1].get(), options, g1, nullptr); });
  out.sharded0 = RunRank(pair[0].get(), options, g0, &out.sharded_stats);
  other.join();
  auto single = *LoopbackCommunicator::CreateGroup({.size = 1});
  out.unsharded = RunRank(single[0].get(), options, sum, &out.unsharded_stats);
  return out;
}

TEST(Zero1AdamWTest, ShardedUpdateEqualsUnshardedBitForBit) {
  Zero1AdamWOptions options{.schedule = {.peak_lr = 0.01, .warmup_steps = 1, .total_steps = 3},
                            .grad_clip_norm = 0};
  Outcome o = Compare(options);
  EXPECT_EQ(o.sharded0, o.unsharded);
  EXPECT_EQ(o.sharded1, o.unsharded);
  EXPECT_NE(o.unsharded, Pattern(kParams, 0.5f, 0.0f));
}

TEST(Zero1AdamWTest, ClipsByGlobalNormAcrossShards) {
  Zero1AdamWOptions options{.schedule = {.peak_lr = 0.01, .total_steps = 3},
                            .grad_clip_norm = 1.0};
  Outcome o = Compare(options);
  ASSERT_EQ(o.sharded_stats.size(), 3u);
  for (int s = 0; s < 3; ++s) {
    // The norm of the summed gradient, whichever way it was sharded.
    EXPECT_NEAR(o.sharded_stats[s].grad_norm, o.unsharded_stats[s].grad_norm,
                1e-5 * o.unsharded_stats[s].grad_norm);
    EXPECT_GT(o.sharded_stats[s].grad_norm, 1.0f);
    EXPECT_NEAR(o.sharded_stats[s].clip_scale, 1.0f / o.sharded_stats[s].grad_norm, 1e-5);
  }
  EXPECT_EQ(o.sharded0, o.sharded1);
  for (int64_t i = 0; i < kParams; ++i) EXPECT_NEAR(o.sharded0[i], o.unsharded[i], 1e-6) << i;
}

TEST(Zero1AdamWTest, RestoreRejectsWrongShardSize) {
  auto npu = *EmulatedNpuBackend::Create({});
  auto comms = *LoopbackCommunicator::CreateGroup({.size = 1});
  auto opt = *Zero1AdamW::Create(npu.get(), comms[0].get(), kParams, {});
  std::vector<float> short_state(kParams - 1);
  EXPECT_EQ(opt->Restore(3, short_state, short_state).code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<float> m = Pattern(kParams, 1, 0), v(kParams, 0.25f);
  ASSERT_TRUE(opt->Restore(3, m, v).ok());
  EXPECT_EQ(opt->step(), 3);
  EXPECT_EQ(*opt->GetM(), m);
  EXPECT_EQ(*opt->GetV(), v);
}

}  // namespace
}  // namespace flyover::worker
