// pods/log through the request handler against a fake kubelet (an httplib server on port 0):
// where the request goes, the options passed through, the errors, a followed stream that
// arrives piece by piece, and a client that leaves mid-stream.
#include "apiserver/server/pod_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::testing::HasSubstr;
using json = nlohmann::json;

constexpr char kPods[] = "/api/v1/namespaces/default/pods";

// A kubelet's /containerLogs endpoint. The pod name picks the behaviour.
class FakeKubelet {
 public:
  FakeKubelet() {
    server_.Get("/containerLogs/([^/]+)/([^/]+)/([^/]+)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  Serve(request, response);
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) absl::SleepFor(absl::Milliseconds(1));
  }
  ~FakeKubelet() {
    Release();
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  void Release() {
    if (!release_.HasBeenNotified()) release_.Notify();
  }
  bool AwaitClientGone() { return client_gone_.WaitForNotificationWithTimeout(absl::Seconds(10)); }
  std::string last_path() {
    absl::MutexLock lock(&mu_);
    return last_path_;
  }
  std::map<std::string, std::string> last_params() {
    absl::MutexLock lock(&mu_);
    return last_params_;
  }

 private:
  void Serve(const httplib::Request& request, httplib::Response& response) {
    {
      absl::MutexLock lock(&mu_);
      last_path_ = request.path;
      last_params_ = {request.params.begin(), request.params.end()};
    }
    const std::string pod = request.matches[2];
    const std::string container = request.matches[3];
    if (container == "gone") {
      response.status = 404;
      response.set_content("container \"gone\" has no logs on this node", "text/plain");
    } else if (pod == "follow") {
      response.set_chunked_content_provider("text/plain", [this](size_t, httplib::DataSink& sink) {
        sink.write("line 1\n", 7);
        release_.WaitForNotificationWithTimeout(absl::Seconds(10));
        sink.write("line 2\n", 7);
        sink.done();
        return true;
      });
    } else if (pod == "endless") {
      response.set_chunked_content_provider("text/plain", [this](size_t, httplib::DataSink& sink) {
        while (sink.write("tick\n", 5)) absl::SleepFor(absl::Milliseconds(20));
        client_gone_.Notify();
        return false;
      });
    } else if (pod == "silent") {
      release_.WaitForNotificationWithTimeout(absl::Seconds(10));
      response.set_content("late", "text/plain");
    } else {
      response.set_content("hello\nworld\n", "text/plain");
    }
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Notification release_;
  absl::Notification client_gone_;
  absl::Mutex mu_;
  std::string last_path_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> last_params_ ABSL_GUARDED_BY(mu_);
};

// Runs a response's stream; `keep` says whether to accept each chunk.
std::string Drain(const HttpResponse& response,
                  std::function<bool(const std::string& so_far)> keep = nullptr) {
  std::string body;
  StreamSink sink;
  sink.write = [&](absl::string_view chunk) {
    absl::StrAppend(&body, chunk);
    return keep == nullptr || keep(body);
  };
  sink.stopping = [] { return false; };
  response.stream(sink);
  return body;
}

// A loopback port nobody listens on: bound to find a free one, then closed.
int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

json Node(const std::string& name, int port) {
  return {{"metadata", {{"name", name}}},
          {"status",
           {{"addresses", {{{"type", "Hostname"}, {"address", "no-such-host.invalid"}},
                           {{"type", "InternalIP"}, {"address", "127.0.0.1"}}}},
            {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", port}}}}}}}};
}

json Pod(const std::string& name, const std::string& node, json containers) {
  json pod = {{"metadata", {{"name", name}}}, {"spec", {{"containers", std::move(containers)}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

json Containers(std::initializer_list<const char*> names) {
  json out = json::array();
  for (const char* name : names) out.push_back({{"name", name}, {"image", "busybox"}});
  return out;
}

class PodLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(api_.Call("POST", "/api/v1/nodes", Node("n1", kubelet_.port()).dump()).status, 201);
    for (const char* name : {"one", "follow", "endless", "silent"}) {
      ASSERT_EQ(api_.Call("POST", kPods, Pod(name, "n1", Containers({"c"})).dump()).status, 201);
    }
    json two = Pod("two", "n1", Containers({"a", "b"}));
    two["spec"]["initContainers"] = Containers({"init"});
    ASSERT_EQ(api_.Call("POST", kPods, two.dump()).status, 201);
    ASSERT_EQ(api_.Call("POST", kPods, Pod("pending", "", Containers({"c"})).dump()).status, 201);
  }

  HttpResponse Log(const std::string& pod, const std::string& query = "") {
    return api_.Call("GET", absl::StrCat(kPods, "/", pod, "/log", query));
  }

  FakeKubelet kubelet_;
  ApiFixture api_;
};

TEST_F(PodLogTest, ProxiesToTheKubeletWithTheOptions) {
  HttpResponse response =
      Log("one", "?tailLines=5&timestamps=true&limitBytes=100&sinceSeconds=10&previous=true");
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_TRUE(response.stream);
  EXPECT_EQ(response.content_type, "text/plain");
  EXPECT_EQ(Drain(response), "hello\nworld\n");
  EXPECT_EQ(kubelet_.last_path(), "/containerLogs/default/one/c");
  const std::map<std::string, std::string> expected = {{"tailLines", "5"},
                                                       {"timestamps", "true"},
                                                       {"limitBytes", "100"},
                                                       {"sinceSeconds", "10"},
                                                       {"previous", "true"}};
  EXPECT_EQ(kubelet_.last_params(), expected);
}

TEST_F(PodLogTest, SeveralContainersNeedOneNamed) {
  HttpResponse unnamed = Log("two");
  EXPECT_EQ(unnamed.status, 400);
  EXPECT_THAT(unnamed.body, HasSubstr("a container name must be specified for pod two, choose "
                                      "one of: [a b] or one of the init containers: [init]"));
  HttpResponse named = Log("two", "?container=b");
  ASSERT_EQ(named.status, 200) << named.body;
  Drain(named);
  EXPECT_EQ(kubelet_.last_path(), "/containerLogs/default/two/b");
}

TEST_F(PodLogTest, RefusesWhatCannotHaveLogs) {
  HttpResponse unknown_container = Log("one", "?container=nope");
  EXPECT_EQ(unknown_container.status, 404);
  EXPECT_THAT(unknown_container.body, HasSubstr("container nope is not valid for pod one"));
  HttpResponse unbound = Log("pending");
  EXPECT_EQ(unbound.status, 400);
  EXPECT_THAT(unbound.body, HasSubstr("pod pending does not have a host assigned"));
  EXPECT_EQ(Log("absent").status, 404);
  HttpResponse negative = Log("one", "?tailLines=-1");
  EXPECT_EQ(negative.status, 422);
  EXPECT_THAT(negative.body, HasSubstr("tailLines"));
  EXPECT_EQ(Log("one", "?follow=maybe").status, 400);
  EXPECT_EQ(Log("one", "?sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z").status, 422);
}

TEST_F(PodLogTest, PassesTheKubeletsRefusalOn) {
  json pod = Pod("odd", "n1", Containers({"gone"}));
  ASSERT_EQ(api_.Call("POST", kPods, pod.dump()).status, 201);
  HttpResponse refused = Log("odd");
  EXPECT_EQ(refused.status, 404);
  const json status = ApiFixture::Json(refused);
  EXPECT_EQ(status["reason"], "NotFound");
  EXPECT_EQ(status["message"], "container \"gone\" has no logs on this node");
}

TEST_F(PodLogTest, AnUnreachableKubeletIsServiceUnavailableNamingTheNode) {
  const int closed_port = ClosedPort();
  ASSERT_EQ(api_.Call("POST", "/api/v1/nodes", Node("n2", closed_port).dump()).status, 201);
  ASSERT_EQ(api_.Call("POST", kPods, Pod("lost", "n2", Containers({"c"})).dump()).status, 201);
  HttpResponse response = Log("lost");
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(response.body, HasSubstr("unable to reach the kubelet of node \\\"n2\\\""));
}

TEST_F(PodLogTest, FollowStreamsEachPieceAsItComes) {
  HttpResponse response = Log("follow", "?follow=true");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(kubelet_.last_params().at("follow"), "true");
  absl::Notification first_line;
  std::string body;
  std::thread reader([&] {
    body = Drain(response, [&](const std::string& so_far) {
      if (so_far == "line 1\n" && !first_line.HasBeenNotified()) first_line.Notify();
      return true;
    });
  });
  // The first line arrives while the kubelet still holds the second back.
  EXPECT_TRUE(first_line.WaitForNotificationWithTimeout(absl::Seconds(10)));
  kubelet_.Release();
  reader.join();
  EXPECT_EQ(body, "line 1\nline 2\n");
}

TEST_F(PodLogTest, AClientThatLeavesClosesTheKubeletConnection) {
  HttpResponse response = Log("endless", "?follow=true");
  ASSERT_EQ(response.status, 200) << response.body;
  const std::string seen =
      Drain(response, [](const std::string& so_far) { return so_far.size() < 20; });
  EXPECT_GE(seen.size(), 20u);
  EXPECT_TRUE(kubelet_.AwaitClientGone());
}

TEST_F(PodLogTest, AKubeletThatDoesNotAnswerTimesOut) {
  KubeletTarget target{"n1", "127.0.0.1", kubelet_.port(), "/containerLogs/default/silent/c"};
  KubeletProxyOptions options;
  options.header_timeout = absl::Milliseconds(300);
  HttpResponse response = ProxyKubeletGet(target, options);
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(response.body, HasSubstr("no response within"));
  kubelet_.Release();
}

TEST(ContainerLogsPathTest, EscapesSinceTime) {
  PodLogOptions options;
  options.container = "c";
  options.since_time = "2024-01-01T00:00:00+01:00";
  EXPECT_EQ(ContainerLogsPath("ns", "p", options),
            "/containerLogs/ns/p/c?sinceTime=2024-01-01T00%3A00%3A00%2B01%3A00");
}

}  // namespace
}  // namespace flyover::apiserver
