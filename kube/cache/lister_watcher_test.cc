#include "kube/cache/lister_watcher.h"

#include <vector>

#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

TEST(ListerWatcherTest, ResourceExpiredIsAbortedAndRecognisable) {
  const absl::Status expired = ResourceExpiredError("too old resource version: 5");
  EXPECT_EQ(expired.code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(IsResourceExpired(expired));
  EXPECT_FALSE(IsResourceExpired(absl::AbortedError("409 conflict")));
  EXPECT_FALSE(IsResourceExpired(absl::OkStatus()));
  absl::Status gone = absl::AbortedError("gone");
  gone.SetPayload(kKubeReasonPayloadUrl, absl::Cord("Gone"));
  EXPECT_TRUE(IsResourceExpired(gone));
}

TEST(ListerWatcherTest, MapsErrorEventStatusesByWhatTheReflectorShouldDo) {
  EXPECT_TRUE(IsResourceExpired(StatusFromErrorEvent(
      {{"kind", "Status"}, {"code", 410}, {"reason", "Expired"}, {"message", "too old"}})));
  EXPECT_TRUE(IsResourceExpired(StatusFromErrorEvent({{"reason", "Gone"}})));
  EXPECT_EQ(StatusFromErrorEvent({{"code", 500}, {"reason", "InternalError"}}).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromErrorEvent({{"code", 429}}).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromErrorEvent({{"code", 403}, {"reason", "Forbidden"}}).code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(StatusFromErrorEvent("garbage").code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(
      StatusFromErrorEvent({{"code", 403}, {"message", "no access"}}).message().find("no access"),
      std::string::npos);
}

class ListOnly final : public ListerWatcher {
 public:
  absl::StatusOr<ListResult> List(const ListOptions& options) override {
    if (options.resource_version == "bad") return absl::UnavailableError("down");
    return ListResult{{nlohmann::json{{"n", 1}}, nlohmann::json{{"n", 2}}}, "9"};
  }
  absl::Status Watch(const WatchOptions&, WatchEventSink, StopSignal*) override {
    return absl::OkStatus();
  }
};

TEST(ListerWatcherTest, ListIntoDefaultsToListingEverything) {
  ListOnly lw;
  std::vector<nlohmann::json> items;
  absl::StatusOr<std::string> rv =
      lw.ListInto({}, [&](nlohmann::json item) { items.push_back(std::move(item)); });
  ASSERT_TRUE(rv.ok());
  EXPECT_EQ(*rv, "9");
  EXPECT_EQ(items, (std::vector<nlohmann::json>{{{"n", 1}}, {{"n", 2}}}));
  EXPECT_EQ(lw.ListInto({.resource_version = "bad"}, [](nlohmann::json) {}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(ListerWatcherTest, NamesEventTypesAsTheApiDoes) {
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kAdded), "ADDED");
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kModified), "MODIFIED");
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kDeleted), "DELETED");
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kBookmark), "BOOKMARK");
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kError), "ERROR");
}

}  // namespace
}  // namespace flyover::kube
