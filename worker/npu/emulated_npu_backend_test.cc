// EmulatedNpuBackend: memory, copies, every kernel through a stream, argument checks.
#include "worker/npu/emulated_npu_backend.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/npu/cpu_kernels.h"
#include "worker/npu/npu_test_util.h"

namespace flyover::worker {
namespace {

using ::flyover::worker::testing::Download;
using ::flyover::worker::testing::NaiveGemm;
using ::flyover::worker::testing::RandomVector;
using ::flyover::worker::testing::Upload;
using ::flyover::worker::testing::Zeros;
using ::testing::HasSubstr;

class EmulatedNpuBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EmulatedNpuBackendOptions options;
    options.hbm_bytes = 1 << 20;
    absl::StatusOr<std::unique_ptr<EmulatedNpuBackend>> npu = EmulatedNpuBackend::Create(options);
    ASSERT_TRUE(npu.ok()) << npu.status();
    npu_ = *std::move(npu);
    stream_ = *npu_->CreateStream();
  }
  DeviceBuffer Up(const std::vector<float>& v) { return Upload(*npu_, stream_, v); }
  DeviceBuffer Zero(int64_t n) { return Zeros(*npu_, n); }
  std::vector<float> Down(DeviceSlice s) { return Download(*npu_, stream_, s); }

  std::unique_ptr<EmulatedNpuBackend> npu_;
  StreamHandle stream_;
};

TEST_F(EmulatedNpuBackendTest, CreateRejectsBadOptions) {
  EmulatedNpuBackendOptions options;
  options.hbm_bytes = 0;
  EXPECT_EQ(EmulatedNpuBackend::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.clock = nullptr;
  EXPECT_EQ(EmulatedNpuBackend::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EmulatedNpuBackendOptions{}.hbm_bytes, int64_t{64} << 30);  // one 910C die
}

TEST_F(EmulatedNpuBackendTest, MemoryAccountingAndOutOfMemory) {
  absl::StatusOr<DeviceBuffer> a = npu_->Allocate(512 << 10);
  ASSERT_TRUE(a.ok());
  absl::StatusOr<DeviceBuffer> b = npu_->Allocate(768 << 10);
  EXPECT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(b.status().message(), HasSubstr("requested 786432 bytes, 524288 bytes free"));
  EXPECT_EQ(npu_->GetMemoryStats().in_use, 512 << 10);
  ASSERT_TRUE(npu_->Free(*a).ok());
  EXPECT_EQ(npu_->GetMemoryStats().in_use, 0);
  EXPECT_EQ(npu_->GetMemoryStats().peak, 512 << 10);
  npu_->ResetPeakMemory();
  EXPECT_EQ(npu_->GetMemoryStats().peak, 0);
}

TEST_F(EmulatedNpuBackendTest, CopiesFillAndSlicesRoundTrip) {
  const std::vector<float> data = RandomVector(10, 1);
  DeviceBuffer buffer = Zero(16);
  ASSERT_TRUE(npu_->CopyHostToDevice(stream_, data, buffer.Slice(3, 10)).ok());
  ASSERT_TRUE(npu_->Fill(stream_, buffer.Slice(0, 3), 7.0f).ok());
  DeviceBuffer copy = Zero(16);
  ASSERT_TRUE(npu_->CopyDeviceToDevice(stream_, buffer, copy).ok());
  const std::vector<float> out = Down(copy);
  EXPECT_EQ(out[0], 7.0f);
  EXPECT_EQ(out[2], 7.0f);
  EXPECT_EQ(std::vector<float>(out.begin() + 3, out.begin() + 13), data);
  EXPECT_EQ(out[13], 0.0f);
  // Size mismatches and stale buffers are refused at enqueue.
  EXPECT_EQ(npu_->CopyHostToDevice(stream_, data, buffer.Slice(0, 9)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(npu_->CopyHostToDevice(stream_, data, buffer.Slice(10, 10)).code(),
            absl::StatusCode::kOutOfRange);
  ASSERT_TRUE(npu_->Free(copy).ok());
  EXPECT_EQ(npu_->Fill(stream_, copy, 1.0f).code(), absl::StatusCode::kNotFound);
}

TEST_F(EmulatedNpuBackendTest, GemmMatchesNaiveWithTransposesAndAccumulation) {
  const int64_t m = 6, n = 5, k = 4;
  const std::vector<float> a = RandomVector(m * k, 2), b = RandomVector(k * n, 3);
  const std::vector<float> c0 = RandomVector(m * n, 4);
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      GemmArgs args;
      args.trans_a = ta;
      args.trans_b = tb;
      args.m = m;
      args.n = n;
      args.k = k;
      args.alpha = 1.5f;
      args.beta = 1.0f;
      args.a = Up(a);
      args.b = Up(b);
      args.c = Up(c0);
      ASSERT_TRUE(npu_->Gemm(stream_, args).ok());
      const std::vector<float> got = Down(args.c);
      const std::vector<float> want = NaiveGemm(ta, tb, m, n, k, 1.5f, a, b, 1.0f, c0);
      for (int64_t i = 0; i < m * n; ++i) EXPECT_NEAR(got[i], want[i], 1e-5);
      // And bit for bit what sgemm gives on the calling thread.
      std::vector<float> direct = c0;
      cpu::Gemm(cpu::ResolveGemmShape(args), a.data(), b.data(), direct.data());
      EXPECT_EQ(got, direct);
    }
  }
}

TEST_F(EmulatedNpuBackendTest, GemmRejectsBadArguments) {
  GemmArgs args;
  args.m = 4;
  args.n = 4;
  args.k = 4;
  args.a = Zero(16);
  args.b = Zero(16);
  args.c = Zero(15);
  absl::Status small = npu_->Gemm(stream_, args);
  EXPECT_EQ(small.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(small.message(), HasSubstr("gemm c"));
  args.c = args.a;
  EXPECT_THAT(npu_->Gemm(stream_, args).message(), HasSubstr("overlaps"));
  args.c = Zero(16);
  args.lda = 3;
  EXPECT_THAT(npu_->Gemm(stream_, args).message(), HasSubstr("leading dimension"));
  args.lda = 0;
  args.k = -1;
  EXPECT_EQ(npu_->Gemm(stream_, args).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EmulatedNpuBackendTest, ElementwiseKernels) {
  const std::vector<float> x = RandomVector(9, 5), y = RandomVector(9, 6);
  DeviceBuffer dx = Up(x), dy = Up(y), out = Zero(9);
  ASSERT_TRUE(npu_->Add(stream_, dx, dy, out).ok());
  EXPECT_EQ(Down(out)[4], x[4] + y[4]);
  ASSERT_TRUE(npu_->Mul(stream_, dx, dy, out).ok());
  EXPECT_EQ(Down(out)[4], x[4] * y[4]);
  ASSERT_TRUE(npu_->Scale(stream_, -2.0f, dx, out).ok());
  EXPECT_EQ(Down(out)[4], -2.0f * x[4]);
  ASSERT_TRUE(npu_->Axpy(stream_, 0.5f, dx, dy).ok());  // in place on y
  EXPECT_EQ(Down(dy)[4], y[4] + 0.5f * x[4]);
  ASSERT_TRUE(npu_->Add(stream_, dx, dx, dx).ok());     // fully in place
  EXPECT_EQ(Down(dx)[4], x[4] + x[4]);
  EXPECT_EQ(npu_->Add(stream_, dx, dy, Zero(8)).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EmulatedNpuBackendTest, BiasGeluSoftmaxMatchCpuKernelsBitForBit) {
  const int64_t rows = 4, cols = 4;
  const std::vector<float> x = RandomVector(rows * cols, 7, -2, 2);
  const std::vector<float> bias = RandomVector(cols, 8), w = RandomVector(rows * cols, 9);
  std::vector<float> want(rows * cols), want_cols(cols);
  DeviceBuffer dx = Up(x), out = Zero(rows * cols), dcols = Zero(cols);

  ASSERT_TRUE(npu_->AddBias(stream_, rows, cols, dx, Up(bias), out).ok());
  cpu::AddBias(rows, cols, x.data(), bias.data(), want.data());
  EXPECT_EQ(Down(out), want);
  ASSERT_TRUE(npu_->SumRows(stream_, rows, cols, dx, dcols, false).ok());
  cpu::SumRows(rows, cols, x.data(), want_cols.data(), false);
  EXPECT_EQ(Down(dcols), want_cols);

  ASSERT_TRUE(npu_->Gelu(stream_, dx, out).ok());
  cpu::Gelu(rows * cols, x.data(), want.data());
  EXPECT_EQ(Down(out), want);
  ASSERT_TRUE(npu_->GeluBackward(stream_, dx, Up(w), out).ok());
  cpu::GeluBackward(rows * cols, x.data(), w.data(), want.data());
  EXPECT_EQ(Down(out), want);

  ASSERT_TRUE(npu_->Softmax(stream_, rows, cols, 0.5f, true, dx, out).ok());
  std::vector<float> probs(rows * cols);
  cpu::Softmax(rows, cols, 0.5f, true, x.data(), probs.data());
  EXPECT_EQ(Down(out), probs);
  ASSERT_TRUE(npu_->SoftmaxBackward(stream_, rows, cols, 0.5f, out, Up(w), dx).ok());
  cpu::SoftmaxBackward(rows, cols, 0.5f, probs.data(), w.data(), want.data());
  EXPECT_EQ(Down(dx), want);
  EXPECT_EQ(npu_->Softmax(stream_, rows, cols + 1, 1.0f, false, dx, out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EmulatedNpuBackendTest, LayerNormAndSwapAxesMatchCpuKernelsBitForBit) {
  const int64_t rows = 3, cols = 5;
  const std::vector<float> x = RandomVector(rows * cols, 10), g = RandomVector(cols, 11),
                           b = RandomVector(cols, 12), dy = RandomVector(rows * cols, 13);
  std::vector<float> y(rows * cols), mean(rows), rstd(rows), dx(rows * cols), dg(cols), db(cols);
  cpu::LayerNorm(rows, cols, 1e-5f, x.data(), g.data(), b.data(), y.data(), mean.data(),
                 rstd.data());
  cpu::LayerNormBackward(rows, cols, x.data(), g.data(), mean.data(), rstd.data(), dy.data(),
                         dx.data(), dg.data(), db.data(), false);
  DeviceBuffer d_x = Up(x), d_g = Up(g), d_y = Zero(rows * cols), d_mean = Zero(rows),
               d_rstd = Zero(rows), d_dx = Zero(rows * cols), d_dg = Zero(cols),
               d_db = Zero(cols);
  ASSERT_TRUE(npu_->LayerNorm(stream_, rows, cols, 1e-5f, d_x, d_g, Up(b), d_y, d_mean, d_rstd)
                  .ok());
  ASSERT_TRUE(npu_->LayerNormBackward(stream_, rows, cols, d_x, d_g, d_mean, d_rstd, Up(dy), d_dx,
                                      d_dg, d_db, false)
                  .ok());
  EXPECT_EQ(Down(d_y), y);
  EXPECT_EQ(Down(d_mean), mean);
  EXPECT_EQ(Down(d_dx), dx);
  EXPECT_EQ(Down(d_dg), dg);
  EXPECT_EQ(Down(d_db), db);

  std::vector<float> swapped(rows * cols);
  cpu::SwapAxes12(1, rows, cols, 1, x.data(), swapped.data());
  DeviceBuffer d_s = Zero(rows * cols);
  ASSERT_TRUE(npu_->SwapAxes12(stream_, 1, rows, cols, 1, d_x, d_s).ok());
  EXPECT_EQ(Down(d_s), swapped);
  EXPECT_EQ(npu_->SwapAxes12(stream_, 1, rows, cols, 1, d_x, d_x).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EmulatedNpuBackendTest, EmbeddingAndCrossEntropyMatchCpuKernelsBitForBit) {
  const int64_t vocab = 7, dim = 3;
  const std::vector<int32_t> ids = {6, 0, 6, 2};
  const std::vector<float> table = RandomVector(vocab * dim, 14);
  const std::vector<float> dout = RandomVector(ids.size() * dim, 15);
  std::vector<float> emb(ids.size() * dim), dtable(vocab * dim);
  cpu::Embedding(ids, dim, table.data(), emb.data());
  cpu::EmbeddingBackward(ids, vocab, dim, dout.data(), dtable.data(), false);
  DeviceBuffer d_table = Up(table), d_emb = Zero(emb.size()), d_dtable = Zero(dtable.size());
  ASSERT_TRUE(npu_->Embedding(stream_, ids, vocab, dim, d_table, d_emb).ok());
  ASSERT_TRUE(npu_->EmbeddingBackward(stream_, ids, vocab, dim, Up(dout), d_dtable, false).ok());
  EXPECT_EQ(Down(d_emb), emb);
  EXPECT_EQ(Down(d_dtable), dtable);
  const std::vector<int32_t> bad = {7};
  EXPECT_THAT(npu_->Embedding(stream_, bad, vocab, dim, d_table, d_emb.Slice(0, 3)).message(),
              HasSubstr("id 7"));

  const std::vector<int32_t> targets = {1, -1, 6};
  const std::vector<float> logits = RandomVector(targets.size() * vocab, 16);
  const std::vector<float> mask = {1, 1, 0.5f};
  std::vector<float> losses(3), dlogits(logits.size());
  float sum = 0;
  cpu::CrossEntropy(vocab, targets, logits.data(), mask.data(), losses.data(), &sum);
  cpu::CrossEntropyBackward(vocab, targets, logits.data(), mask.data(), 0.5f, dlogits.data());
  DeviceBuffer d_logits = Up(logits), d_mask = Up(mask), d_losses = Zero(3), d_sum = Zero(1),
               d_dlogits = Zero(logits.size());
  ASSERT_TRUE(npu_->CrossEntropy(stream_, vocab, targets, d_logits, d_mask, d_losses, d_sum).ok());
  EXPECT_EQ(Down(d_losses), losses);
  EXPECT_EQ(Down(d_sum)[0], sum);
  ASSERT_TRUE(npu_->Fill(stream_, d_sum, 0.0f).ok());
  ASSERT_TRUE(npu_->CrossEntropy(stream_, vocab, targets, d_logits, d_mask, DeviceSlice(), d_sum)
                  .ok());  // per-token losses not wanted
  EXPECT_EQ(Down(d_sum)[0], sum);
  ASSERT_TRUE(
      npu_->CrossEntropyBackward(stream_, vocab, targets, d_logits, d_mask, 0.5f, d_dlogits).ok());
  EXPECT_EQ(Down(d_dlogits), dlogits);
}

TEST_F(EmulatedNpuBackendTest, SumOfSquaresAndAdamWMatchCpuKernelsBitForBit) {
  const int64_t n = 10;
  const std::vector<float> grad = RandomVector(n, 17);
  std::vector<float> p = RandomVector(n, 18), m(n, 0), v(n, 0);
  DeviceBuffer d_p = Up(p), d_g = Up(grad), d_m = Zero(n), d_v = Zero(n), d_sq = Zero(1);
  ASSERT_TRUE(npu_->SumOfSquares(stream_, d_g, d_sq, false).ok());
  ASSERT_TRUE(npu_->SumOfSquares(stream_, d_g, d_sq, true).ok());
  float sq = 0;
  cpu::SumOfSquares(n, grad.data(), &sq, false);
  cpu::SumOfSquares(n, grad.data(), &sq, true);
  EXPECT_EQ(Down(d_sq)[0], sq);

  AdamWArgs args;
  for (int64_t step = 1; step <= 3; ++step) {
    args.step = step;
    ASSERT_TRUE(npu_->AdamW(stream_, args, d_p, d_g, d_m, d_v).ok());
    cpu::AdamW(n, args, p.data(), grad.data(), m.data(), v.data());
  }
  EXPECT_EQ(Down(d_p), p);
  EXPECT_EQ(Down(d_m), m);
  EXPECT_EQ(Down(d_v), v);
  args.step = 0;
  EXPECT_EQ(npu_->AdamW(stream_, args, d_p, d_g, d_m, d_v).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::worker
