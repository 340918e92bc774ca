// Strategic merge patch: $patch, $deleteFromPrimitiveList, $setElementOrder, $retainKeys,
// element order, and malformed patches.
#include <string>
#include <vector>

#include "apiserver/semantics/strategic_merge_patch.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

const GroupKind kDirectivePod{"", "Pod"};
const GroupKind kDirectiveDeployment{"apps", "Deployment"};

struct DirectiveCase {
  std::string name;
  std::string original;
  std::string patch;
  std::string expected;
  GroupKind kind = kDirectivePod;
};

void ExpectDirectiveCases(const std::vector<DirectiveCase>& table) {
  for (const DirectiveCase& c : table) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<json> result =
        ApplyStrategicMergePatch(json::parse(c.original), json::parse(c.patch), c.kind);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(*result, json::parse(c.expected)) << result->dump();
  }
}

// {"spec":{"containers":[...]}} with one object per name.
std::string Containers(const std::string& items) {
  return R"({"spec":{"containers":[)" + items + "]}}";
}

TEST(StrategicMergeDirectivesTest, PatchDirectiveInObjects) {
  ExpectDirectiveCases({
      {"replace", R"({"metadata":{"labels":{"a":"1","b":"2"}}})",
       R"({"metadata":{"labels":{"$patch":"replace","c":"3"}}})",
       R"({"metadata":{"labels":{"c":"3"}}})"},
      {"delete", R"({"metadata":{"labels":{"a":"1"}}})",
       R"({"metadata":{"labels":{"$patch":"delete"}}})", R"({"metadata":{"labels":{}}})"},
      {"merge is the default", R"({"metadata":{"labels":{"a":"1"}}})",
       R"({"metadata":{"labels":{"$patch":"merge","b":"2"}}})",
       R"({"metadata":{"labels":{"a":"1","b":"2"}}})"},
      {"replace at the root", R"({"a":1,"b":2})", R"({"$patch":"replace","c":{"d":null}})",
       R"({"c":{}})"},
      {"delete at the root", R"({"a":1})", R"({"$patch":"delete"})", R"({})"},
  });
}

TEST(StrategicMergeDirectivesTest, PatchDirectiveInLists) {
  ExpectDirectiveCases({
      {"replace the list", Containers(R"({"name":"a"},{"name":"b"})"),
       Containers(R"({"$patch":"replace"},{"name":"z","env":[{"name":"X","value":null}]})"),
       Containers(R"({"name":"z","env":[{"name":"X"}]})")},
      {"delete an element", Containers(R"({"name":"a"},{"name":"b"})"),
       Containers(R"({"name":"a","$patch":"delete"})"), Containers(R"({"name":"b"})")},
      {"delete and add", Containers(R"({"name":"a"},{"name":"b"})"),
       Containers(R"({"name":"a","$patch":"delete"},{"name":"c"})"),
       Containers(R"({"name":"c"},{"name":"b"})")},
      {"delete what is not there", Containers(R"({"name":"a"})"),
       Containers(R"({"name":"q","$patch":"delete"})"), Containers(R"({"name":"a"})")},
      {"merge element is ignored", Containers(R"({"name":"a"})"),
       Containers(R"({"$patch":"merge"},{"name":"b"})"), Containers(R"({"name":"b"},{"name":"a"})")},
      {"directives never reach new values", R"({})",
       Containers(R"({"name":"a","$setElementOrder/env":[{"name":"X"}],
                      "env":[{"name":"X","$patch":"delete"},{"name":"Y"}],
                      "resources":{"$retainKeys":["limits"],"limits":{"cpu":"1"}}})"),
       Containers(R"({"name":"a","env":[{"name":"Y"}],"resources":{"limits":{"cpu":"1"}}})")},
  });
}

TEST(StrategicMergeDirectivesTest, DeleteFromPrimitiveList) {
  ExpectDirectiveCases({
      {"finalizer removed", R"({"metadata":{"finalizers":["a","b","c"]}})",
       R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b","zz"]}})",
       R"({"metadata":{"finalizers":["a","c"]}})"},
      {"absent list", R"({"metadata":{}})",
       R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})", R"({"metadata":{}})"},
      {"replace one finalizer", R"({"metadata":{"finalizers":["a","c"]}})",
       R"({"metadata":{"$setElementOrder/finalizers":["b","c"],"finalizers":["b"],
                       "$deleteFromPrimitiveList/finalizers":["a"]}})",
       R"({"metadata":{"finalizers":["b","c"]}})"},
  });
}

TEST(StrategicMergeDirectivesTest, ElementOrder) {
  ExpectDirectiveCases({
      {"patched element stays in place", Containers(R"({"name":"a"},{"name":"b"},{"name":"c"})"),
       Containers(R"({"name":"c","image":"x"},{"name":"d"})"),
       Containers(R"({"name":"a"},{"name":"b"},{"name":"c","image":"x"},{"name":"d"})")},
      {"patch order comes first", Containers(R"({"name":"a"},{"name":"b"},{"name":"c"})"),
       Containers(R"({"name":"d"},{"name":"a","image":"x"})"),
       Containers(R"({"name":"d"},{"name":"a","image":"x"},{"name":"b"},{"name":"c"})")},
      {"setElementOrder reorders merged elements", Containers(R"({"name":"a"},{"name":"b"})"),
       R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
                   "containers":[{"name":"a","image":"new"}]}})",
       Containers(R"({"name":"b"},{"name":"a","image":"new"})")},
      {"setElementOrder alone", R"({"metadata":{"finalizers":["a","b","c"]}})",
       R"({"metadata":{"$setElementOrder/finalizers":["c","a","b"]}})",
       R"({"metadata":{"finalizers":["c","a","b"]}})"},
      {"setElementOrder keeps unnamed server elements", Containers(R"({"name":"a"},{"name":"b"})"),
       R"({"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}],
                   "containers":[{"name":"c"}]}})",
       Containers(R"({"name":"c"},{"name":"a"},{"name":"b"})")},
      {"setElementOrder for a list the object lacks", R"({"spec":{}})",
       R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],
                   "containers":[{"name":"a"},{"name":"b"}]}})",
       Containers(R"({"name":"b"},{"name":"a"})")},
      {"setElementOrder with nothing to order", R"({"spec":{}})",
       R"({"spec":{"$setElementOrder/containers":[{"name":"a"}]}})", R"({"spec":{}})"},
      {"kubectl apply of a deployment",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v1",
            "env":[{"name":"X","value":"1"},{"name":"Z","value":"3"}]}]}}}})",
       R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],
            "containers":[{"name":"a","image":"v2",
                           "$setElementOrder/env":[{"name":"X"},{"name":"Y"}],
                           "env":[{"name":"Y","value":"2"}]}]}}}})",
       R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"v2",
            "env":[{"name":"X","value":"1"},{"name":"Y","value":"2"},{"name":"Z","value":"3"}]}]}}}})",
       kDirectiveDeployment},
      {"primitive set keeps server order", R"({"metadata":{"finalizers":["a","b","c"]}})",
       R"({"metadata":{"finalizers":["c","d"]}})",
       R"({"metadata":{"finalizers":["a","b","c","d"]}})"},
      {"empty patch list", Containers(R"({"name":"a"})"), Containers(""),
       Containers(R"({"name":"a"})")},
  });
}

TEST(StrategicMergeDirectivesTest, RetainKeys) {
  ExpectDirectiveCases({
      {"volume source switched", R"({"spec":{"volumes":[{"name":"v","emptyDir":{}}]}})",
       R"({"spec":{"volumes":[{"name":"v","$retainKeys":["name","hostPath"],
                              "hostPath":{"path":"/x"}}]}})",
       R"({"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}}]}})"},
      {"deployment strategy", R"({"spec":{"strategy":{"type":"RollingUpdate",
                                                      "rollingUpdate":{"maxSurge":1}}}})",
       R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})",
       R"({"spec":{"strategy":{"type":"Recreate"}}})", kDirectiveDeployment},
      {"nulls may name other keys", R"({"spec":{"strategy":{"a":1,"b":2}}})",
       R"({"spec":{"strategy":{"$retainKeys":["a"],"b":null}}})",
       R"({"spec":{"strategy":{"a":1}}})", kDirectiveDeployment},
  });
}

TEST(StrategicMergeDirectivesTest, MalformedPatches) {
  struct Bad {
    std::string name;
    std::string original;
    std::string patch;
    int code;
    std::string message;
  };
  const std::vector<Bad> table = {
      {"unknown $patch", R"({"a":{}})", R"({"a":{"$patch":"bogus"}})", 400,
       R"(unknown patch type: "bogus" in map: {"$patch":"bogus"})"},
      {"unknown $patch in a list", Containers(R"({"name":"a"})"),
       Containers(R"({"name":"a","$patch":"bogus"})"), 400, "unknown patch type: \"bogus\""},
      {"delete without merge key", Containers(R"({"name":"a"})"),
       Containers(R"({"$patch":"delete"})"), 400,
       R"(map: {"$patch":"delete"} does not contain declared merge key: name)"},
      {"element without merge key", Containers(R"({"name":"a"})"), Containers(R"({"image":"x"})"),
       400, R"(map: {"image":"x"} does not contain declared merge key: name)"},
      {"primitive list directive not a list", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}})", 400,
       "invalid patch format of primitive list"},
      {"order directive not a list", Containers(R"({"name":"a"})"),
       R"({"spec":{"$setElementOrder/containers":{}}})", 400,
       "invalid patch format of setElementOrder list"},
      {"retainKeys not a list", R"({"a":{}})", R"({"a":{"$retainKeys":"x"}})", 400,
       "invalid patch format of retainKeys"},
      {"patch outside retainKeys", R"({"a":{}})", R"({"a":{"$retainKeys":["x"],"y":1}})", 422,
       "patch content doesn't match retainKeys list"},
      {"lists of lists", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"finalizers":[["b"]]}})", 422, "lists of lists are not supported"},
      {"mixed element types", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"finalizers":[1]}})", 400,
       "list element types are not identical in metadata.finalizers"},
      {"objects in a primitive set", R"({"metadata":{"finalizers":[]}})",
       R"({"metadata":{"finalizers":[{"a":1}]}})", 400,
       "cannot merge lists without merge key for metadata.finalizers"},
  };
  for (const Bad& bad : table) {
    SCOPED_TRACE(bad.name);
    absl::StatusOr<json> result =
        ApplyStrategicMergePatch(json::parse(bad.original), json::parse(bad.patch), kDirectivePod);
    ASSERT_FALSE(result.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(result.status()));
    EXPECT_THAT(std::string(result.status().message()), testing::HasSubstr(bad.message));
    EXPECT_EQ(StatusFromAbsl(result.status())["code"], bad.code);
  }
}

TEST(StrategicMergeDirectivesTest, NumbersOfEitherKindAreOneType) {
  ExpectDirectiveCases({{"ints and floats in one set", R"({"spec":{"podCIDRs":[1]}})",
                R"({"spec":{"podCIDRs":[1.5, 1]}})", R"({"spec":{"podCIDRs":[1.5, 1]}})",
                GroupKind{"", "Node"}}});
}

}  // namespace
}  // namespace flyover::apiserver
