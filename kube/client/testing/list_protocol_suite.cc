// Protocol suite, lists: selectors, pagination, snapshots and expired continue tokens
// against any ApiBackend (protocol_suite.h).
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/client/httplib_transport.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/protocol_suite.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

TEST_P(ApiProtocolTest, LabelAndFieldSelectors) {
  CreatePod(TestPod("a", "default", {{"app", "web"}}));
  CreatePod(TestPod("b", "default", {{"app", "db"}}));
  CreatePod(TestPod("c"));
  ASSERT_TRUE(client_->Bind("default", "b", "node-1").ok());
  auto names = [&](RestListOptions options) {
    absl::StatusOr<ObjectList> list = client_->List(PodsResource(), "default", options);
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? Names(list->items) : std::vector<std::string>{};
  };
  EXPECT_THAT(names({.label_selector = "app=web"}), ElementsAre("a"));
  EXPECT_THAT(names({.label_selector = "app!=web"}), ElementsAre("b", "c"));
  EXPECT_THAT(names({.label_selector = "app"}), ElementsAre("a", "b"));
  EXPECT_THAT(names({.label_selector = "!app"}), ElementsAre("c"));
  EXPECT_THAT(names({.field_selector = "metadata.name=c"}), ElementsAre("c"));
  EXPECT_THAT(names({.field_selector = "spec.nodeName=node-1"}), ElementsAre("b"));
  EXPECT_THAT(names({.field_selector = "spec.nodeName="}), ElementsAre("a", "c"));
  EXPECT_THAT(names({.label_selector = "app", .field_selector = "metadata.name!=a"}),
              ElementsAre("b"));
  absl::Status bad =
      client_->List(PodsResource(), "default", {.label_selector = "app in (a"}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(bad)) << bad;
}

TEST_P(ApiProtocolTest, ListFollowsContinueTokens) {
  for (int i = 0; i < 25; ++i) CreatePod(TestPod(absl::StrCat("p", 10 + i)));
  absl::StatusOr<ObjectList> page = client_->ListPage(PodsResource(), "default", {.limit = 10});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 10u);
  EXPECT_FALSE(page->continue_token.empty());

  absl::StatusOr<ObjectList> next = client_->ListPage(
      PodsResource(), "default", {.limit = 10, .continue_token = page->continue_token});
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->items.size(), 10u);
  EXPECT_EQ(next->items.front()["metadata"]["name"], "p20");

  absl::StatusOr<ObjectList> all = client_->List(PodsResource(), "default", {.limit = 10});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->items.size(), 25u);
  EXPECT_EQ(all->items.front()["metadata"]["name"], "p10");
  EXPECT_EQ(all->items.back()["metadata"]["name"], "p34");
  EXPECT_EQ(all->resource_version, page->resource_version);  // nothing written in between
}

TEST_P(ApiProtocolTest, ALimitedListCountsTheRemainingItems) {
  if (!backend().capabilities().list_remaining_item_count) {
    GTEST_SKIP() << "backend lacks capability list_remaining_item_count";
  }
  for (int i = 0; i < 25; ++i) CreatePod(TestPod(absl::StrCat("p", 10 + i)));
  absl::StatusOr<ObjectList> page = client_->ListPage(PodsResource(), "default", {.limit = 10});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->remaining_item_count, 15);
  absl::StatusOr<ObjectList> next = client_->ListPage(
      PodsResource(), "default", {.limit = 10, .continue_token = page->continue_token});
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->remaining_item_count, 5);
}

TEST_P(ApiProtocolTest, PagesReadOneSnapshot) {
  if (!backend().capabilities().paged_list_snapshot) {
    GTEST_SKIP() << "backend lacks capability paged_list_snapshot";
  }
  for (int i = 0; i < 4; ++i) CreatePod(TestPod(absl::StrCat("p", i)));
  absl::StatusOr<ObjectList> first = client_->ListPage(PodsResource(), "default", {.limit = 2});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(client_->Delete(PodsResource(), "default", "p3").ok());
  CreatePod(TestPod("p4"));
  absl::StatusOr<ObjectList> second = client_->ListPage(
      PodsResource(), "default", {.limit = 2, .continue_token = first->continue_token});
  ASSERT_TRUE(second.ok()) << second.status();
  // kube-apiserver serves every page of one list from the first page's snapshot.
  EXPECT_THAT(Names(second->items), ElementsAre("p2", "p3"));
  EXPECT_EQ(second->resource_version, first->resource_version);
}

TEST_P(ApiProtocolTest, AnExpiredContinueTokenIsExpired) {
  for (int i = 0; i < 5; ++i) CreatePod(TestPod(absl::StrCat("p", i)));
  absl::StatusOr<ObjectList> page = client_->ListPage(PodsResource(), "default", {.limit = 2});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_TRUE(backend().ExpireContinueTokens().ok());
  absl::Status expired =
      client_->ListPage(PodsResource(), "default", {.continue_token = page->continue_token})
          .status();
  EXPECT_TRUE(IsGoneOrExpired(expired)) << expired;
  EXPECT_TRUE(absl::IsOutOfRange(expired));
  ASSERT_TRUE(GetApiStatus(expired).has_value());
  EXPECT_EQ(GetApiStatus(expired)->code, 410);
}

// Calls `after_response` after each response, on the calling thread.
class HookedTransport final : public HttpTransport {
 public:
  HookedTransport(std::unique_ptr<HttpTransport> inner,
                  std::function<void(const HttpResponse&)> after_response)
      : inner_(std::move(inner)), after_response_(std::move(after_response)) {}
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    absl::StatusOr<HttpResponse> response = inner_->Send(request);
    if (response.ok()) after_response_(*response);
    return response;
  }
  absl::StatusOr<HttpResponse> Stream(const HttpRequest& request, const BodyChunkHandler& on_chunk,
                                      std::stop_token stop) override {
    return inner_->Stream(request, on_chunk, stop);
  }

 private:
  std::unique_ptr<HttpTransport> inner_;
  std::function<void(const HttpResponse&)> after_response_;
};

TEST_P(ApiProtocolTest, ATokenExpiringMidListRestartsTheListUnpaginated) {
  for (int i = 0; i < 5; ++i) CreatePod(TestPod(absl::StrCat("p", i)));
  absl::StatusOr<std::unique_ptr<HttplibTransport>> inner =
      HttplibTransport::Create(RestConfig{.server = backend().url()});
  ASSERT_TRUE(inner.ok()) << inner.status();
  bool expired = false;
  auto transport = std::make_unique<HookedTransport>(*std::move(inner), [&](const HttpResponse&) {
    if (expired) return;
    expired = true;  // after the first page: its token is now stale
    EXPECT_TRUE(backend().ExpireContinueTokens().ok());
  });
  RestClient client(std::move(transport), nullptr,
                    RestClientOptions{.rate_limit = {.qps = 0}, .clock = RealClock(),
                                      .metrics_registry = registry_});
  absl::StatusOr<ObjectList> all = client.List(PodsResource(), "default", {.limit = 2});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(expired);
  EXPECT_THAT(Names(all->items), ElementsAre("p0", "p1", "p2", "p3", "p4"));
  EXPECT_EQ(Metric("flyover_rest_client_requests_total",
                   {{"verb", "list"}, {"resource", "pods"}, {"code", "410"}}),
            1);
  EXPECT_EQ(Metric("flyover_rest_client_relists_total",
                   {{"resource", "pods"}, {"reason", "continue_expired"}}),
            1);
}

}  // namespace
}  // namespace flyover::kube::testing
