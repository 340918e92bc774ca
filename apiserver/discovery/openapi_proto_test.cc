#include "apiserver/discovery/openapi_proto.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "apiserver/discovery/openapi.h"
#include "apiserver/discovery/testing_crd.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

// A minimal protobuf reader for the test: field number -> raw values (varints as their
// decimal text, length-delimited fields as bytes).
using Fields = std::multimap<int, std::string>;

bool ReadVarint(const std::string& in, size_t* pos, uint64_t* out) {
  *out = 0;
  for (int shift = 0; *pos < in.size() && shift < 64; shift += 7) {
    uint8_t byte = static_cast<uint8_t>(in[(*pos)++]);
    *out |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

Fields Parse(const std::string& message) {
  Fields fields;
  size_t pos = 0;
  while (pos < message.size()) {
    uint64_t tag = 0, value = 0;
    EXPECT_TRUE(ReadVarint(message, &pos, &tag));
    EXPECT_TRUE(ReadVarint(message, &pos, &value));
    int number = static_cast<int>(tag >> 3);
    if ((tag & 7) == 0) {
      fields.emplace(number, std::to_string(value));
    } else {
      EXPECT_EQ(tag & 7, 2u);
      EXPECT_LE(pos + value, message.size());
      fields.emplace(number, message.substr(pos, value));
      pos += value;
    }
  }
  return fields;
}

std::vector<std::string> All(const Fields& fields, int number) {
  std::vector<std::string> out;
  auto [begin, end] = fields.equal_range(number);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

std::string One(const Fields& fields, int number) {
  std::vector<std::string> all = All(fields, number);
  EXPECT_EQ(all.size(), 1u) << "field " << number;
  return all.empty() ? "" : all[0];
}

// name -> value bytes of a repeated Named* message list (Definitions, Properties, extensions).
std::map<std::string, std::string> Named(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> out;
  for (const std::string& entry : entries) {
    Fields f = Parse(entry);
    out[One(f, 1)] = One(f, 2);
  }
  return out;
}

TEST(OpenApiProtoTest, SmallDocumentGoldenBytes) {
  json doc = json::parse(R"({"swagger": "2.0", "info": {"title": "T", "version": "v"},
                             "definitions": {"A": {"type": "string"}}})");
  // Document{swagger, info{title, version}, definitions{NamedSchema{"A", Schema{type}}}};
  // Schema.type is field 22, so its tag takes two bytes (0xb2 0x01).
  const std::string want(
      "\x0a\x03" "2.0"
      "\x12\x06" "\x0a\x01" "T" "\x12\x01" "v"
      "\x4a\x12" "\x0a\x10" "\x0a\x01" "A" "\x12\x0b" "\xb2\x01\x08" "\x0a\x06" "string",
      33);
  std::string got = OpenApiV2Protobuf(doc);
  Fields top = Parse(got);
  EXPECT_EQ(One(top, 1), "2.0");
  Fields info = Parse(One(top, 2));
  EXPECT_EQ(One(info, 1), "T");
  EXPECT_EQ(One(info, 2), "v");
  std::map<std::string, std::string> defs = Named(All(Parse(One(top, 9)), 1));
  ASSERT_EQ(defs.count("A"), 1u);
  Fields type_item = Parse(One(Parse(defs["A"]), 22));
  EXPECT_EQ(One(type_item, 1), "string");
  EXPECT_EQ(got, want);
}

TEST(OpenApiProtoTest, LongStringsUseMultiByteLengths) {
  std::string description(300, 'x');
  json doc = {{"definitions", {{"A", {{"description", description}}}}}};
  Fields schema = Parse(Named(All(Parse(One(Parse(OpenApiV2Protobuf(doc)), 9)), 1))["A"]);
  EXPECT_EQ(One(schema, 4), description);
}

TEST(OpenApiProtoTest, FullDocumentCarriesWhatKubectlReads) {
  ResourceRegistry registry = testing::RegistryWithPostTrainingJob();
  Fields top = Parse(OpenApiV2Protobuf(OpenApiV2Document(registry)));
  std::map<std::string, std::string> defs = Named(All(Parse(One(top, 9)), 1));
  ASSERT_EQ(defs.count("dev.flyover.training.v1alpha1.PostTrainingJob"), 1u);
  Fields ptj = Parse(defs["dev.flyover.training.v1alpha1.PostTrainingJob"]);
  EXPECT_TRUE(All(ptj, 22).empty());  // no type on an object with properties
  std::map<std::string, std::string> extensions = Named(All(ptj, 31));
  ASSERT_EQ(extensions.count("x-kubernetes-group-version-kind"), 1u);
  Fields any = Parse(extensions["x-kubernetes-group-version-kind"]);
  EXPECT_EQ(json::parse(One(any, 2)),
            json::parse(R"([{"group": "training.flyover.dev", "kind": "PostTrainingJob",
                             "version": "v1alpha1"}])"));
  std::map<std::string, std::string> props = Named(All(Parse(One(ptj, 25)), 1));
  Fields metadata = Parse(props["metadata"]);
  EXPECT_EQ(One(metadata, 1), "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  Fields spec = Parse(props["spec"]);
  EXPECT_THAT(All(spec, 19), ::testing::ElementsAre("replicas", "npusPerReplica", "template",
                                                    "training"));
  Fields labels = Parse(Named(All(Parse(One(Parse(defs["io.k8s.apimachinery.pkg.apis.meta.v1."
                                                        "ObjectMeta"]),
                                            25)),
                                  1))["labels"]);
  Fields additional = Parse(One(labels, 21));
  EXPECT_EQ(One(Parse(One(Parse(One(additional, 1)), 22)), 1), "string");
}

TEST(OpenApiProtoTest, EmptyInputIsAnEmptyMessage) {
  EXPECT_EQ(OpenApiV2Protobuf(json()), "");
  EXPECT_EQ(OpenApiV2Protobuf(json::object()), "");
}

}  // namespace
}  // namespace flyover::apiserver::discovery
