#include "apiserver/server/kubeconfig.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/yaml.h"

namespace flyover::apiserver {
namespace {

TEST(KubeconfigTest, RendersOneContextWithCaAndToken) {
  const std::string text =
      RenderKubeconfig({.server_url = "https://127.0.0.1:6443", .ca_pem = "PEM", .token = "t0k"});
  absl::StatusOr<std::vector<nlohmann::json>> parsed = kube::ParseYamlDocuments(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const nlohmann::json& config = (*parsed)[0];
  EXPECT_EQ(config["current-context"], "flyover-local");
  EXPECT_EQ(config["clusters"][0]["cluster"]["server"], "https://127.0.0.1:6443");
  EXPECT_EQ(config["clusters"][0]["cluster"]["certificate-authority-data"],
            absl::Base64Escape("PEM"));
  EXPECT_EQ(config["users"][0]["user"]["token"], "t0k");
  EXPECT_EQ(config["contexts"][0]["context"]["cluster"], "flyover-local");
}

TEST(KubeconfigTest, WritesAnOwnerOnlyFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "flyover-kubeconfig-test.yaml").string();
  ASSERT_TRUE(WriteKubeconfig(path, {.server_url = "http://127.0.0.1:1"}).ok());
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::filesystem::remove(path);
}

TEST(KubeconfigTest, ServerUrls) {
  EXPECT_EQ(ServerUrl(false, "0.0.0.0", 80), "http://127.0.0.1:80");
  EXPECT_EQ(ServerUrl(true, "127.0.0.1", 6443), "https://127.0.0.1:6443");
  EXPECT_EQ(ServerUrl(true, "::1", 6443), "https://[::1]:6443");
}

}  // namespace
}  // namespace flyover::apiserver
