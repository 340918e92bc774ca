// Durability and scale of the real binary: every acknowledged write survives kill -9 in the
// middle of concurrent writes (and the CRD registry comes back), and a thousand concurrent
// watches all see an event.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <set>
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
#include "nlohmann/json.hpp"
#include "tests/apiserver/server_process.h"

namespace flyover::apiserver::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kConfigMaps[] = "/api/v1/namespaces/default/configmaps";

TEST(RestartTest, AcknowledgedWritesSurviveKillNine) {
  TempDir dir;
  absl::StatusOr<ServerProcess> first = ServerProcess::Start(dir.path());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(Kubectl(*first, "apply -f crds/").exit_code, 0);
  const int port = first->port();

  absl::Mutex mu;
  std::set<std::string> acknowledged;
  std::atomic<bool> stop = false;
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      httplib::Client client("127.0.0.1", port);
      for (int i = 0; !stop.load(); ++i) {
        const std::string name = absl::StrCat("w", w, "-", i);
        const nlohmann::json object = {{"metadata", {{"name", name}}}, {"data", {{"i", "x"}}}};
        httplib::Result result = client.Post(kConfigMaps, object.dump(), "application/json");
        if (!result) break;  // the server is gone
        if (result->status == 201) {
          absl::MutexLock lock(&mu);
          acknowledged.insert(name);
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(1));
  first->Signal(SIGKILL);  // while the writers are writing
  stop = true;
  for (std::thread& writer : writers) writer.join();

  absl::StatusOr<ServerProcess> second = ServerProcess::Start(dir.path());
  ASSERT_TRUE(second.ok()) << second.status();
  httplib::Client client("127.0.0.1", second->port());
  httplib::Result list = client.Get(kConfigMaps);
  ASSERT_TRUE(list);
  std::set<std::string> present;
  const nlohmann::json listed = nlohmann::json::parse(list->body);
  for (const nlohmann::json& item : listed["items"]) {
    present.insert(item["metadata"]["name"].get<std::string>());
  }
  absl::MutexLock lock(&mu);
  EXPECT_GT(acknowledged.size(), 50u);
  for (const std::string& name : acknowledged) EXPECT_TRUE(present.count(name)) << name;
  // The custom resource is served again after the restart.
  CommandResult jobs = Kubectl(*second, "get ptj");
  EXPECT_EQ(jobs.exit_code, 0) << jobs.output;
  EXPECT_THAT(jobs.output, HasSubstr("No resources found"));
}

// A watch opened on a raw socket; Await reads until a marker arrives.
class RawWatch {
 public:
  RawWatch(int port, const std::string& path) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: x\r\n\r\n");
    ok_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
          send(fd_, request.data(), request.size(), MSG_NOSIGNAL) > 0;
  }
  ~RawWatch() { close(fd_); }

  bool Await(absl::string_view marker) {
    char buffer[4096];
    while (ok_ && !absl::StrContains(received_, marker)) {
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return false;
      received_.append(buffer, static_cast<size_t>(n));
    }
    return ok_;
  }

 private:
  const int fd_;
  bool ok_ = false;
  std::string received_;
};

TEST(WatchScaleTest, AThousandConcurrentWatchesAllSeeAnEvent) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_max < 2200) GTEST_SKIP() << "needs 2,200 file descriptors";
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  TempDir dir;
  absl::StatusOr<ServerProcess> server = ServerProcess::Start(dir.path());
  ASSERT_TRUE(server.ok()) << server.status();
  httplib::Client client("127.0.0.1", server->port());
  httplib::Result list = client.Get(kConfigMaps);
  ASSERT_TRUE(list);
  const std::string rv =
      nlohmann::json::parse(list->body)["metadata"]["resourceVersion"].get<std::string>();
  constexpr int kWatches = 1000;
  std::vector<std::unique_ptr<RawWatch>> watches;
  for (int i = 0; i < kWatches; ++i) {
    watches.push_back(std::make_unique<RawWatch>(
        server->port(), absl::StrCat(kConfigMaps, "?watch=true&resourceVersion=", rv)));
    ASSERT_TRUE(watches.back()->Await("\r\n\r\n")) << "watch " << i;  // headers arrived
  }
  // Ordinary requests are still served beside them.
  httplib::Result created = client.Post(
      kConfigMaps, R"({"metadata":{"name":"ping"},"data":{"a":"b"}})", "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  int seen = 0;
  for (auto& watch : watches) seen += watch->Await("\"ping\"") ? 1 : 0;
  EXPECT_EQ(seen, kWatches);
  httplib::Result metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("flyover_apiserver_watches 1000"));
}

}  // namespace
}  // namespace flyover::apiserver::testing
