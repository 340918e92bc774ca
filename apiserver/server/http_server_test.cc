// HttpServer on a real loopback socket (port 0): handler responses, the body limit, bearer
// tokens, and many long-lived streams beside ordinary requests.
#include "apiserver/server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace flyover::apiserver {
namespace {

using ::testing::HasSubstr;

HttpResponse Echo(const HttpRequest& request) {
  if (request.path == "/stream") {
    HttpResponse response;
    response.content_type = "application/json;stream=watch";
    response.stream = [](StreamSink& sink) {
      if (!sink.write("{\"type\":\"ADDED\"}\n")) return;
      while (!sink.stopping()) absl::SleepFor(absl::Milliseconds(5));
    };
    return response;
  }
  if (request.path == "/slow") absl::SleepFor(absl::Milliseconds(300));
  return JsonResponse(
      200, {{"path", request.path}, {"q", request.Param("q")}, {"bytes", request.body.size()}});
}

// A raw connection that sends one request and reads until `marker` arrives.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawClient() { close(fd_); }

  bool RequestAndAwait(const std::string& request, absl::string_view marker) {
    if (!connected_ || send(fd_, request.data(), request.size(), MSG_NOSIGNAL) < 0) return false;
    std::string received;
    char buffer[4096];
    while (!absl::StrContains(received, marker)) {
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return false;
      received.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }

 private:
  const int fd_;
  bool connected_ = false;
};

TEST(HttpServerTest, ServesTheHandlersResponses) {
  HttpServer server({}, Echo);
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();
  httplib::Client client("127.0.0.1", *port);
  httplib::Result result = client.Get("/x/y?q=1");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(result->body, R"({"bytes":0,"path":"/x/y","q":"1"})");
  server.Stop();
}

TEST(HttpServerTest, RefusesBodiesOverTheLimitWithAStatus) {
  HttpServer server({}, Echo);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  httplib::Result big =
      client.Post("/x", std::string(3 * 1024 * 1024 + 1, 'a'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr("RequestEntityTooLarge"));
  httplib::Result fits = client.Post("/x", std::string(1024 * 1024, 'a'), "application/json");
  ASSERT_TRUE(fits);
  EXPECT_EQ(fits->status, 200);
}

TEST(HttpServerTest, RequiresTheBearerTokenExceptOnPublicPaths) {
  HttpServerOptions options;
  options.bearer_token = "s3cret";
  HttpServer server(options, Echo);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  EXPECT_EQ(client.Get("/api")->status, 401);
  EXPECT_EQ(client.Get("/api", {{"Authorization", "Bearer wrong!"}})->status, 401);
  EXPECT_EQ(client.Get("/api", {{"Authorization", "Bearer s3cret"}})->status, 200);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  EXPECT_EQ(client.Get("/version")->status, 200);
}

TEST(HttpServerTest, LongStreamsDoNotStarveOtherRequests) {
  HttpServer server({}, Echo);
  ASSERT_TRUE(server.Start().ok());
  constexpr int kStreams = 100;  // far more than httplib's default pool of 8
  std::vector<std::unique_ptr<RawClient>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(streams.back()->RequestAndAwait("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n", "ADDED"))
        << "stream " << i;
  }
  httplib::Client client("127.0.0.1", server.port());
  httplib::Result result = client.Get("/other");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const absl::Time start = absl::Now();
  server.Stop();  // ends every stream
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(HttpServerTest, StopClosesIdleKeepAliveConnectionsAtOnce) {
  HttpServer server({}, Echo);  // keep-alive timeout: 5 s
  ASSERT_TRUE(server.Start().ok());
  RawClient idle(server.port());
  ASSERT_TRUE(idle.RequestAndAwait("GET /x HTTP/1.1\r\nHost: x\r\n\r\n", "\"path\":\"/x\""));
  const absl::Time start = absl::Now();
  server.Stop();  // the connection stays open and idle
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST(HttpServerTest, StopLetsAResponseInProgressFinish) {
  HttpServer server({}, Echo);
  ASSERT_TRUE(server.Start().ok());
  std::atomic<bool> answered = false;
  std::thread request([&, port = server.port()] {
    RawClient client(port);
    answered = client.RequestAndAwait("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n", "\"/slow\"");
  });
  absl::SleepFor(absl::Milliseconds(100));  // the handler is sleeping now
  server.Stop();
  request.join();
  EXPECT_TRUE(answered.load());
}

TEST(ElasticTaskQueueTest, RunsEveryTaskAtOnceAndDrainsOnShutdown) {
  constexpr int kTasks = 64;
  ElasticTaskQueue queue({.max_threads = 1000, .min_idle = 2, .idle_timeout = absl::Seconds(1)});
  absl::Mutex mu;
  int running = 0;
  std::atomic<int> finished = 0;
  for (int i = 0; i < kTasks; ++i) {
    queue.enqueue([&] {
      absl::MutexLock lock(&mu);
      ++running;
      // Each task waits for all of them: only possible if every one has its own thread.
      auto all = [&] {
        mu.AssertHeld();
        return running == kTasks;
      };
      if (mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(10))) ++finished;
    });
  }
  queue.shutdown();
  EXPECT_EQ(finished.load(), kTasks);
  EXPECT_EQ(queue.threads(), 0u);
}

}  // namespace
}  // namespace flyover::apiserver
