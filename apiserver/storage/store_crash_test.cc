// Crash safety: a child process writes through a SQLite-backed Store from several threads and
// reports every acknowledged write to the parent over a pipe; the parent kill -9s it mid-stream,
// reopens the database and checks that every acknowledged write is there, that no object is
// half-written, and that revisions keep increasing.
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/store.h"
#include "apiserver/storage/testing/scratch_dir.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

constexpr int kWriters = 8;
constexpr int kKeysPerWriter = 8;
// Each round kills a fresh child of the same database after this many acknowledgements.
constexpr size_t kAcksBeforeKill[] = {150, 400, 250};

// A ~2 KB object whose last field is a checksum of the rest, so a torn value shows.
std::string MakeValue(const std::string& name, int sequence) {
  const std::string body = absl::StrCat(R"({"name":")", name, R"(","seq":)", sequence,
                                        R"(,"pad":")", std::string(2000, 'p'), "\"");
  return absl::StrCat(body, R"(,"sum":)", std::hash<std::string>()(body), "}");
}

bool ValueIsWhole(const std::string& value) {
  const size_t sum = value.rfind(R"(,"sum":)");
  if (sum == std::string::npos || value.back() != '}') return false;
  const std::string body = value.substr(0, sum);
  const std::string digits = value.substr(sum + 7, value.size() - sum - 8);
  return digits == absl::StrCat(std::hash<std::string>()(body));
}

void Report(int fd, const std::string& line) {
  // One write(2) of less than PIPE_BUF bytes: lines from threads never interleave.
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(3);
}

// The child: writes until killed; after each acknowledged write reports
// "<name> <revision> <sequence>".
[[noreturn]] void RunChild(const std::string& path, const std::string& ns, int fd) {
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::OpenSqlite(path);
  if (!opened.ok()) {
    Report(fd, absl::StrCat("error ", opened.status().ToString(), "\n"));
    _exit(1);
  }
  Store& store = **opened;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&store, &ns, fd, w] {
      for (int sequence = 0;; ++sequence) {
        const std::string name = absl::StrCat("w", w, "-", sequence % kKeysPerWriter);
        const ObjectKey key{"pods", ns, name};
        const std::string value = MakeValue(name, sequence);
        absl::StatusOr<StoredObject> written =
            sequence < kKeysPerWriter ? store.Create(key, value) : store.Update(key, value);
        if (!written.ok()) {
          Report(fd, absl::StrCat("error ", written.status().ToString(), "\n"));
          _exit(2);
        }
        Report(fd, absl::StrCat(name, " ", written->revision, " ", sequence, "\n"));
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  _exit(0);
}

struct Ack {
  int64_t revision = 0;
  int sequence = 0;
};

// Reads lines from `fd` into `text` until `want` lines arrived, EOF, or 30 s passed.
size_t ReadLines(int fd, std::string& text, size_t want) {
  size_t lines = 0;
  char buffer[4096];
  while (lines < want) {
    pollfd poller{fd, POLLIN, 0};
    if (poll(&poller, 1, 30000) <= 0) break;
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    for (ssize_t i = 0; i < n; ++i) lines += buffer[i] == '\n' ? 1 : 0;
  }
  return lines;
}

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* statement = nullptr;
  std::string result = "no result";
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

// Starts a writer child on `path` writing into namespace `ns`, kills it after `acks`
// acknowledgements and returns every acknowledgement it sent.
std::string WriteAndKill(const std::string& path, const std::string& ns, size_t acks) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    RunChild(path, ns, fds[1]);
  }
  close(fds[1]);
  std::string text;
  EXPECT_GE(ReadLines(fds[0], text, acks), acks) << text.substr(0, 500);
  EXPECT_EQ(kill(child, SIGKILL), 0);
  int wait_status = 0;
  EXPECT_EQ(waitpid(child, &wait_status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(wait_status)) << text.substr(0, 500);
  ReadLines(fds[0], text, SIZE_MAX);  // acknowledgements already in the pipe count too
  close(fds[0]);
  return text;
}

// The last acknowledged write of each key, by revision.
std::map<std::string, Ack> ParseAcks(const std::string& text, int64_t& max_acked) {
  std::map<std::string, Ack> acked;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    Ack ack;
    if (fields.size() != 3 || !absl::SimpleAtoi(fields[1], &ack.revision) ||
        !absl::SimpleAtoi(fields[2], &ack.sequence)) {
      ADD_FAILURE() << "bad acknowledgement: " << line;
      continue;
    }
    if (ack.revision > acked[fields[0]].revision) acked[fields[0]] = ack;
    max_acked = std::max(max_acked, ack.revision);
  }
  return acked;
}

void ExpectAcknowledgedWritesPresent(const std::string& path, const std::string& ns,
                                     const std::string& acks) {
  int64_t max_acked = 0;
  const std::map<std::string, Ack> acked = ParseAcks(acks, max_acked);
  ASSERT_FALSE(acked.empty());
  EXPECT_EQ(IntegrityCheck(path), "ok");
  absl::StatusOr<std::unique_ptr<Store>> reopened = Store::OpenSqlite(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  Store& store = **reopened;
  EXPECT_GE(store.CurrentRevision(), max_acked);
  for (const auto& [name, ack] : acked) {
    absl::StatusOr<StoredObject> object = store.Get({"pods", ns, name});
    ASSERT_TRUE(object.ok()) << name << ": " << object.status();
    // A later write may have committed without its acknowledgement reaching us.
    EXPECT_GE(object->revision, ack.revision) << name;
    if (object->revision == ack.revision) {
      EXPECT_EQ(object->value, MakeValue(name, ack.sequence));
    }
  }
  absl::StatusOr<ListResult> all = store.List({.resource = "pods", .namespace_ = ns});
  ASSERT_TRUE(all.ok());
  EXPECT_GE(all->items.size(), acked.size());  // a create may land unacknowledged
  for (const StoredObject& item : all->items)
    EXPECT_TRUE(ValueIsWhole(item.value)) << item.key.name;

  const int64_t before = store.CurrentRevision();
  absl::StatusOr<StoredObject> next = store.Create({"pods", ns, "after"}, "{}");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->revision, before + 1);
}

TEST(StoreCrashTest, AcknowledgedWritesSurviveKillNine) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  int round = 0;
  for (size_t acks : kAcksBeforeKill) {
    const std::string ns = absl::StrCat("crash-", round++);
    const std::string text = WriteAndKill(path, ns, acks);
    ExpectAcknowledgedWritesPresent(path, ns, text);
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace flyover::apiserver::storage
