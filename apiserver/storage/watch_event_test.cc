#include "apiserver/storage/watch_event.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

std::shared_ptr<const Change> MakeChange(Change::Kind kind, std::string value,
                                         std::string prev_value = "") {
  auto change = std::make_shared<Change>();
  change->revision = 9;
  change->kind = kind;
  change->key = "/pods/default/a";
  change->value = std::move(value);
  change->prev_value = std::move(prev_value);
  return change;
}

// Matches objects whose bytes contain "blue".
bool IsBlue(absl::string_view object) { return object.find("blue") != absl::string_view::npos; }

TEST(WatchEventTest, WithoutPredicateKindsMapOneToOne) {
  EXPECT_EQ(ToWatchEvent(MakeChange(Change::Kind::kCreated, "x"), nullptr)->type,
            WatchEventType::kAdded);
  EXPECT_EQ(ToWatchEvent(MakeChange(Change::Kind::kUpdated, "x", "w"), nullptr)->type,
            WatchEventType::kModified);
  std::optional<WatchEvent> deleted =
      ToWatchEvent(MakeChange(Change::Kind::kDeleted, "x"), nullptr);
  EXPECT_EQ(deleted->type, WatchEventType::kDeleted);
  EXPECT_EQ(deleted->object(), "x");
  EXPECT_EQ(deleted->revision, 9);
}

TEST(WatchEventTest, PredicateFiltersCreatesAndDeletes) {
  EXPECT_FALSE(ToWatchEvent(MakeChange(Change::Kind::kCreated, "red"), IsBlue).has_value());
  EXPECT_TRUE(ToWatchEvent(MakeChange(Change::Kind::kCreated, "blue"), IsBlue).has_value());
  EXPECT_FALSE(ToWatchEvent(MakeChange(Change::Kind::kDeleted, "red"), IsBlue).has_value());
}

TEST(WatchEventTest, UpdatesCrossingThePredicateBecomeAddedOrDeleted) {
  std::optional<WatchEvent> entered =
      ToWatchEvent(MakeChange(Change::Kind::kUpdated, "blue", "red"), IsBlue);
  EXPECT_EQ(entered->type, WatchEventType::kAdded);
  EXPECT_EQ(entered->object(), "blue");

  std::optional<WatchEvent> left =
      ToWatchEvent(MakeChange(Change::Kind::kUpdated, "red", "blue"), IsBlue);
  EXPECT_EQ(left->type, WatchEventType::kDeleted);
  EXPECT_EQ(left->object(), "blue");  // the object as it was, at the update's revision
  EXPECT_EQ(left->revision, 9);

  EXPECT_EQ(ToWatchEvent(MakeChange(Change::Kind::kUpdated, "blue2", "blue1"), IsBlue)->type,
            WatchEventType::kModified);
  EXPECT_FALSE(ToWatchEvent(MakeChange(Change::Kind::kUpdated, "red", "green"), IsBlue));
}

TEST(WatchEventTest, TypeNamesAreKubernetes) {
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kAdded), "ADDED");
  EXPECT_EQ(WatchEventTypeName(WatchEventType::kBookmark), "BOOKMARK");
  EXPECT_EQ(WatchEvent{}.object(), "");
}

}  // namespace
}  // namespace flyover::apiserver::storage
