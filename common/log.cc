#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/base/const_init.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/status.h"

namespace flyover::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kLogfmt};

// Records are written under a reader lock so sinks run concurrently; SetSink() takes the
// writer lock so that a replaced sink has no writes in progress once it returns.
ABSL_CONST_INIT absl::Mutex g_sink_mu(absl::kConstInit);
LogSink* g_sink ABSL_GUARDED_BY(g_sink_mu) = nullptr;

LogSink* StderrSink() {
  static LogSink* const sink = new FdSink(STDERR_FILENO);  // leaked: used until exit
  return sink;
}

void Dispatch(const Record& record) {
  absl::ReaderMutexLock lock(&g_sink_mu);
  (g_sink != nullptr ? g_sink : StderrSink())->Write(record);
}

std::string FormatTimestamp(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

// logfmt (as go-logfmt reads it): a value needs quotes if it is empty or holds a space,
// a control character, '=' or '"'.
bool NeedsQuotes(absl::string_view text) {
  if (text.empty()) return true;
  for (unsigned char c : text) {
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) return true;
  }
  return false;
}

// Appends `text` between double quotes with JSON-compatible escapes, which logfmt
// parsers also accept.
void AppendQuoted(std::string* out, absl::string_view text) {
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void AppendLogfmtPair(std::string* out, absl::string_view key, absl::string_view value) {
  if (!out->empty()) out->push_back(' ');
  // Keys are written by programmers, but a bad one must still not break the line.
  for (unsigned char c : key) {
    const bool bad = c <= ' ' || c == '=' || c == '"' || c == 0x7f;
    out->push_back(bad ? '_' : static_cast<char>(c));
  }
  out->push_back('=');
  if (NeedsQuotes(value)) {
    AppendQuoted(out, value);
  } else {
    out->append(value.data(), value.size());
  }
}

void AppendJsonMember(std::string* out, absl::string_view key, absl::string_view value,
                      bool literal) {
  if (out->back() != '{') out->push_back(',');
  AppendQuoted(out, key);
  out->push_back(':');
  if (literal) {
    out->append(value.data(), value.size());
  } else {
    AppendQuoted(out, value);
  }
}

std::string FormatLogfmt(const Record& record) {
  std::string out;
  AppendLogfmtPair(&out, "ts", FormatTimestamp(record.time));
  AppendLogfmtPair(&out, "level", LevelName(record.level));
  if (!record.logger.empty()) AppendLogfmtPair(&out, "logger", record.logger);
  AppendLogfmtPair(&out, "msg", record.message);
  for (const Field& field : record.fields) {
    AppendLogfmtPair(&out, field.key, field.value.text());
  }
  return out;
}

std::string FormatJson(const Record& record) {
  std::string out = "{";
  AppendJsonMember(&out, "ts", FormatTimestamp(record.time), false);
  AppendJsonMember(&out, "level", LevelName(record.level), false);
  if (!record.logger.empty()) AppendJsonMember(&out, "logger", record.logger, false);
  AppendJsonMember(&out, "msg", record.message, false);
  for (const Field& field : record.fields) {
    AppendJsonMember(&out, field.key, field.value.text(), field.value.json_literal());
  }
  out.push_back('}');
  return out;
}

void WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "unknown";
}

absl::StatusOr<Level> ParseLevel(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log level \"", text, "\"; want debug, info, warn or error"));
}

absl::StatusOr<Format> ParseFormat(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "logfmt" || lower == "text") return Format::kLogfmt;
  if (lower == "json") return Format::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format \"", text, "\"; want logfmt or json"));
}

Value::Value(const char* text) : text_(text != nullptr ? text : "") {}
Value::Value(const std::string& text) : text_(text) {}
Value::Value(std::string&& text) : text_(std::move(text)) {}
Value::Value(absl::string_view text) : text_(text) {}
Value::Value(std::string_view text) : text_(text) {}
Value::Value(const absl::Status& status) : text_(status.ToString()) {}
Value::Value(absl::Duration duration) : text_(absl::FormatDuration(duration)) {}
Value::Value(absl::Time time)
    : text_(absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", time, absl::UTCTimeZone())) {}

Value::Value(double number, FloatTag) {
  // NaN and infinities have no JSON literal; write them as the strings Prometheus uses.
  if (std::isnan(number)) {
    text_ = "NaN";
  } else if (std::isinf(number)) {
    text_ = number > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];  // the shortest round-trip form of a double fits in 24 characters
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), number);
    text_.assign(buffer, result.ptr);
    json_literal_ = true;
  }
}

std::string FormatRecord(const Record& record, Format format) {
  return format == Format::kJson ? FormatJson(record) : FormatLogfmt(record);
}

void FdSink::Write(const Record& record) {
  std::string line = FormatRecord(record, GetFormat());
  line.push_back('\n');
  absl::MutexLock lock(&mu_);
  WriteAll(fd_, line);
}

void CapturingSink::Write(const Record& record) {
  absl::MutexLock lock(&mu_);
  records_.push_back(record);
}

std::vector<Record> CapturingSink::records() const {
  absl::MutexLock lock(&mu_);
  return records_;
}

std::vector<std::string> CapturingSink::messages() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> messages;
  for (const Record& record : records_) messages.push_back(record.message);
  return messages;
}

void CapturingSink::Clear() {
  absl::MutexLock lock(&mu_);
  records_.clear();
}

void SetLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level GetLevel() { return g_level.load(std::memory_order_relaxed); }
bool Enabled(Level level) { return level >= GetLevel(); }
void SetFormat(Format format) { g_format.store(format, std::memory_order_relaxed); }
Format GetFormat() { return g_format.load(std::memory_order_relaxed); }

absl::Status ConfigureFromEnvironment() {
  const char* level_text = std::getenv("FLYOVER_LOG_LEVEL");
  const char* format_text = std::getenv("FLYOVER_LOG_FORMAT");
  absl::StatusOr<Level> level = GetLevel();
  absl::StatusOr<Format> format = GetFormat();
  if (level_text != nullptr && *level_text != '\0') level = ParseLevel(level_text);
  if (format_text != nullptr && *format_text != '\0') format = ParseFormat(format_text);
  if (!level.ok()) return Annotate(level.status(), "FLYOVER_LOG_LEVEL");
  if (!format.ok()) return Annotate(format.status(), "FLYOVER_LOG_FORMAT");
  SetLevel(*level);
  SetFormat(*format);
  return absl::OkStatus();
}

LogSink* SetSink(LogSink* sink) {
  absl::MutexLock lock(&g_sink_mu);
  return std::exchange(g_sink, sink);
}

Logger Logger::WithName(absl::string_view suffix) const {
  Logger child = *this;
  child.name_ = name_.empty() ? std::string(suffix) : absl::StrCat(name_, ".", suffix);
  return child;
}

Logger Logger::WithValues(absl::Span<const Field> fields) const {
  Logger child = *this;
  child.values_.insert(child.values_.end(), fields.begin(), fields.end());
  return child;
}

void Logger::Debug(absl::string_view message, absl::Span<const Field> fields) const {
  Log(Level::kDebug, message, fields);
}
void Logger::Info(absl::string_view message, absl::Span<const Field> fields) const {
  Log(Level::kInfo, message, fields);
}
void Logger::Warn(absl::string_view message, absl::Span<const Field> fields) const {
  Log(Level::kWarn, message, fields);
}
void Logger::Error(absl::string_view message, absl::Span<const Field> fields) const {
  Log(Level::kError, message, fields);
}

void Logger::Error(const absl::Status& error, absl::string_view message,
                   absl::Span<const Field> fields) const {
  if (!Enabled(Level::kError)) return;
  std::vector<Field> with_error(fields.begin(), fields.end());
  with_error.push_back({"error", error});
  Log(Level::kError, message, with_error);
}

void Logger::Log(Level level, absl::string_view message,
                 absl::Span<const Field> fields) const {
  if (!Enabled(level)) return;
  Record record{absl::Now(), level, name_, std::string(message), values_};
  record.fields.insert(record.fields.end(), fields.begin(), fields.end());
  Dispatch(record);
}

void Debug(absl::string_view message, absl::Span<const Field> fields) {
  Logger().Debug(message, fields);
}
void Info(absl::string_view message, absl::Span<const Field> fields) {
  Logger().Info(message, fields);
}
void Warn(absl::string_view message, absl::Span<const Field> fields) {
  Logger().Warn(message, fields);
}
void Error(absl::string_view message, absl::Span<const Field> fields) {
  Logger().Error(message, fields);
}
void Error(const absl::Status& error, absl::string_view message,
           absl::Span<const Field> fields) {
  Logger().Error(error, message, fields);
}

}  // namespace flyover::log
