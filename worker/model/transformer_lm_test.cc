#include "worker/model/transformer_lm.h"

#include <cmath>
#include <memory>

#include "gtest/gtest.h"
#include "worker/npu/emulated_npu_backend.h"

namespace flyover::worker {
namespace {

struct Fixture {
  std::unique_ptr<EmulatedNpuBackend> npu = *EmulatedNpuBackend::Create({});
  std::unique_ptr<TransformerLm> model;
};

Fixture MakeModel(const TransformerConfig& config, uint64_t seed) {
  Fixture f;
  f.model = *TransformerLm::Create(f.npu.get(), config);
  EXPECT_TRUE(f.model->SetParameters(InitialParameters(config, seed)).ok());
  return f;
}

// A tiny batch: 2 sequences of 5 tokens, the first 2 targets masked out.
struct Batch {
  int batch = 2, length = 5;
  std::vector<int32_t> inputs = {1, 2, 3, 4, 5, 6, 5, 4, 3, 2};
  std::vector<int32_t> targets = {-1, -1, 4, 5, 6, -1, -1, 3, 2, 1};
  std::vector<float> mask = {0, 0, 1, 1, 1, 0, 0, 1, 1, 1};
};

TEST(ParamLayoutTest, TiesHeadAndCountsParameters) {
  TransformerConfig config{.layers = 1, .hidden = 8, .heads = 2, .vocab = 10, .max_length = 6};
  ParamLayout tied = ParamLayout::For(config);
  EXPECT_EQ(tied.head, tied.tok_emb);
  const int64_t block = 2 * 8 + 8 * 24 + 24 + 64 + 8 + 2 * 8 + 8 * 32 + 32 + 32 * 8 + 8;
  EXPECT_EQ(tied.total, 10 * 8 + 6 * 8 + block + 16);
  config.tie_embeddings = false;
  EXPECT_EQ(ParamLayout::For(config).total, tied.total + 80);
  EXPECT_EQ(InitialParameters(config, 3), InitialParameters(config, 3));
  EXPECT_NE(InitialParameters(config, 3), InitialParameters(config, 4));
}

// The analytic gradient of the whole model against central finite differences.
void CheckGradient(const TransformerConfig& config) {
  Fixture f = MakeModel(config, 11);
  std::vector<float> params = InitialParameters(config, 11);
  ASSERT_TRUE(f.model->SetParameters(params).ok());
  Batch b;
  ASSERT_TRUE(f.model->ZeroGrads().ok());
  auto loss = f.model->ForwardBackward(b.batch, b.length, b.inputs, b.targets, b.mask, 1.0f);
  ASSERT_TRUE(loss.ok()) << loss.status();
  std::vector<float> grads = *f.model->GetGradients();
  // Small against the init's scale: layer norm makes embeddings of std 0.02 very nonlinear.
  const float eps = 1e-3f;
  int checked = 0;
  for (size_t i = 0; i < params.size(); i += 7) {  // a spread of every tensor
    std::vector<float> plus = params, minus = params;
    plus[i] += eps;
    minus[i] -= eps;
    ASSERT_TRUE(f.model->SetParameters(plus).ok());
    const double lp = *f.model->Loss(b.batch, b.length, b.inputs, b.targets, b.mask);
    ASSERT_TRUE(f.model->SetParameters(minus).ok());
    const double lm = *f.model->Loss(b.batch, b.length, b.inputs, b.targets, b.mask);
    const double numeric = (lp - lm) / (2.0 * eps);
    EXPECT_NEAR(grads[i], numeric, 5e-3 + 3e-2 * std::fabs(numeric)) << "parameter " << i;
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST(TransformerLmTest, GradientMatchesFiniteDifferencesTied) {
  CheckGradient({.layers = 2, .hidden = 8, .heads = 2, .vocab = 8, .max_length = 6});
}

TEST(TransformerLmTest, GradientMatchesFiniteDifferencesUntied) {
  CheckGradient({.layers = 1, .hidden = 8, .heads = 2, .vocab = 8, .max_length = 5,
                 .tie_embeddings = false});
}

TEST(TransformerLmTest, CausalLogitsIgnoreLaterTokens) {
  TransformerConfig config{.layers = 2, .hidden = 8, .heads = 2, .vocab = 8, .max_length = 6};
  Fixture f = MakeModel(config, 5);
  auto a = *f.model->Logits(1, 4, std::vector<int32_t>{1, 2, 3, 4});
  auto b = *f.model->Logits(1, 4, std::vector<int32_t>{1, 2, 7, 7});
  for (int i = 0; i < 2 * 8; ++i) EXPECT_EQ(a[i], b[i]);  // positions 0 and 1
  bool differs = false;
  for (int i = 2 * 8; i < 4 * 8; ++i) differs |= a[i] != b[i];
  EXPECT_TRUE(differs);
}

TEST(TransformerLmTest, GradientsAccumulateAndAreDeterministic) {
  TransformerConfig config{.layers = 1, .hidden = 8, .heads = 2, .vocab = 8, .max_length = 6};
  Fixture f = MakeModel(config, 5);
  Batch b;
  ASSERT_TRUE(f.model->ZeroGrads().ok());
  const float first = *f.model->ForwardBackward(2, 5, b.inputs, b.targets, b.mask, 0.5f);
  std::vector<float> once = *f.model->GetGradients();
  const float second = *f.model->ForwardBackward(2, 5, b.inputs, b.targets, b.mask, 0.5f);
  std::vector<float> twice = *f.model->GetGradients();
  EXPECT_EQ(first, second);
  // Not bit-equal: a tied embedding's gradient sums two terms, re-associated here.
  for (size_t i = 0; i < once.size(); ++i) {
    EXPECT_NEAR(twice[i], once[i] + once[i], 1e-5f * (1.0f + std::fabs(once[i]))) << i;
  }
}

TEST(TransformerLmTest, RejectsOutOfVocabularyTokens) {
  TransformerConfig config{.layers = 1, .hidden = 8, .heads = 2, .vocab = 8, .max_length = 6};
  Fixture f = MakeModel(config, 5);
  auto logits = f.model->Logits(1, 2, std::vector<int32_t>{1, 9});
  EXPECT_EQ(logits.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.model->Logits(1, 7, std::vector<int32_t>(7, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::worker
