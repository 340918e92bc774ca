#include "worker/main/config_file.h"

#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

TEST(ConfigFileTest, YamlConvertsToTheSameJsonAsTheJsonForm) {
  const char* yaml = R"(
training:
  model: {layers: 2, hiddenSize: 64}
  dataset:
    kind: Arithmetic
    maxOperand: 99
  learningRate: 0.003
  minLearningRate: 0.0
  seed: 42
checkpoint:
  path: "/var/lib/flyover/checkpoints"
  async: true
  inMemoryReplicas: ~
  label: "123"
  tags: [a, 1, 2.5e3]
)";
  absl::StatusOr<std::string> json = ConfigTextToJson(yaml);
  ASSERT_TRUE(json.ok()) << json.status();
  const nlohmann::json parsed = nlohmann::json::parse(*json);
  EXPECT_EQ(parsed["training"]["model"]["layers"], 2);
  EXPECT_TRUE(parsed["training"]["model"]["layers"].is_number_integer());
  EXPECT_EQ(parsed["training"]["dataset"]["kind"], "Arithmetic");
  EXPECT_EQ(parsed["training"]["learningRate"], 0.003);
  EXPECT_TRUE(parsed["training"]["minLearningRate"].is_number_float());
  EXPECT_EQ(parsed["checkpoint"]["async"], true);
  EXPECT_TRUE(parsed["checkpoint"]["inMemoryReplicas"].is_null());
  EXPECT_EQ(parsed["checkpoint"]["label"], "123");  // quoted: stays a string
  EXPECT_EQ(parsed["checkpoint"]["tags"], nlohmann::json::parse(R"(["a", 1, 2500.0])"));
}

TEST(ConfigFileTest, JsonPassesThroughAndBadTextIsAnError) {
  absl::StatusOr<std::string> json = ConfigTextToJson(R"({"training": {"steps": 3}})");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, R"({"training":{"steps":3}})");
  EXPECT_THAT(ConfigTextToJson("a: [1, 2").status().message(), HasSubstr("YAML: line"));
  EXPECT_THAT(ConfigTextToJson("- 1\n- 2\n").status().message(),
              HasSubstr("top level must be a mapping"));
  absl::StatusOr<std::string> missing =
      LoadConfigFileAsJson(*DefaultFileSystem(), "/nonexistent/config.yaml");
  EXPECT_THAT(missing.status().message(), HasSubstr("--config /nonexistent/config.yaml"));
}

}  // namespace
}  // namespace flyover::worker
