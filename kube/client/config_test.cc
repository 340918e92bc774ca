#include "kube/client/config.h"

#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"
#include "kube/client/token_source.h"

namespace flyover::kube {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string Kubeconfig(const std::string& user_section) {
  return absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )",
                      absl::Base64Escape("CA-PEM"), R"(
- name: lab
  cluster:
    server: https://lab.example:443
    insecure-skip-tls-verify: true
contexts:
- name: dev
  context: {cluster: dev-cluster, user: alice, namespace: team-a}
- name: lab
  context: {cluster: lab, user: bob}
users:
- name: alice
  user:
)",
                      user_section, R"(
- name: bob
  user:
    token: bob-token
)");
}

TEST(KubeconfigTest, ReadsTheCurrentContext) {
  const std::string alice = absl::StrCat("    client-certificate-data: ", absl::Base64Escape("CERT"),
                                         "\n    client-key-data: ", absl::Base64Escape("KEY"));
  absl::StatusOr<RestConfig> config =
      ParseKubeconfig(Kubeconfig(alice), "/nowhere", DefaultFileSystem());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, "CA-PEM");
  EXPECT_EQ(config->client_cert_pem, "CERT");
  EXPECT_EQ(config->client_key_pem, "KEY");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->default_namespace, "team-a");
  EXPECT_TRUE(config->bearer_token.empty());
}

TEST(KubeconfigTest, ReadsANamedContext) {
  absl::StatusOr<RestConfig> config =
      ParseKubeconfig(Kubeconfig("    token: x"), "/nowhere", DefaultFileSystem(), "lab");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://lab.example:443");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_TRUE(config->ca_pem.empty());
  EXPECT_EQ(config->bearer_token, "bob-token");
  EXPECT_EQ(config->default_namespace, "default");
}

TEST(KubeconfigTest, ResolvesFilesRelativeToTheKubeconfig) {
  TempDir dir;
  dir.Write("cert.pem", "FILE-CERT");
  dir.Write("key.pem", "FILE-KEY");
  dir.Write("ca.pem", "FILE-CA");
  std::string text = Kubeconfig(
      "    client-certificate: cert.pem\n    client-key: key.pem\n    tokenFile: token");
  // Swap the inline CA for a file reference.
  text.replace(text.find("certificate-authority-data: "), 28, "certificate-authority: ca.pem #");
  const std::string path = dir.Write("config", text);
  absl::StatusOr<RestConfig> config = LoadKubeconfig(DefaultFileSystem(), path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ca_pem, "FILE-CA");
  EXPECT_EQ(config->client_cert_pem, "FILE-CERT");
  EXPECT_EQ(config->client_key_pem, "FILE-KEY");
  EXPECT_EQ(config->bearer_token_file, dir.path() + "/token");
}

TEST(KubeconfigTest, ReportsWhatIsWrong) {
  FileSystem* fs = DefaultFileSystem();
  EXPECT_THAT(ParseKubeconfig(Kubeconfig("    token: x"), "/", fs, "nope").status().message(),
              HasSubstr("context \"nope\" not found"));
  absl::Status exec = ParseKubeconfig(Kubeconfig("    exec: {command: aws}"), "/", fs).status();
  EXPECT_TRUE(absl::IsUnimplemented(exec)) << exec;
  absl::Status half = ParseKubeconfig(Kubeconfig("    client-key-data: S0VZ"), "/", fs).status();
  EXPECT_TRUE(absl::IsInvalidArgument(half)) << half;
  absl::Status missing = ParseKubeconfig(Kubeconfig("    client-certificate: gone.pem\n"
                                                    "    client-key: gone.key"),
                                         "/nonexistent", fs)
                             .status();
  EXPECT_TRUE(absl::IsNotFound(missing)) << missing;
  EXPECT_TRUE(absl::IsInvalidArgument(ParseKubeconfig("clusters: [", "/", fs).status()));
  EXPECT_TRUE(absl::IsNotFound(LoadKubeconfig(fs, "/nonexistent/config").status()));
}

TEST(InClusterConfigTest, ReadsTheServiceAccount) {
  TempDir dir;
  dir.Write("ca.crt", "SA-CA");
  dir.Write("token", "sa-token\n");
  dir.Write("namespace", "flyover-system\n");
  absl::StatusOr<RestConfig> config = InClusterConfig(
      DefaultFileSystem(),
      MapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
      InClusterOptions{dir.path()});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->ca_pem, "SA-CA");
  EXPECT_EQ(config->bearer_token_file, dir.path() + "/token");
  EXPECT_EQ(config->default_namespace, "flyover-system");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
}

TEST(InClusterConfigTest, BracketsIpv6AndFailsOutsideACluster) {
  TempDir dir;
  dir.Write("ca.crt", "SA-CA");
  dir.Write("token", "t");
  absl::StatusOr<RestConfig> config = InClusterConfig(
      DefaultFileSystem(),
      MapEnv({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}),
      InClusterOptions{dir.path()});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://[fd00::1]:6443");
  EXPECT_TRUE(absl::IsFailedPrecondition(
      InClusterConfig(DefaultFileSystem(), MapEnv({}), InClusterOptions{dir.path()}).status()));
}

TEST(LoadDefaultConfigTest, PrefersKubeconfigThenInClusterThenHome) {
  TempDir dir;
  const std::string path = dir.Write("kc", Kubeconfig("    token: t"));
  absl::StatusOr<RestConfig> from_env =
      LoadDefaultConfig(DefaultFileSystem(), MapEnv({{"KUBECONFIG", path + ":/other"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.status();
  EXPECT_EQ(from_env->server, "https://10.0.0.1:6443");
  EXPECT_TRUE(absl::IsNotFound(
      LoadDefaultConfig(DefaultFileSystem(), MapEnv({{"HOME", dir.path()}})).status()));
  EXPECT_TRUE(absl::IsFailedPrecondition(LoadDefaultConfig(DefaultFileSystem(), MapEnv({})).status()));
}

TEST(LoopbackConfigTest, IsPlainHttp) {
  RestConfig config = LoopbackConfig("127.0.0.1", 8080);
  EXPECT_EQ(config.server, "http://127.0.0.1:8080");
  EXPECT_TRUE(config.bearer_token.empty());
}

TEST(FileTokenSourceTest, RereadsAfterTheRefreshIntervalAndOnInvalidate) {
  TempDir dir;
  const std::string path = dir.Write("token", "first\n");
  FakeClock clock;
  FileTokenSource tokens(DefaultFileSystem(), &clock, path, absl::Minutes(1));
  EXPECT_EQ(*tokens.Token(), "first");
  dir.Write("token", "second");
  EXPECT_EQ(*tokens.Token(), "first");  // still fresh
  clock.Advance(absl::Seconds(61));
  EXPECT_EQ(*tokens.Token(), "second");
  dir.Write("token", "third");
  tokens.Invalidate();
  EXPECT_EQ(*tokens.Token(), "third");
}

TEST(FileTokenSourceTest, KeepsThePreviousTokenWhileTheFileIsUnreadable) {
  TempDir dir;
  const std::string path = dir.Write("token", "good");
  FakeClock clock;
  FileTokenSource tokens(DefaultFileSystem(), &clock, path, absl::Minutes(1));
  EXPECT_EQ(*tokens.Token(), "good");
  dir.Write("token", "  \n");
  tokens.Invalidate();
  EXPECT_EQ(*tokens.Token(), "good");
  FileTokenSource never_read(DefaultFileSystem(), &clock, dir.path() + "/missing");
  EXPECT_TRUE(absl::IsNotFound(never_read.Token().status()));
}

}  // namespace
}  // namespace flyover::kube
