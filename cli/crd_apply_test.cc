#include "cli/crd_apply.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kCrd[] = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.dev
  labels: {rev: "REV"}
spec:
  group: example.dev
  names: {plural: widgets, kind: Widget}
  scope: Namespaced
)";

std::string Crd(const std::string& rev) {
  std::string text = kCrd;
  text.replace(text.find("REV"), 3, rev);
  return text;
}

class CrdApplyTest : public ::testing::Test {
 protected:
  CrdApplyTest() { api_.AddResource(CrdResource()); }
  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  kube::testing::TempDir dir_;
};

TEST_F(CrdApplyTest, CreatesThenUpdatesInPlaceAndWaitsForEstablished) {
  dir_.Write("widgets.yaml", Crd("1"));
  dir_.Write("README.md", "not a manifest");
  // The server marks it Established (status is kept across the client's updates).
  nlohmann::json established = {
      {"apiVersion", "apiextensions.k8s.io/v1"}, {"kind", "CustomResourceDefinition"},
      {"metadata", {{"name", "widgets.example.dev"}}},
      {"status", {{"conditions", {{{"type", "Established"}, {"status", "True"}}}}}}};
  ASSERT_TRUE(api_.Upsert(CrdResource(), established).ok());
  absl::StatusOr<std::vector<std::string>> names =
      ApplyCrdDirectory(client_.get(), dir_.path(), absl::Seconds(5));
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("widgets.example.dev"));
  EXPECT_EQ(api_.Get(CrdResource(), "", "widgets.example.dev").value()["metadata"]["labels"]["rev"],
            "1");
  dir_.Write("widgets.yaml", Crd("2"));
  ASSERT_TRUE(ApplyCrdDirectory(client_.get(), dir_.path(), absl::Seconds(5)).ok());
  EXPECT_EQ(api_.Get(CrdResource(), "", "widgets.example.dev").value()["metadata"]["labels"]["rev"],
            "2");
}

TEST_F(CrdApplyTest, NamesTheCrdThatNeverBecomesEstablished) {
  dir_.Write("widgets.yaml", Crd("1"));
  absl::StatusOr<std::vector<std::string>> names =
      ApplyCrdDirectory(client_.get(), dir_.path(), absl::Milliseconds(200));
  EXPECT_EQ(names.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(names.status().message(), HasSubstr("crd widgets.example.dev: not Established"));
}

TEST_F(CrdApplyTest, RefusesDocumentsThatAreNotCrds) {
  dir_.Write("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
  absl::StatusOr<std::vector<std::string>> names =
      ApplyCrdDirectory(client_.get(), dir_.path(), absl::Seconds(1));
  EXPECT_THAT(names.status().message(), HasSubstr("pod.yaml: kind: want CustomResourceDefinition"));
}

}  // namespace
}  // namespace flyover::cli
