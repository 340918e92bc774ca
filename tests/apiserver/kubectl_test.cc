// flyover-apiserver driven by the real kubectl: the PostTrainingJob CRD and examples, every
// everyday verb, validation messages and unknown-field warnings, status conditions, watches,
// pod deletion (graceful and forced), logs through a node's kubelet, TLS with a token, and
// the --data-dir the server creates.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/apiserver/kubectl_fixture.h"
#include "tests/apiserver/server_process.h"

namespace flyover::apiserver::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

// The kubectl client's minor version (20 for Debian 12's own kubectl, 3x for recent ones).
int KubectlMinorVersion() {
  CommandResult result = RunCommand(absl::StrCat(KubectlBinary(), " version --client -o json"));
  const nlohmann::json version = nlohmann::json::parse(result.output, nullptr, false);
  if (version.is_discarded()) return 0;
  const std::string minor = version["clientVersion"].value("minor", "0");
  return std::atoi(minor.c_str());  // "20" or "31+"
}

class KubectlTest : public KubectlFixture {
 protected:
  void ApplyCrdAndTinyJob() {
    EXPECT_THAT(Ok("apply -f crds/"), HasSubstr("posttrainingjobs.training.flyover.dev created"));
    EXPECT_THAT(Ok("apply -f deploy/examples/tiny.yaml"),
                HasSubstr("posttrainingjob.training.flyover.dev/tiny created"));
  }
};

// A kubelet's /containerLogs endpoint on port 0: "hello from <container>", or for a
// follow request two lines 200 ms apart.
class FakeKubelet {
 public:
  FakeKubelet() {
    server_.Get("/containerLogs/([^/]+)/([^/]+)/([^/]+)",
                [](const httplib::Request& request, httplib::Response& response) {
                  if (request.get_param_value("follow") != "true") {
                    const std::string container = request.matches[3];
                    response.set_content(absl::StrCat("hello from ", container, "\n"),
                                         "text/plain");
                    return;
                  }
                  response.set_chunked_content_provider(
                      "text/plain", [](size_t, httplib::DataSink& sink) {
                        sink.write("line 1\n", 7);
                        absl::SleepFor(absl::Milliseconds(200));
                        sink.write("line 2\n", 7);
                        sink.done();
                        return true;
                      });
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) absl::SleepFor(absl::Milliseconds(1));
  }
  ~FakeKubelet() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(KubectlTest, EverydayVerbsOnAPostTrainingJob) {
  ApplyCrdAndTinyJob();
  const std::string table = Ok("get ptj");
  EXPECT_THAT(table, HasSubstr("NAME   PHASE   STEP   TOTAL   RESTARTS   AGE"));
  EXPECT_THAT(table, HasSubstr("tiny"));
  EXPECT_THAT(Ok("get ptj -o wide"), HasSubstr("REPLICAS   NPUS   SUPERPODS"));
  EXPECT_THAT(Ok("get ptj tiny -o yaml"), HasSubstr("name: tiny"));
  const nlohmann::json job = nlohmann::json::parse(Ok("get ptj tiny -o json"));
  EXPECT_EQ(job["spec"]["replicas"], 2);
  EXPECT_EQ(job["spec"]["checkpoint"]["path"], "/var/lib/flyover/checkpoints");  // defaulted
  EXPECT_THAT(Ok("apply -f deploy/examples/tiny.yaml"), HasSubstr("tiny unchanged"));
  EXPECT_THAT(Ok("label ptj tiny team=ml"), HasSubstr("tiny labeled"));
  EXPECT_THAT(Ok("patch ptj tiny --type=merge -p '{\"spec\":{\"suspend\":true}}'"),
              HasSubstr("tiny patched"));
  EXPECT_EQ(Ok("get ptj tiny -o jsonpath='{.metadata.generation}/{.metadata.labels.team}'"),
            "2/ml");
  const std::string described = Ok("describe ptj tiny");
  EXPECT_THAT(described, HasSubstr("Name:         tiny"));
  EXPECT_THAT(described, HasSubstr("team=ml"));
  const std::string explained = Ok("explain ptj.spec");
  // kubectl 1.20 says RESOURCE where recent clients say FIELD.
  EXPECT_THAT(explained, AnyOf(HasSubstr("FIELD: spec <Object>"),
                               HasSubstr("RESOURCE: spec <Object>")));
  EXPECT_THAT(explained, HasSubstr("What to train and how"));  // the CRD's description
  EXPECT_THAT(Ok("delete ptj tiny"), HasSubstr("\"tiny\" deleted"));
  CommandResult gone = Kubectl(*server_, "get ptj tiny");
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_THAT(gone.output, HasSubstr("NotFound"));
}

TEST_F(KubectlTest, InvalidExamplesFailWithTheirExpectedMessages) {
  Ok("apply -f crds/");
  // Clients before 1.25 validate against the OpenAPI document themselves and print their own
  // words; --validate=false hands the judgement to the server, whose messages are checked here.
  // Without fieldValidation=Strict (which only clients from 1.25 send) the server prunes
  // unknown fields as kube-apiserver does, so "Unknown field" is expected from recent clients only.
  const bool old_client = KubectlMinorVersion() < 25;
  const std::string validate = old_client ? " --validate=false" : "";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator("deploy/examples/invalid")) {
    const std::string path = entry.path().string();
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    CommandResult result = Kubectl(*server_, absl::StrCat("apply -f ", path, validate));
    EXPECT_NE(result.exit_code, 0) << path;
    for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
      if (absl::ConsumePrefix(&line, "# expect: ") &&
          !(old_client && absl::StrContains(line, "Unknown field"))) {
        EXPECT_THAT(result.output, HasSubstr(std::string(line))) << path;
      }
    }
    ++files;
  }
  EXPECT_GE(files, 10);
}

TEST_F(KubectlTest, WaitsForAConditionSetThroughTheStatusSubresource) {
  ApplyCrdAndTinyJob();
  // The operator writes status through the status subresource; so does this test (kubectl
  // patch --subresource exists only from 1.24).
  httplib::Client http(server_->url());
  httplib::Result patched = http.Patch(
      "/apis/training.flyover.dev/v1alpha1/namespaces/default/posttrainingjobs/tiny/status",
      R"({"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True",)"
      R"("lastTransitionTime":"2026-01-01T00:00:00Z","reason":"Started",)"
      R"("message":"all ranks up"}]}})",
      "application/merge-patch+json");
  ASSERT_TRUE(patched);
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_THAT(Ok("wait --for=condition=Ready ptj/tiny --timeout=10s"), HasSubstr("condition met"));
  EXPECT_THAT(Ok("get ptj tiny"), HasSubstr("Running"));
}

TEST_F(KubectlTest, GetPodsWatchSeesAnEvent) {
  const std::string watch_out = absl::StrCat(dir_.path(), "/watch.txt");
  // The watch runs in the background for a few seconds; the pod is created meanwhile.
  RunCommand(absl::StrCat("(timeout 6 ", KubectlBinary(), " --kubeconfig ", server_->kubeconfig(),
                          " get pods -w > ", watch_out, " 2>&1 &)"));
  absl::SleepFor(absl::Seconds(1.5));
  const std::string pod = absl::StrCat(dir_.path(), "/pod.yaml");
  std::ofstream(pod) << "apiVersion: v1\nkind: Pod\nmetadata: {name: watched}\n"
                        "spec: {containers: [{name: c, image: busybox}]}\n";
  Ok(absl::StrCat("apply -f ", pod));
  std::string seen;
  for (int i = 0; i < 100 && !absl::StrContains(seen, "watched"); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    std::ifstream file(watch_out);
    std::stringstream text;
    text << file.rdbuf();
    seen = text.str();
  }
  EXPECT_THAT(seen, HasSubstr("watched"));
  EXPECT_THAT(seen, HasSubstr("Pending"));
}

// kubectl 1.32's typed clients send these as protobuf.
TEST_F(KubectlTest, CreatesNamespacesConfigMapsAndSecrets) {
  EXPECT_THAT(Ok("create namespace team-a"), HasSubstr("namespace/team-a created"));
  EXPECT_THAT(Ok("create configmap settings -n team-a --from-literal=steps=300"),
              HasSubstr("configmap/settings created"));
  EXPECT_THAT(Ok("create secret generic token -n team-a --from-literal=key=v"),
              HasSubstr("secret/token created"));
  EXPECT_EQ(Ok("get configmap settings -n team-a -o jsonpath='{.data.steps}'"), "300");
  EXPECT_THAT(Ok("delete namespace team-a"), HasSubstr("deleted"));
  CommandResult gone = Kubectl(*server_, "get configmap settings -n team-a");
  EXPECT_NE(gone.exit_code, 0);
}

TEST_F(KubectlTest, DeletesPodsUnboundAtOnceAndBoundOnesGracefully) {
  const std::string pods = WriteFile(
      "pods.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: unbound}\n"
      "spec: {containers: [{name: c, image: busybox}]}\n---\n"
      "apiVersion: v1\nkind: Pod\nmetadata: {name: bound}\n"
      "spec: {nodeName: n1, containers: [{name: c, image: busybox}]}\n");
  Ok(absl::StrCat("apply -f ", pods));
  // kubectl waits for the pod to disappear: an unbound pod goes at once.
  EXPECT_THAT(Ok("delete pod unbound --timeout=20s"), HasSubstr("pod \"unbound\" deleted"));
  EXPECT_NE(Kubectl(*server_, "get pod unbound").exit_code, 0);
  // A bound pod waits for its kubelet: it shows as Terminating with its grace period.
  EXPECT_THAT(Ok("delete pod bound --wait=false"), HasSubstr("pod \"bound\" deleted"));
  EXPECT_THAT(Ok("get pod bound"), HasSubstr("Terminating"));
  EXPECT_EQ(Ok("get pod bound -o jsonpath='{.metadata.deletionGracePeriodSeconds}'"), "30");
  // What the kubelet (or an operator who cannot wait) does.
  const std::string forced = Ok("delete pod bound --grace-period=0 --force --timeout=20s");
  EXPECT_THAT(forced, HasSubstr("pod \"bound\" force deleted"));
  EXPECT_NE(Kubectl(*server_, "get pod bound").exit_code, 0);
}

TEST_F(KubectlTest, LogsComeFromTheKubeletOfThePodsNode) {
  FakeKubelet kubelet;
  const nlohmann::json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", "n1"}}},
      {"status",
       {{"addresses", {{{"type", "InternalIP"}, {"address", "127.0.0.1"}}}},
        {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", kubelet.port()}}}}}}}};
  httplib::Client http(server_->url());
  httplib::Result created = http.Post("/api/v1/nodes", node.dump(), "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  Ok(absl::StrCat("apply -f ",
                  WriteFile("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: trainer}\n"
                                        "spec: {nodeName: n1, containers: [{name: worker, "
                                        "image: busybox}]}\n")));
  EXPECT_EQ(Ok("logs trainer"), "hello from worker\n");
  EXPECT_EQ(Ok("logs -f trainer"), "line 1\nline 2\n");
  CommandResult unknown = Kubectl(*server_, "logs trainer -c nope");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.output, HasSubstr("container nope is not valid for pod trainer"));
}

TEST_F(KubectlTest, WarnsAboutUnknownFieldsOfCustomAndBuiltinKinds) {
  Ok("apply -f crds/");
  std::ifstream tiny("deploy/examples/tiny.yaml");
  std::stringstream text;
  text << tiny.rdbuf();
  std::string job = text.str();
  const size_t spec = job.find("\nspec:\n");
  ASSERT_NE(spec, std::string::npos) << job;
  job.insert(spec + 7, "  foo: 1\n");
  const std::string path = WriteFile("job.yaml", job);
  // Clients before 1.25 check fields themselves unless told not to, and send no
  // fieldValidation (the server's default is Warn); later ones send Warn when asked to.
  const std::string validate = KubectlMinorVersion() < 25 ? "--validate=false" : "--validate=warn";
  const std::string applied = Ok(absl::StrCat("apply -f ", path, " ", validate));
  EXPECT_THAT(applied, HasSubstr("Warning: unknown field \"spec.foo\""));
  EXPECT_EQ(Ok("get ptj tiny -o jsonpath='{.spec.foo}'"), "");
  // Built-in kinds too.
  const std::string pod = WriteFile(
      "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                  "spec: {foo: 1, containers: [{name: c, image: busybox}]}\n");
  EXPECT_THAT(Ok(absl::StrCat("apply -f ", pod, " ", validate)),
              HasSubstr("Warning: unknown field \"spec.foo\""));
}

TEST(KubectlDataDirTest, TheServerCreatesItsDataDirectory) {
  TempDir dir;
  const std::string nested = absl::StrCat(dir.path(), "/nested/data");
  absl::StatusOr<ServerProcess> server = ServerProcess::Start(nested);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(std::filesystem::exists(absl::StrCat(nested, "/flyover-apiserver.db")));
  EXPECT_EQ(Kubectl(*server, "get ns default").exit_code, 0);
}

TEST(KubectlDataDirTest, AFileIsNotADataDirectory) {
  TempDir dir;
  const std::string file = absl::StrCat(dir.path(), "/file");
  std::ofstream(file) << "x";
  CommandResult result =
      RunCommand(absl::StrCat(ServerBinary(), " --port 0 --data-dir ", file));
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr(absl::StrCat("--data-dir \"", file,
                                                    "\": exists and is not a directory")));
}

TEST(KubectlTlsTest, ServesHttpsWithATokenThroughTheWrittenKubeconfig) {
  TempDir dir;
  const std::string cert = absl::StrCat(dir.path(), "/tls.crt");
  const std::string key = absl::StrCat(dir.path(), "/tls.key");
  CommandResult made = RunCommand(absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=flyover-local -addext "
      "subjectAltName=IP:127.0.0.1,DNS:localhost -keyout ",
      key, " -out ", cert));
  if (made.exit_code != 0) GTEST_SKIP() << "openssl unavailable: " << made.output;
  absl::StatusOr<ServerProcess> server = ServerProcess::Start(
      dir.path(), {"--tls-cert-file", cert, "--tls-private-key-file", key, "--token", "t0ken"});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE(absl::StartsWith(server->url(), "https://"));
  CommandResult namespaces = Kubectl(*server, "get ns default");
  EXPECT_EQ(namespaces.exit_code, 0) << namespaces.output;
  CommandResult wrong = Kubectl(*server, "--token wrong get ns");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.output, HasSubstr("Unauthorized"));
}

}  // namespace
}  // namespace flyover::apiserver::testing
