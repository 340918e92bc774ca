// Structured logging: a constant message plus key/value fields, in the style of
// controller-runtime's logr.
//
//   log::Info("pod bound", {{"pod", pod_key}, {"node", node}, {"dies", 4}});
//
//   log::Logger logger = log::Logger("scheduler").WithValues({{"cycle", cycle}});
//   logger.Error(status, "bind failed", {{"pod", pod_key}});
//
// The message names the event and never varies; everything that varies goes in fields.
// Each record becomes one line on the current sink. The default sink writes to stderr in
// logfmt:
//
//   ts=2026-11-23T18:00:00.123Z level=info logger=scheduler msg="pod bound" pod=default/a
//
// or, with Format::kJson, one JSON object per line. Values containing spaces, quotes, '='
// or control characters are quoted and escaped, so a record is always exactly one line.
//
// Global settings: the minimum level (default info) and the format (default logfmt) are
// process-wide; SetLevel()/SetFormat() change them, ConfigureFromEnvironment() reads
// FLYOVER_LOG_LEVEL and FLYOVER_LOG_FORMAT. Tests swap the sink with ScopedSink and a
// CapturingSink to assert on records.
//
// Thread-safety: every function and class here is safe to use from many threads. Records
// from concurrent calls reach the sink one at a time per line; lines never interleave.
#ifndef FLYOVER_COMMON_LOG_H_
#define FLYOVER_COMMON_LOG_H_

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace flyover::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

// "debug", "info", "warn", "error".
absl::string_view LevelName(Level level);
// Accepts the names above in any case, and "warning". InvalidArgument otherwise.
[[nodiscard]] absl::StatusOr<Level> ParseLevel(absl::string_view text);
// Accepts "logfmt" (or "text") and "json" in any case. InvalidArgument otherwise.
[[nodiscard]] absl::StatusOr<Format> ParseFormat(absl::string_view text);

// A field value, rendered to text when constructed. Implicit constructors make the
// `{"key", value}` syntax work for strings, integers, doubles, bools, absl::Status,
// absl::Duration (as "1.5s") and absl::Time (as RFC 3339 in UTC). Characters are not
// integers here: `{"c", 'x'}` does not compile. The constructors are implicit on purpose.
class Value {
 public:
  Value(const char* text);
  Value(const std::string& text);
  Value(std::string&& text);
  Value(absl::string_view text);
  Value(std::string_view text);
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, wchar_t> &&
             !std::same_as<T, char8_t> && !std::same_as<T, char16_t> &&
             !std::same_as<T, char32_t>)
  Value(T number) : text_(absl::StrCat(+number)), json_literal_(true) {}  // + promotes int8_t
  template <std::floating_point T>
  Value(T number) : Value(static_cast<double>(number), FloatTag{}) {}
  template <std::same_as<bool> T>  // a template so that pointers do not decay to bool
  Value(T flag) : text_(flag ? "true" : "false"), json_literal_(true) {}
  Value(const absl::Status& status);
  Value(absl::Duration duration);
  Value(absl::Time time);

  // The rendered value, unquoted.
  const std::string& text() const { return text_; }
  // Whether JSON output writes text() bare (finite numbers, bools) rather than as a string.
  bool json_literal() const { return json_literal_; }

  friend bool operator==(const Value&, const Value&) = default;

 private:
  struct FloatTag {};
  Value(double number, FloatTag);

  std::string text_;
  bool json_literal_ = false;
};

struct Field {
  std::string key;
  Value value;

  friend bool operator==(const Field&, const Field&) = default;
};

// One log event as handed to a sink.
struct Record {
  absl::Time time;
  Level level = Level::kInfo;
  std::string logger;          // empty for the root logger
  std::string message;
  std::vector<Field> fields;   // the logger's WithValues() fields, then the call's
};

// Renders `record` as one line without the trailing newline. Timestamps are UTC with
// millisecond precision. In JSON, invalid UTF-8 in values is passed through unchanged.
std::string FormatRecord(const Record& record, Format format);

// Where records go. Implementations must be thread-safe and must not log themselves.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(const Record& record) = 0;
};

// Writes each record as one line to a file descriptor it does not own, in the global
// format at the time of writing, with a single locked write loop per line. Write errors
// are dropped: there is nowhere left to report them.
class FdSink final : public LogSink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  void Write(const Record& record) override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const int fd_;
  absl::Mutex mu_;  // held across one line's write(2) calls
};

// Keeps every record it receives, for tests.
class CapturingSink final : public LogSink {
 public:
  void Write(const Record& record) override ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<Record> records() const ABSL_LOCKS_EXCLUDED(mu_);
  // The messages of records(), in order.
  std::vector<std::string> messages() const ABSL_LOCKS_EXCLUDED(mu_);
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::vector<Record> records_ ABSL_GUARDED_BY(mu_);
};

void SetLevel(Level level);
Level GetLevel();
// Whether records at `level` are currently kept. Check it before computing costly fields.
bool Enabled(Level level);
void SetFormat(Format format);
Format GetFormat();
// Applies FLYOVER_LOG_LEVEL and FLYOVER_LOG_FORMAT if set. Unset or empty variables
// leave the setting alone; an invalid value is InvalidArgument and changes nothing.
[[nodiscard]] absl::Status ConfigureFromEnvironment();

// Makes `sink` (not owned; nullptr means the stderr FdSink) receive all records, and
// returns the previous sink (nullptr if it was the default). Waits for writes already in
// progress on the previous sink, so it may be destroyed once this returns.
LogSink* SetSink(LogSink* sink);

// Installs a sink for the lifetime of the object and then restores the previous one.
class ScopedSink {
 public:
  explicit ScopedSink(LogSink* sink) : previous_(SetSink(sink)) {}
  ~ScopedSink() { SetSink(previous_); }
  ScopedSink(const ScopedSink&) = delete;
  ScopedSink& operator=(const ScopedSink&) = delete;

 private:
  LogSink* const previous_;
};

// A named logger with fixed fields. Cheap to copy; immutable, so safe to share.
class Logger {
 public:
  Logger() = default;  // the root logger: no name
  explicit Logger(absl::string_view name) : name_(name) {}

  // A logger named "<name>.<suffix>" (or just "<suffix>" for the root) with the same fields.
  Logger WithName(absl::string_view suffix) const;
  // A logger that adds `fields` after this logger's own fields to every record.
  Logger WithValues(absl::Span<const Field> fields) const;

  const std::string& name() const { return name_; }

  void Debug(absl::string_view message, absl::Span<const Field> fields = {}) const;
  void Info(absl::string_view message, absl::Span<const Field> fields = {}) const;
  void Warn(absl::string_view message, absl::Span<const Field> fields = {}) const;
  void Error(absl::string_view message, absl::Span<const Field> fields = {}) const;
  // Error with the status appended as the field "error", like logr's Error(err, msg).
  void Error(const absl::Status& error, absl::string_view message,
             absl::Span<const Field> fields = {}) const;
  void Log(Level level, absl::string_view message, absl::Span<const Field> fields) const;

 private:
  std::string name_;
  std::vector<Field> values_;
};

// Shorthands for the root logger.
void Debug(absl::string_view message, absl::Span<const Field> fields = {});
void Info(absl::string_view message, absl::Span<const Field> fields = {});
void Warn(absl::string_view message, absl::Span<const Field> fields = {});
void Error(absl::string_view message, absl::Span<const Field> fields = {});
void Error(const absl::Status& error, absl::string_view message,
           absl::Span<const Field> fields = {});

}  // namespace flyover::log

#endif  // FLYOVER_COMMON_LOG_H_
