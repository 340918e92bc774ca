#include "kube/client/watch_decoder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/list_decoder.h"

namespace flyover::kube {
namespace {

using ::testing::HasSubstr;

constexpr char kStream[] =
    R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"11"},"data":"}{\"]"}})"
    "\n"
    R"({"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"12"},"spec":{"x":[1,{"y":2}]}}})"
    "\n"
    R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"15"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"16"}}})"
    "\n"
    R"({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}})"
    "\n";

std::vector<WatchStreamEventType> Types(const std::vector<WatchStreamEvent>& events) {
  std::vector<WatchStreamEventType> out;
  for (const WatchStreamEvent& e : events) out.push_back(e.type);
  return out;
}

TEST(WatchDecoderTest, DecodesEveryEventType) {
  WatchDecoder decoder;
  std::vector<WatchStreamEvent> events;
  ASSERT_TRUE(decoder.Feed(kStream, &events).ok());
  EXPECT_TRUE(decoder.Finish().ok());
  EXPECT_EQ(Types(events),
            (std::vector<WatchStreamEventType>{WatchStreamEventType::kAdded, WatchStreamEventType::kModified,
                                         WatchStreamEventType::kBookmark, WatchStreamEventType::kDeleted,
                                         WatchStreamEventType::kError}));
  EXPECT_EQ(events[0].object["data"], "}{\"]");  // braces inside strings do not frame
  EXPECT_EQ(events[0].ResourceVersion(), "11");
  EXPECT_EQ(events[2].ResourceVersion(), "15");
  EXPECT_EQ(events[4].ResourceVersion(), "");
  EXPECT_EQ(events[4].object["code"], 410);
}

TEST(WatchDecoderTest, SameEventsWhereverTheChunksAreCut) {
  const std::string stream = kStream;
  WatchDecoder whole;
  std::vector<WatchStreamEvent> want;
  ASSERT_TRUE(whole.Feed(stream, &want).ok());
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    WatchDecoder decoder;
    std::vector<WatchStreamEvent> got;
    ASSERT_TRUE(decoder.Feed(absl::string_view(stream).substr(0, cut), &got).ok()) << cut;
    ASSERT_TRUE(decoder.Feed(absl::string_view(stream).substr(cut), &got).ok()) << cut;
    ASSERT_TRUE(decoder.Finish().ok());
    ASSERT_EQ(got.size(), want.size()) << cut;
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].object, want[i].object) << cut;
  }
  WatchDecoder bytewise;
  std::vector<WatchStreamEvent> got;
  for (char c : stream) ASSERT_TRUE(bytewise.Feed(absl::string_view(&c, 1), &got).ok());
  EXPECT_EQ(got.size(), want.size());
  EXPECT_EQ(bytewise.buffered_bytes(), 0u);
}

TEST(WatchDecoderTest, AcceptsAnyWhitespaceBetweenEvents) {
  WatchDecoder decoder;
  std::vector<WatchStreamEvent> events;
  ASSERT_TRUE(decoder
                  .Feed("\r\n \t{\"type\":\"ADDED\",\"object\":{}}{\"type\":\"DELETED\",\"object\":"
                        "{}}\n\n\n",
                        &events)
                  .ok());
  EXPECT_EQ(events.size(), 2u);
}

TEST(WatchDecoderTest, MalformedJsonPoisonsTheDecoder) {
  WatchDecoder decoder;
  std::vector<WatchStreamEvent> events;
  absl::Status status =
      decoder.Feed("{\"type\":\"ADDED\",\"object\":{}}\n{\"type\":\"ADDED\",\"object\":{,}}\n"
                   "{\"type\":\"ADDED\",\"object\":{}}\n",
                   &events);
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_EQ(events.size(), 1u);  // the event before the bad frame is kept
  EXPECT_TRUE(absl::IsDataLoss(decoder.Feed("{\"type\":\"ADDED\",\"object\":{}}", &events)));
  EXPECT_TRUE(absl::IsDataLoss(decoder.Finish()));
  EXPECT_EQ(events.size(), 1u);
}

TEST(WatchDecoderTest, RejectsWhatIsNotAWatchEvent) {
  for (const char* bad : {"[1,2]", "\"text\"", "{\"type\":\"ADDED\"}",
                          "{\"type\":\"RENAMED\",\"object\":{}}",
                          "{\"type\":7,\"object\":{}}", "{\"type\":\"ADDED\",\"object\":[]}",
                          "{\"type\":\"ADDED\",\"object\":{}]"}) {
    WatchDecoder decoder;
    std::vector<WatchStreamEvent> events;
    absl::Status status = decoder.Feed(bad, &events);
    EXPECT_TRUE(absl::IsDataLoss(status)) << bad << " -> " << status;
    EXPECT_TRUE(events.empty()) << bad;
  }
}

TEST(WatchDecoderTest, TruncatedStreamIsUnavailable) {
  WatchDecoder decoder;
  std::vector<WatchStreamEvent> events;
  ASSERT_TRUE(decoder.Feed("{\"type\":\"ADDED\",\"object\":{\"a\":\"}", &events).ok());
  EXPECT_TRUE(events.empty());
  EXPECT_GT(decoder.buffered_bytes(), 0u);
  absl::Status status = decoder.Finish();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
}

TEST(WatchDecoderTest, OversizedEventIsResourceExhaustedEvenBeforeItEnds) {
  WatchDecoder decoder(WatchDecoderOptions{.max_event_bytes = 100});
  std::vector<WatchStreamEvent> events;
  ASSERT_TRUE(decoder.Feed("{\"type\":\"ADDED\",\"object\":{}}", &events).ok());
  absl::Status status =
      decoder.Feed(absl::StrCat("{\"type\":\"ADDED\",\"object\":{\"pad\":\"",
                                std::string(200, 'x')),
                   &events);
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("100 bytes"));
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(decoder.buffered_bytes(), 0u);  // the partial event was dropped
}

TEST(WatchDecoderTest, DeepNestingIsRefused) {
  WatchDecoder decoder(WatchDecoderOptions{.max_depth = 16});
  std::vector<WatchStreamEvent> events;
  absl::Status status = decoder.Feed(
      absl::StrCat("{\"type\":\"ADDED\",\"object\":{\"a\":", std::string(100, '['), "", "}"),
      &events);
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
}

TEST(WatchStreamEventTypeTest, NamesRoundTrip) {
  for (WatchStreamEventType type : {WatchStreamEventType::kAdded, WatchStreamEventType::kModified,
                              WatchStreamEventType::kDeleted, WatchStreamEventType::kBookmark,
                              WatchStreamEventType::kError}) {
    EXPECT_EQ(ParseWatchStreamEventType(WatchStreamEventTypeName(type)), type);
  }
  EXPECT_FALSE(ParseWatchStreamEventType("added").has_value());
}

TEST(ListDecoderTest, MovesItemsAndFillsKindAndApiVersion) {
  absl::StatusOr<ObjectList> list = DecodeList(R"({
    "kind": "PodList", "apiVersion": "v1",
    "metadata": {"resourceVersion": "77", "continue": "tok", "remainingItemCount": 5},
    "items": [{"metadata": {"name": "a"}}, {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "b"}}]
  })");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->resource_version, "77");
  EXPECT_EQ(list->continue_token, "tok");
  EXPECT_EQ(list->remaining_item_count, 5);
  ASSERT_EQ(list->items.size(), 2u);
  EXPECT_EQ(list->items[0]["kind"], "Pod");
  EXPECT_EQ(list->items[0]["apiVersion"], "v1");
  EXPECT_EQ(list->items[1]["metadata"]["name"], "b");
}

TEST(ListDecoderTest, EmptyAndNullItems) {
  absl::StatusOr<ObjectList> list =
      DecodeList(R"({"kind":"PodList","metadata":{"resourceVersion":"1"},"items":null})");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->items.empty());
  EXPECT_TRUE(list->continue_token.empty());
  EXPECT_FALSE(list->remaining_item_count.has_value());
}

TEST(ListDecoderTest, CorruptBodiesAreDataLoss) {
  for (const char* bad : {"", "{\"items\":[", "[]", "{\"items\":{}}", "{\"items\":[1]}"}) {
    absl::Status status = DecodeList(bad).status();
    EXPECT_TRUE(absl::IsDataLoss(status)) << bad << " -> " << status;
  }
}

}  // namespace
}  // namespace flyover::kube
