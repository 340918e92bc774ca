// Keeps crds/ and the C++ PostTrainingJob in step: the same fields, the same defaults,
// the same bounds, and a CEL rule for every C++ cross-field rule.
#include <algorithm>
#include <functional>
#include <iterator>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/post_training_job_testing.h"
#include "kube/api/post_training_job_validation.h"
#include "kube/api/yaml.h"
#include "kube/schema/structural_schema.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::IsEmpty;

constexpr char kCrdFile[] = "crds/training.flyover.dev_posttrainingjobs.yaml";

class CrdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::vector<json>> docs = ReadYamlFile(kCrdFile);
    ASSERT_TRUE(docs.ok()) << docs.status();
    ASSERT_EQ(docs->size(), 1u);
    crd_ = (*docs)[0];
    absl::StatusOr<json> schema = schema::CrdVersionSchema(crd_, kPostTrainingJobVersion);
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = *schema;
  }

  // The schema node at a dotted path such as "spec.training".
  const json& SchemaAt(const std::string& path) const {
    const json* node = &schema_;
    for (absl::string_view part : absl::StrSplit(path, '.')) {
      node = &(*node)["properties"][std::string(part)];
    }
    return *node;
  }

  json crd_;
  json schema_;
};

// Dotted paths of every leaf the schema declares (not descending into preserved objects).
void SchemaLeaves(const json& schema, const std::string& path, std::set<std::string>* out) {
  if (schema.contains("properties")) {
    for (const auto& [key, sub] : schema["properties"].items()) {
      if (path.empty() && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
      SchemaLeaves(sub, path.empty() ? key : absl::StrCat(path, ".", key), out);
    }
    return;
  }
  if (schema.contains("items") && schema["items"].contains("properties")) {
    SchemaLeaves(schema["items"], absl::StrCat(path, "[]"), out);
    return;
  }
  out->insert(path);
}

// Dotted paths of every leaf present in a JSON value (arrays as "[]").
void JsonLeaves(const json& value, const json& schema, const std::string& path,
                std::set<std::string>* out) {
  if (value.is_object() && schema.contains("properties")) {
    for (const auto& [key, sub] : value.items()) {
      if (path.empty() && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
      const json& sub_schema = schema["properties"].contains(key) ? schema["properties"][key]
                                                                  : json::object();
      JsonLeaves(sub, sub_schema, path.empty() ? key : absl::StrCat(path, ".", key), out);
    }
    return;
  }
  if (value.is_array() && schema.contains("items") && schema["items"].contains("properties")) {
    for (const json& item : value) JsonLeaves(item, schema["items"], absl::StrCat(path, "[]"), out);
    return;
  }
  out->insert(path);
}

TEST_F(CrdTest, NamesPrinterColumnsAndSubresources) {
  EXPECT_EQ(crd_["spec"]["group"], kPostTrainingJobGroup);
  EXPECT_EQ(crd_["spec"]["names"]["kind"], kPostTrainingJobKind);
  EXPECT_EQ(crd_["spec"]["names"]["plural"], kPostTrainingJobPlural);
  EXPECT_EQ(crd_["spec"]["names"]["shortNames"], json::array({"ptj"}));
  EXPECT_EQ(crd_["spec"]["names"]["categories"], json::array({"flyover"}));
  const json& version = crd_["spec"]["versions"][0];
  EXPECT_TRUE(version["subresources"].contains("status"));
  std::set<std::string> columns;
  for (const json& c : version["additionalPrinterColumns"]) columns.insert(c["name"]);
  for (const char* name : {"Phase", "Step", "Total", "Restarts", "Age"}) {
    EXPECT_TRUE(columns.count(name)) << name;
  }
}

TEST_F(CrdTest, FullyPopulatedJobIsValidAgainstTheSchema) {
  const json encoded = EncodePostTrainingJob(testing::FullyPopulatedJob());
  ErrorList errors;
  schema::Validate(schema_, encoded, &errors);
  EXPECT_THAT(errors.Strings(), IsEmpty());
}

TEST_F(CrdTest, SchemaAndCppDeclareTheSameFields) {
  std::set<std::string> schema_leaves;
  SchemaLeaves(schema_, "", &schema_leaves);
  std::set<std::string> cpp_leaves;
  JsonLeaves(EncodePostTrainingJob(testing::FullyPopulatedJob()), schema_, "", &cpp_leaves);
  std::vector<std::string> only_schema, only_cpp;
  std::set_difference(schema_leaves.begin(), schema_leaves.end(), cpp_leaves.begin(),
                      cpp_leaves.end(), std::back_inserter(only_schema));
  std::set_difference(cpp_leaves.begin(), cpp_leaves.end(), schema_leaves.begin(),
                      schema_leaves.end(), std::back_inserter(only_cpp));
  EXPECT_THAT(only_schema, IsEmpty()) << "fields the schema declares but C++ does not encode";
  EXPECT_THAT(only_cpp, IsEmpty()) << "fields C++ encodes but the schema does not declare";
}

TEST_F(CrdTest, SchemaDefaultsEqualCppDefaults) {
  json by_schema = testing::MinimalJobJson();
  schema::ApplyDefaults(schema_, &by_schema);
  ErrorList errors;
  const json by_cpp = EncodePostTrainingJob(DecodePostTrainingJob(testing::MinimalJobJson(), &errors));
  ASSERT_TRUE(errors.empty());
  EXPECT_EQ(by_schema["spec"], by_cpp["spec"]) << "schema: " << by_schema["spec"].dump(2)
                                               << "\nC++: " << by_cpp["spec"].dump(2);
}

TEST_F(CrdTest, EveryCrossFieldRuleHasItsCelRuleAndNoCelRuleIsOrphaned) {
  std::set<std::pair<std::string, std::string>> cel;
  std::function<void(const json&, const std::string&)> collect = [&](const json& s,
                                                                     const std::string& path) {
    if (s.contains("x-kubernetes-validations")) {
      for (const json& rule : s["x-kubernetes-validations"]) {
        EXPECT_TRUE(rule.contains("rule")) << path;
        cel.insert({path, rule["message"].get<std::string>()});
      }
    }
    if (s.contains("properties")) {
      for (const auto& [key, sub] : s["properties"].items()) {
        collect(sub, path.empty() ? key : absl::StrCat(path, ".", key));
      }
    }
  };
  collect(schema_, "");
  std::set<std::pair<std::string, std::string>> cpp;
  for (const CrossFieldRule& rule : CrossFieldRules()) cpp.insert({rule.crd_path, rule.message});
  EXPECT_EQ(cel, cpp);
}

// Every numeric bound in the schema is enforced by the C++ validator at the same path.
TEST_F(CrdTest, CppEnforcesEverySchemaBound) {
  std::vector<std::pair<std::string, json>> probes;  // path, out-of-bounds value
  std::function<void(const json&, const std::string&)> walk = [&](const json& s,
                                                                  const std::string& path) {
    if (s.contains("minimum")) {
      const bool exclusive = s.value("exclusiveMinimum", false);
      json v = s["type"] == "integer" ? json(s["minimum"].get<int64_t>() - (exclusive ? 0 : 1))
                                      : json(s["minimum"].get<double>() - (exclusive ? 0 : 0.5));
      probes.emplace_back(path, v);
    }
    if (s.contains("maximum")) {
      json v = s["type"] == "integer" ? json(s["maximum"].get<int64_t>() + 1)
                                      : json(s["maximum"].get<double>() * 2);
      probes.emplace_back(path, v);
    }
    if (s.contains("properties")) {
      for (const auto& [key, sub] : s["properties"].items()) {
        walk(sub, path.empty() ? key : absl::StrCat(path, ".", key));
      }
    }
  };
  walk(schema_["properties"]["spec"], "spec");
  ASSERT_GT(probes.size(), 30u);
  for (const auto& [path, value] : probes) {
    json doc = testing::MinimalJobJson();
    json* node = &doc;
    for (absl::string_view part : absl::StrSplit(path, '.')) node = &(*node)[std::string(part)];
    *node = value;
    ErrorList errors;
    PostTrainingJob job = DecodePostTrainingJob(doc, &errors);
    if (errors.empty()) ValidatePostTrainingJob(job, &errors);
    bool at_path = false;
    for (const FieldError& e : errors.errors()) at_path |= e.field == path;
    EXPECT_TRUE(at_path) << path << " = " << value.dump() << " was not refused at its path";
  }
}

TEST_F(CrdTest, ValidExamplesPassTheSchemaAndDefaultTheSameWay) {
  for (const char* file : {"deploy/examples/tiny.yaml", "deploy/examples/large-1024.yaml"}) {
    SCOPED_TRACE(file);
    absl::StatusOr<std::vector<json>> docs = ReadYamlFile(file);
    ASSERT_TRUE(docs.ok());
    json by_schema = (*docs)[0];
    schema::ApplyDefaults(schema_, &by_schema);
    ErrorList errors;
    schema::Validate(schema_, by_schema, &errors);
    EXPECT_THAT(errors.Strings(), IsEmpty());
    absl::StatusOr<PostTrainingJob> job = ParsePostTrainingJob((*docs)[0]);
    ASSERT_TRUE(job.ok());
    EXPECT_EQ(by_schema["spec"], EncodePostTrainingJob(*job)["spec"]);
  }
}

TEST_F(CrdTest, EnumsMatchTheCppEnums) {
  EXPECT_EQ(SchemaAt("spec.topology.superPodAffinity")["enum"],
            json(EnumNameList<SuperPodAffinity>()));
  EXPECT_EQ(SchemaAt("spec.faultTolerance.recoveryLevels")["items"]["enum"],
            json(EnumNameList<RecoveryLevel>()));
  EXPECT_EQ(SchemaAt("spec.training.dataset.kind")["enum"], json(EnumNameList<DatasetKind>()));
  EXPECT_EQ(SchemaAt("status.phase")["enum"], json(EnumNameList<JobPhase>()));
}

}  // namespace
}  // namespace flyover::kube
