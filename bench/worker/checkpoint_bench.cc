// checkpoint_bench: checkpoint write throughput through CheckpointWriter (snapshot, shard
// write with CRC, fsync, manifest commit, retention) beside a raw sequential write+fsync of
// the same number of bytes to the same filesystem, in the same run; plus the snapshot
// stall (the only part that blocks training) beside a plain memcpy of the same bytes.
//
// For each state size (the bytes one rank checkpoints: parameters of its range + AdamW m
// and v; world size 1 here, so the whole vector) it runs --reps rounds, each interleaving:
//   raw         NewWritableFile, 8 MiB appends, fsync, close, directory fsync;
//   checkpoint  Snapshot() then Wait(); timed from Snapshot() until the manifest is
//               durable (snapshot + commit, from the writer's CheckpointCommitStats);
//               retention (deleting the previous checkpoint, keep = 1) is shown apart;
// and reports the best of each, as a Markdown table. The first snapshot, which also
// allocates and faults in the writer's buffer, is reported on its own ("cold").
//
// Usage: worker_checkpoint_bench [--dir=PATH] [--reps=N] [--sizes_mib=64,256]
// Writes under a fresh temp directory in --dir (default $TMPDIR or /tmp) and removes it.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "worker/checkpoint/checkpoint_writer.h"
#include "worker/checkpoint/shard_format.h"

namespace {

using flyover::FileSystem;
using flyover::WritableFile;
using flyover::worker::CheckpointWriter;
using flyover::worker::CheckpointWriterOptions;
using flyover::worker::ElementRange;
using flyover::worker::RankStateView;

constexpr size_t kChunk = size_t{8} << 20;

struct Flags {
  std::string dir;
  int reps = 5;
  std::vector<int> sizes_mib = {64, 256};
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  const char* tmp = std::getenv("TMPDIR");
  flags.dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--dir=")) {
      flags.dir = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--reps=")) {
      if (!absl::SimpleAtoi(arg, &flags.reps) || flags.reps < 1) flags.reps = 3;
    } else if (absl::ConsumePrefix(&arg, "--sizes_mib=")) {
      flags.sizes_mib.clear();
      for (absl::string_view part : absl::StrSplit(arg, ',')) {
        int mib = 0;
        if (absl::SimpleAtoi(part, &mib) && mib > 0) flags.sizes_mib.push_back(mib);
      }
    } else {
      std::fprintf(stderr, "usage: %s [--dir=PATH] [--reps=N] [--sizes_mib=64,256]\n", argv[0]);
      std::exit(2);
    }
  }
  return flags;
}

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

// The best (shortest) of the repetitions: on a shared disk, interference only adds time.
double Best(const std::vector<double>& seconds) {
  return *std::min_element(seconds.begin(), seconds.end());
}

double Seconds(absl::Time start) { return absl::ToDoubleSeconds(absl::Now() - start); }

// One rank's state of `bytes` bytes: N elements of parameters, m and v (4 bytes each).
struct State {
  std::vector<float> params, m, v;
  std::string rng = std::string(64, 'r');
  std::string cursor = "cursor";

  explicit State(size_t bytes) {
    const size_t n = bytes / 12;
    params.resize(n);
    m.resize(n);
    v.resize(n);
    for (size_t i = 0; i < n; ++i) {
      params[i] = static_cast<float>(i % 1000) * 1e-3f;
      m[i] = static_cast<float>(i % 77) * 1e-4f;
      v[i] = static_cast<float>(i % 91) * 1e-5f;
    }
  }
  RankStateView View(uint64_t step) const {
    return RankStateView{.step = step, .lr_schedule_step = step, .params = params,
                         .range = ElementRange{0, params.size()}, .adam_m = m, .adam_v = v,
                         .rng_state = rng, .data_cursor = cursor};
  }
};

// Raw sequential write of `data` + fsync + close + directory fsync; returns seconds.
double RawWrite(FileSystem& fs, const std::string& dir, const std::string& data) {
  const std::string path = dir + "/raw.bin";
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<WritableFile>> file = fs.NewWritableFile(path);
  Check(file.status(), "raw open");
  for (size_t at = 0; at < data.size(); at += kChunk) {
    Check((*file)->Append(absl::string_view(data).substr(at, kChunk)), "raw append");
  }
  Check((*file)->Sync(), "raw fsync");
  Check((*file)->Close(), "raw close");
  Check(fs.SyncDir(dir), "raw dir fsync");
  const double seconds = Seconds(start);
  Check(fs.DeleteFile(path), "raw delete");
  return seconds;
}

struct Row {
  int mib = 0;
  double bytes = 0;
  double memcpy_s = 0, crc_s = 0, raw_s = 0, ckpt_s = 0, stall_s = 0, cold_stall_s = 0,
         retention_s = 0;
};

Row Measure(FileSystem& fs, const std::string& dir, int mib, int reps) {
  const State state(static_cast<size_t>(mib) << 20);
  const uint64_t body = flyover::worker::ShardBodyBytes(state.View(0));
  std::string data(body, '\0');
  flyover::worker::EncodeShardBody(state.View(0), data.data());
  Row row{.mib = mib, .bytes = static_cast<double>(body)};

  std::string copy(body, '\1');  // faulted in, so memcpy measures bandwidth only
  std::vector<double> memcpy_s, crc_s, raw_s, ckpt_s, stall_s, retention_s;
  for (int r = 0; r < reps; ++r) {
    absl::Time start = absl::Now();
    std::memcpy(copy.data(), data.data(), body);
    memcpy_s.push_back(Seconds(start));
    start = absl::Now();
    volatile uint32_t crc = flyover::worker::Crc32(0, data);
    (void)crc;
    crc_s.push_back(Seconds(start));
  }

  const std::string root = dir + "/ckpt";
  absl::StatusOr<std::unique_ptr<CheckpointWriter>> writer = CheckpointWriter::Create(
      &fs, nullptr, CheckpointWriterOptions{.root = root, .keep = 1, .write_chunk_bytes = kChunk});
  Check(writer.status(), "create writer");
  for (int r = 0; r <= reps; ++r) {  // round 0 is the cold one
    if (r > 0) raw_s.push_back(RawWrite(fs, dir, data));
    Check((*writer)->Snapshot(state.View(static_cast<uint64_t>(r + 1))), "snapshot");
    Check((*writer)->Wait(absl::Minutes(5)), "checkpoint");
    const flyover::worker::CheckpointCommitStats stats = *(*writer)->last_commit_stats();
    if (r == 0) {
      row.cold_stall_s = absl::ToDoubleSeconds(stats.snapshot);
    } else {
      stall_s.push_back(absl::ToDoubleSeconds(stats.snapshot));
      ckpt_s.push_back(absl::ToDoubleSeconds(stats.snapshot + stats.commit));
      retention_s.push_back(absl::ToDoubleSeconds(stats.retention));
    }
  }
  writer->reset();
  Check(fs.DeleteDirRecursively(root), "cleanup");
  row.memcpy_s = Best(memcpy_s);
  row.crc_s = Best(crc_s);
  row.raw_s = Best(raw_s);
  row.ckpt_s = Best(ckpt_s);
  row.stall_s = Best(stall_s);
  row.retention_s = Best(retention_s);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  FileSystem& fs = *flyover::DefaultFileSystem();
  const std::string dir =
      absl::StrCat(flags.dir, "/flyover_checkpoint_bench_", absl::ToUnixNanos(absl::Now()));
  Check(fs.CreateDirs(dir), "create temp dir");

  std::printf("checkpoint write vs raw write+fsync, world size 1, best of %d, in %s\n\n",
              flags.reps, dir.c_str());
  std::printf("| state | raw write+fsync MB/s | checkpoint MB/s | ckpt/raw | snapshot stall ms "
              "| memcpy ms (peer) | cold snapshot ms | retention ms | crc32 GB/s |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (int mib : flags.sizes_mib) {
    const Row row = Measure(fs, dir, mib, flags.reps);
    const double mb = row.bytes / 1e6;
    std::printf("| %d MiB | %.0f | %.0f | %.2f | %.1f | %.1f | %.1f | %.1f | %.2f |\n", row.mib,
                mb / row.raw_s, mb / row.ckpt_s, row.raw_s / row.ckpt_s, row.stall_s * 1e3,
                row.memcpy_s * 1e3, row.cold_stall_s * 1e3, row.retention_s * 1e3,
                row.bytes / row.crc_s / 1e9);
    std::fflush(stdout);
  }
  Check(fs.DeleteDirRecursively(dir), "remove temp dir");
  return 0;
}
