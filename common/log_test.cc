#include "common/log.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::log {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// 2026-11-23T18:00:00.123Z
const absl::Time kTime = absl::FromUnixMillis(1795456800123);

Record MakeRecord(std::string logger, std::string message, std::vector<Field> fields) {
  return Record{kTime, Level::kInfo, std::move(logger), std::move(message), std::move(fields)};
}

// Saves and restores the process-wide settings, and captures records.
class LogTest : public ::testing::Test {
 protected:
  LogTest() : saved_level_(GetLevel()), saved_format_(GetFormat()), scoped_(&sink_) {}
  ~LogTest() override {
    SetLevel(saved_level_);
    SetFormat(saved_format_);
  }

  const Level saved_level_;
  const Format saved_format_;
  CapturingSink sink_;
  ScopedSink scoped_;
};

TEST(ValueTest, RendersEachKind) {
  EXPECT_EQ(Value("text").text(), "text");
  EXPECT_EQ(Value(std::string("owned")).text(), "owned");
  EXPECT_EQ(Value(absl::string_view("absl")).text(), "absl");
  EXPECT_EQ(Value(std::string_view("std")).text(), "std");
  EXPECT_EQ(Value(-42).text(), "-42");
  EXPECT_EQ(Value(std::numeric_limits<uint64_t>::max()).text(), "18446744073709551615");
  EXPECT_EQ(Value(int8_t{7}).text(), "7");
  EXPECT_EQ(Value(0.25).text(), "0.25");
  EXPECT_EQ(Value(1.5f).text(), "1.5");
  EXPECT_EQ(Value(true).text(), "true");
  EXPECT_EQ(Value(absl::OkStatus()).text(), "OK");
  EXPECT_EQ(Value(absl::NotFoundError("no pod")).text(), "NOT_FOUND: no pod");
  EXPECT_EQ(Value(absl::Milliseconds(1500)).text(), "1.5s");
  EXPECT_EQ(Value(kTime).text(), "2026-11-23T18:00:00.123Z");
}

TEST(ValueTest, MarksJsonLiterals) {
  EXPECT_TRUE(Value(3).json_literal());
  EXPECT_TRUE(Value(2.5).json_literal());
  EXPECT_TRUE(Value(false).json_literal());
  EXPECT_FALSE(Value("3").json_literal());
  EXPECT_FALSE(Value(std::numeric_limits<double>::quiet_NaN()).json_literal());
  EXPECT_EQ(Value(std::numeric_limits<double>::infinity()).text(), "+Inf");
}

TEST(FormatTest, LogfmtLine) {
  const Record record =
      MakeRecord("scheduler", "pod bound", {{"pod", "default/a"}, {"node", "n1"}, {"dies", 4}});
  EXPECT_EQ(FormatRecord(record, Format::kLogfmt),
            "ts=2026-11-23T18:00:00.123Z level=info logger=scheduler msg=\"pod bound\" "
            "pod=default/a node=n1 dies=4");
}

TEST(FormatTest, LogfmtQuotesAndEscapes) {
  const Record record = MakeRecord("", "started", {{"spaced", "a b"},
                                                   {"quoted", "say \"hi\""},
                                                   {"eq", "k=v"},
                                                   {"lines", "one\ntwo\r\tend"},
                                                   {"empty", ""},
                                                   {"slash", "a\\b"},
                                                   {"bad key", 1}});
  EXPECT_EQ(FormatRecord(record, Format::kLogfmt),
            "ts=2026-11-23T18:00:00.123Z level=info msg=started spaced=\"a b\" "
            "quoted=\"say \\\"hi\\\"\" eq=\"k=v\" lines=\"one\\ntwo\\r\\tend\" empty=\"\" "
            "slash=a\\b bad_key=1");
}

TEST(FormatTest, LogfmtEscapesControlCharacters) {
  const Record record = MakeRecord("", "x", {{"bell", std::string("a\x07z")}});
  EXPECT_THAT(FormatRecord(record, Format::kLogfmt), HasSubstr("bell=\"a\\u0007z\""));
}

TEST(FormatTest, JsonLine) {
  Record record = MakeRecord("scheduler", "pod bound",
                             {{"pod", "default/a"}, {"dies", 4}, {"ok", true}, {"ratio", 0.5}});
  record.level = Level::kWarn;
  EXPECT_EQ(FormatRecord(record, Format::kJson),
            "{\"ts\":\"2026-11-23T18:00:00.123Z\",\"level\":\"warn\",\"logger\":\"scheduler\","
            "\"msg\":\"pod bound\",\"pod\":\"default/a\",\"dies\":4,\"ok\":true,\"ratio\":0.5}");
}

TEST(FormatTest, JsonEscapesAndQuotesNonFinite) {
  const Record record = MakeRecord(
      "", "m", {{"text", "a\"b\\c\nd"}, {"nan", std::numeric_limits<double>::quiet_NaN()}});
  EXPECT_EQ(FormatRecord(record, Format::kJson),
            "{\"ts\":\"2026-11-23T18:00:00.123Z\",\"level\":\"info\",\"msg\":\"m\","
            "\"text\":\"a\\\"b\\\\c\\nd\",\"nan\":\"NaN\"}");
}

TEST(ParseTest, LevelsAndFormats) {
  EXPECT_EQ(*ParseLevel("DEBUG"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
  EXPECT_EQ(ParseLevel("loud").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*ParseFormat("JSON"), Format::kJson);
  EXPECT_EQ(*ParseFormat("logfmt"), Format::kLogfmt);
  EXPECT_EQ(ParseFormat("xml").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LogTest, FreeFunctionsUseRootLogger) {
  SetLevel(Level::kInfo);
  Info("pod bound", {{"pod", "default/a"}, {"dies", 4}});
  const std::vector<Record> records = sink_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].level, Level::kInfo);
  EXPECT_EQ(records[0].logger, "");
  EXPECT_EQ(records[0].message, "pod bound");
  EXPECT_THAT(records[0].fields, ElementsAre(Field{"pod", "default/a"}, Field{"dies", 4}));
}

TEST_F(LogTest, NamedLoggerWithValues) {
  const Logger logger =
      Logger("scheduler").WithName("gang").WithValues({{"cycle", 7}}).WithValues({{"a", "b"}});
  logger.Warn("gang waiting", {{"pods", 3}});
  const std::vector<Record> records = sink_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].logger, "scheduler.gang");
  EXPECT_EQ(records[0].level, Level::kWarn);
  EXPECT_THAT(records[0].fields,
              ElementsAre(Field{"cycle", 7}, Field{"a", "b"}, Field{"pods", 3}));
  EXPECT_EQ(Logger().WithName("root").name(), "root");
}

TEST_F(LogTest, ErrorWithStatusAppendsErrorField) {
  Logger("operator").Error(absl::AbortedError("conflict"), "update failed", {{"job", "j1"}});
  const std::vector<Record> records = sink_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].level, Level::kError);
  EXPECT_THAT(records[0].fields,
              ElementsAre(Field{"job", "j1"}, Field{"error", "ABORTED: conflict"}));
}

TEST_F(LogTest, LevelFiltersRecords) {
  SetLevel(Level::kWarn);
  Debug("d");
  Info("i");
  Warn("w");
  Error("e");
  EXPECT_THAT(sink_.messages(), ElementsAre("w", "e"));
  EXPECT_FALSE(Enabled(Level::kInfo));
  SetLevel(Level::kDebug);
  Debug("d2");
  EXPECT_THAT(sink_.messages(), ElementsAre("w", "e", "d2"));
  sink_.Clear();
  EXPECT_TRUE(sink_.records().empty());
}

TEST_F(LogTest, ConfigureFromEnvironment) {
  ASSERT_EQ(setenv("FLYOVER_LOG_LEVEL", "debug", 1), 0);
  ASSERT_EQ(setenv("FLYOVER_LOG_FORMAT", "json", 1), 0);
  EXPECT_TRUE(ConfigureFromEnvironment().ok());
  EXPECT_EQ(GetLevel(), Level::kDebug);
  EXPECT_EQ(GetFormat(), Format::kJson);

  ASSERT_EQ(setenv("FLYOVER_LOG_LEVEL", "error", 1), 0);
  ASSERT_EQ(setenv("FLYOVER_LOG_FORMAT", "yaml", 1), 0);
  const absl::Status status = ConfigureFromEnvironment();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("FLYOVER_LOG_FORMAT"));
  EXPECT_EQ(GetLevel(), Level::kDebug);  // nothing applied

  unsetenv("FLYOVER_LOG_LEVEL");
  unsetenv("FLYOVER_LOG_FORMAT");
  EXPECT_TRUE(ConfigureFromEnvironment().ok());
  EXPECT_EQ(GetLevel(), Level::kDebug);  // unset leaves it alone
}

TEST_F(LogTest, ScopedSinkRestoresPrevious) {
  CapturingSink inner;
  {
    ScopedSink scoped(&inner);
    Info("inner");
  }
  Info("outer");
  EXPECT_THAT(inner.messages(), ElementsAre("inner"));
  EXPECT_THAT(sink_.messages(), ElementsAre("outer"));
}

TEST_F(LogTest, ConcurrentLoggingKeepsEveryRecord) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      const Logger logger = Logger("worker").WithValues({{"thread", t}});
      for (int i = 0; i < kPerThread; ++i) logger.Info("tick", {{"i", i}});
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(sink_.records().size(), static_cast<size_t>(kThreads * kPerThread));
}

// FdSink lines from many threads must arrive whole: each line parses back to its record.
TEST_F(LogTest, FdSinkLinesNeverInterleave) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  FdSink fd_sink(fileno(file));
  SetFormat(Format::kLogfmt);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  const std::string payload(3000, 'x');  // longer than one atomic pipe write
  {
    ScopedSink scoped(&fd_sink);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t, &payload] {
        for (int i = 0; i < kPerThread; ++i) Info("line", {{"t", t}, {"payload", payload}});
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  std::string contents;
  std::rewind(file);
  char buffer[65536];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) contents.append(buffer, n);
  std::fclose(file);

  const std::vector<std::string> lines = absl::StrSplit(contents, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  const size_t line_size =
      std::string_view("ts=2026-11-23T18:00:00.123Z level=info msg=line t=0 payload=").size() +
      payload.size();
  for (const std::string& line : lines) {
    ASSERT_EQ(line.size(), line_size) << line;
    ASSERT_TRUE(absl::StartsWith(line, "ts=")) << line;
    ASSERT_THAT(line, HasSubstr(" level=info msg=line t="));
    ASSERT_TRUE(absl::EndsWith(line, absl::StrCat(" payload=", payload))) << line;
  }
}

}  // namespace
}  // namespace flyover::log
