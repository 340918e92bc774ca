#include "kube/cache/rest_lister_watcher.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/client/fake_http_transport.h"
#include "kube/client/testing/informer_protocol_suite.h"
#include "kube/client/testing/scripted_api_backend.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

std::string StatusBody(int code, const std::string& reason) {
  return json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
              {"code", code},     {"reason", reason},   {"message", reason + " says the server"}}
      .dump();
}

std::string PodList(const std::vector<std::string>& names, const std::string& rv,
                    const std::string& continue_token = "") {
  json list = {{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", rv}}},
               {"items", json::array()}};
  if (!continue_token.empty()) list["metadata"]["continue"] = continue_token;
  for (const std::string& name : names) {
    list["items"].push_back({{"metadata", {{"name", name}, {"namespace", "ns"}}}});
  }
  return list.dump();
}

std::string EventLine(const std::string& type, const json& object) {
  return json{{"type", type}, {"object", object}}.dump() + "\n";
}

json PodAt(const std::string& name, const std::string& rv) {
  return {{"kind", "Pod"}, {"metadata", {{"name", name}, {"namespace", "ns"}, {"resourceVersion", rv}}}};
}

// RestListerWatcher over a RestClient over FakeHttpTransport: exact requests, exact
// translations, no sockets. The end-to-end test (an informer against the scripted API
// server) is kube/testing/rest_informer_e2e_test.cc.
class RestListerWatcherTest : public ::testing::Test {
 protected:
  RestListerWatcherTest() {
    auto transport = std::make_unique<FakeHttpTransport>();
    transport_ = transport.get();
    client_ = std::make_unique<RestClient>(
        std::move(transport), nullptr,
        RestClientOptions{.rate_limit = {.qps = 0}, .max_retries = 0, .clock = &clock_});
  }

  RestListerWatcher& Make(RestListerWatcherOptions options = {.namespace_ = "ns"}) {
    options.seed = 11;
    lw_ = std::make_unique<RestListerWatcher>(client_.get(), PodsResource(), options);
    return *lw_;
  }

  absl::StatusOr<std::vector<std::string>> ListNames(const ListOptions& options = {}) {
    std::vector<std::string> names;
    absl::StatusOr<std::string> rv = lw_->ListInto(options, [&](json item) {
      names.push_back(item["metadata"]["name"].get<std::string>());
    });
    if (!rv.ok()) return rv.status();
    return names;
  }

  // Runs one watch; returns its status and records "TYPE name@rv" per event.
  absl::Status WatchOnce(WatchOptions options = {.resource_version = "7"}) {
    return lw_->Watch(
        options,
        [&](WatchEvent event) {
          events_.push_back(absl::StrCat(WatchEventTypeName(event.type), " ",
                                         event.object["metadata"].value("name", ""), "@",
                                         event.object["metadata"].value("resourceVersion", "")));
          return absl::OkStatus();
        },
        &stop_);
  }

  FakeClock clock_;
  FakeHttpTransport* transport_ = nullptr;
  std::unique_ptr<RestClient> client_;
  std::unique_ptr<RestListerWatcher> lw_;
  StopSignal stop_;
  std::vector<std::string> events_;
};

TEST_F(RestListerWatcherTest, ListsPageByPageFollowingContinueTokens) {
  Make({.namespace_ = "ns", .label_selector = "app=x", .field_selector = "spec.nodeName=n1",
        .page_size = 2});
  transport_->AddResponse(200, PodList({"a", "b"}, "10", "c1"));
  transport_->AddResponse(200, PodList({"c"}, "10"));
  std::vector<size_t> requests_when_sunk;
  absl::StatusOr<std::string> rv = lw_->ListInto({.resource_version = "0"}, [&](json) {
    requests_when_sunk.push_back(transport_->requests().size());
  });
  ASSERT_TRUE(rv.ok()) << rv.status();
  EXPECT_EQ(*rv, "10");
  EXPECT_THAT(requests_when_sunk, ElementsAre(1, 1, 2));  // a page is handed on before the next
  const std::string selectors = "labelSelector=app%3Dx&fieldSelector=spec.nodeName%3Dn1";
  EXPECT_EQ(transport_->requests()[0].path,
            "/api/v1/namespaces/ns/pods?" + selectors + "&resourceVersion=0&limit=2");
  EXPECT_EQ(transport_->requests()[1].path,
            "/api/v1/namespaces/ns/pods?" + selectors + "&continue=c1&limit=2");
}

TEST_F(RestListerWatcherTest, ListReturnsEveryItemAndTheListVersion) {
  Make({.page_size = 0});
  transport_->AddResponse(200, PodList({"a", "b"}, "21"));
  absl::StatusOr<ListResult> result = lw_->List({});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->resource_version, "21");
  ASSERT_EQ(result->items.size(), 2u);
  EXPECT_EQ(result->items[1]["kind"], "Pod");  // filled in from the list's kind
  EXPECT_EQ(transport_->requests()[0].path, "/api/v1/pods");
}

TEST_F(RestListerWatcherTest, ListGoneIsResourceExpiredAndKeepsTheServersStatus) {
  Make();
  transport_->AddResponse(410, StatusBody(410, "Expired"));
  absl::Status status = ListNames({.resource_version = "5"}).status();
  EXPECT_TRUE(IsResourceExpired(status)) << status;
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(GetApiStatus(status).has_value());
  EXPECT_EQ(GetApiStatus(status)->reason, "Expired");
}

TEST_F(RestListerWatcherTest, AnExpiredContinueTokenEndsTheListAsExpired) {
  Make({.namespace_ = "ns", .page_size = 1});
  transport_->AddResponse(200, PodList({"a"}, "10", "c1"));
  transport_->AddResponse(410, StatusBody(410, "Expired"));
  EXPECT_TRUE(IsResourceExpired(ListNames().status()));
  EXPECT_EQ(transport_->requests().size(), 2u);  // no silent restart: "a" was handed over
}

TEST_F(RestListerWatcherTest, ListErrorsKeepTheirRetryMeaning) {
  Make();
  struct Case {
    int http;  // 0: a transport error instead
    absl::Status transport;
    absl::StatusCode want;
  };
  const std::vector<Case> cases = {
      {0, absl::UnavailableError("connection refused"), absl::StatusCode::kUnavailable},
      {0, absl::DeadlineExceededError("read timed out"), absl::StatusCode::kDeadlineExceeded},
      {503, {}, absl::StatusCode::kUnavailable},
      {500, {}, absl::StatusCode::kUnavailable},
      {429, {}, absl::StatusCode::kUnavailable},
      {504, {}, absl::StatusCode::kDeadlineExceeded},
      {403, {}, absl::StatusCode::kPermissionDenied},
      {400, {}, absl::StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    if (c.http == 0) {
      transport_->AddError(c.transport);
    } else {
      transport_->AddResponse(c.http, StatusBody(c.http, "Whatever"));
    }
    absl::Status status = ListNames().status();
    EXPECT_EQ(status.code(), c.want) << c.http << " " << status;
    EXPECT_FALSE(IsResourceExpired(status));
  }
}

TEST_F(RestListerWatcherTest, ListTimeoutCoversEveryPage) {
  Make({.namespace_ = "ns", .page_size = 1});
  transport_->AddResponse(200, PodList({"a"}, "10", "c1"));
  transport_->AddResponse(200, PodList({"b"}, "10"));
  absl::Status status =
      lw_->ListInto({.timeout = absl::Seconds(60)}, [&](json) { clock_.Advance(absl::Minutes(2)); })
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_EQ(transport_->requests().size(), 1u);
}

TEST_F(RestListerWatcherTest, WatchAsksForBookmarksAndTheGivenTimeoutAndConvertsEvents) {
  Make({.namespace_ = "ns", .label_selector = "app=x"});
  transport_->AddStream({EventLine("ADDED", PodAt("a", "8")) + EventLine("MODIFIED", PodAt("a", "9")),
                         EventLine("DELETED", PodAt("a", "10")),
                         EventLine("BOOKMARK", {{"kind", "Pod"}, {"metadata", {{"resourceVersion", "12"}}}})});
  ASSERT_TRUE(WatchOnce({.resource_version = "7", .timeout = absl::Seconds(421)}).ok());
  EXPECT_THAT(events_, ElementsAre("ADDED a@8", "MODIFIED a@9", "DELETED a@10", "BOOKMARK @12"));
  EXPECT_EQ(transport_->requests()[0].path,
            "/api/v1/namespaces/ns/pods?watch=true&labelSelector=app%3Dx&resourceVersion=7"
            "&allowWatchBookmarks=true&timeoutSeconds=421");
}

TEST_F(RestListerWatcherTest, WatchWithoutATimeoutDrawsOneFromFiveToTenMinutes) {
  Make();
  std::set<int64_t> drawn;
  for (int i = 0; i < 50; ++i) {
    const int64_t seconds = absl::ToInt64Seconds(lw_->WatchTimeout(absl::ZeroDuration()));
    EXPECT_GE(seconds, 300);
    EXPECT_LT(seconds, 600);
    drawn.insert(seconds);
  }
  EXPECT_GT(drawn.size(), 10u);  // spread out, so clients do not reconnect in lockstep
  EXPECT_EQ(lw_->WatchTimeout(absl::Seconds(42)), absl::Seconds(42));
  transport_->AddStream({});
  ASSERT_TRUE(WatchOnce({.resource_version = "7", .timeout = absl::ZeroDuration(),
                         .allow_bookmarks = false})
                  .ok());
  const std::string path = transport_->requests()[0].path;
  EXPECT_EQ(path.find("allowWatchBookmarks"), std::string::npos);
  int64_t seconds = 0;
  ASSERT_TRUE(absl::SimpleAtoi(path.substr(path.find("timeoutSeconds=") + 15), &seconds)) << path;
  EXPECT_GE(seconds, 300);
  EXPECT_LT(seconds, 600);
}

TEST_F(RestListerWatcherTest, AnErrorEventCarrying410IsResourceExpired) {
  Make();
  for (const char* reason : {"Expired", "Gone"}) {
    transport_->AddStream({EventLine("ADDED", PodAt("a", "8")),
                           EventLine("ERROR", json::parse(StatusBody(410, reason)))});
    absl::Status status = WatchOnce();
    EXPECT_TRUE(IsResourceExpired(status)) << status;
  }
  EXPECT_THAT(events_, ElementsAre("ADDED a@8", "ADDED a@8"));  // events before it still count
}

TEST_F(RestListerWatcherTest, AWatchRefusedWith410IsResourceExpired) {
  Make();
  transport_->AddResponse(410, StatusBody(410, "Gone"));
  EXPECT_TRUE(IsResourceExpired(WatchOnce()));
}

TEST_F(RestListerWatcherTest, ServerTroubleInsideTheStreamIsUnavailable) {
  Make();
  transport_->AddStream({EventLine("ERROR", json::parse(StatusBody(500, "InternalError")))});
  EXPECT_EQ(WatchOnce().code(), absl::StatusCode::kUnavailable);
  transport_->AddResponse(503, StatusBody(503, "ServiceUnavailable"));
  EXPECT_EQ(WatchOnce().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RestListerWatcherTest, ConnectionFailuresAreUnavailable) {
  Make();
  transport_->AddError(absl::UnavailableError("connection refused"));
  EXPECT_EQ(WatchOnce().code(), absl::StatusCode::kUnavailable);
  transport_->AddStream({EventLine("ADDED", PodAt("a", "8"))},
                        absl::UnavailableError("connection reset"));
  EXPECT_EQ(WatchOnce().code(), absl::StatusCode::kUnavailable);
  transport_->AddStream({"{\"type\":\"ADDED\",\"obj"});  // ends inside an event
  EXPECT_EQ(WatchOnce().code(), absl::StatusCode::kUnavailable);
  transport_->AddError(absl::CancelledError("stream stopped"));  // cut, but not by us
  EXPECT_EQ(WatchOnce().code(), absl::StatusCode::kUnavailable);
}

TEST_F(RestListerWatcherTest, SinkErrorsComeBackUnchanged) {
  Make();
  transport_->AddStream({EventLine("ADDED", PodAt("a", "8")), EventLine("ADDED", PodAt("b", "9"))});
  const absl::Status mine = absl::CancelledError("the sink gave up");
  absl::Status status =
      lw_->Watch({.resource_version = "7"}, [&](WatchEvent) { return mine; }, &stop_);
  EXPECT_EQ(status, mine);
}

TEST_F(RestListerWatcherTest, AStoppedWatchReturnsOk) {
  Make();
  transport_->AddStream({EventLine("ADDED", PodAt("a", "8"))});
  stop_.Stop();
  EXPECT_TRUE(WatchOnce().ok());
  EXPECT_TRUE(events_.empty());
}

TEST(ToListerWatcherStatusTest, TranslatesOnlyWhatTheContractNames) {
  EXPECT_TRUE(ToListerWatcherStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(IsResourceExpired(ToListerWatcherStatus(absl::OutOfRangeError("410"))));
  EXPECT_EQ(ToListerWatcherStatus(absl::CancelledError("cut")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(ToListerWatcherStatus(absl::NotFoundError("x")), absl::NotFoundError("x"));
  // A 409 conflict is Aborted too, but not expired.
  EXPECT_FALSE(IsResourceExpired(ToListerWatcherStatus(StatusFromHttpResponse(409, "{}"))));
}

}  // namespace

// The informer half of the protocol suites against the scripted API server over HTTP.
namespace testing {
INSTANTIATE_TEST_SUITE_P(Scripted, InformerProtocolTest,
                         ::testing::Values(ScriptedBackendFactory()), BackendName);
}  // namespace testing

}  // namespace flyover::kube
