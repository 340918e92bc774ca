#include "common/metrics_server.h"

#include <memory>
#include <string>

#include <httplib.h>

#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace flyover {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

// GETs `path` from the server on localhost:`port`; status 0 means no response at all.
Reply Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  httplib::Result result = client.Get(path);
  if (!result) return {};
  return {result->status, result->body, result->get_header_value("Content-Type")};
}

class MetricsServerTest : public ::testing::Test {
 protected:
  MetricsServerTest()
      : registry_(std::make_shared<prometheus::Registry>()), scoped_sink_(&log_sink_) {}

  log::CapturingSink log_sink_;  // keeps server logs out of the test output
  std::shared_ptr<prometheus::Registry> registry_;
  log::ScopedSink scoped_sink_;
};

TEST_F(MetricsServerTest, StartsOnEphemeralPortAndServesHealthz) {
  MetricsServer server(registry_);
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_GT(*port, 0);
  EXPECT_EQ(server.port(), *port);

  const Reply reply = Get(*port, "/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
  EXPECT_EQ(Get(*port, "/nope").status, 404);
  EXPECT_THAT(log_sink_.messages(), ElementsAre("metrics server listening"));
}

TEST_F(MetricsServerTest, ServesCountersInTextFormat) {
  auto& requests = prometheus::BuildCounter()
                       .Name("flyover_test_requests_total")
                       .Help("Requests handled.")
                       .Register(*registry_);
  requests.Add({{"code", "200"}}).Increment(3);
  auto& depth = prometheus::BuildGauge()
                    .Name("flyover_test_queue_depth")
                    .Help("Queue depth.")
                    .Register(*registry_);
  depth.Add({}).Set(7);
  MetricsServer server(registry_);
  const absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();

  const Reply reply = Get(*port, "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(reply.body, HasSubstr("# TYPE flyover_test_requests_total counter\n"));
  EXPECT_THAT(reply.body, HasSubstr("flyover_test_requests_total{code=\"200\"} 3\n"));
  EXPECT_THAT(reply.body, HasSubstr("flyover_test_queue_depth 7\n"));

  requests.Add({{"code", "200"}}).Increment();
  EXPECT_THAT(Get(*port, "/metrics").body,
              HasSubstr("flyover_test_requests_total{code=\"200\"} 4\n"));
}

TEST_F(MetricsServerTest, ReadinessFlipsWithChecks) {
  MetricsServer server(registry_);
  absl::Mutex mu;
  absl::Status sync_status = absl::UnavailableError("informers not synced");
  ASSERT_TRUE(server.AddReadinessCheck("ping", [] { return absl::OkStatus(); }).ok());
  ASSERT_TRUE(server
                  .AddReadinessCheck("informer-sync",
                                     [&] {
                                       absl::MutexLock lock(&mu);
                                       return sync_status;
                                     })
                  .ok());
  const absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();

  Reply reply = Get(*port, "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body,
            "[+]ping ok\n"
            "[-]informer-sync failed: UNAVAILABLE: informers not synced\n"
            "readyz check failed\n");
  EXPECT_EQ(Get(*port, "/healthz").status, 200);  // alive even when not ready

  {
    absl::MutexLock lock(&mu);
    sync_status = absl::OkStatus();
  }
  reply = Get(*port, "/readyz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
  reply = Get(*port, "/readyz?verbose");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "[+]ping ok\n[+]informer-sync ok\nreadyz check passed\n");

  {
    absl::MutexLock lock(&mu);
    sync_status = absl::UnavailableError("watch lost");
  }
  EXPECT_EQ(Get(*port, "/readyz").status, 503);
}

TEST_F(MetricsServerTest, ReadyWithoutChecks) {
  MetricsServer server(registry_);
  const absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();
  const Reply reply = Get(*port, "/readyz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
}

TEST_F(MetricsServerTest, AddReadinessCheckValidates) {
  MetricsServer server(registry_);
  EXPECT_EQ(server.AddReadinessCheck("", [] { return absl::OkStatus(); }).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.AddReadinessCheck("empty", nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(server.AddReadinessCheck("db", [] { return absl::OkStatus(); }).ok());
  EXPECT_EQ(server.AddReadinessCheck("db", [] { return absl::OkStatus(); }).code(),
            absl::StatusCode::kAlreadyExists);
  const std::vector<MetricsServer::CheckResult> results = server.RunReadinessChecks();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].name, "db");
  EXPECT_TRUE(results[0].status.ok());
}

TEST_F(MetricsServerTest, PreCreatedLabelSetsExportZeros) {
  auto& requests = prometheus::BuildCounter()
                       .Name("flyover_test_binds_total")
                       .Help("Binds by result.")
                       .Register(*registry_);
  ASSERT_TRUE(InitLabelSets(requests, {{{"code", "200"}}, {{"code", "500"}}}).ok());
  auto& latency = prometheus::BuildHistogram()
                      .Name("flyover_test_bind_duration_seconds")
                      .Help("Bind latency.")
                      .Register(*registry_);
  ASSERT_TRUE(InitLabelSets(latency, LabelProduct({{"verb", {"get", "put"}}}),
                            DefaultLatencyBuckets())
                  .ok());
  MetricsServer server(registry_);
  const absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();

  const std::string body = Get(*port, "/metrics").body;
  EXPECT_THAT(body, HasSubstr("flyover_test_binds_total{code=\"200\"} 0\n"));
  EXPECT_THAT(body, HasSubstr("flyover_test_binds_total{code=\"500\"} 0\n"));
  for (const char* verb : {"get", "put"}) {
    const std::string labels = std::string("{verb=\"") + verb + "\"";
    EXPECT_THAT(body, HasSubstr("flyover_test_bind_duration_seconds_count" + labels + "} 0\n"));
    EXPECT_THAT(body, HasSubstr("flyover_test_bind_duration_seconds_bucket" + labels +
                                ",le=\"0.005\"} 0\n"));
    EXPECT_THAT(body, HasSubstr("flyover_test_bind_duration_seconds_bucket" + labels +
                                ",le=\"+Inf\"} 0\n"));
  }
}

TEST(MetricsHelpersTest, InitLabelSetsRejectsInvalidLabelNames) {
  prometheus::Registry registry;
  auto& family = prometheus::BuildCounter().Name("x_total").Help("x").Register(registry);
  ASSERT_TRUE(InitLabelSets(family, {{{"code", "200"}}}).ok());
  ASSERT_TRUE(InitLabelSets(family, {{{"code", "200"}}}).ok());  // again: no-op
  EXPECT_EQ(InitLabelSets(family, {{{"bad-name", "1"}}}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(family.Has({{"code", "200"}}));
}

TEST(MetricsHelpersTest, LabelProductCoversEveryCombination) {
  const std::vector<prometheus::Labels> sets =
      LabelProduct({{"verb", {"get", "list"}}, {"code", {"200", "500"}}});
  EXPECT_THAT(sets, ElementsAre(prometheus::Labels{{"verb", "get"}, {"code", "200"}},
                                prometheus::Labels{{"verb", "get"}, {"code", "500"}},
                                prometheus::Labels{{"verb", "list"}, {"code", "200"}},
                                prometheus::Labels{{"verb", "list"}, {"code", "500"}}));
  EXPECT_THAT(LabelProduct({}), ElementsAre(prometheus::Labels{}));
}

TEST(MetricsHelpersTest, Buckets) {
  const prometheus::Histogram::BucketBoundaries defaults = DefaultLatencyBuckets();
  ASSERT_EQ(defaults.size(), 11u);
  EXPECT_DOUBLE_EQ(defaults.front(), 0.005);
  EXPECT_DOUBLE_EQ(defaults.back(), 10);
  EXPECT_THAT(*ExponentialBuckets(0.001, 2, 4), ElementsAre(0.001, 0.002, 0.004, 0.008));
  EXPECT_EQ(ExponentialBuckets(0, 2, 4).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExponentialBuckets(1, 1, 4).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ExponentialBuckets(1, 2, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MetricsServerTest, StopIsIdempotentAndServerCanRestart) {
  MetricsServer server(registry_);
  server.Stop();  // before Start: nothing to do
  const absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(server.Start().status().code(), absl::StatusCode::kFailedPrecondition);
  server.Stop();
  server.Stop();
  EXPECT_EQ(server.port(), 0);
  EXPECT_EQ(Get(*port, "/healthz").status, 0);  // nothing listens any more

  const absl::StatusOr<int> again = server.Start();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Get(*again, "/healthz").status, 200);
}

TEST_F(MetricsServerTest, PortClashIsAnError) {
  MetricsServer first(registry_);
  const absl::StatusOr<int> port = first.Start();
  ASSERT_TRUE(port.ok()) << port.status();
  MetricsServerOptions options;
  options.port = *port;
  MetricsServer second(registry_, options);
  EXPECT_EQ(second.Start().status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Get(*port, "/healthz").status, 200);
}

TEST_F(MetricsServerTest, DestructorStopsServer) {
  int port = 0;
  {
    MetricsServer server(registry_);
    const absl::StatusOr<int> started = server.Start();
    ASSERT_TRUE(started.ok()) << started.status();
    port = *started;
  }
  EXPECT_EQ(Get(port, "/healthz").status, 0);
}

}  // namespace
}  // namespace flyover
