#include "kube/api/core/quantity.h"

#include <cstdint>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::kube::core {
namespace {

using ::testing::HasSubstr;

struct QuantityCase {
  std::string text;
  int64_t value;
  int64_t milli;
};

class QuantityTableTest : public ::testing::TestWithParam<QuantityCase> {};

TEST_P(QuantityTableTest, ParsesValueAndMilliValue) {
  const QuantityCase& c = GetParam();
  EXPECT_EQ(QuantityValue(c.text).value(), c.value) << c.text;
  EXPECT_EQ(QuantityMilliValue(c.text).value(), c.milli) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, QuantityTableTest,
    ::testing::Values(QuantityCase{"16", 16, 16000}, QuantityCase{"0", 0, 0},
                      QuantityCase{"100m", 1, 100}, QuantityCase{"1500m", 2, 1500},
                      QuantityCase{"1.5", 2, 1500}, QuantityCase{".5", 1, 500},
                      QuantityCase{"2e3", 2000, 2000000}, QuantityCase{"2E3", 2000, 2000000},
                      QuantityCase{"5e-3", 1, 5}, QuantityCase{"64Gi", 68719476736, 68719476736000},
                      QuantityCase{"1Ki", 1024, 1024000}, QuantityCase{"1584814404Ki",
                                                                        1622849949696,
                                                                        1622849949696000},
                      QuantityCase{"128974848", 128974848, 128974848000},
                      QuantityCase{"129e6", 129000000, 129000000000},
                      QuantityCase{"123Mi", 128974848, 128974848000},
                      QuantityCase{"1k", 1000, 1000000}, QuantityCase{"1M", 1000000, 1000000000},
                      QuantityCase{"2G", 2000000000, 2000000000000},
                      QuantityCase{"250u", 1, 1}, QuantityCase{"1n", 1, 1},
                      QuantityCase{"+3", 3, 3000}, QuantityCase{"-2", -2, -2000},
                      QuantityCase{"-100m", 0, -100}, QuantityCase{"0.000", 0, 0}));

TEST(QuantityTest, MilliOfExaOverflows) {
  EXPECT_EQ(QuantityMilliValue("1E").status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(QuantityValue("16Ei").status().code(), absl::StatusCode::kOutOfRange);
}

TEST(QuantityTest, TinyValuesRoundUpToOne) {
  EXPECT_EQ(QuantityValue("1e-60").value(), 1);
  EXPECT_EQ(QuantityValue("0e-60").value(), 0);
}

TEST(QuantityTest, RejectsMalformedQuantities) {
  for (const char* bad : {"", "m", "1.2.3", "1Gb", "1 Gi", "1e", "1e+", "1ee3", "0x10", "--1",
                          "1e99", "12345678901234567890"}) {
    absl::StatusOr<int64_t> value = QuantityValue(bad);
    EXPECT_EQ(value.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(QuantityValue("1Gb").status().message(),
              HasSubstr("quantity \"1Gb\" is invalid: unknown suffix \"Gb\""));
  EXPECT_THAT(QuantityValue("abc").status().message(), HasSubstr("must start with a number"));
}

TEST(QuantityTest, AsDouble) {
  EXPECT_DOUBLE_EQ(QuantityAsDouble("1.5").value(), 1.5);
  EXPECT_DOUBLE_EQ(QuantityAsDouble("100m").value(), 0.1);
  EXPECT_DOUBLE_EQ(QuantityAsDouble("64Gi").value(), 68719476736.0);
  EXPECT_DOUBLE_EQ(QuantityAsDouble("-2e3").value(), -2000.0);
  EXPECT_FALSE(QuantityAsDouble("x").ok());
}

TEST(QuantityTest, ResourceListLookups) {
  const std::map<std::string, std::string> requests = {
      {"cpu", "500m"}, {"memory", "64Gi"}, {"huawei.com/Ascend910", "16"}, {"bad", "1Q"}};
  EXPECT_EQ(ResourceMilliValue(requests, "cpu").value(), 500);
  EXPECT_EQ(ResourceValue(requests, "memory").value(), 68719476736);
  EXPECT_EQ(ResourceValue(requests, "huawei.com/Ascend910").value(), 16);
  EXPECT_EQ(ResourceValue(requests, "ephemeral-storage").value(), 0);
  EXPECT_FALSE(ResourceValue(requests, "bad").ok());
}

}  // namespace
}  // namespace flyover::kube::core
