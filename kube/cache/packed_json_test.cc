#include "kube/cache/packed_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::Pair;

PackedJson MustPack(const json& value) {
  absl::StatusOr<PackedJson> packed = PackedJson::Pack(value);
  EXPECT_TRUE(packed.ok()) << packed.status();
  return *std::move(packed);
}

void ExpectRoundTrip(const json& value) {
  const PackedJson packed = MustPack(value);
  const json back = packed.ToJson();
  EXPECT_EQ(back, value) << value.dump();
  EXPECT_EQ(back.dump(), value.dump());  // same types, same member order
}

TEST(PackedJsonTest, RoundTripsScalars) {
  for (const json& v :
       {json(nullptr), json(true), json(false), json(0), json(127), json(128), json(-1),
        json(std::numeric_limits<int64_t>::min()), json(std::numeric_limits<int64_t>::max()),
        json(std::numeric_limits<uint64_t>::max()), json(0.5), json(-1e300), json(""), json("x"),
        json(std::string(63, 'a')), json(std::string(64, 'b')), json(std::string(100000, 'c')),
        json("h\xC3\xA9llo \xE2\x9C\x93"), json(std::string(3, '\0'))}) {
    ExpectRoundTrip(v);
  }
}

TEST(PackedJsonTest, KeepsSignedAndUnsignedIntegersApart) {
  EXPECT_TRUE(MustPack(json::parse("5")).ToJson().is_number_unsigned());
  EXPECT_TRUE(MustPack(json(int64_t{5})).ToJson().is_number_integer());
  EXPECT_EQ(MustPack(json(int64_t{5})).view().type(), JsonView::Type::kInteger);
  EXPECT_EQ(MustPack(json::parse("5")).view().type(), JsonView::Type::kUnsigned);
}

TEST(PackedJsonTest, RoundTripsContainers) {
  ExpectRoundTrip(json::object());
  ExpectRoundTrip(json::array());
  ExpectRoundTrip(json::parse(R"({"a": {"b": [1, [], {}, [2, {"c": null}]]}, "d": "e"})"));
  json long_keys = {{std::string(65, 'k'), 1}, {std::string(200, 'z'), {{"x", 2}}}};
  ExpectRoundTrip(long_keys);
  json big = json::array();
  for (int i = 0; i < 5000; ++i) big.push_back({{"i", i}, {"s", absl::StrCat("value-", i)}});
  ExpectRoundTrip(big);
}

TEST(PackedJsonTest, RoundTripsRepeatedStringsAndStoresThemOnce) {
  const std::string stamp = "2026-01-01T00:00:00Z";
  json repeated = json::array();
  json distinct = json::array();
  for (int i = 0; i < 50; ++i) {
    repeated.push_back({{"t", stamp}});
    distinct.push_back({{"t", absl::StrCat("2026-01-01T00:00:", 10 + i % 50, "Z")}});
  }
  ExpectRoundTrip(repeated);
  const PackedJson packed = MustPack(repeated);
  EXPECT_LT(packed.size_bytes(), MustPack(distinct).size_bytes() / 3);
  EXPECT_EQ(packed.view()[49]["t"].string_value(), stamp);
}

// Random JSON values, including strings that repeat, must survive the round trip.
json RandomJson(std::mt19937& random, int depth) {
  const int kind = random() % (depth > 3 ? 6 : 8);
  static const char* const kWords[] = {"alpha", "beta", "gamma-delta", "x",
                                       "a-rather-long-repeated-string-value"};
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return random() % 2 == 0;
    case 2:
      return static_cast<int64_t>(random()) - (int64_t{1} << 31);
    case 3:
      return static_cast<uint64_t>(random()) << (random() % 32);
    case 4:
      return static_cast<double>(random()) / 7.0;
    case 5:
      return random() % 2 == 0 ? std::string(kWords[random() % 5])
                               : std::string(random() % 80, static_cast<char>('a' + random() % 26));
    case 6: {
      json array = json::array();
      for (int i = random() % 6; i > 0; --i) array.push_back(RandomJson(random, depth + 1));
      return array;
    }
    default: {
      json object = json::object();
      for (int i = random() % 6; i > 0; --i) {
        object[absl::StrCat(kWords[random() % 5], random() % 3)] = RandomJson(random, depth + 1);
      }
      return object;
    }
  }
}

TEST(PackedJsonTest, RoundTripsRandomValues) {
  std::mt19937 random(42);
  for (int i = 0; i < 2000; ++i) {
    const json value = RandomJson(random, 0);
    const PackedJson packed = MustPack(value);
    ASSERT_EQ(packed.ToJson(), value) << value.dump();
  }
}

TEST(PackedJsonTest, ViewsReadMembersElementsAndScalars) {
  const PackedJson packed = MustPack(json::parse(R"({
    "metadata": {"name": "a", "labels": {"app": "x", "tier": "web"}},
    "spec": {"replicas": 3, "ratio": 0.25, "neg": -7, "on": true, "ports": [80, 443]}
  })"));
  const JsonView root = packed.view();
  EXPECT_TRUE(root.is_object());
  EXPECT_EQ(root.size(), 2);
  EXPECT_EQ(root["metadata"]["name"].string_value(), "a");
  EXPECT_TRUE(root.contains("spec"));
  EXPECT_FALSE(root.contains("status"));
  EXPECT_THAT(root["spec"]["replicas"].int_value(), Optional(3));
  EXPECT_THAT(root["spec"]["ratio"].double_value(), Optional(0.25));
  EXPECT_THAT(root["spec"]["neg"].int_value(), Optional(-7));
  EXPECT_TRUE(root["spec"]["on"].bool_value());
  EXPECT_EQ(root["spec"]["ports"].size(), 2);
  EXPECT_THAT(root["spec"]["ports"][1].int_value(), Optional(443));
  EXPECT_TRUE(root["spec"]["ports"][2].is_missing());
  std::vector<int64_t> ports;
  for (JsonView port : root["spec"]["ports"].elements()) ports.push_back(*port.int_value());
  EXPECT_THAT(ports, ElementsAre(80, 443));
  std::vector<std::pair<std::string, std::string>> labels;
  for (const auto& [key, value] : root["metadata"]["labels"].members()) {
    labels.emplace_back(std::string(key), std::string(value.string_value()));
  }
  EXPECT_THAT(labels, ElementsAre(Pair("app", "x"), Pair("tier", "web")));
}

TEST(PackedJsonTest, MissingAndMistypedAccessIsHarmless) {
  const PackedJson packed =
      MustPack(json::parse(R"({"a": "text", "n": null, "big": 18446744073709551615})"));
  const JsonView root = packed.view();
  EXPECT_TRUE(root["x"]["y"]["z"].is_missing());
  EXPECT_EQ(root["x"].type(), JsonView::Type::kMissing);
  EXPECT_EQ(root["x"].string_value(), "");
  EXPECT_EQ(root["a"].int_value(), std::nullopt);
  EXPECT_EQ(root["a"][0].type(), JsonView::Type::kMissing);
  EXPECT_EQ(root["a"]["k"].type(), JsonView::Type::kMissing);
  EXPECT_TRUE(root["n"].is_null());
  EXPECT_EQ(root["n"].size(), 0);
  EXPECT_EQ(root["big"].int_value(), std::nullopt);  // beyond int64
  EXPECT_THAT(root["big"].double_value(), Optional(1.8446744073709552e19));
  EXPECT_TRUE(root["x"].ToJson().is_null());
  EXPECT_EQ(root["x"].members().begin(), root["x"].members().end());
}

TEST(PackedJsonTest, RejectsValuesJsonTextCannotCarry) {
  EXPECT_EQ(PackedJson::Pack(json(std::nan(""))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      PackedJson::Pack(json({{"a", std::numeric_limits<double>::infinity()}})).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PackedJson::Pack(json::binary({1, 2})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PackedJsonTest, WorkerPodPacksToUnderHalfItsJsonText) {
  const json pod = MakeWorkerPod({.index = 17, .resource_version = "123456"});
  const PackedJson packed = MustPack(pod);
  EXPECT_EQ(packed.ToJson(), pod);
  EXPECT_LT(packed.size_bytes(), pod.dump().size() / 2);
  EXPECT_EQ(packed["metadata"]["ownerReferences"][0]["kind"].string_value(), "PostTrainingJob");
  EXPECT_EQ(packed["status"]["containerStatuses"][0]["image"].string_value(),
            packed["spec"]["containers"][0]["image"].string_value());
}

TEST(PackedJsonTest, PacksAndReadsConcurrently) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 300; ++i) {
        const json value = {{absl::StrCat("thread-", t, "-key-", i % 50), i},
                            {"shared", {{"name", absl::StrCat("n", i)}}}};
        const PackedJson packed = MustPack(value);
        ASSERT_EQ(packed.ToJson(), value);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GE(PackedJson::InternedKeyCount(), 200);
}

}  // namespace
}  // namespace flyover::kube
