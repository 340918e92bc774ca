// A stand-in rank program for the agent's process tests: it speaks the rank side of
// docs/design/supervision.md section 3 without training anything.
//
// It writes {"step": s, "loss": L, "stepMillis": M} for s = start+1 .. FAKE_RANK_STEPS on
// FLYOVER_REPORT_FD, where start is FLYOVER_RESUME_STEP (or 0) and L = 1 / (s + rank), a
// {"checkpoint": s} line every FAKE_RANK_CHECKPOINT_EVERY steps, then {"done": true}, and
// exits 0. Knobs (environment):
//   FAKE_RANK_STEPS (default 3), FAKE_RANK_STEP_MS (sleep per step, default 1),
//   FAKE_RANK_CHECKPOINT_EVERY (default 2),
//   FAKE_RANK_FAIL_AT_STEP + FAKE_RANK_FAIL_GENERATION: exit 3 after that step when
//     FLYOVER_GENERATION equals the latter (default generation 0),
//   FAKE_RANK_IGNORE_SIGTERM=1: ignore SIGTERM (the agent must SIGKILL it),
//   FAKE_RANK_ECHO_ENV=A,B: first write {"env": {"A": ..., "B": ...}} (unset -> null),
//   FAKE_RANK_CHECKPOINT_DIR: record each checkpoint step in <dir>/rank-<rank>; without
//     FLYOVER_RESUME_STEP, start after the step recorded there (the trainer's "newest").
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace {

long EnvInt(const char* name, long fallback) {
  const char* value = std::getenv(name);
  long number = fallback;
  if (value == nullptr || !absl::SimpleAtoi(value, &number)) return fallback;
  return number;
}

void WriteLine(int fd, const nlohmann::json& line) {
  const std::string text = line.dump() + "\n";
  if (fd >= 0 && ::write(fd, text.data(), text.size()) < 0) std::_Exit(9);
}

// The step recorded by the last checkpoint of this rank, or 0.
long NewestCheckpoint(const std::string& file) {
  long step = 0;
  if (std::FILE* in = std::fopen(file.c_str(), "r")) {
    if (std::fscanf(in, "%ld", &step) != 1) step = 0;
    std::fclose(in);
  }
  return step;
}

void RecordCheckpoint(const std::string& file, long step) {
  if (file.empty()) return;
  if (std::FILE* out = std::fopen(file.c_str(), "w")) {
    std::fprintf(out, "%ld\n", step);
    std::fclose(out);
  }
}

}  // namespace

int main() {
  const int fd = static_cast<int>(EnvInt("FLYOVER_REPORT_FD", -1));
  const long rank = EnvInt("FLYOVER_RANK", 0);
  const long generation = EnvInt("FLYOVER_GENERATION", 0);
  if (EnvInt("FAKE_RANK_IGNORE_SIGTERM", 0) == 1) ::signal(SIGTERM, SIG_IGN);
  if (const char* names = std::getenv("FAKE_RANK_ECHO_ENV")) {
    nlohmann::json env = nlohmann::json::object();
    for (absl::string_view name : absl::StrSplit(names, ',')) {
      const char* value = std::getenv(std::string(name).c_str());
      env[std::string(name)] = value ? nlohmann::json(value) : nlohmann::json(nullptr);
    }
    WriteLine(fd, {{"env", env}});
  }
  const long steps = EnvInt("FAKE_RANK_STEPS", 3);
  const long every = EnvInt("FAKE_RANK_CHECKPOINT_EVERY", 2);
  const long fail_at = EnvInt("FAKE_RANK_FAIL_AT_STEP", -1);
  const long fail_generation = EnvInt("FAKE_RANK_FAIL_GENERATION", 0);
  const char* checkpoint_dir = std::getenv("FAKE_RANK_CHECKPOINT_DIR");
  const std::string checkpoint_file =
      checkpoint_dir ? absl::StrCat(checkpoint_dir, "/rank-", rank) : "";
  const long newest = checkpoint_file.empty() ? 0 : NewestCheckpoint(checkpoint_file);
  for (long step = EnvInt("FLYOVER_RESUME_STEP", newest) + 1; step <= steps; ++step) {
    ::usleep(static_cast<useconds_t>(EnvInt("FAKE_RANK_STEP_MS", 1) * 1000));
    WriteLine(fd, {{"step", step}, {"loss", 1.0 / static_cast<double>(step + rank)},
                   {"stepMillis", 1.0}});
    if (every > 0 && step % every == 0) {
      RecordCheckpoint(checkpoint_file, step);
      WriteLine(fd, {{"checkpoint", step}});
    }
    if (step == fail_at && generation == fail_generation) return 3;
  }
  WriteLine(fd, {{"done", true}});
  return 0;
}
