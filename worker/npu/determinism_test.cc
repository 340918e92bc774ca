// Bit-for-bit determinism: a small transformer-block training loop (embedding, layer norm,
// MLP with GELU, causal attention scores, cross-entropy, backward, gradient norm, AdamW)
// gives the same bits on fresh backends, with its work split over streams, and while
// other streams load the die at the same time.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "worker/npu/emulated_npu_backend.h"
#include "worker/npu/npu_test_util.h"

namespace flyover::worker {
namespace {

using ::flyover::worker::testing::Download;
using ::flyover::worker::testing::RandomVector;
using ::flyover::worker::testing::SameBits;
using ::flyover::worker::testing::Upload;
using ::flyover::worker::testing::Zeros;

constexpr int64_t kTokens = 16, kDim = 32, kHidden = 64, kVocab = 48;

struct Result {
  std::vector<float> params;  // all parameters after the last step, concatenated
  std::vector<float> losses;  // loss_sum and grad-norm^2 of every step
};

void Check(const absl::Status& status) { ASSERT_TRUE(status.ok()) << status; }

GemmArgs Mm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, DeviceSlice a, DeviceSlice b,
            DeviceSlice c) {
  GemmArgs g;
  g.trans_a = ta;
  g.trans_b = tb;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = a;
  g.b = b;
  g.c = c;
  return g;
}

// Runs `steps` training steps. Forward and backward run on `main`; the optimizer runs on
// `update` (which may equal `main`) after an event, as a trainer overlapping work would.
Result Train(NpuBackend& npu, StreamHandle main, StreamHandle update, int steps) {
  DeviceBuffer table = Upload(npu, main, RandomVector(kVocab * kDim, 1, -0.5f, 0.5f));
  DeviceBuffer gamma = Upload(npu, main, std::vector<float>(kDim, 1.0f));
  DeviceBuffer beta = Zeros(npu, kDim);
  DeviceBuffer w1 = Upload(npu, main, RandomVector(kDim * kHidden, 2, -0.2f, 0.2f));
  DeviceBuffer w2 = Upload(npu, main, RandomVector(kHidden * kVocab, 3, -0.2f, 0.2f));
  const std::vector<DeviceBuffer> params = {table, gamma, beta, w1, w2};
  std::vector<DeviceBuffer> grads, m, v;
  for (DeviceBuffer p : params) {
    grads.push_back(Zeros(npu, p.size));
    m.push_back(Zeros(npu, p.size));
    v.push_back(Zeros(npu, p.size));
  }
  DeviceBuffer x = Zeros(npu, kTokens * kDim), h = Zeros(npu, kTokens * kDim);
  DeviceBuffer mean = Zeros(npu, kTokens), rstd = Zeros(npu, kTokens);
  DeviceBuffer y = Zeros(npu, kTokens * kHidden), g = Zeros(npu, kTokens * kHidden);
  DeviceBuffer logits = Zeros(npu, kTokens * kVocab), dlogits = Zeros(npu, kTokens * kVocab);
  DeviceBuffer scores = Zeros(npu, kTokens * kTokens), probs = Zeros(npu, kTokens * kTokens);
  DeviceBuffer dg = Zeros(npu, kTokens * kHidden), dh = Zeros(npu, kTokens * kDim);
  DeviceBuffer dx = Zeros(npu, kTokens * kDim);
  DeviceBuffer mask = Upload(npu, main, std::vector<float>(kTokens, 1.0f));
  DeviceBuffer loss = Zeros(npu, 1), norm = Zeros(npu, 1);
  EventHandle grads_ready = *npu.CreateEvent(), updated = *npu.CreateEvent();
  Result result;
  for (int step = 1; step <= steps; ++step) {
    std::vector<int32_t> ids(kTokens), targets(kTokens);
    for (int64_t i = 0; i < kTokens; ++i) {
      ids[i] = static_cast<int32_t>((i * 7 + step * 3) % kVocab);
      targets[i] = static_cast<int32_t>((i * 5 + step) % kVocab);
    }
    Check(npu.StreamWaitEvent(main, updated));
    Check(npu.Embedding(main, ids, kVocab, kDim, table, x));
    Check(npu.LayerNorm(main, kTokens, kDim, 1e-5f, x, gamma, beta, h, mean, rstd));
    // Self-attention scores of h with itself (exercises the causal softmax path).
    Check(npu.Gemm(main, Mm(false, true, kTokens, kTokens, kDim, h, h, scores)));
    Check(npu.Softmax(main, kTokens, kTokens, 0.125f, true, scores, probs));
    Check(npu.Gemm(main, Mm(false, false, kTokens, kHidden, kDim, h, w1, y)));
    Check(npu.Gelu(main, y, g));
    Check(npu.Gemm(main, Mm(false, false, kTokens, kVocab, kHidden, g, w2, logits)));
    Check(npu.CrossEntropy(main, kVocab, targets, logits, mask, DeviceSlice(), loss));
    Check(npu.CrossEntropyBackward(main, kVocab, targets, logits, mask, 1.0f / kTokens,
                                   dlogits));
    Check(npu.Gemm(main, Mm(true, false, kHidden, kVocab, kTokens, g, dlogits, grads[4])));
    Check(npu.Gemm(main, Mm(false, true, kTokens, kHidden, kVocab, dlogits, w2, dg)));
    Check(npu.GeluBackward(main, y, dg, dg));
    Check(npu.Gemm(main, Mm(true, false, kDim, kHidden, kTokens, h, dg, grads[3])));
    Check(npu.Gemm(main, Mm(false, true, kTokens, kDim, kHidden, dg, w1, dh)));
    Check(npu.LayerNormBackward(main, kTokens, kDim, x, gamma, mean, rstd, dh, dx, grads[1],
                                grads[2], false));
    Check(npu.EmbeddingBackward(main, ids, kVocab, kDim, dx, grads[0], false));
    for (size_t i = 0; i < grads.size(); ++i) Check(npu.SumOfSquares(main, grads[i], norm, i > 0));
    Check(npu.RecordEvent(grads_ready, main));
    Check(npu.StreamWaitEvent(update, grads_ready));
    AdamWArgs adam;
    adam.lr = 0.01f;
    adam.step = step;
    for (size_t i = 0; i < params.size(); ++i) {
      Check(npu.AdamW(update, adam, params[i], grads[i], m[i], v[i]));
    }
    Check(npu.RecordEvent(updated, update));
    result.losses.push_back(Download(npu, main, loss)[0]);
    result.losses.push_back(Download(npu, main, norm)[0]);
  }
  Check(npu.SynchronizeStream(update));
  for (DeviceBuffer p : params) {
    std::vector<float> values = Download(npu, main, p);
    result.params.insert(result.params.end(), values.begin(), values.end());
  }
  return result;
}

std::unique_ptr<EmulatedNpuBackend> NewBackend() {
  absl::StatusOr<std::unique_ptr<EmulatedNpuBackend>> npu = EmulatedNpuBackend::Create({});
  EXPECT_TRUE(npu.ok()) << npu.status();
  return npu.ok() ? *std::move(npu) : nullptr;
}

// Two streams that keep the die busy with GEMMs on their own buffers until told to stop.
class Noise {
 public:
  explicit Noise(NpuBackend& npu) : npu_(npu) {
    for (int s = 0; s < 2; ++s) {
      threads_.emplace_back([this, s] {
        StreamHandle stream = *npu_.CreateStream();
        DeviceBuffer a = Upload(npu_, stream, RandomVector(96 * 96, 10 + s));
        DeviceBuffer c = Zeros(npu_, 96 * 96);
        for (int i = 0; i < 200 && !stop_.load(); ++i) {
          (void)npu_.Gemm(stream, Mm(false, true, 96, 96, 96, a, a, c));
          if (i % 10 == 0) (void)npu_.SynchronizeStream(stream);
        }
        (void)npu_.DestroyStream(stream);
      });
    }
  }
  ~Noise() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  NpuBackend& npu_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

TEST(DeterminismTest, SameBitsOnFreshBackends) {
  auto first = NewBackend();
  auto second = NewBackend();
  StreamHandle s1 = *first->CreateStream(), s2 = *second->CreateStream();
  const Result a = Train(*first, s1, s1, 3);
  const Result b = Train(*second, s2, s2, 3);
  ASSERT_EQ(a.losses.size(), 6u);
  EXPECT_GT(a.losses[0], 0.0f);
  EXPECT_NE(a.losses[0], a.losses[4]);  // it trains: the loss moves
  EXPECT_TRUE(SameBits(a.losses, b.losses));
  EXPECT_TRUE(SameBits(a.params, b.params));
}

TEST(DeterminismTest, SameBitsWithWorkSplitOverStreamsAndUnderConcurrentLoad) {
  auto npu = NewBackend();
  StreamHandle main = *npu->CreateStream();
  const Result reference = Train(*npu, main, main, 3);
  StreamHandle update = *npu->CreateStream();
  Result split, loaded, twin_a, twin_b;
  split = Train(*npu, main, update, 3);
  {
    Noise noise(*npu);
    loaded = Train(*npu, main, update, 3);
  }
  // Two replicas training at once on their own streams interleave arbitrarily.
  StreamHandle other_main = *npu->CreateStream(), other_update = *npu->CreateStream();
  std::thread twin([&] { twin_b = Train(*npu, other_main, other_update, 3); });
  twin_a = Train(*npu, main, update, 3);
  twin.join();
  for (const Result* r : {&split, &loaded, &twin_a, &twin_b}) {
    EXPECT_TRUE(SameBits(reference.losses, r->losses));
    EXPECT_TRUE(SameBits(reference.params, r->params));
  }
}

}  // namespace
}  // namespace flyover::worker
