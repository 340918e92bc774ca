// TLS: server verification against the configured CA, client certificates, insecure mode,
// and a kubeconfig that names certificate files, end to end.
#include <stop_token>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/scripted_api_server.h"
#include "kube/client/testing/temp_dir.h"
#include "kube/client/testing/test_pki.h"
#include "common/posix_file_system.h"

namespace flyover::kube {
namespace {

using testing::ScriptedApiServer;
using testing::TestCertificate;
using testing::TestPki;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestPki> pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = std::make_unique<TestPki>(*std::move(pki));
    absl::StatusOr<TestCertificate> serving = pki_->IssueServer({"127.0.0.1"}, {"localhost"});
    ASSERT_TRUE(serving.ok()) << serving.status();
    absl::StatusOr<TestCertificate> admin = pki_->IssueClient("admin", {"system:masters"});
    ASSERT_TRUE(admin.ok()) << admin.status();
    admin_ = *admin;
    server_ = std::make_unique<ScriptedApiServer>(testing::ScriptedApiServerOptions{
        .server_cert_pem = serving->cert_pem,
        .server_key_pem = serving->key_pem,
        .client_ca_pem = pki_->ca().cert_pem});
    server_->AddResource(PodsResource());
    ASSERT_TRUE(server_->Start().ok());
  }

  RestConfig Config() const {
    return RestConfig{.server = server_->url(),
                      .ca_pem = pki_->ca().cert_pem,
                      .client_cert_pem = admin_.cert_pem,
                      .client_key_pem = admin_.key_pem};
  }

  // The status of one GET through a client made from `config`.
  absl::Status Probe(const RestConfig& config) {
    absl::StatusOr<std::unique_ptr<RestClient>> client =
        NewRestClient(config, RestClientOptions{.timeout = absl::Seconds(5)});
    if (!client.ok()) return client.status();
    return (*client)->Get(PodsResource(), "default", "missing").status();
  }

  std::unique_ptr<TestPki> pki_;
  TestCertificate admin_;
  std::unique_ptr<ScriptedApiServer> server_;
};

TEST_F(TlsTest, VerifiedServerAndClientCertificate) {
  EXPECT_EQ(server_->url().substr(0, 8), "https://");
  absl::Status status = Probe(Config());
  EXPECT_TRUE(absl::IsNotFound(status)) << status;  // a full round trip
}

TEST_F(TlsTest, TheServerRefusesAClientWithoutACertificate) {
  RestConfig config = Config();
  config.client_cert_pem.clear();
  config.client_key_pem.clear();
  absl::Status status = Probe(config);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
}

TEST_F(TlsTest, AServerSignedByAnotherCaIsRejected) {
  absl::StatusOr<TestPki> other = TestPki::Create("someone-else");
  ASSERT_TRUE(other.ok());
  RestConfig config = Config();
  config.ca_pem = other->ca().cert_pem;
  absl::Status status = Probe(config);
  EXPECT_TRUE(absl::IsUnauthenticated(status)) << status;
  EXPECT_TRUE(server_->requests().empty());

  config.insecure_skip_tls_verify = true;  // only when the kubeconfig says so
  status = Probe(config);
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
}

TEST_F(TlsTest, ACertificateForAnotherNameIsRejected) {
  absl::StatusOr<TestCertificate> wrong = pki_->IssueServer({"10.9.9.9"}, {"elsewhere.example"});
  ASSERT_TRUE(wrong.ok());
  ScriptedApiServer server({.server_cert_pem = wrong->cert_pem, .server_key_pem = wrong->key_pem});
  ASSERT_TRUE(server.Start().ok());
  RestConfig config = Config();
  config.server = server.url();
  absl::Status status = Probe(config);
  EXPECT_TRUE(absl::IsUnauthenticated(status)) << status;
}

TEST_F(TlsTest, BadPemIsRefusedUpFront) {
  RestConfig config = Config();
  config.ca_pem = "not a certificate";
  EXPECT_TRUE(absl::IsInvalidArgument(Probe(config)));
  config = Config();
  absl::StatusOr<TestCertificate> other_client = pki_->IssueClient("other");
  ASSERT_TRUE(other_client.ok());
  config.client_key_pem = other_client->key_pem;  // does not match the certificate
  EXPECT_TRUE(absl::IsFailedPrecondition(Probe(config)));
  config = Config();
  config.server = "https://127.0.0.1:1/prefix";
  EXPECT_TRUE(absl::IsInvalidArgument(Probe(config)));
}

TEST_F(TlsTest, KubeconfigWithCertificateFilesEndToEnd) {
  testing::TempDir dir;
  dir.Write("ca.crt", pki_->ca().cert_pem);
  dir.Write("admin.crt", admin_.cert_pem);
  dir.Write("admin.key", admin_.key_pem);
  const std::string path = dir.Write("config", absl::StrCat(R"(apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster: {server: ")", server_->url(), R"(", certificate-authority: ca.crt}
contexts:
- name: test
  context: {cluster: test, user: admin}
users:
- name: admin
  user: {client-certificate: admin.crt, client-key: admin.key}
)"));
  absl::StatusOr<RestConfig> config = LoadKubeconfig(DefaultFileSystem(), path);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::Status status = Probe(*config);
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
}

TEST_F(TlsTest, WatchOverTlsStopsPromptly) {
  absl::StatusOr<std::unique_ptr<RestClient>> client = NewRestClient(Config());
  ASSERT_TRUE(client.ok());
  std::stop_source stop;
  absl::Status status;
  std::thread watcher([&] {
    status = (*client)->Watch(PodsResource(), "default", {.resource_version = "0"},
                              [](WatchStreamEvent) { return absl::OkStatus(); }, stop.get_token());
  });
  ASSERT_TRUE(server_->WaitForWatchRequests(1));
  stop.request_stop();
  watcher.join();
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
}

}  // namespace
}  // namespace flyover::kube
