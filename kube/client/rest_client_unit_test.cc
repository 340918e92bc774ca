// RestClient over FakeHttpTransport: the exact requests it builds and how it reacts to
// scripted answers, without sockets.
#include <stop_token>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/fake_http_transport.h"
#include "kube/client/rest_client.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::Contains;

class CountingTokenSource final : public TokenSource {
 public:
  absl::StatusOr<std::string> Token() override { return "t" + std::to_string(reads_); }
  void Invalidate() override { ++reads_; }
  int reads_ = 0;
};

class RestClientUnitTest : public ::testing::Test {
 protected:
  RestClient& Client(std::unique_ptr<TokenSource> tokens = nullptr) {
    auto transport = std::make_unique<FakeHttpTransport>();
    transport_ = transport.get();
    client_ = std::make_unique<RestClient>(
        std::move(transport), std::move(tokens),
        RestClientOptions{.rate_limit = {.qps = 0}, .clock = &clock_});
    return *client_;
  }

  FakeClock clock_;
  FakeHttpTransport* transport_ = nullptr;
  std::unique_ptr<RestClient> client_;
};

TEST_F(RestClientUnitTest, DeleteSendsDeleteOptions) {
  RestClient& client = Client();
  transport_->AddResponse(200, "{}");
  ASSERT_TRUE(client
                  .Delete(PostTrainingJobsResource(), "ns", "j",
                          DeleteOptions{.grace_period_seconds = 0,
                                        .propagation_policy = "Foreground",
                                        .precondition_uid = "u1"})
                  .ok());
  HttpRequest sent = transport_->requests().at(0);
  EXPECT_EQ(sent.method, "DELETE");
  EXPECT_EQ(sent.path, "/apis/training.flyover.dev/v1alpha1/namespaces/ns/posttrainingjobs/j");
  EXPECT_EQ(json::parse(sent.body),
            json::parse(R"({"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0,
                            "propagationPolicy":"Foreground","preconditions":{"uid":"u1"}})"));
  EXPECT_THAT(sent.headers, Contains(Pair("Accept", "application/json")));
}

TEST_F(RestClientUnitTest, EscapesNamesAndQueries) {
  RestClient& client = Client();
  transport_->AddResponse(200, R"({"kind":"PodList","items":[]})");
  ASSERT_TRUE(client.ListPage(PodsResource(), "a b", {.label_selector = "x in (a,b)"}).ok());
  EXPECT_EQ(transport_->requests().at(0).path,
            "/api/v1/namespaces/a%20b/pods?labelSelector=x%20in%20%28a%2Cb%29");
}

TEST_F(RestClientUnitTest, A401ReReadsTheTokenOnce) {
  auto tokens = std::make_unique<CountingTokenSource>();
  CountingTokenSource* counter = tokens.get();
  RestClient& client = Client(std::move(tokens));
  transport_->AddResponse(401, R"({"kind":"Status","code":401,"reason":"Unauthorized"})");
  transport_->AddResponse(401, R"({"kind":"Status","code":401,"reason":"Unauthorized"})");
  absl::Status status = client.Get(PodsResource(), "ns", "p").status();
  EXPECT_TRUE(absl::IsUnauthenticated(status)) << status;
  ASSERT_EQ(transport_->requests().size(), 2u);
  EXPECT_THAT(transport_->requests()[0].headers, Contains(Pair("Authorization", "Bearer t0")));
  EXPECT_THAT(transport_->requests()[1].headers, Contains(Pair("Authorization", "Bearer t1")));
  EXPECT_EQ(counter->reads_, 1);
}

TEST_F(RestClientUnitTest, TransportErrorsNameTheCall) {
  RestClient& client = Client();
  transport_->AddError(absl::UnavailableError("connection refused"));
  absl::Status status = client.Get(PodsResource(), "ns", "p").status();
  EXPECT_TRUE(absl::IsUnavailable(status));
  EXPECT_THAT(status.message(), HasSubstr("get pods"));
}

TEST_F(RestClientUnitTest, WatchDecodesChunksAndReportsABrokenStream) {
  RestClient& client = Client();
  transport_->AddStream({"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"resourceVersion\":\"5\"}}}\n{\"ty",
                         "pe\":\"DELETED\",\"object\":{}}\n"},
                        absl::UnavailableError("connection reset"));
  std::vector<WatchStreamEventType> types;
  absl::Status status = client.Watch(
      PodsResource(), "", {.resource_version = "4", .allow_bookmarks = false, .timeout = absl::ZeroDuration()},
      [&](WatchStreamEvent event) {
        types.push_back(event.type);
        return absl::OkStatus();
      },
      std::stop_token());
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(types, (std::vector<WatchStreamEventType>{WatchStreamEventType::kAdded, WatchStreamEventType::kDeleted}));
  EXPECT_EQ(transport_->requests().at(0).path, "/api/v1/pods?watch=true&resourceVersion=4");
}

TEST_F(RestClientUnitTest, AnErrorEventWithoutAFailureCodeIsStillAnError) {
  RestClient& client = Client();
  transport_->AddStream({"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":200}}\n"});
  absl::Status status = client.Watch(PodsResource(), "", {}, [](WatchStreamEvent) {
    return absl::OkStatus();
  }, std::stop_token());
  EXPECT_TRUE(absl::IsUnknown(status)) << status;
}

}  // namespace
}  // namespace flyover::kube
