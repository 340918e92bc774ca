// What is particular to each rendezvous backend: the file layout and write protocol of
// FileRendezvousStore, the HTTP protocol as served by InMemoryRendezvousServer (spoken with
// a raw client, as an operator implementation would be tested), HttpRendezvousStore's
// handling of tokens and outages, and RendezvousTable's generation bookkeeping.
#include <httplib.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/fake_clock.h"
#include "common/fault_injecting_file_system.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/comm/comm_test_util.h"
#include "worker/comm/file_rendezvous_store.h"
#include "worker/comm/http_rendezvous_store.h"
#include "worker/comm/in_memory_rendezvous_server.h"
#include "worker/comm/rendezvous_http_protocol.h"
#include "worker/comm/rendezvous_table.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

// The server side of the protocol's status mapping, the inverse of the client's.
TEST(RendezvousHttpProtocolTest, ServerCodesForStatuses) {
  using rendezvous_http::HttpCodeForStatus;
  EXPECT_EQ(HttpCodeForStatus(absl::InvalidArgumentError("x")), 400);
  EXPECT_EQ(HttpCodeForStatus(absl::UnauthenticatedError("x")), 401);
  EXPECT_EQ(HttpCodeForStatus(absl::NotFoundError("x")), 404);
  EXPECT_EQ(HttpCodeForStatus(absl::AbortedError("x")), 409);
  EXPECT_EQ(HttpCodeForStatus(absl::UnavailableError("x")), 503);
  EXPECT_EQ(HttpCodeForStatus(absl::InternalError("x")), 500);
}

TEST(FileRendezvousStoreTest, KeysAreFilesUnderJobAndGeneration) {
  const std::string root = testing::MakeTempDir();
  auto store =
      FileRendezvousStore::Create({.root = root, .scope = {.job = "j", .generation = 4}});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->scope_dir(), root + "/j/4");
  ASSERT_TRUE((*store)->Set("gloo/rank_1", "v").ok());
  EXPECT_EQ(DefaultFileSystem()->ReadFile(root + "/j/4/gloo/rank_1").value_or(""), "v");
}

TEST(FileRendezvousStoreTest, FailedWriteLeavesNoKeyBehind) {
  const std::string root = testing::MakeTempDir();
  FaultInjectingFileSystem fs(DefaultFileSystem());
  auto store = FileRendezvousStore::Create({.root = root, .scope = {.job = "j"}, .fs = &fs});
  ASSERT_TRUE(store.ok());
  fs.FailNth(FileOp::kRename, 1);
  EXPECT_FALSE((*store)->Set("k", "v").ok());
  EXPECT_EQ((*store)->Get("k").status().code(), absl::StatusCode::kNotFound);
  const auto entries = DefaultFileSystem()->ListDir(root + "/j/0");
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_TRUE(entries->empty());  // not even the temp file
}

TEST(FileRendezvousStoreTest, WaitTimeoutRunsOnTheInjectedClock) {
  FakeClock clock;
  auto store = FileRendezvousStore::Create(
      {.root = testing::MakeTempDir(), .scope = {.job = "j"}, .clock = &clock});
  ASSERT_TRUE(store.ok());
  absl::Status status;
  std::thread waiter([&] { status = (*store)->Wait({"never"}, absl::Hours(1)); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));  // polling, asleep on the fake clock
  clock.Advance(absl::Hours(1));
  waiter.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(FileRendezvousStoreTest, CreateRejectsBadOptions) {
  EXPECT_EQ(FileRendezvousStore::Create({.root = "", .scope = {.job = "j"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FileRendezvousStore::Create({.root = "/tmp", .scope = {.job = "J"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

class RendezvousServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    client_ = std::make_unique<httplib::Client>(server_.endpoint());
    client_->set_bearer_token_auth("tok");
  }

  InMemoryRendezvousServer server_{{.bearer_token = "tok"}};
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(RendezvousServerTest, SpeaksTheDocumentedProtocol) {
  auto put = client_->Put("/v1/jobs/j/rendezvous/0/gloo/0", "addr", "application/octet-stream");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 204);
  auto get = client_->Get("/v1/jobs/j/rendezvous/0/gloo/0");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "addr");
  EXPECT_EQ(client_->Get("/v1/jobs/j/rendezvous/0/gloo/1?wait_ms=10")->status, 404);
  EXPECT_EQ(client_->Get("/v1/jobs/j/rendezvous/0/k?wait_ms=soon")->status, 400);
  EXPECT_EQ(client_->Get("/v1/jobs/j/rendezvous/x/k")->status, 400);
  EXPECT_EQ(client_->Get("/v1/jobs/j/rendezvous/-1/k")->status, 400);
  EXPECT_EQ(client_->Get("/v1/jobs/Bad_Job/rendezvous/0/k")->status, 400);
  EXPECT_EQ(client_->Put("/v1/jobs/j/rendezvous/0/k", std::string((1 << 20) + 1, 'x'),
                         "application/octet-stream")->status,
            413);
  // A newer generation supersedes generation 0.
  EXPECT_EQ(client_->Put("/v1/jobs/j/rendezvous/1/k", "v", "application/octet-stream")->status,
            204);
  auto stale = client_->Get("/v1/jobs/j/rendezvous/0/gloo/0");
  EXPECT_EQ(stale->status, 409);
  EXPECT_THAT(stale->body, HasSubstr("superseded by generation 1"));
  EXPECT_EQ(client_->Delete("/v1/jobs/j/rendezvous")->status, 204);
  EXPECT_EQ(server_.table().NewestGeneration("j"), -1);
}

TEST_F(RendezvousServerTest, RejectsMissingOrWrongTokens) {
  httplib::Client anonymous(server_.endpoint());
  EXPECT_EQ(anonymous.Get("/v1/jobs/j/rendezvous/0/k")->status, 401);
  anonymous.set_bearer_token_auth("wrong");
  EXPECT_EQ(anonymous.Put("/v1/jobs/j/rendezvous/0/k", "v", "text/plain")->status, 401);
  auto store = HttpRendezvousStore::Create(
      {.endpoint = server_.endpoint(), .scope = {.job = "j"}, .bearer_token = "wrong"});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Set("k", "v").code(), absl::StatusCode::kUnauthenticated);
  // Not retried until the timeout: the answer will not change.
  EXPECT_EQ((*store)->Wait({"k"}, absl::Hours(1)).code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(RendezvousServerTest, LongPollAnswersAsSoonAsTheKeyIsSet) {
  auto store = HttpRendezvousStore::Create({.endpoint = server_.endpoint(),
                                            .scope = {.job = "j"},
                                            .bearer_token = "tok",
                                            .long_poll = absl::Seconds(30)});
  ASSERT_TRUE(store.ok());
  const absl::Time start = absl::Now();
  std::thread setter([&] { ASSERT_TRUE(server_.table().Set({.job = "j"}, "k", "v").ok()); });
  EXPECT_TRUE((*store)->Wait({"k"}, absl::Seconds(60)).ok());
  setter.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));  // not the 30 s long poll
}

TEST(RendezvousServerLifecycleTest, StopAnswersHeldLongPollsAtOnce) {
  FakeClock server_clock;  // long polls never expire on their own
  InMemoryRendezvousServer server({.clock = &server_clock});
  ASSERT_TRUE(server.Start().ok());
  auto store = HttpRendezvousStore::Create({.endpoint = server.endpoint(), .scope = {.job = "j"}});
  ASSERT_TRUE(store.ok());
  absl::Status status;
  std::thread waiter([&] { status = (*store)->Wait({"k"}, absl::Seconds(1)); });
  ASSERT_TRUE(server_clock.BlockUntilWaiters(1));  // the GET is held by the server
  const absl::Time start = absl::Now();
  server.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  waiter.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(), HasSubstr("last error"));
  EXPECT_EQ(server.Start().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(HttpRendezvousStoreTest, UnreachableEndpointIsUnavailable) {
  std::string endpoint;
  {
    InMemoryRendezvousServer server;
    ASSERT_TRUE(server.Start().ok());
    endpoint = server.endpoint();
  }  // stopped: nothing listens there now
  auto store = HttpRendezvousStore::Create(
      {.endpoint = endpoint, .scope = {.job = "j"}, .retry_for = absl::Milliseconds(200)});
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Set("k", "v").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*store)->Get("k").status().code(), absl::StatusCode::kUnavailable);
  const absl::Status wait = (*store)->Wait({"k"}, absl::Milliseconds(200));
  EXPECT_EQ(wait.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(wait.message(), HasSubstr("UNAVAILABLE"));
}

TEST(HttpRendezvousStoreTest, SetAndGetRideOutAnEndpointThatComesBack) {
  // The supervision endpoint during an operator failover: nothing listens until the new
  // leader does, at the same address.
  int port = 0;
  {
    InMemoryRendezvousServer probe;
    absl::StatusOr<int> bound = probe.Start();
    ASSERT_TRUE(bound.ok());
    port = *bound;
  }
  auto store = HttpRendezvousStore::Create({.endpoint = absl::StrCat("http://127.0.0.1:", port),
                                            .scope = {.job = "j"},
                                            .retry_for = absl::Seconds(20)});
  ASSERT_TRUE(store.ok());
  InMemoryRendezvousServer leader({.port = port});
  std::thread takes_over([&] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(leader.Start().ok());
  });
  const absl::Status set = (*store)->Set("k", "v");
  takes_over.join();
  ASSERT_TRUE(set.ok()) << set;
  absl::StatusOr<std::string> got = (*store)->Get("k");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "v");
}

TEST(HttpRendezvousStoreTest, CreateRejectsBadOptions) {
  EXPECT_EQ(HttpRendezvousStore::Create({.endpoint = "localhost:80", .scope = {.job = "j"}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpRendezvousStore::Create({.endpoint = "http://h:1", .scope = {.job = ""}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RendezvousTableTest, NewerGenerationDropsOlderKeysAndAbortsTheirWaiters) {
  FakeClock clock;
  RendezvousTable table(&clock);
  ASSERT_TRUE(table.Set({.job = "j", .generation = 1}, "a", "1").ok());
  ASSERT_TRUE(table.Set({.job = "j", .generation = 1}, "b", "2").ok());
  EXPECT_EQ(table.KeyCount("j"), 2u);
  absl::StatusOr<std::string> waited;
  std::thread waiter([&] {
    waited = table.WaitAndGet({.job = "j", .generation = 1}, "c", absl::InfiniteFuture());
  });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  ASSERT_TRUE(table.Set({.job = "j", .generation = 2}, "a", "new").ok());
  waiter.join();
  EXPECT_EQ(waited.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(table.NewestGeneration("j"), 2);
  EXPECT_EQ(table.KeyCount("j"), 1u);
  EXPECT_EQ(table.Set({.job = "j", .generation = 1}, "a", "late").code(),
            absl::StatusCode::kAborted);
}

TEST(RendezvousTableTest, DeleteJobAndShutdownReleaseWaiters) {
  FakeClock clock;
  RendezvousTable table(&clock);
  absl::StatusOr<std::string> deleted, shut;
  std::thread first([&] { deleted = table.WaitAndGet({.job = "a"}, "k", absl::InfiniteFuture()); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  table.DeleteJob("a");
  first.join();
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kAborted);
  std::thread second([&] { shut = table.WaitAndGet({.job = "b"}, "k", absl::InfiniteFuture()); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  table.Shutdown();
  second.join();
  EXPECT_EQ(shut.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(table.Set({.job = "b"}, "k", "v").code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flyover::worker
