#include "cli/validate_command.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/yaml.h"

namespace flyover::cli {
namespace {

using ::testing::HasSubstr;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Validate(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = RunValidate(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(ValidateCommandTest, ValidExamplesSucceedWithSummaries) {
  Result r = Validate({"deploy/examples/tiny.yaml", "deploy/examples/large-1024.yaml"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("default/tiny: valid"));
  EXPECT_THAT(r.out, HasSubstr("default/large-1024: valid"));
  EXPECT_THAT(r.out, HasSubstr("2 valid, 0 rejected"));
}

TEST(ValidateCommandTest, InvalidJobFailsAndSaysWhy) {
  Result r = Validate({"deploy/examples/invalid/npus-odd.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.out, HasSubstr("spec.npusPerReplica: Invalid value: 3: must be 1 or an even "
                               "number from 2 to 16"));
  EXPECT_EQ(Validate({"--expect-invalid", "deploy/examples/invalid/npus-odd.yaml"}).code, 0);
  EXPECT_EQ(Validate({"--expect-invalid", "deploy/examples/tiny.yaml"}).code, 1);
}

TEST(ValidateCommandTest, YamlOutputIsTheDefaultedObject) {
  Result r = Validate({"-o", "yaml", "deploy/examples/tiny.yaml"});
  ASSERT_EQ(r.code, 0);
  absl::StatusOr<std::vector<nlohmann::json>> docs = kube::ParseYamlDocuments(r.out);
  ASSERT_TRUE(docs.ok()) << docs.status();
  EXPECT_EQ((*docs)[0]["spec"]["faultTolerance"]["maxRestarts"], 10);
}

TEST(ValidateCommandTest, UsageErrors) {
  EXPECT_EQ(Validate({}).code, 2);
  Result bad_flag = Validate({"--frobnicate", "x.yaml"});
  EXPECT_EQ(bad_flag.code, 2);
  EXPECT_THAT(bad_flag.err, HasSubstr("unknown flag --frobnicate"));
  Result bad_output = Validate({"-o", "xml", "x.yaml"});
  EXPECT_EQ(bad_output.code, 2);
  EXPECT_THAT(bad_output.err, HasSubstr("unknown output format \"xml\""));
}

TEST(ValidateCommandTest, MissingFileIsReported) {
  Result r = Validate({"no/such/file.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot read no/such/file.yaml"));
}

}  // namespace
}  // namespace flyover::cli
